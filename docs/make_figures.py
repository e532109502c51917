"""Regenerate the figures used in README.md and docs/ (run: make docs-figures).

Every number drawn comes from a nernst engine call; this script only arranges
the figures.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import nernst  # noqa: E402
from nernst.membrane import charge_to_move, sphere  # noqa: E402
from nernst.plot import ion_color, plot_compare, plot_ghk_iv, plot_rest  # noqa: E402
from nernst.presets import list_presets, load_preset  # noqa: E402
from nernst.rest import resting_state  # noqa: E402

HERE = Path(__file__).resolve().parent / "figures"


def rest_figure():
    spec = load_preset("mammalian_neuron")
    plot_rest(resting_state(spec, pump_ratio=1.5), HERE / "rest_mammalian_neuron.png", spec=spec)


def compare_figure():
    specs = [load_preset(n) for n in list_presets()]
    plot_compare([resting_state(s) for s in specs], specs, HERE / "compare_presets.png")


def ghk_vs_weighted_figure():
    """V_rest against P_Na/P_K: GHK vs the permeability-weighted average (mammalian neuron)."""
    spec = load_preset("mammalian_neuron")
    k, na = spec.ion("K"), spec.ion("Na")
    t = spec.temperature_c
    ratio = np.logspace(-3, 1, 400)
    ghk = nernst.zero_current_potential([k.inside_mM, na.inside_mM], [k.outside_mM, na.outside_mM], [1, 1],
                                        [1.0, ratio], t)
    ek = nernst.nernst(k.inside_mM, k.outside_mM, 1, t)
    ena = nernst.nernst(na.inside_mM, na.outside_mM, 1, t)
    weighted = nernst.weighted_average_potential([ek, ena], [1.0, ratio])
    mn = nernst.mullins_noda_potential(na.inside_mM, na.outside_mM, k.inside_mM, k.outside_mM, ratio, 1.0, 1.5, t)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.semilogx(ratio, ghk, color="black", lw=2, label="GHK zero-current potential")
    ax.semilogx(ratio, weighted, color="#555555", ls="--", lw=1.5, label="permeability-weighted average of E_X")
    ax.semilogx(ratio, mn, color="#882255", ls="-.", lw=1.5, label="GHK with a 3:2 pump (Mullins-Noda)")
    ax.axhline(ek, color=ion_color("K"), lw=1, label=f"E_K = {ek:.1f} mV")
    ax.axhline(ena, color=ion_color("Na"), lw=1, label=f"E_Na = {ena:+.1f} mV")
    ax.axvline(0.05, color="#BBBBBB", lw=1)
    ax.text(0.052, 0, "P_Na/P_K = 0.05", rotation=90, va="bottom", fontsize=8, color="#777777")
    ax.set_xlabel("P_Na / P_K")
    ax.set_ylabel("resting potential (mV)")
    ax.set_title("K+ and Na+ only, mammalian concentrations, 37 degC", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(HERE / "ghk_vs_weighted.png", dpi=150)
    plt.close(fig)


def ghk_iv_figure():
    v = np.linspace(-120, 60, 361)
    result = {"ion": "K", "inside_mM": 140.0, "outside_mM": 5.0, "permeability_cm_s": 1e-6, "voltage_mV": v,
              "current_uA_cm2": nernst.ghk_current(v, 140.0, 5.0, 1, 1e-6, 37.0),
              "equilibrium_mV": nernst.nernst(140.0, 5.0, 1, 37.0)}
    plot_ghk_iv(result, HERE / "ghk_iv_K.png")


def capacitor_figure():
    """Fraction of the intracellular K+ pool that must leave to charge the membrane to -70 mV."""
    radii = np.logspace(-0.5, 2.5, 60)  # um
    frac = [charge_to_move(sphere(r), 1.0, 70.0, 1, 140.0).fraction_of_pool for r in radii]
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    ax.loglog(radii, frac, color=ion_color("K"), lw=2)
    ax.set_xlabel("radius of a spherical cell (um)")
    ax.set_ylabel("fraction of the cell's K+ that crosses")
    ax.set_title("Charging 1 uF/cm^2 to -70 mV with K+ (140 mM inside)", fontsize=10)
    for r in (1.0, 10.0, 100.0):
        f = charge_to_move(sphere(r), 1.0, 70.0, 1, 140.0).fraction_of_pool
        ax.plot(r, f, "o", color="black", ms=4)
        ax.annotate(f"{f:.1e} at r = {r:g} um", (r, f), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(HERE / "capacitor_fraction.png", dpi=150)
    plt.close(fig)


def cell_figures():
    """The living cell: Kay 2017 time course, the story, and each scenario."""
    from nernst.cellconfig import load_cell_config
    from nernst.dynamics import simulate
    from nernst.plot import plot_story, plot_trajectory
    from nernst.presets import resolve_cell_config
    from nernst.story import run_story

    for name in ("kay2017", "scenario_pump_block", "scenario_hyperkalemia", "scenario_kcc2_loss",
                 "scenario_ischemia", "scenario_donnan_swelling"):
        cfg = load_cell_config(resolve_cell_config(name))
        traj = simulate(cfg.model, cfg.duration_s, initial=cfg.initial_state(), protocol=cfg.protocol,
                        n_points=cfg.points)
        plot_trajectory(traj, HERE / f"{name}.png")
    plot_story(run_story(load_cell_config(resolve_cell_config("story_neuron"))), HERE / "story.png")


def main():
    HERE.mkdir(parents=True, exist_ok=True)
    rest_figure()
    compare_figure()
    ghk_vs_weighted_figure()
    ghk_iv_figure()
    capacitor_figure()
    cell_figures()
    print(f"figures written to {HERE}")


if __name__ == "__main__":
    main()

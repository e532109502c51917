"""Regenerate the figures used in README.md and docs/ (run: make docs-figures).

With arguments, only the named groups or figures: ``python docs/make_figures.py excitability``
(groups: equilibrium, living_cell, excitability, sweeps, mechanisms) or a function name such as ``ais_figure``.

Every number drawn comes from a nernst engine call; this script only arranges
the figures.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.ticker

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
    from nernst.dynamics import simulate, start_state
    from nernst.plot import plot_story, plot_trajectory
    from nernst.presets import resolve_cell_config
    from nernst.story import run_story

    for name in ("kay2017", "scenario_pump_block", "scenario_hyperkalemia", "scenario_kcc2_loss",
                 "scenario_ischemia", "scenario_donnan_swelling"):
        cfg = load_cell_config(resolve_cell_config(name))
        traj = simulate(cfg.model, cfg.duration_s, initial=start_state(cfg), protocol=cfg.protocol,
                        n_points=cfg.points)
        plot_trajectory(traj, HERE / f"{name}.png")
    plot_story(run_story(load_cell_config(resolve_cell_config("story_neuron"))), HERE / "story.png")


# ---------------------------------------------------------------------------
# excitability (docs/excitability.md): spikes, clamp, cables, synapses
# ---------------------------------------------------------------------------

NA_COLOR, K_COLOR, CL_COLOR = ion_color("Na"), ion_color("K"), ion_color("Cl")
ARROW = {"arrowstyle": "->", "color": "#444444"}


def _save_exc(fig, name):
    fig.savefig(HERE / name, dpi=150, bbox_inches="tight")
    plt.close(fig)


def _panel_label(ax, text):
    ax.text(-0.02, 1.02, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=11, fontweight="bold")


def _plain_log_ticks(*axis):
    """Tick labels 0.1, 1, 10 instead of 10^-1, 10^0, 10^1."""
    for a in axis:
        a.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        a.set_minor_formatter(matplotlib.ticker.NullFormatter())


def spike_anatomy_figure():
    """One action potential: V against E_Na and E_K, the currents under it, the gates."""
    from nernst.excitability import simulate_hh
    from nernst.stimulus import Step

    r = simulate_hh(stimulus=Step(20.0, 1.0, 0.5), duration=14.0, dt=0.01)
    p, t, v = r.params, r.t_ms, r.v_mV
    m, h, n = r.gates.T
    g_na, g_k = p.g_na * m**3 * h, p.g_k * n**4
    cur = r.currents()
    ipk = int(np.argmax(v))
    itr = ipk + int(np.argmin(v[ipk:]))
    chord = (g_na * p.e_na + g_k * p.e_k + p.g_l * p.e_l) / (g_na + g_k + p.g_l)
    fig, axes = plt.subplots(3, 1, figsize=(8.5, 8.6), sharex=True, gridspec_kw={"height_ratios": [2.2, 1.4, 1.1]})
    ax = axes[0]
    for a in axes:
        a.axvspan(1.0, 1.5, color="#e8e8e8", lw=0)
    ax.plot(t, v, color="black", lw=1.8)
    ax.axhline(p.e_na, color=NA_COLOR, ls="--", lw=1)
    ax.axhline(p.e_k, color=K_COLOR, ls="--", lw=1)
    ax.axhline(r.rest_mV, color="#999999", ls=":", lw=1)
    ax.text(13.9, p.e_na + 2, f"E_Na = {p.e_na:+.0f} mV", color=NA_COLOR, ha="right", va="bottom", fontsize=9)
    ax.text(13.9, p.e_k - 2, f"E_K = {p.e_k:.0f} mV", color=K_COLOR, ha="right", va="top", fontsize=9)
    ax.text(13.9, r.rest_mV + 1.5, f"rest {r.rest_mV:.0f} mV", color="#777777", ha="right", va="bottom", fontsize=9)
    ax.text(1.25, -95, "0.5 ms pulse\n20 uA/cm$^2$", ha="center", va="bottom", fontsize=8, color="#555555")
    ax.annotate(f"peak {v[ipk]:+.1f} mV, below E_Na: K+ channels are already\nopening and Na+ channels inactivating. "
                f"The g-weighted\naverage of E_Na, E_K, E_L at that instant is {chord[ipk]:+.1f} mV",
                (t[ipk], v[ipk]), xytext=(4.3, 22), fontsize=8.5, arrowprops=ARROW)
    ax.annotate(f"undershoot {v[itr]:.1f} mV: Na+ channels shut,\nK+ channels still open, so V heads for E_K",
                (t[itr], v[itr]), xytext=(6.8, -45), fontsize=8.5, arrowprops=ARROW)
    ax.set_ylim(-100, 62)
    ax.set_ylabel("V (mV)")
    ax.set_title("One action potential of the Hodgkin-Huxley membrane (6.3 degC)", fontsize=11)
    ax = axes[1]
    ax.plot(t, cur["I_Na"], color=NA_COLOR, lw=1.5, label="I_Na (Na+ flows in)")
    ax.plot(t, cur["I_K"], color=K_COLOR, lw=1.5, label="I_K (K+ flows out)")
    ax.plot(t, cur["I_L"], color="#777777", lw=1.0, label="I_L (leak)")
    ax.axhline(0, color="#bbbbbb", lw=0.6)
    ax.set_ylabel("current (uA/cm$^2$)\noutward +, inward -")
    ax.legend(fontsize=8, loc="lower right")
    ax = axes[2]
    for g, col, lab in ((m, NA_COLOR, "m (Na+ activation, fast)"), (h, "#56B4E9", "h (Na+ inactivation, slow)"),
                        (n, K_COLOR, "n (K+ activation, slow)")):
        ax.plot(t, g, color=col, lw=1.5, label=lab)
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("gate (open fraction)")
    ax.set_xlabel("time (ms)")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_xlim(0, 14)
    fig.align_ylabels(axes)
    fig.tight_layout()
    _save_exc(fig, "spike_anatomy.png")


def _second_pulse_threshold(interval, first, width=0.5, hi=500.0):
    """Smallest second pulse (uA/cm^2) that fires a second spike *interval* ms after the first (NaN: none <= hi)."""
    from nernst.excitability import simulate_hh
    from nernst.stimulus import Step

    def fires(a):
        r = simulate_hh(stimulus=[Step(first, 1.0, width), Step(a, 1.0 + interval, width)], duration=interval + 15.0,
                        record=False)
        return r.spike_counts[0] >= 2

    if not fires(hi):
        return float("nan")
    lo = 0.0
    for _ in range(16):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if fires(mid) else (mid, hi)
    return hi


def threshold_refractory_figure():
    """All-or-none threshold, and the refractory period after a spike (two pulses)."""
    from nernst.excitability import simulate_hh
    from nernst.stimulus import Step

    grid = np.arange(0.0, 30.0, 0.01)  # one cell per amplitude (vectorized)
    scan = simulate_hh(grid, duration=15.0, stimulus=Step(1.0, 1.0, 0.5), record=False)
    thr = float(grid[np.argmax(scan.spike_counts > 0)])
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    ax = axes[0]
    factors = [0.5, 0.9, 0.99, 1.01, 1.5, 3.0]
    runs = simulate_hh(thr * np.array(factors), duration=15.0, stimulus=Step(1.0, 1.0, 0.5))
    cmap = plt.get_cmap("viridis")
    for k, f in enumerate(factors):
        ax.plot(runs.t_ms, runs.v_mV[:, k], color=cmap(k / (len(factors) - 1)), lw=1.3,
                label=f"{f:g} x threshold")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V (mV)")
    ax.set_title(f"0.5 ms pulses: threshold {thr:.2f} uA/cm$^2$\nall or none, later near threshold", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    _panel_label(ax, "a")
    ax = axes[1]
    first = 1.5 * thr
    for k, iv in enumerate((5.0, 10.0, 15.0, 25.0)):
        r = simulate_hh(stimulus=[Step(first, 1.0, 0.5), Step(first, 1.0 + iv, 0.5)], duration=40.0)
        ax.plot(r.t_ms, r.v_mV, color=cmap(k / 3), lw=1.3,
                label=f"second pulse after {iv:g} ms: {'spike' if r.spike_counts[0] > 1 else 'no spike'}")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V (mV)")
    ax.set_title(f"two equal pulses ({first:.1f} uA/cm$^2$, 0.5 ms)", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_ylim(-85, 75)
    _panel_label(ax, "b")
    ax = axes[2]
    intervals = np.array([4, 5, 5.5, 6, 6.5, 7, 8, 9, 10, 12, 14, 16, 18, 20, 22, 25, 30, 35, 40, 50, 60], float)
    rel = np.array([_second_pulse_threshold(iv, first) for iv in intervals]) / thr
    ok = np.isfinite(rel)
    ax.semilogy(intervals[ok], rel[ok], "o-", color="black", ms=4)
    absolute = intervals[~ok].max() if (~ok).any() else 0.0
    ax.axvspan(0, absolute, color="#f2c4c4", lw=0)
    ax.text(absolute + 4, 0.93, f"<- absolute refractory period (up to {absolute:g} ms):\n"
            "    no pulse up to 500 uA/cm$^2$ fires", ha="left", va="top", fontsize=8,
            transform=ax.get_xaxis_transform())
    ax.axhline(1.0, color="#999999", lw=0.8, ls="--")
    ax.set_yticks([1, 2, 5, 10, 20])
    _plain_log_ticks(ax.yaxis)
    ax.set_xlim(0, 62)
    ax.set_xlabel("interval between the pulses (ms)")
    ax.set_ylabel("threshold of the second pulse\n/ threshold of a single pulse")
    ax.set_title("relative refractory period: a second spike\nneeds a stronger pulse for ~15 ms", fontsize=10)
    imin = int(np.nanargmin(rel))
    ax.annotate(f"supernormal: {rel[imin]:.2f} at {intervals[imin]:g} ms", (intervals[imin], rel[imin]),
                xytext=(28, 3), fontsize=8, arrowprops=ARROW)
    _panel_label(ax, "c")
    fig.tight_layout()
    _save_exc(fig, "threshold_refractory.png")
    return thr


def _steady_rates(currents, temperature, duration=600.0, settle=100.0, threshold=-40.0):
    """Firing rate (Hz, from the mean interspike interval after *settle* ms) and the steady V range per current."""
    from nernst.excitability import simulate_hh

    r = simulate_hh(currents, duration=duration, temperature_c=temperature, threshold=threshold, record=True,
                     record_every=4)
    rate = np.zeros(len(currents))
    for i, ts in enumerate(r.spike_times_ms):
        late = ts[ts > settle]
        if late.size >= 3:
            rate[i] = 1e3 / np.mean(np.diff(late))
    late_v = r.v_mV[r.t_ms > settle]
    return rate, late_v.max(axis=0), late_v.min(axis=0)


def fi_temperature_figure():
    """Repetitive firing: f-I curves at 6.3 and 18.5 degC, spike size against current, spike shape against T."""
    from nernst.excitability import simulate_hh
    from nernst.stimulus import Step

    current = np.arange(0.0, 200.5, 0.5)
    fig, axes = plt.subplots(1, 3, figsize=(15.5, 4.4))
    out = {}
    for temp, col in ((6.3, "black"), (18.5, "#D55E00")):
        rate, vmax, vmin = _steady_rates(current, temp)
        out[temp] = rate
        axes[0].plot(current, rate, color=col, lw=1.6, label=f"{temp:g} degC")
        axes[1].plot(current, vmax, color=col, lw=1.4, label=f"{temp:g} degC: highest V")
        axes[1].plot(current, vmin, color=col, lw=1.0, ls="--", label=f"{temp:g} degC: lowest V")
    ax = axes[0]
    on = current[np.argmax(out[6.3] > 0)]
    last = current[np.nonzero(out[6.3] > 0)[0][-1]]
    ax.annotate(f"starts at {on:g} uA/cm$^2$\nat {out[6.3][np.argmax(out[6.3] > 0)]:.0f} Hz, not at 0 Hz",
                (on, out[6.3][np.argmax(out[6.3] > 0)]), xytext=(25, 10), fontsize=8,
                arrowprops=ARROW)
    ax.annotate(f"spikes fade into depolarization\nblock (last at {last:g} uA/cm$^2$)",
                (last, out[6.3][current == last][0]),
                xytext=(95, 250), fontsize=8, arrowprops=ARROW)
    ax.set_xlabel("injected current (uA/cm$^2$), a step from rest")
    ax.set_ylabel("firing rate (Hz), crossings of -40 mV")
    ax.set_title("f-I curve: 401 currents in one vectorized call", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    _panel_label(ax, "a")
    ax = axes[1]
    ax.axhline(0, color="#bbbbbb", lw=0.6)
    ax.set_xlabel("injected current (uA/cm$^2$)")
    ax.set_ylabel("V after the first 100 ms (mV)")
    ax.set_title("spikes shrink as the current grows", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    _panel_label(ax, "b")
    ax = axes[2]
    cmap = plt.get_cmap("plasma")
    temps = (6.3, 12.0, 18.5, 25.0, 32.0)
    for k, temp in enumerate(temps):
        from nernst.mechanisms.hh import HHParameters, auto_time_step

        step = auto_time_step(HHParameters().at_temperature(temp), 0.01)  # 0.01 ms, finer when warm
        r = simulate_hh(stimulus=Step(40.0, 1.0, 0.5), duration=12.0, dt=step, temperature_c=temp)
        f = r.features()
        lab = (f"{temp:g} degC: peak {f['max_mV']:+.0f} mV, width {f['width_ms'][0]:.2f} ms" if f["spike_count"]
               else f"{temp:g} degC: no spike (peak {f['max_mV']:+.0f} mV)")
        ax.plot(r.t_ms, r.v_mV, color=cmap(k / (len(temps) - 0.5)), lw=1.4, label=lab)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V (mV)")
    ax.set_title("rates x 3 per 10 degC (Q10 = 3): faster, briefer spikes", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    _panel_label(ax, "c")
    fig.tight_layout()
    _save_exc(fig, "fi_temperature.png")


def voltage_clamp_figure():
    """The voltage clamp of HH 1952: Na and K currents after steps, and the I-V relations."""
    from nernst.excitability import iv_curve, voltage_clamp
    from nernst.mechanisms.hh import HHParameters

    p = HHParameters()
    fig, axes = plt.subplots(1, 3, figsize=(15.5, 4.4))
    levels = (-45.0, -25.0, -5.0, 15.0, 35.0, 55.0)
    cmap = plt.get_cmap("viridis")
    for k, lev in enumerate(levels):
        r = voltage_clamp([lev], [10.0], dt=0.01)
        col = cmap(k / (len(levels) - 1))
        axes[0].plot(r["t_ms"], r["I_Na"], color=col, lw=1.4, label=f"to {lev:+.0f} mV")
        axes[1].plot(r["t_ms"], r["I_K"], color=col, lw=1.4, label=f"to {lev:+.0f} mV")
    for ax, name in ((axes[0], "I_Na: fast inward, then inactivates"), (axes[1], "I_K: delayed outward, stays on")):
        ax.axhline(0, color="#bbbbbb", lw=0.6)
        ax.set_xlabel("time after the step from -65 mV (ms)")
        ax.set_title(name, fontsize=10)
    axes[0].set_xlim(0, 5)
    axes[0].set_ylabel("current (uA/cm$^2$), outward +")
    axes[0].legend(fontsize=8, loc="lower right")
    axes[0].text(1.0, 120, "at +55 mV, above E_Na = +50 mV,\nthe Na+ current flows outward", fontsize=8)
    _panel_label(axes[0], "a")
    _panel_label(axes[1], "b")
    ax = axes[2]
    iv = iv_curve(step_ms=10.0)
    ax.plot(iv["test_mV"], iv["peak_I_Na"], "o-", color=NA_COLOR, ms=3.5, lw=1.2, label="peak I_Na")
    ax.plot(iv["test_mV"], iv["steady_I_K"], "s-", color=K_COLOR, ms=3.5, lw=1.2, label="I_K at 10 ms")
    tails = np.arange(-110.0, 41.0, 10.0)
    tail_k = []
    for vt in tails:  # open the K+ channels at +20 mV for 5 ms, then step to vt: the current just after the step
        r = voltage_clamp([20.0, vt], [5.0, 1.0], dt=0.01)
        tail_k.append(r["I_K"][np.searchsorted(r["t_ms"], 5.0)])
    ax.plot(tails, tail_k, "^-", color="#8C510A", ms=4, lw=1.2, label="I_K tail after 5 ms at +20 mV")
    ax.axhline(0, color="#888888", lw=0.6)
    ax.axvline(p.e_na, color=NA_COLOR, ls="--", lw=0.9)
    ax.axvline(p.e_k, color=K_COLOR, ls="--", lw=0.9)
    ax.text(p.e_na + 2, -1300, "E_Na", color=NA_COLOR, fontsize=9)
    ax.text(p.e_k + 2, 1500, "E_K", color=K_COLOR, fontsize=9)
    ax.set_xlabel("clamp potential (mV)")
    ax.set_ylabel("current (uA/cm$^2$), outward +")
    ax.set_title("I-V: each current reverses at its Nernst potential", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    _panel_label(ax, "c")
    fig.tight_layout()
    _save_exc(fig, "voltage_clamp.png")


def passive_cable_figure():
    """Graded potentials on a passive dendrite: simulated against the analytic cable (nernst.cable)."""
    from nernst import cable
    from nernst.axon import run_axon
    from nernst.excitability import Injection, simulate_cable
    from nernst.mechanisms.hh import HHParameters
    from nernst.morphology import Section
    from nernst.stimulus import Step

    d, ri, i_na = 2.0, 100.0, 0.05
    rm = 1e3 / HHParameters().g_l
    lam = cable.length_constant_um(d, rm, ri)
    tau = cable.time_constant_ms(rm)
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 4.5))
    ax = axes[0]
    length = 800.0
    ends = (("sealed", "#CC79A7", cable.steady_state_sealed, (length,)),
            ("infinite", "black", None, ()),
            ("killed", "#0072B2", cable.steady_state_killed, (length,)))
    for end, col, theory, extra in ends:
        run = run_axon(d, length / 1000.0, passive=True, r_axial=ri, stim_amp=i_na, end=end)
        res = run.result
        x = res.x_um
        ax.plot(x[::5], (res.v_mV[-1] - res.rest_mV)[::5], "o", color=col, ms=4, label=f"simulated, {end} far end")
        xx = np.linspace(0.0, length, 200)
        if theory is None:
            vv = cable.steady_state_infinite(xx, i_na, d, rm, ri, semi_infinite=True)
        else:
            vv = theory(xx, *extra, i_na, d, rm, ri)
        ax.plot(xx, vv, color=col, lw=1.2)
    ax.axvline(lam, color="#999999", lw=0.8, ls=":")
    ax.text(lam + 10, 6.6, f"lambda = {lam:.0f} um", fontsize=8, color="#555555")
    ax.set_xlim(0, length)
    ax.set_ylim(0, None)
    ax.set_xlabel("distance from the injection site (um)")
    ax.set_ylabel("steady depolarization (mV)")
    ax.set_title(f"{i_na:g} nA into an {length:g} um, {d:g} um passive cable ({length / lam:.1f} lambda):\n"
                 "dots simulated, lines cable theory (infinite: exp(-x/lambda))", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    _panel_label(ax, "a")
    res = simulate_cable([Section("dend", 4000.0, d, 201, "passive", r_axial_ohm_cm=ri)], duration=40.0, dt=0.025,
                         injections=[Injection(Step(i_na), "dend", 0.0)])
    ax = axes[1]
    t = res.t_ms
    cmap = plt.get_cmap("viridis")
    for k, xl in enumerate((0.0, 1.0, 2.0)):
        i = res.compartment_near(xl * lam)
        col = cmap(k / 2.5)
        ax.plot(t, res.v_mV[:, i] - res.rest_mV, color=col, lw=2.2, alpha=0.55)
        ax.plot(t, cable.step_response_infinite(res.x_um[i], t, i_na, d, rm, ri, semi_infinite=True), color=col,
                ls="--", lw=1.1, label=f"x = {xl:g} lambda ({res.x_um[i]:.0f} um)")
    v_end = res.v_mV[-1, res.compartment_near(0.0)] - res.rest_mV
    ax.plot(t, v_end * (1 - np.exp(-t / tau)), color="#777777", ls=":", lw=1.2,
            label=f"a single compartment, same final V: 1 - exp(-t/tau), tau = {tau:.2f} ms")
    ax.set_xlim(0, 20)
    ax.set_xlabel("time after the current step (ms)")
    ax.set_ylabel("depolarization (mV)")
    ax.set_title("switching the current on, 4000 um cable (9.8 lambda):\n"
                 "thick simulated, dashed cable theory (Hodgkin & Rushton 1946)", fontsize=10)
    ax.legend(fontsize=8, loc="center right")
    _panel_label(ax, "b")
    fig.tight_layout()
    _save_exc(fig, "passive_cable.png")


def epsp_summation_figure():
    """EPSPs on a ball-and-stick neuron: attenuation to the soma, temporal and spatial summation."""
    from nernst.excitability import simulate_cable
    from nernst.mechanisms.synapses import ampa
    from nernst.morphology import ball_and_stick

    secs = ball_and_stick()
    g = 0.005
    rec = [("soma", 0.5), ("dendrite", 0.75)]
    fig, axes = plt.subplots(1, 3, figsize=(15.5, 4.4))
    ax = axes[0]
    r = simulate_cable(secs, 30.0, synapses=[ampa(g, 5.0, "dendrite", 0.75)], record=rec)
    for j, (lab, col) in enumerate((("soma", "black"), ("at the synapse (600 um out)", "#D55E00"))):
        dv = r.v_mV[:, j] - r.rest_mV
        k = int(np.argmax(dv))
        ax.plot(r.t_ms, dv, color=col, lw=1.6, label=f"{lab}: peak {dv[k]:.1f} mV at {r.t_ms[k]:.1f} ms")
    ax.set_ylim(-1, 14.5)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("EPSP (mV above rest)")
    ax.set_title(f"one AMPA synapse ({g * 1e3:g} nS) on the dendrite", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    _panel_label(ax, "a")
    ax = axes[1]
    for iv, col in ((20.0, "#999999"), (5.0, "#56B4E9"), (2.0, "#0072B2")):
        r = simulate_cable(secs, 100.0, synapses=[ampa(g, [5.0 + k * iv for k in range(5)], "dendrite", 0.75)],
                           record=[("soma", 0.5)])
        dv = r.v_mV[:, 0] - r.rest_mV
        ax.plot(r.t_ms, dv, color=col, lw=1.5, label=f"5 inputs {iv:g} ms apart: peak {dv.max():.1f} mV")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V at the soma (mV above rest)")
    ax.set_title("temporal summation at the soma (tau_m = 3.3 ms here)", fontsize=10)
    ax.legend(fontsize=8)
    _panel_label(ax, "b")
    ax = axes[2]
    sets = (([0.75], "#999999"), ([0.75, 0.5], "#56B4E9"), ([0.75, 0.5, 0.25], "#0072B2"),
            ([0.75, 0.5, 0.25, 0.9], "#D55E00"))
    for xs, col in sets:
        r = simulate_cable(secs, 30.0, synapses=[ampa(g, 5.0, "dendrite", x) for x in xs], record=[("soma", 0.5)])
        where = ", ".join(f"{x * 800:.0f}" for x in xs)
        spk = "  -> spike" if r.spike_counts[r.recorded[0]] else ""
        ax.plot(r.t_ms, r.v_mV[:, 0], color=col, lw=1.5, label=f"{len(xs)} at {where} um{spk}")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V at the soma (mV)")
    ax.set_title("spatial summation: synapses at several places at once", fontsize=10)
    ax.legend(fontsize=8, title="AMPA synapses, distance from soma", title_fontsize=8)
    _panel_label(ax, "c")
    fig.tight_layout()
    _save_exc(fig, "epsp_summation.png")


def cable_cli_figure():
    """The figure of `nernst cable --diameter 476 --length 50 --temperature 18.5 --plot ...`."""
    from nernst.axon import run_axon
    from nernst.mechanisms.hh import HHParameters
    from nernst.plot import plot_cable

    plot_cable(run_axon(476.0, 50.0, params=HHParameters().at_temperature(18.5)), HERE / "cable_hh_476um.png")


def propagation_figure():
    """Velocity against diameter; a spike keeps its size, a graded potential fades."""
    from nernst.axon import run_axon
    from nernst.mechanisms.hh import HHParameters

    p = HHParameters().at_temperature(18.5)
    diam = np.array([1, 2, 5, 10, 20, 50, 100, 200, 476, 1000], float)
    vel = np.array([run_axon(d, 50.0, params=p).velocity_m_s for d in diam])
    k = float(np.exp(np.mean(np.log(vel / np.sqrt(diam)))))
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 4.5))
    ax = axes[0]
    dd = np.logspace(0, 3, 50)
    ax.loglog(dd, k * np.sqrt(dd), color="#999999", lw=1.2, label=f"{k:.3f} m/s x sqrt(d / 1 um)")
    ax.loglog(diam, vel, "o", color="black", ms=5, label="simulated HH axons, 50 mm long")
    i476 = int(np.nonzero(diam == 476)[0][0])
    ax.annotate(f"476 um: {vel[i476]:.2f} m/s\n(HH 1952 computed 18.8,\nmeasured 21.2 m/s)", (476, vel[i476]),
                xytext=(12, 18), fontsize=8, arrowprops=ARROW)
    ax.set_xlabel("axon diameter (um)")
    ax.set_ylabel("conduction velocity (m/s)")
    ax.set_title("unmyelinated HH axons at 18.5 degC: velocity grows as sqrt(d)", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, which="both")
    _plain_log_ticks(ax.xaxis, ax.yaxis)
    _panel_label(ax, "a")
    ax = axes[1]
    act = run_axon(476.0, 50.0, params=p)
    brief = run_axon(476.0, 50.0, params=p, passive=True, stim_amp=act.stim_amp_nA, stim_dur=act.stim_dur_ms,
                     duration=act.result.duration_ms)
    held = run_axon(476.0, 50.0, params=p, passive=True)
    for run, v, col, lab in (
            (act, act.result.v_mV.max(axis=0), "black", "action potential (HH membrane): peak"),
            (brief, brief.result.v_mV.max(axis=0), "#0072B2", "same brief pulse, passive membrane: peak"),
            (held, held.result.v_mV[-1], "#56B4E9", "sustained current, passive: steady V")):
        ax.semilogy(run.result.x_um / 1000, v - run.result.rest_mV, color=col, lw=1.8, label=lab)
    ax.axvline(held.lambda_um / 1000, color="#999999", ls=":", lw=0.8)
    ax.text(held.lambda_um / 1000 + 0.5, 0.12, f"lambda = {held.lambda_um / 1000:.1f} mm (leak only)", fontsize=8,
            color="#555555")
    ax.set_xlabel("distance along the 476 um axon (mm)")
    ax.set_ylabel("depolarization above rest (mV)")
    _plain_log_ticks(ax.yaxis)
    ax.set_title("the spike regenerates; a graded potential fades", fontsize=10)
    ax.legend(fontsize=8, loc="center right")
    _panel_label(ax, "b")
    fig.tight_layout()
    _save_exc(fig, "propagation.png")
    return dict(zip(diam, vel))


def myelinated_figure():
    """Saltatory conduction on nernst.morphology.myelinated_axon against a bare axon of the same diameter."""
    from nernst.excitability import Injection, simulate_cable
    from nernst.mechanisms.hh import HHParameters
    from nernst.morphology import axon, myelinated_axon
    from nernst.stimulus import Step

    p = HHParameters().at_temperature(18.5)
    my = simulate_cable(myelinated_axon(n_nodes=41, node_g_na_factor=10.0), duration=3.0, dt=0.005, params=p,
                        injections=[Injection(Step(2.0, 0.0, 0.1), "node0", 0.5)])
    bare = simulate_cable(axon(40_000.0, 10.0), duration=20.0, dt=0.01, params=p,
                          injections=[Injection(Step(80.0, 0.0, 0.1), "axon", 0.0)])
    tree = my.tree
    nodes = [tree.compartment_at(f"node{i}", 0.5) for i in range(41)]
    v_my = my.velocity(tree.x_um[nodes[10]], tree.x_um[nodes[30]])
    v_bare = bare.velocity(10_000.0, 30_000.0)
    fig, axes = plt.subplots(1, 3, figsize=(15.5, 4.4))
    ax = axes[0]
    cmap = plt.get_cmap("viridis")
    for k, i in enumerate(range(10, 16)):
        c = nodes[i]
        ax.plot(my.t_ms, my.v_mV[:, c], color=cmap(k / 6), lw=1.5, label=f"node {i} ({tree.x_um[c] / 1000:.0f} mm)")
    mid = tree.compartment_at("internode13", 0.5)
    ax.plot(my.t_ms, my.v_mV[:, mid], color="#D55E00", ls="--", lw=1.2, label="middle of internode 13 (no channels)")
    dt_node = np.diff(my.first_spike_ms[nodes[10:31]]).mean() * 1e3
    ax.set_xlim(0.2, 1.2)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V (mV)")
    ax.set_title(f"node after node, {dt_node:.0f} us apart (1 mm)", fontsize=10)
    ax.legend(fontsize=7.5, loc="lower right")
    _panel_label(ax, "a")
    ax = axes[1]
    ax.plot(bare.x_um / 1000, bare.first_spike_ms, color="#777777", lw=1.8,
            label=f"bare 10 um axon: {v_bare:.1f} m/s")
    ax.plot(my.x_um / 1000, my.first_spike_ms, color="black", lw=1.8,
            label=f"myelinated 10 um fibre: {v_my:.1f} m/s")
    ax.plot(tree.x_um[nodes] / 1000, my.first_spike_ms[nodes], "o", color="black", ms=3)
    ax.set_xlabel("distance (mm)")
    ax.set_ylabel("arrival time of the spike (ms)")
    ax.set_title(f"myelin: {v_my / v_bare:.0f} x faster at the same diameter", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    _panel_label(ax, "b")
    ax = axes[2]
    t_snap = my.first_spike_ms[nodes[20]]
    i_my = int(np.searchsorted(my.t_ms, t_snap))
    t_b = bare.first_spike_ms[bare.compartment_near(20_000.0)]
    i_b = int(np.searchsorted(bare.t_ms, t_b))
    ax.plot(my.x_um / 1000, my.v_mV[i_my], color="black", lw=1.5, label=f"myelinated, at {my.t_ms[i_my]:.2f} ms")
    ax.plot(bare.x_um / 1000, bare.v_mV[i_b], color="#777777", lw=1.5, label=f"bare, at {bare.t_ms[i_b]:.2f} ms")
    for c in nodes:
        ax.axvline(tree.x_um[c] / 1000, color="#cccccc", lw=0.5, zorder=0)
    ax.set_xlim(0, 40)
    ax.set_xlabel("distance (mm); grey lines: nodes")
    ax.set_ylabel("V (mV)")
    ax.set_title("a snapshot: the spike is velocity x duration long", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    _panel_label(ax, "c")
    fig.tight_layout()
    _save_exc(fig, "myelinated.png")
    return v_my, v_bare, dt_node


def ais_figure():
    """A dendritic input fires the neuron at the axon initial segment first."""
    from nernst.excitability import simulate_cable
    from nernst.mechanisms.synapses import ampa
    from nernst.morphology import soma_dendrite_axon

    syns = [ampa(0.005, 2.0, "dendrite", x) for x in np.linspace(0.3, 0.7, 10)]
    rec = [("dendrite", 0.5), ("soma", 0.5), ("ais", 0.5), ("axon", 0.5), ("axon", 1.0)]
    cols = ("#D55E00", "black", "#CC79A7", "#0072B2", "#56B4E9")
    r = simulate_cable(soma_dendrite_axon(), duration=12.0, dt=0.005, synapses=syns, record=rec)
    x = r.x_um  # path distance from the soma's 0 end, where the dendrite attaches (the soma is 20 um long)
    labels = (f"dendrite, {x[0]:.0f} um from the soma (synapses)", "soma", "axon initial segment",
              f"axon, {x[3] - 20:.0f} um beyond the soma", f"axon end, {x[4] - 20:.0f} um beyond the soma")
    fs = r.first_spike_ms[r.recorded]
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 4.5))
    for ax in axes:
        for j in range(len(rec)):
            lab = labels[j] + (f": 0 mV at {fs[j]:.3f} ms" if np.isfinite(fs[j]) else ": no spike")
            ax.plot(r.t_ms, r.v_mV[:, j], color=cols[j], lw=1.5, label=lab)
        ax.set_xlabel("time (ms)")
        ax.set_ylabel("V (mV)")
    axes[0].set_title("10 AMPA synapses on the dendrite at 2 ms", fontsize=10)
    handles, labs = axes[0].get_legend_handles_labels()
    fig.legend(handles, labs, fontsize=8.5, loc="lower center", ncol=3, bbox_to_anchor=(0.5, -0.1))
    _panel_label(axes[0], "a")
    ax = axes[1]
    t0 = np.nanmin(fs)
    ax.set_xlim(t0 - 0.4, t0 + 0.35)
    ax.set_ylim(-70, 50)
    ax.axhline(0, color="#bbbbbb", lw=0.6)
    ax.set_title(f"zoom: the initial segment crosses 0 mV {1e3 * (fs[1] - fs[2]):.0f} us before the soma",
                 fontsize=10)
    _panel_label(ax, "b")
    fig.tight_layout()
    _save_exc(fig, "ais.png")
    return dict(zip(labels, fs))


def gaba_chloride_figure():
    """AMPA against GABA-A, with E_GABA from the chloride of a pump-leak cell with and without KCC2."""
    from nernst.excitability import simulate_cable
    from nernst.analysis.gaba import gaba_a_reversal_from_cell
    from nernst.mechanisms.synapses import ampa, gaba_a, gaba_a_reversal
    from nernst.morphology import ball_and_stick

    with_k = gaba_a_reversal_from_cell("duesterwald2018")
    without = gaba_a_reversal_from_cell("duesterwald2018", without=("kcc2",))
    # bicarbonate: CO2 equilibrates, so [HCO3]i/[HCO3]o = 10^(pHi - pHo); pHi 7.2, pHo 7.4, [HCO3]o 26 mM
    hco3_o = 26.0
    hco3_i = hco3_o * 10 ** (7.2 - 7.4)
    e_hco3 = gaba_a_reversal(without["cl_in_mM"], without["cl_out_mM"], without["temperature_C"], hco3_i, hco3_o)
    secs = ball_and_stick()
    g_ampa, g_gaba = 0.012, 0.01

    def soma(syns, dur=30.0):
        r = simulate_cable(secs, dur, synapses=syns, record=[("soma", 0.5)])
        return r.t_ms, r.v_mV[:, 0], int(r.spike_counts[r.recorded[0]]), r.rest_mV

    exc = ampa(g_ampa, 5.0, "dendrite", 0.1)
    fig, axes = plt.subplots(1, 3, figsize=(15.5, 4.4))
    fig.suptitle(f"Ball-and-stick HH neuron: AMPA {g_ampa * 1e3:g} nS on the dendrite (80 um from the soma), "
                 f"GABA-A {g_gaba * 1e3:g} nS on the soma, both at 5 ms; E_GABA from [Cl]i of the "
                 "duesterwald2018 cell", fontsize=10.5)
    for ax, e, title in ((axes[0], with_k["e_cl_mV"], f"with KCC2: E_GABA = E_Cl = {with_k['e_cl_mV']:.1f} mV"),
                         (axes[1], without["e_cl_mV"], f"without KCC2: E_GABA = E_Cl = {without['e_cl_mV']:.1f} mV")):
        inh = gaba_a(g_gaba, 5.0, e, "soma", 0.5)
        for syns, col, lab in (([exc], "#D55E00", "AMPA alone"), ([exc, inh], "black", "AMPA + GABA-A"),
                               ([inh], CL_COLOR, "GABA-A alone")):
            t, v, n, rest = soma(syns)
            if n:
                what = "spike"
            else:
                what = f"{v.min() - rest:+.1f} mV" if lab.startswith("GABA") else "no spike"
            ax.plot(t, v, color=col, lw=1.5, label=f"{lab}: {what}")
        ax.axhline(rest, color="#999999", ls=":", lw=0.8)
        ax.set_xlabel("time (ms)")
        ax.set_ylabel("V at the soma (mV)")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8, loc="upper right")
    _panel_label(axes[0], "a")
    _panel_label(axes[1], "b")
    ax = axes[2]
    e_grid = np.arange(-90.0, -29.0, 2.0)
    peak, blocks, fires = [], [], []
    for e in e_grid:
        inh = gaba_a(g_gaba, 5.0, float(e), "soma", 0.5)
        t, v, n, rest = soma([inh])
        dv = v - rest
        peak.append(dv.max() if dv.max() > -dv.min() else dv.min())
        fires.append(n > 0)
        blocks.append(soma([exc, inh])[2] == 0)
    peak, blocks, fires = np.array(peak), np.array(blocks), np.array(fires)
    ax.plot(e_grid[~fires], peak[~fires], "o-", color=CL_COLOR, ms=3.5, lw=1.2,
            label="GABA-A alone: largest change of V")
    if fires.any():
        ax.plot(e_grid[fires], np.full(fires.sum(), 12.0), "^", color="#D55E00", ms=6,
                label="GABA-A alone fires a spike")
    if blocks.any():
        ax.axvspan(e_grid[blocks].min() - 1, e_grid[blocks].max() + 1, color="#dfe9f5", lw=0,
                   label="GABA-A stops the AMPA spike")
    ax.axhline(0, color="#bbbbbb", lw=0.6)
    marks = ((with_k["e_cl_mV"], "--", f"with KCC2 ({with_k['e_cl_mV']:.1f})"),
             (without["e_cl_mV"], "--", f"without KCC2 ({without['e_cl_mV']:.1f})"),
             (rest, ":", f"HH rest ({rest:.0f})"),
             (e_hco3, "--", f"without KCC2, with HCO3- ({e_hco3:.1f})"))
    for e, ls, lab in marks:
        ax.axvline(e, color="black" if ls == "--" else "#777777", lw=0.8, ls=ls)
        ax.text(e - 0.4, 16.5, lab, fontsize=7.5, rotation=90, ha="right", va="top")
    ax.set_ylim(-11, 17)
    ax.set_xlabel("E_GABA (mV)")
    ax.set_ylabel("change of soma V (mV)")
    ax.set_title("what decides is E_GABA against rest and threshold", fontsize=10)
    ax.legend(fontsize=7.5, loc="lower right")
    _panel_label(ax, "c")
    fig.tight_layout()
    _save_exc(fig, "gaba_chloride.png")
    return with_k, without, e_hco3


EXCITABILITY_FIGURES = (spike_anatomy_figure, threshold_refractory_figure, fi_temperature_figure,
                        voltage_clamp_figure, passive_cable_figure, epsp_summation_figure, cable_cli_figure,
                        propagation_figure, myelinated_figure, ais_figure, gaba_chloride_figure)


def excitability_figures():
    for make in EXCITABILITY_FIGURES:
        make()


# ---------------------------------------------------------------------------
# sweeps (docs/sweeps.md): the example files in docs/sweeps/, run through nernst.sweep
# ---------------------------------------------------------------------------

SWEEPS = Path(__file__).resolve().parent / "sweeps"


def _run_example(name):
    """The result of docs/sweeps/<name>.toml, computed in this process (what `nernst sweep` runs)."""
    from nernst.sweep import load_sweep, run_sweep

    return run_sweep(load_sweep(SWEEPS / f"{name}.toml"))


def sweep_k_na_rest_figure():
    """V_rest over outside K+ and P_Na/P_K: the figure of `--plot`, and three rows of it against E_K."""
    from nernst.plot import plot_sweep

    ds = _run_example("k_na_rest").dataset
    plot_sweep(ds, "v_rest_mV", HERE / "sweep_k_na_rest.png")
    k = ds["K_out"].values
    fig, ax = plt.subplots(figsize=(7, 4.6))
    ek = ds["E_K_mV"].isel(P_Na=0).values
    ax.semilogx(k, ek, color=K_COLOR, lw=1.5, ls="--",
                label=f"E_K (Nernst): {np.mean(np.gradient(ek, np.log10(k))):.1f} mV per decade of K_out")
    cmap = plt.get_cmap("viridis")
    for j, p in enumerate((0.01, 0.05, 0.2)):
        row = ds["v_rest_mV"].sel(P_Na=p, method="nearest")
        slope = np.gradient(row.values, np.log10(k))
        ax.semilogx(k, row.values, color=cmap(j / 2.5), lw=2,
                    label=f"V_rest (GHK), P_Na/P_K = {float(row['P_Na']):.2g}: "
                          f"{slope[0]:.0f} mV/decade at 1 mM, {slope[-1]:.0f} at 100 mM")
    base = ds["v_rest_mV"].sel(P_Na=0.05, K_out=5.0, method="nearest")
    ax.plot(float(base["K_out"]), float(base), "o", color="black", ms=5)
    ax.annotate(f"the preset: {float(base):.1f} mV", (float(base["K_out"]), float(base)), xytext=(1.15, -58),
                fontsize=8, arrowprops=ARROW)
    ax.set_xlabel("K_out (mM)")
    ax.set_ylabel("potential (mV)")
    _plain_log_ticks(ax.xaxis)
    ax.set_title("Rows of the heatmap: V_rest leaves E_K where K_out is low", fontsize=10)
    ax.legend(fontsize=7.5, loc="lower right")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    _save_exc(fig, "sweep_k_na_slices.png")


def sweep_sensitivity_figure():
    """The tornado of `--plot` for the mammalian neuron's resting potential."""
    from nernst.plot import plot_tornado
    from nernst.sweep import sensitivity

    sens = sensitivity(_run_example("sensitivity_rest"))
    plot_tornado(sens, "v_rest_mV", HERE / "sweep_sensitivity_rest.png")


def sweep_ecl_population_figure():
    """100,000 sampled neurons: the scatter of `--plot`, and how often E_Cl sits above rest."""
    from nernst.plot import plot_sweep

    ds = _run_example("ecl_population").dataset
    plot_sweep(ds, "driving_Cl_mV", HERE / "sweep_ecl_population.png")
    d = ds["driving_Cl_mV"].values
    above = float(np.mean(d < 0))
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 4.4))
    ax = axes[0]
    bins = np.arange(np.floor(d.min()), np.ceil(d.max()) + 1.0, 1.0)
    ax.hist(d[d < 0], bins=bins, color=CL_COLOR, label=f"E_Cl above rest: {above:.1%} of the cells")
    ax.hist(d[d >= 0], bins=bins, color="#999999", label=f"E_Cl below rest: {1 - above:.1%}")
    ax.axvline(0, color="black", lw=1)
    ax.set_xlabel("driving_Cl_mV = V_rest - E_Cl (mV)")
    ax.set_ylabel("cells per 1 mV bin")
    ax.set_title(f"{d.size:,} cells of the Latin hypercube", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    _panel_label(ax, "a")
    ax = axes[1]
    cl = ds["Cl_in"].values
    edges = np.geomspace(4.0, 30.0, 25)
    mid = np.sqrt(edges[1:] * edges[:-1])
    idx = np.digitize(cl, edges) - 1
    frac = np.array([np.mean(d[idx == i] < 0) for i in range(mid.size)])
    ax.semilogx(mid, frac, "o-", color=CL_COLOR, ms=4)
    ax.axhline(0.5, color="#999999", lw=0.8, ls=":")
    half = float(np.interp(0.5, frac, mid))
    ax.annotate(f"half of the cells at [Cl]i = {half:.1f} mM", (half, 0.5), xytext=(12, 0.2), fontsize=8,
                arrowprops=ARROW)
    ax.set_xticks([4, 5, 7, 10, 15, 20, 30])
    _plain_log_ticks(ax.xaxis)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("[Cl-] inside (mM), in 24 bins")
    ax.set_ylabel("fraction of the cells with E_Cl above rest")
    ax.set_title("the other four parameters only blur the step", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    _panel_label(ax, "b")
    fig.tight_layout()
    _save_exc(fig, "sweep_ecl_fraction.png")
    return above, half


def sweep_kay_figure():
    """The kay2017 pump-leak cell over pump rate and outside K+: volume and resting potential."""
    from nernst.plot import plot_sweep

    ds = _run_example("kay_pump_steady").dataset
    plot_sweep(ds, "volume_rel", HERE / "sweep_kay_volume.png")
    pump = ds["pump"].values
    fig, axes = plt.subplots(1, 3, figsize=(15.5, 4.4))
    cmap = plt.get_cmap("viridis")
    for j, k in enumerate(ds["K_out"].values):
        row = ds.sel(K_out=k)
        col = cmap(j / (ds.sizes["K_out"] - 0.5))
        axes[0].semilogx(pump, row["v_rest_mV"].values, color=col, lw=1.6, label=f"K_out {k:g} mM")
        axes[1].semilogx(pump, row["Na_in_mM"].values, color=col, lw=1.6, label=f"Na_in, K_out {k:g} mM")
        axes[1].semilogx(pump, row["K_in_mM"].values, color=col, lw=1.2, ls="--")
        axes[2].semilogx(pump, row["volume_rel"].values, color=col, lw=1.6, label=f"K_out {k:g} mM")
    for ax in axes:
        ax.axvline(0.5, color="#999999", lw=0.8, ls=":")
        ax.set_xlabel("pump current (uA/cm$^2$); dotted: kay2017's 0.5")
        ax.grid(alpha=0.3, which="both")
        _plain_log_ticks(ax.xaxis)
    axes[0].set_ylabel("steady V (mV)")
    axes[0].set_title("a faster pump makes the cell more negative", fontsize=10)
    axes[0].legend(fontsize=8, loc="upper right")
    axes[1].set_ylabel("inside concentration (mM); solid Na+, dashed K+")
    axes[1].set_title("it swaps the cell's Na+ for K+", fontsize=10)
    axes[2].set_ylabel("volume / initial volume")
    axes[2].axhline(1.0, color="#bbbbbb", lw=0.6)
    axes[2].set_title("and keeps it small: a slow pump, a swollen cell", fontsize=10)
    for ax, lab in zip(axes, "abc"):
        _panel_label(ax, lab)
    fig.tight_layout()
    _save_exc(fig, "sweep_kay_lines.png")


def sweep_fi_curve_figure():
    """f-I curves at two temperatures, one line per temperature (the heatmap of `--plot` has only two rows)."""
    ds = _run_example("fi_curve").dataset
    fig, ax = plt.subplots(figsize=(7, 4.4))
    for temp, col in zip(ds["T"].values, ("black", "#D55E00")):
        row = ds.sel(T=temp)
        cur, rate = row["I"].values, row["rate_hz"].values
        on = int(np.argmax(row["spike_count"].values >= 10))  # sustained firing: 10 spikes or more in 500 ms
        ax.plot(cur, rate, "o-", color=col, ms=2.5, lw=1.4,
                label=f"{temp:g} degC: fires on from {cur[on]:g} uA/cm$^2$, at {rate[on]:.0f} Hz")
        ax.annotate(f"{cur[on]:g} uA/cm$^2$: {rate[on]:.0f} Hz", (cur[on], rate[on]),
                    xytext=(cur[on] + 2.0, rate[on] - 35), fontsize=8, color=col, arrowprops=ARROW)
    ax.set_xlabel("injected current (uA/cm$^2$), a 500 ms step from rest")
    ax.set_ylabel("rate_hz: spikes / 500 ms (Hz)")
    ax.set_title("f-I curves of the HH membrane from docs/sweeps/fi_curve.toml", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    _save_exc(fig, "sweep_fi_curve.png")


def sweep_velocity_figure():
    """Conduction velocity against diameter on log-log axes, one line per temperature."""
    ds = _run_example("velocity_diameter").dataset
    d = ds["d"].values
    fig, ax = plt.subplots(figsize=(7, 4.6))
    for temp, col in zip(ds["T"].values, ("black", "#D55E00")):
        v = ds["velocity_m_s"].sel(T=temp).values
        slope = np.polyfit(np.log(d), np.log(v), 1)[0]
        ax.loglog(d, v, "o-", color=col, ms=5, lw=1.4, label=f"{temp:g} degC: v grows as d^{slope:.3f}")
    v476 = float(ds["velocity_m_s"].sel(T=18.5, d=476.0))
    ax.annotate(f"Hodgkin & Huxley's 476 um axon:\n{v476:.2f} m/s (they computed 18.8)", (476.0, v476),
                xytext=(25, 15), fontsize=8, arrowprops=ARROW)
    ax.set_xlabel("axon diameter d (um)")
    ax.set_ylabel("conduction velocity (m/s)")
    ax.set_title("Unmyelinated HH axons, 50 mm long (docs/sweeps/velocity_diameter.toml)", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, which="both")
    ax.set_yticks([1, 2, 5, 10, 20])
    _plain_log_ticks(ax.xaxis, ax.yaxis)
    fig.tight_layout()
    _save_exc(fig, "sweep_velocity_diameter.png")


SWEEP_FIGURES = (sweep_k_na_rest_figure, sweep_sensitivity_figure, sweep_ecl_population_figure, sweep_kay_figure,
                 sweep_fi_curve_figure, sweep_velocity_figure)


# ---------------------------------------------------------------------------
# mechanisms (docs/mechanisms.md)
# ---------------------------------------------------------------------------

def _docs_toml(page, name):
    """The ``# NAME`` TOML block of a docs page (so that the figure draws the cell the page shows)."""
    import re

    text = (Path(__file__).resolve().parent / page).read_text()
    for block in re.findall(r"```toml\n(.*?)```", text, re.S):
        if block.startswith(f"# {name}"):
            return block
    raise SystemExit(f"{page}: no toml block named {name}")


def kir_figure():
    """Kir4.1 (Halnes et al. 2013): the I-V relation at three bath K+, and the astrocyte's V against bath K+."""
    import tempfile

    from nernst.config.cell import load_cell
    from nernst.mechanisms.base import MembraneState
    from nernst.mechanisms.kir import Kir
    from nernst.physics.constants import FARADAY, GAS_CONSTANT
    from nernst.physics.equilibrium import nernst as e_nernst

    kir, k_in, t_c = Kir(), 100.0, 24.85
    vt = 1e3 * GAS_CONSTANT * (t_c + 273.15) / FARADAY
    v = np.linspace(-160, 0, 321)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.4))
    cmap = plt.get_cmap("viridis")
    for j, ko in enumerate((3.0, 6.0, 12.0)):
        st = MembraneState(v=v, inside={"K": k_in}, outside={"K": ko}, vt=vt, valence={"K": 1})
        color = cmap(j / 2.6)
        a.plot(v, kir.current(st), color=color, lw=2, label=f"[K]o = {ko:g} mM (E_K = {e_nernst(k_in, ko, 1, t_c):.1f} mV)")
        a.plot(e_nernst(k_in, ko, 1, t_c), 0, "o", color=color, ms=5)
    a.axhline(0, color="#999999", lw=0.8)
    a.set_xlabel("V (mV)")
    a.set_ylabel("I_Kir (uA/cm^2, outward +)")
    a.set_title(f"A  Kir4.1 alone, [K]i = {k_in:g} mM: more current in than out", fontsize=10, loc="left")
    a.annotate("below about -120 mV the\nsecond factor of f closes it", (-150, -330), xytext=(-118, -300), fontsize=8,
               arrowprops=ARROW)
    a.legend(fontsize=8, loc="upper left")
    a.grid(alpha=0.3)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "astrocyte.toml"
        path.write_text(_docs_toml("mechanisms.md", "astrocyte.toml"))
        ks = np.geomspace(1.5, 30.0, 13)
        vs, eks = [], []
        for ko in ks:
            st = nernst.start_state(load_cell(path, [f"ions.K.outside={ko}"]))
            vs.append(st.voltage_mV)
            eks.append(e_nernst(st.inside_mM["K"], st.outside_mM["K"], 1, t_c))
    slope = np.polyfit(np.log10(ks), vs, 1)[0]
    b.semilogx(ks, vs, "o-", color="black", lw=1.5, ms=4,
               label=f"steady V of the cell: {slope:.1f} mV per decade (fit, 1.5-30 mM)")
    b.semilogx(ks, eks, color=K_COLOR, lw=2, ls="--", label="E_K (Nernst, with the steady [K]i): V sits just above it")
    b.set_xlabel("bath K+ (mM)")
    b.set_ylabel("potential (mV)")
    b.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    b.set_xticks([2, 5, 10, 20])
    b.set_xticklabels(["2", "5", "10", "20"])
    b.set_title("B  the astrocyte-like cell of the page follows E_K", fontsize=10, loc="left")
    b.legend(fontsize=8, loc="lower right")
    b.grid(alpha=0.3, which="both")
    fig.tight_layout()
    _save_exc(fig, "kir_astrocyte.png")


MECHANISM_FIGURES = (kir_figure,)


GROUPS = {
    "equilibrium": (rest_figure, compare_figure, ghk_vs_weighted_figure, ghk_iv_figure, capacitor_figure),
    "living_cell": (cell_figures,),
    "excitability": EXCITABILITY_FIGURES,
    "sweeps": SWEEP_FIGURES,
    "mechanisms": MECHANISM_FIGURES,
}


def main(argv=None):
    """Regenerate every figure, or only the groups or figures named on the command line:
    ``python docs/make_figures.py excitability`` or ``python docs/make_figures.py ais_figure``."""
    import sys

    names = sys.argv[1:] if argv is None else list(argv)
    every = {f.__name__: f for group in GROUPS.values() for f in group}
    todo = []
    for name in names or list(GROUPS):
        if name in GROUPS:
            todo.extend(GROUPS[name])
        elif name in every:
            todo.append(every[name])
        else:
            raise SystemExit(f"make_figures.py: unknown group or figure {name!r}; groups: {', '.join(GROUPS)}; "
                             f"figures: {', '.join(every)}")
    HERE.mkdir(parents=True, exist_ok=True)
    for make in todo:
        make()
    print(f"figures written to {HERE}")


if __name__ == "__main__":
    main()

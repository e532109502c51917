"""Matplotlib figures for the faces (PNG, SVG or PDF).  No physics here: every
number drawn comes from a report computed by the engine."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ION_COLORS", "plot_rest", "plot_compare", "plot_ghk_iv", "plot_sweep", "plot_tornado"]

#: One colour per ion everywhere in nernst (Okabe-Ito palette, colour-blind safe).
ION_COLORS = {
    "K": "#E69F00",
    "Na": "#0072B2",
    "Cl": "#009E73",
    "Ca": "#CC79A7",
    "Mg": "#56B4E9",
    "H": "#D55E00",
    "HCO3": "#7F7F7F",
}


def ion_color(symbol: str) -> str:
    return ION_COLORS.get(symbol, "#444444")


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path) -> Path:
    path = Path(path)
    fig.savefig(path, dpi=150, bbox_inches="tight")
    _plt().close(fig)
    return path


def plot_rest(report, path, spec=None) -> Path:
    """Equilibrium potentials, the resting potential(s), driving forces and current shares.

    Left: each ion's E_X, an arrow from E_X to V_rest (the driving force) and the
    resting potential by GHK, the textbook weighted average and, where given,
    the chord-conductance equation.  Right: each ion's share of the current at rest.
    """
    plt = _plt()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 5), gridspec_kw={"width_ratios": [1.6, 1]})
    ions = [i for i in report.ions if i.equilibrium_mV is not None]
    v = report.rest_mV
    lines = [(report.ghk_mV, dict(color="black", lw=2), f"GHK {report.ghk_mV:.1f} mV")]
    wlabel = "weighted avg (P)" if report.mode == "permeability" else "weighted avg (g)"
    lines.append((report.weighted_mV, dict(color="#555555", lw=1.5, ls="--"), f"{wlabel} {report.weighted_mV:.1f} mV"))
    if report.chord_mV is not None:
        lines.append((report.chord_mV, dict(color="#555555", lw=1.5, ls=":"), f"chord {report.chord_mV:.1f} mV"))
    if report.pumped_mV is not None:
        lines.append((report.pumped_mV, dict(color="#882255", lw=1.5, ls="-."),
                      f"with a {report.pump_ratio:g}:1 pump {report.pumped_mV:.1f} mV "
                      f"(share {report.pump_share_mV:+.1f})"))
    if spec is not None and "rest_mV" in (spec.published or {}):
        pub = spec.published["rest_mV"]
        lines.append((pub, dict(color="#AA3377", lw=1, ls=(0, (1, 3))), f"published {pub:.0f} mV"))
    values = [i.equilibrium_mV for i in ions] + [y for y, _, _ in lines] + [0.0]
    lo, hi = min(values), max(values)
    pad = 0.08 * (hi - lo)
    ax.set_ylim(lo - pad, hi + pad)
    near = 0.05 * (hi - lo + 2 * pad)  # a label this close to a horizontal line would sit on it
    for k, ion in enumerate(ions):
        c = ion_color(ion.symbol)
        e = ion.equilibrium_mV
        alpha = 1.0 if ion.current != 0.0 else 0.35  # faded: impermeant, carries no current
        ax.plot([k - 0.3, k + 0.3], [e, e], color=c, lw=4, solid_capstyle="butt", alpha=alpha)
        ax.annotate("", xy=(k, v), xytext=(k, e), arrowprops=dict(arrowstyle="->", color=c, lw=1.5, alpha=0.8 * alpha))
        text = f"E_{ion.symbol} {e:+.1f}"
        if ion.driving_force_mV is not None:
            text += f"\nV - E_{ion.symbol} {ion.driving_force_mV:+.0f}"
        y = e
        for ly, _, _ in lines:  # step off the resting-potential lines, away from V
            if abs(y - ly) < near:
                y = ly - near if e <= v else ly + near
        ax.text(k + 0.33, y, text, va="center", fontsize=8.5, color=c, alpha=max(alpha, 0.7),
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
    for y, style, label in lines:
        ax.axhline(y, label=label, **style)
    ax.axhline(0, color="#BBBBBB", lw=0.8)
    ax.set_xticks(range(len(ions)), [i.symbol if i.current != 0.0 else f"{i.symbol}\n(impermeant)" for i in ions])
    ax.set_xlim(-0.6, len(ions) - 0.1 + 0.6)
    ax.set_ylabel("membrane potential (mV, inside - outside)")
    title = (spec.title if spec is not None and spec.title else report.name) or "membrane"
    ax.set_title(f"{title}, {report.temperature_c:g} degC\narrows: driving force V - E_X (mV)", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.95)
    ax.grid(axis="y", alpha=0.3)

    perm = [i for i in report.ions if i.current != 0.0]
    ax2.barh([i.symbol for i in perm], [100 * i.current_share for i in perm], color=[ion_color(i.symbol) for i in perm])
    ax2.axvline(0, color="black", lw=0.8)
    ax2.set_xlabel("share of the current at rest (%)\n<- inward      outward ->")
    ax2.set_title(f"currents at V = {v:.1f} mV sum to zero", fontsize=10)
    ax2.invert_yaxis()
    ax2.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def plot_compare(reports, specs, path) -> Path:
    """One row per preset: E_K, E_Na, E_Cl, GHK, weighted average and published rest."""
    plt = _plt()
    n = len(reports)
    fig, ax = plt.subplots(figsize=(10, 0.55 * n + 1.6))
    # three lanes per preset, so that markers at nearly the same potential do not hide each other:
    # E_X on the row, the computed potentials just above it, the published value just below
    for row, (rep, spec) in enumerate(zip(reports, specs)):
        ax.axhline(row, color="#EEEEEE", lw=0.8, zorder=0)
        for ion in rep.ions:
            if ion.symbol in ("K", "Na", "Cl") and ion.equilibrium_mV is not None:
                ax.plot(ion.equilibrium_mV, row, "o", color=ion_color(ion.symbol), ms=7,
                        label=f"E_{ion.symbol}" if row == 0 else None)
        ax.plot(rep.ghk_mV, row - 0.22, "s", color="black", ms=6, label="GHK" if row == 0 else None)
        ax.annotate(f"{rep.ghk_mV:.1f}", (rep.ghk_mV, row - 0.22), xytext=(5, 0), textcoords="offset points",
                    va="center", fontsize=7)
        ax.plot(rep.weighted_mV, row - 0.22, "D", mfc="none", mec="#555555", ms=7,
                label="weighted average" if row == 0 else None)
        pub = (spec.published or {}).get("rest_mV")
        if pub is not None:
            ax.plot(pub, row + 0.22, "*", color="#AA3377", ms=10, label="published rest" if row == 0 else None)
    ax.set_yticks(range(n), [s.name for s in specs])
    ax.invert_yaxis()
    ax.axvline(0, color="#BBBBBB", lw=0.8)
    ax.set_xlabel("mV")
    ax.set_title("Same physics, different numbers: why textbooks quote different resting potentials", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    seen = {}
    for h, l in zip(handles, labels):
        seen.setdefault(l, h)
    ax.legend(seen.values(), seen.keys(), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.06 - 0.6 / max(n, 1)), ncol=6)
    fig.tight_layout()
    return _save(fig, path)


def plot_ghk_iv(result: dict, path) -> Path:
    """GHK current-voltage curve, with E_X marked."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    sym = result["ion"]
    ax.plot(result["voltage_mV"], result["current_uA_cm2"], color=ion_color(sym), lw=2, label=f"GHK current of {sym}")
    ax.axhline(0, color="black", lw=0.8)
    if result.get("equilibrium_mV") is not None:
        ax.axvline(result["equilibrium_mV"], color="#555555", ls="--", lw=1, label=f"E_{sym} = {result['equilibrium_mV']:.1f} mV")
    ax.set_xlabel("membrane potential (mV)")
    ax.set_ylabel("current density (uA/cm^2, outward +)")
    ax.set_title(f"{sym}: inside {result['inside_mM']:g} mM, outside {result['outside_mM']:g} mM, "
                 f"P = {result['permeability_cm_s']:g} cm/s", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def plot_trajectory(traj, path, title: str | None = None, log_time: bool = False,
                    settle_s: float | None = None) -> Path:
    """Time course of a pump-leak cell: V with every E_X, inside concentrations, volume.

    Protocol events are marked with vertical lines.  *log_time* draws time on a log
    axis (for a step whose fast phase lasts milliseconds and whose slow one hours, as
    in the story); *settle_s* marks when the state has settled.
    """
    import numpy as np

    plt = _plt()
    t = traj.t_s
    if log_time:
        keep = t > 0
        traj_t = t[keep]
        unit, scale = "s, log scale", 1.0
    else:
        keep = slice(None)
        unit, scale = ("h", 3600.0) if t[-1] >= 3 * 3600 else ("min", 60.0) if t[-1] >= 180 else ("s", 1.0)
        traj_t = t
    x = traj_t / scale
    fig, axes = plt.subplots(3, 1, figsize=(8, 8.5), sharex=True, gridspec_kw={"height_ratios": [1.4, 1.2, 0.8]})
    ax_v, ax_c, ax_w = axes
    m = traj.model
    vt = m.vt
    for s in m.species:
        e = vt / m.valence[s] * np.log(traj.outside_mM[s][keep] / traj.inside_mM[s][keep])
        if np.all(np.abs(e) < 200):
            ax_v.plot(x, e, color=ion_color(s), lw=1, ls="--", label=f"E_{s}")
    ax_v.plot(x, traj.voltage_mV[keep], color="black", lw=2, label="V")
    ax_v.set_ylabel("mV")
    ax_v.legend(fontsize=8, ncol=5, loc="best")
    for s in m.species:
        ax_c.semilogy(x, traj.inside_mM[s][keep], color=ion_color(s), lw=1.8, label=f"[{s}]i")
    for k, v in traj.impermeant_mM.items():
        ax_c.semilogy(x, v[keep], color="#777777", lw=1.2, ls=":", label=f"[{k}]i (impermeant)")
    ax_c.set_ylabel("inside (mM)")
    ax_c.legend(fontsize=8, ncol=4, loc="best")
    ax_w.plot(x, traj.volume_rel[keep], color="#332288", lw=1.8)
    ax_w.set_ylabel("volume / initial")
    ax_w.set_xlabel(f"time ({unit})")
    for ax in axes:
        ax.grid(alpha=0.3)
        if log_time:
            ax.set_xscale("log")
        if settle_s:
            ax.axvline(settle_s / scale, color="#228833", lw=1, ls=":")
    if settle_s:
        when = f"{settle_s / 3600:.2g} h" if settle_s >= 3600 else f"{settle_s / 60:.2g} min" if settle_s >= 120 \
            else f"{settle_s:.2g} s"
        ax_w.annotate(f"settled ({when})", (settle_s / scale, ax_w.get_ylim()[0]), fontsize=8,
                      color="#228833", xytext=(3, 4), textcoords="offset points")
        for t_ev, desc in traj.events:
            ax.axvline(t_ev / scale, color="#AA3377", lw=1, ls="-.")
    for t_ev, desc in traj.events:
        ax_v.annotate(desc, (t_ev / scale, ax_v.get_ylim()[1]), fontsize=8, color="#AA3377", rotation=0,
                      xytext=(3, -12), textcoords="offset points")
    ax_v.set_title(title or m.title or m.name or "pump-leak cell", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def plot_story(result, path) -> Path:
    """The story at a glance: V and every E_X after each step, and the volume."""
    import numpy as np

    plt = _plt()
    steps = result.steps
    x = np.arange(len(steps))
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(9, 7), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    ions = list(steps[-1].equilibrium_mV)
    for s in ions:
        e = np.array([st.equilibrium_mV.get(s, np.nan) for st in steps], dtype=float)
        ax.plot(x, np.clip(e, -150, 150), "o--", color=ion_color(s), lw=1, ms=5, label=f"E_{s}")
    v = np.array([st.vm_mV for st in steps])
    ax.plot(x, v, "s-", color="black", lw=2.5, ms=7, label="V")
    for k, st in enumerate(steps):
        ax.annotate(f"{st.vm_mV:.1f}", (k, st.vm_mV), textcoords="offset points", xytext=(8, 6), fontsize=8,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
    ax.axhline(0, color="#BBBBBB", lw=0.8)
    ax.set_ylabel("mV (E_X clipped to +-150)")
    ax.legend(fontsize=8, ncol=len(ions) + 1, loc="upper left", framealpha=0.95)
    ax.grid(alpha=0.3)
    ax.set_title(f"How the resting potential forms: {result.cell}", fontsize=10)
    ax2.bar(x, [st.volume_rel for st in steps], color="#332288", alpha=0.7)
    ax2.set_ylabel("volume / initial")
    ax2.set_xticks(x, [f"{k}. {st.name}" for k, st in enumerate(steps)], rotation=15)
    ax2.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


# ---------------------------------------------------------------------------
# excitability
# ---------------------------------------------------------------------------

CURRENT_COLORS = {"I_Na": ION_COLORS["Na"], "I_K": ION_COLORS["K"], "I_L": "#777777"}


def plot_spike(result, path):
    """V(t) of one HH patch, the ionic currents under it and the gates."""
    plt = _plt()
    fig, axes = plt.subplots(3, 1, figsize=(8, 7.5), sharex=True, gridspec_kw={"height_ratios": [2, 1.4, 1]})
    t = result.t_ms
    p = result.params
    ax = axes[0]
    ax.plot(t, result.v_mV, color="black", lw=1.2, label="V")
    for name, e, col in (("E_Na", p.e_na, ION_COLORS["Na"]), ("E_K", p.e_k, ION_COLORS["K"]),
                         ("E_L", p.e_l, "#777777")):
        ax.axhline(e, color=col, ls="--", lw=0.8)
        ax.text(0.995, e, f"{name} {e:+.0f} ", color=col, va="bottom", ha="right", fontsize=8,
                transform=ax.get_yaxis_transform())
    ax.axhline(result.rest_mV, color="#999999", ls=":", lw=0.8)
    for ts in result.spike_times_ms[0]:
        ax.plot([ts], [result.threshold_mV], marker="|", color="#D55E00", ms=10)
    ax.set_ylabel("V (mV)")
    ax.set_title(f"Hodgkin-Huxley membrane, {p.temperature_c:g} degC: {result.spike_counts[0]} spikes "
                 f"(reversals: {p.reversal_source})", fontsize=10)
    cur = result.currents()
    for name, arr in cur.items():
        axes[1].plot(t, arr, color=CURRENT_COLORS[name], lw=1.0, label=name)
    axes[1].axhline(0, color="#bbbbbb", lw=0.6)
    axes[1].set_ylabel("current (uA/cm$^2$)\noutward +")
    axes[1].legend(loc="lower right", fontsize=8, ncol=3)
    for j, (g, col) in enumerate(zip("mhn", ("#0072B2", "#56B4E9", "#E69F00"))):
        axes[2].plot(t, result.gates[:, j], color=col, lw=1.0, label=g)
    axes[2].set_ylim(-0.02, 1.02)
    axes[2].set_ylabel("gates")
    axes[2].set_xlabel("time (ms)")
    axes[2].legend(loc="upper right", fontsize=8, ncol=3)
    fig.align_ylabels(axes)
    return _save(fig, path)


def plot_clamp(runs, path):
    """Na and K currents after voltage-clamp steps (one colour per step)."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=False)
    cmap = plt.get_cmap("viridis")
    for k, r in enumerate(runs):
        col = cmap(k / max(len(runs) - 1, 1))
        lev = r["v_mV"][-1]
        axes[0].plot(r["t_ms"], r["I_Na"], color=col, label=f"{lev:+.0f} mV")
        axes[1].plot(r["t_ms"], r["I_K"], color=col)
    axes[0].set_title("I_Na (inward negative)", fontsize=10)
    axes[1].set_title("I_K", fontsize=10)
    for ax in axes:
        ax.axhline(0, color="#bbbbbb", lw=0.6)
        ax.set_xlabel("time after step (ms)")
    axes[0].set_ylabel("current (uA/cm$^2$)")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Voltage clamp from {runs[0]['holding_mV']:.1f} mV", fontsize=11)
    return _save(fig, path)


def plot_iv(iv, params, path):
    """Peak I_Na and steady I_K against the clamp potential."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.plot(iv["test_mV"], iv["peak_I_Na"], "o-", color=ION_COLORS["Na"], ms=3, label="peak I_Na")
    ax.plot(iv["test_mV"], iv["steady_I_K"], "s-", color=ION_COLORS["K"], ms=3, label="steady I_K")
    ax.axhline(0, color="#888888", lw=0.6)
    ax.axvline(params.e_na, color=ION_COLORS["Na"], ls="--", lw=0.8)
    ax.axvline(params.e_k, color=ION_COLORS["K"], ls="--", lw=0.8)
    ax.set_xlabel("clamp potential (mV)")
    ax.set_ylabel("current (uA/cm$^2$), outward +")
    ax.set_title(f"HH I-V from {iv['holding_mV']:.0f} mV (dashed: E_Na, E_K)", fontsize=10)
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_cable(run, path):
    """V(x) snapshots and V(t) at 1/4 and 3/4 of an axon run (see nernst.axon)."""
    import numpy as np

    plt = _plt()
    r = run.result
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    x_mm = r.x_um / 1000.0
    n_snap = 6
    fs = r.first_spike_ms[np.isfinite(r.first_spike_ms)]
    if not run.passive and fs.size > 1:  # while the spike travels
        times = np.linspace(fs.min(), fs.max(), n_snap)
    else:  # a passive response builds up: early times matter most
        times = r.t_ms[-1] * np.array([0.02, 0.05, 0.1, 0.2, 0.4, 1.0])
    idx = np.clip(np.searchsorted(r.t_ms, times), 0, len(r.t_ms) - 1)
    cmap = plt.get_cmap("viridis")
    for k, i in enumerate(idx):
        axes[0].plot(x_mm, r.v_mV[i], color=cmap(k / max(n_snap - 1, 1)), label=f"{r.t_ms[i]:.2f} ms")
    axes[0].set_xlabel("distance from the stimulated end (mm)")
    axes[0].set_ylabel("V (mV)")
    axes[0].legend(fontsize=7, title="time", title_fontsize=7)
    for i, lab in ((run.i_quarter, "1/4"), (run.i_three_quarter, "3/4")):
        col = int(np.nonzero(r.recorded == i)[0][0])
        axes[1].plot(r.t_ms, r.v_mV[:, col], label=f"at {lab} ({r.tree.x_um[i] / 1000:.2f} mm)")
    axes[1].set_xlabel("time (ms)")
    axes[1].set_ylabel("V (mV)")
    axes[1].legend(fontsize=8)
    v = run.velocity_m_s
    what = "half-amplitude point" if run.passive else "action potential"
    vtxt = "did not arrive" if v is None else f"{v:.2f} m/s"
    fig.suptitle(f"{'Passive' if run.passive else 'HH'} axon, {run.diameter_um:g} um x {run.length_mm:g} mm, "
                 f"{r.params.temperature_c:g} degC: {what} {vtxt}; lambda = {run.lambda_um / 1000:.2f} mm",
                 fontsize=10)
    return _save(fig, path)


def plot_spike_ions(res, path):
    """V, [Na]i and [K]i, and the pump current of a run with moving ions."""
    plt = _plt()
    fig, axes = plt.subplots(3, 1, figsize=(8, 7), sharex=True)
    t = res.t_ms
    axes[0].plot(t, res.v_mV, color="black", lw=0.8)
    axes[0].set_ylabel("V (mV)")
    axes[0].set_title(f"HH patch with moving Na+ and K+ ({res.diameter_um:g} um, "
                      f"{res.params.temperature_c:g} degC): {len(res.spike_times_ms)} spikes", fontsize=10)
    ax = axes[1]
    ax.plot(t, res.na_in_mM, color=ION_COLORS["Na"], label="[Na]i")
    ax.set_ylabel("[Na]i (mM)", color=ION_COLORS["Na"])
    ax2 = ax.twinx()
    ax2.plot(t, res.k_in_mM, color=ION_COLORS["K"], label="[K]i")
    ax2.set_ylabel("[K]i (mM)", color=ION_COLORS["K"])
    axes[2].plot(t, res.i_pump_uA_cm2, color="#D55E00")
    axes[2].set_ylabel("pump current\n(uA/cm$^2$)")
    axes[2].set_xlabel("time (ms)")
    return _save(fig, path)


def _label(ds, name: str) -> str:
    """Axis label of a sweep coordinate or output: the name, the parameter path and the unit."""
    var = ds[name]
    par = var.attrs.get("parameter")
    unit = var.attrs.get("units")
    text = name if par in (None, name) else f"{name} ({par})"
    return f"{text} [{unit}]" if unit and unit != "1" else text


def _is_log(ds, dim) -> bool:
    import numpy as np

    scale = ds[dim].attrs.get("scale")
    if scale is not None:
        return scale == "log"
    v = ds[dim].values
    return len(v) > 2 and bool(np.all(v > 0)) and np.allclose(np.diff(np.log(v)), np.log(v[1] / v[0]), rtol=1e-6)


def _plain_log_ticks(axis) -> None:
    """Log axes labelled 0.5, 1, 2, 5, 10 ... rather than 10^0, 10^1."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(FuncFormatter(lambda v, _: ""))


def _cmap(values):
    """A diverging map centred on 0 when an output changes sign, else viridis."""
    import numpy as np

    from matplotlib.colors import TwoSlopeNorm

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size and v.min() < 0 < v.max():
        return "RdBu_r", TwoSlopeNorm(vcenter=0.0, vmin=v.min(), vmax=v.max())
    return "viridis", None


def plot_sweep(ds, output: str, path) -> Path:
    """A sweep's output as a figure.

    One axis: a line.  Two axes: a heatmap with contours, or one line per value
    when one axis has six values or fewer.  More axes: the first two at the first
    value of the others (the title says which).  Sampled points (random, lhs,
    list): the mean of the output in bins of the first two parameters (one
    parameter: a scatter).  Log-scaled axes are drawn on log scales.
    """
    import numpy as np

    plt = _plt()
    da = ds[output]
    method = ds.attrs.get("method", "grid")
    fig, ax = plt.subplots(figsize=(7, 5))
    title = ds.attrs.get("title") or output
    if method == "grid":
        dims = list(da.dims)
        extra = {d: 0 for d in dims[2:]}
        if extra:
            da = da.isel(extra)
            title += " at " + ", ".join(f"{d} = {float(ds[d][0]):g}" for d in dims[2:])
        if len(dims) == 2 and min(len(ds[d]) for d in dims[:2]) <= 6:
            few = min(dims[:2], key=lambda d: len(ds[d]))
            x = dims[1] if few == dims[0] else dims[0]
            colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(ds[few])))
            for k, val in enumerate(ds[few].values):
                ax.plot(ds[x].values, da.sel({few: val}).values, color=colors[k], lw=2,
                        marker="o" if len(ds[x]) <= 30 else None, label=f"{few} = {val:g}")
            ax.legend(fontsize=8)
            dims = [x]
        if len(dims) == 1:
            d = dims[0]
            if len(da.dims) == 1:
                ax.plot(ds[d].values, da.values, color="#0072B2", lw=2, marker="o" if da.size <= 30 else None)
            ax.set_xlabel(_label(ds, d))
            ax.set_ylabel(_label(ds, output))
            if _is_log(ds, d):
                ax.set_xscale("log")
                _plain_log_ticks(ax.xaxis)
            ax.grid(alpha=0.3)
        else:
            x, y = dims[1], dims[0]
            z = da.transpose(y, x).values
            cmap, norm = _cmap(z)
            mesh = ax.pcolormesh(ds[x].values, ds[y].values, z, shading="nearest", cmap=cmap, norm=norm)
            cb = fig.colorbar(mesh, ax=ax)
            cb.set_label(_label(ds, output))
            if np.isfinite(z).sum() > 3:
                cs = ax.contour(ds[x].values, ds[y].values, z, levels=6, colors="white", linewidths=0.8,
                                linestyles="solid")
                ax.clabel(cs, fontsize=8, fmt="%.3g")
            ax.set_xlabel(_label(ds, x))
            ax.set_ylabel(_label(ds, y))
            for d, axis, setter in ((x, ax.xaxis, ax.set_xscale), (y, ax.yaxis, ax.set_yscale)):
                if _is_log(ds, d):
                    setter("log")
                    _plain_log_ticks(axis)
    else:
        params = [c for c in ds.coords if c != "point" and ds[c].dims == ("point",)]
        vals = da.values
        if len(params) >= 2:
            px, py = ds[params[0]], ds[params[1]]
            lx, ly = _is_log(ds, params[0]), _is_log(ds, params[1])
            cmap, norm = _cmap(vals)
            hb = ax.hexbin(px.values, py.values, C=vals, reduce_C_function=np.nanmean, gridsize=30,
                           xscale="log" if lx else "linear", yscale="log" if ly else "linear", cmap=cmap, norm=norm,
                           mincnt=1)
            cb = fig.colorbar(hb, ax=ax)
            cb.set_label(f"mean {_label(ds, output)}")
            ax.set_ylabel(_label(ds, params[1]))
            for flag, axis in ((lx, ax.xaxis), (ly, ax.yaxis)):
                if flag:
                    _plain_log_ticks(axis)
            if len(params) > 2:
                title += f"\n(mean over {', '.join(params[2:])})"
        else:
            ax.scatter(ds[params[0]].values, vals, s=8, color="#0072B2", alpha=0.6 if vals.size > 500 else 1.0)
            ax.set_ylabel(_label(ds, output))
            if _is_log(ds, params[0]):
                ax.set_xscale("log")
                _plain_log_ticks(ax.xaxis)
            ax.grid(alpha=0.3)
        ax.set_xlabel(_label(ds, params[0]))
    ax.set_title(title, fontsize=11)
    return _save(fig, path)


def plot_tornado(sens, output: str, path, top: int = 15) -> Path:
    """Ranked sensitivities of one output: each parameter at -span and +span around the base.

    The bars run from the output at p (1 - span) to the output at p (1 + span);
    the widest (most influential) parameter is on top.
    """
    import json

    import numpy as np

    plt = _plt()
    s = sens.sel(output=output)
    order = np.argsort(-np.nan_to_num(s["swing"].values, nan=-1.0), kind="stable")[:top]
    names = [str(sens["parameter"].values[j]) for j in order]
    base = float(s["base"])
    unit = json.loads(sens.attrs.get("units", "{}")).get(output, "")
    span = float(sens.attrs.get("span", 0.1))
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(names) + 1.6))
    for k, j in enumerate(order):
        lo, hi = float(s["low"].values[j]), float(s["high"].values[j])
        y = len(order) - 1 - k
        ax.barh(y, lo - base, left=base, color="#0072B2", height=0.6, label=f"-{span:.0%}" if k == 0 else None)
        ax.barh(y, hi - base, left=base, color="#D55E00", height=0.6, label=f"+{span:.0%}" if k == 0 else None)
    ax.axvline(base, color="black", lw=1)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(names[::-1])
    ax.set_xlabel(f"{output} [{unit}]" if unit and unit != "1" else output)
    ax.set_title(f"What moves {output} most: each parameter changed by ±{span:.0%}\n(base {base:.4g} {unit})",
                 fontsize=10)
    ax.legend(loc="lower right", fontsize=8, title="parameter")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)

"""Results as labelled data: xarray Datasets, CSV and netCDF files, JSON summaries."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InvalidParameter

__all__ = ["trajectory_to_dataset", "save_trajectory", "trajectory_summary", "summary_lines", "clock", "OUT_SUFFIXES"]

OUT_SUFFIXES = (".nc", ".csv")


def trajectory_to_dataset(traj):
    """An :class:`xarray.Dataset` with dimensions ``time`` (s) and ``ion``.

    Variables: voltage_mV, inside_mM, outside_mM, volume_um3, volume_rel,
    impermeant_mM (dimension ``impermeant``), amount_in_amol and amount_out_amol
    (outside amount, or the cumulative efflux with an infinite bath).
    """
    import xarray as xr

    m = traj.model
    ions = list(m.species)
    data = {
        "voltage_mV": ("time", traj.voltage_mV, {"units": "mV", "long_name": "membrane potential (inside - outside)"}),
        "inside_mM": (("time", "ion"), np.column_stack([traj.inside_mM[s] for s in ions]), {"units": "mM"}),
        "outside_mM": (("time", "ion"), np.column_stack([traj.outside_mM[s] for s in ions]), {"units": "mM"}),
        "volume_um3": ("time", traj.volume_um3, {"units": "um^3"}),
        "volume_rel": ("time", traj.volume_rel, {"units": "1", "long_name": "volume / initial volume"}),
        "amount_in_amol": (("time", "ion"), traj.amounts_in, {"units": "amol"}),
        "amount_out_amol": (("time", "ion"), traj.amounts_out,
                            {"units": "amol", "long_name": "extracellular amount" if m.finite_bath else "cumulative efflux"}),
    }
    coords = {"time": ("time", traj.t_s, {"units": "s"}), "ion": ions}
    if traj.impermeant_mM:
        names = list(traj.impermeant_mM)
        data["impermeant_mM"] = (("time", "impermeant"), np.column_stack([traj.impermeant_mM[k] for k in names]),
                                 {"units": "mM"})
        coords["impermeant"] = names
    attrs = {
        "title": m.title or m.name or "pump-leak cell",
        "temperature_c": m.temperature_c,
        "events": "; ".join(f"{t:g} s: {d}" for t, d in traj.events),
        "created_by": "nernst",
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def save_trajectory(traj, path) -> Path:
    """Write a trajectory as netCDF (.nc) or CSV (.csv, one row per time)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in OUT_SUFFIXES:
        raise InvalidParameter("--out", str(path), "must end in .nc or .csv")
    ds = trajectory_to_dataset(traj)
    if suffix == ".nc":
        ds.to_netcdf(path, engine="scipy")
    else:
        cols = {"time_s": traj.t_s, "voltage_mV": traj.voltage_mV, "volume_rel": traj.volume_rel}
        for s in traj.model.species:
            cols[f"{s}_in_mM"] = traj.inside_mM[s]
        for s in traj.model.species:
            cols[f"{s}_out_mM"] = traj.outside_mM[s]
        for k, v in traj.impermeant_mM.items():
            cols[f"{k}_in_mM"] = v
        names = list(cols)
        table = np.column_stack([cols[c] for c in names])
        np.savetxt(path, table, delimiter=",", header=",".join(names), comments="", fmt="%.10g")
    return path


def _state_summary(st) -> dict:
    return {
        "vm_mV": st.voltage_mV,
        "inside_mM": {k: float(v) for k, v in st.inside_mM.items()},
        "outside_mM": {k: float(v) for k, v in st.outside_mM.items()},
        "impermeant_mM": {k: float(v) for k, v in st.impermeant_mM.items()},
        "volume_um3": st.volume_um3,
        "equilibrium_mV": st.equilibrium_mV,
    }


def clock(seconds: float) -> str:
    """A time as a reader says it: 60 s, 25 min, 3 h."""
    if seconds < 120 or seconds % 60:
        return f"{seconds:.4g} s" if seconds < 1000 else f"{seconds:,.0f} s"
    if seconds < 7200 or seconds % 3600:
        return f"{seconds / 60:g} min"
    return f"{seconds / 3600:g} h"


def summary_lines(summary: dict) -> list:
    """What a run's figure shows, as plain lines (the CLI and the explorer print these):
    the start, each event with V before it and the V it jumps to, the extremes, the end."""
    i, f, x = summary["initial"], summary["final"], summary["extremes"]
    lines = [f"start: V {i['vm_mV']:.2f} mV, volume 1"]
    for ev in summary["events"]:
        jump = f" -> {ev['after_mV']:.2f} mV within ms" if ev.get("after_mV") is not None else ""
        before = f": V {ev['before_mV']:.2f} mV{jump}, volume {ev['volume_rel']:.4g}" if "before_mV" in ev else ""
        lines.append(f"  at {clock(ev['at_s'])}: {ev['event']}{before}")
    v, w = x["vm_mV"], x["volume_rel"]
    lines.append(f"V lowest {v['min']['value']:.2f} mV (at {clock(v['min']['at_s'])}), highest {v['max']['value']:.2f} "
                 f"mV (at {clock(v['max']['at_s'])}); volume smallest {w['min']['value']:.4g} (at "
                 f"{clock(w['min']['at_s'])}), largest {w['max']['value']:.4g} (at {clock(w['max']['at_s'])})")
    lines.append(f"end ({clock(summary['duration_s'])}): V {f['vm_mV']:.2f} mV, volume {f['volume_rel']:.4g}")
    if summary.get("finite_bath"):  # a closed extracellular space: its concentrations move too
        lines.append("outside: " + ", ".join(f"[{s}]o {i['outside_mM'][s]:.4g} -> {f['outside_mM'][s]:.4g} mM"
                                             for s in f["outside_mM"]))
    return lines


def _extreme(t, x, pick, shown) -> dict:
    """The extreme of x and the first time x comes within *shown* (the precision printed) of it, so that a
    value held from the start is reported at the start, not at a later sample that differs in the 10th digit."""
    i = int(pick(x))
    j = int(np.argmax(np.abs(x - x[i]) <= shown))
    return {"value": float(x[i]), "at_s": float(t[j])}


def trajectory_summary(traj) -> dict:
    """JSON-ready summary of what the run's figure shows.

    Initial and final state; every event with V and volume just before it and the V
    it jumps to within milliseconds (``after_mV``: the zero-current potential of the
    changed cell, before any ion has moved); the lowest and highest V and volume with
    their times; conservation; ions crossed; warnings.
    """
    final = _state_summary(traj.final)
    final["volume_rel"] = traj.final.volume_um3 / traj.initial.volume_um3
    initial = _state_summary(traj.initial)
    initial["volume_rel"] = 1.0
    details = getattr(traj, "event_details", None) or [{"at_s": t, "event": d} for t, d in traj.events]
    t, v, w = traj.t_s, traj.voltage_mV, traj.volume_rel
    # the V each event jumps to within ms is part of the run too (between two output samples)
    jumps = [(d["at_s"], d["after_mV"]) for d in details if d.get("after_mV") is not None]
    if jumps:
        tv = np.concatenate([t, [a for a, _ in jumps]])
        vv = np.concatenate([v, [b for _, b in jumps]])
        order = np.argsort(tv, kind="stable")
        tv, vv = tv[order], vv[order]
    else:
        tv, vv = t, v
    return {
        "title": traj.model.title or traj.model.name,
        "finite_bath": bool(traj.model.finite_bath),
        "duration_s": float(traj.t_s[-1]),
        "points": int(traj.t_s.size),
        "initial": initial,
        "final": final,
        "events": [dict(d) for d in details],
        "extremes": {"vm_mV": {"min": _extreme(tv, vv, np.argmin, 0.005), "max": _extreme(tv, vv, np.argmax, 0.005)},
                     "volume_rel": {"min": _extreme(t, w, np.argmin, 5e-5), "max": _extreme(t, w, np.argmax, 5e-5)}},
        "crossed_amol": traj.crossed(),
        "conservation": traj.conservation(),
        "warnings": list(getattr(traj, "warnings", [])),
    }

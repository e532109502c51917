"""Engine calls behind the page (cached: the same inputs give the same numbers), as plain data."""

from __future__ import annotations

import io
from functools import lru_cache

from ..errors import InvalidParameter, NernstError, show_value
from . import state as st
from .inputs import (_label, _number, _rows)




#: Compartment-steps one axon request may take (about 0.1-0.2 s of compute).
MAX_CABLE_WORK = 3e6


CELL_RADIUS_UM = 10.0  # the cell whose capacitor is counted (a sphere 20 um across)


@lru_cache(maxsize=64)
def _preset_rows(name: str):
    from ..config.presets import load_preset

    spec = load_preset(name)
    rows = []
    for ion in spec.ions:
        rows.append({"ion": ion.symbol, "z": ion.valence, "inside": ion.inside_mM, "outside": ion.outside_mM,
                     "P": ion.permeability if ion.permeability is not None else 0.0})
    return tuple(tuple(sorted(r.items())) for r in rows), spec.temperature_c, spec.title or name


def preset_rows(name: str):
    if not isinstance(name, str):  # (lru_cache would fail on an unhashable name)
        raise InvalidParameter("preset", name, "is not a preset name")
    rows, t, title = _preset_rows(name)
    return [dict(r) for r in rows], t, title


def _spec(rows, temperature):
    """A CellSpec from table rows, through the same validation as a config file."""
    from ..config.ion_table import spec_from_dict

    return spec_from_dict(_table_config(rows, temperature))


def _table_config(rows, temperature) -> dict:
    """The ion table as a preset-style mapping (what a config file would hold)."""
    rows = _rows(rows)
    if not rows:
        raise NernstError("the table is empty: add at least one ion")
    ions = {}
    for k, r in enumerate(rows):
        sym = r.get("ion")
        if not isinstance(sym, (str, type(None))):
            raise NernstError(f"row {k + 1}: the ion's symbol {show_value(sym)} is not text")
        sym = (sym or "").strip()
        if not sym:
            raise NernstError(f"row {k + 1}: the ion needs a symbol (e.g. K, Na, Cl, A)")
        entry = {}
        for key, name in (("z", "valence"), ("inside", "inside"), ("outside", "outside"), ("P", "permeability")):
            v = r.get(key)
            if v is None or v == "":
                if key == "z":
                    continue  # known ions have a default valence
                raise NernstError(f"{_label(sym)}: {name} is empty")
            entry[name] = _number(v, f"{_label(sym)}: {name}")
        ions[sym] = entry
    return {"temperature_c": _number(temperature, "temperature"), "ions": ions}


MAP_POINTS = 41  # per axis of the V_rest map


def _map_axis(key, cfg):
    """A sweep axis for a map key ('K.outside', 'Na.P', 'T') around the table's value."""
    if key == "T":
        return {"parameter": "temperature_c", "name": "T", "start": 0.0, "stop": 45.0, "num": MAP_POINTS}, \
            cfg["temperature_c"], "temperature (°C)", False
    sym, fld = key.split(".")
    ions = cfg["ions"]
    if sym not in ions:
        raise NernstError(f"the map axis {key} names an ion that is not in the table")
    name = "permeability" if fld == "P" else fld
    v = float(ions[sym][name])
    if v > 0:
        lo, hi = v / 10.0, v * 10.0
    elif fld == "P":  # an impermeant ion: from a trace to the largest permeability in the table
        top = max(float(i["permeability"]) for i in ions.values())
        lo, hi = top * 1e-3, top
    else:
        raise NernstError(f"{sym} {fld} is 0: a map needs a value > 0")
    label = f"{sym} {'permeability (rel.)' if fld == 'P' else fld + ' (mM)'}"
    return ({"parameter": f"ions.{sym}.{name}", "name": key, "start": lo, "stop": hi, "num": MAP_POINTS,
             "scale": "log"}, v, label, True)


@lru_cache(maxsize=32)
def _rest_map(cfg_key, mx, my):
    from ..sweep import run_sweep, sweep_from_dict

    t, ions = cfg_key
    cfg = {"temperature_c": t, "ions": {sym: dict(entry) for sym, entry in ions}}
    if mx == my:
        raise NernstError("choose two different parameters for the map")
    ax, ay = _map_axis(mx, cfg), _map_axis(my, cfg)
    sw = sweep_from_dict({"model": "rest", "preset": cfg, "outputs": ["v_rest_mV"], "axes": [ax[0], ay[0]]})
    ds = run_sweep(sw).dataset
    return {"x": ds[mx].values.tolist(), "y": ds[my].values.tolist(),
            "z": ds["v_rest_mV"].transpose(my, mx).values.tolist(),
            "x0": ax[1], "y0": ay[1], "xlabel": ax[2], "ylabel": ay[2], "xlog": ax[3], "ylog": ay[3]}


def rest_map(rows, temperature, mx, my) -> dict:
    """V_rest (GHK) over a 41 x 41 grid of two of the table's parameters (:mod:`nernst.sweep`)."""
    from .state import MAP_AXIS

    for k in (mx, my):
        if not isinstance(k, str) or not MAP_AXIS.fullmatch(k):
            raise NernstError("choose the map's two parameters")
    cfg = _table_config(rows, temperature)  # checked here: the cache's key holds only its numbers
    key = (cfg["temperature_c"], tuple((sym, tuple(sorted(e.items()))) for sym, e in cfg["ions"].items()))
    return _rest_map(key, mx, my)


def map_options(rows) -> list:
    """The map's axis choices for the ions in the table."""
    opts = []
    for r in _rows(rows):
        sym = r.get("ion")
        sym = sym.strip() if isinstance(sym, str) else ""
        if not sym:
            continue
        opts += [{"label": f"{sym} outside (mM)", "value": f"{sym}.outside"},
                 {"label": f"{sym} inside (mM)", "value": f"{sym}.inside"},
                 {"label": f"{sym} permeability", "value": f"{sym}.P"}]
    return opts + [{"label": "temperature (°C)", "value": "T"}]


def equilibrium_view(rows, temperature) -> dict:
    """Everything the Equilibrium tab shows, computed by the engine."""
    from ..physics import membrane
    from ..analysis.rest import resting_state

    spec = _spec(rows, temperature)
    rep = resting_state(spec)
    geo = membrane.sphere(CELL_RADIUS_UM)
    k = next((i for i in rep.ions if i.symbol == "K"), None)
    charge = membrane.charge_to_move(geo, 1.0, abs(rep.rest_mV), 1, k.inside_mM if k else None)
    return {"report": rep, "spec": spec, "charge": charge}


def equations_markdown(view) -> str:
    """The equations behind the numbers, with this table's values substituted."""
    rep = view["report"]
    t = rep.temperature_c
    from ..physics.constants import thermal_voltage_mV

    vt = float(thermal_voltage_mV(t))
    lines = [f"**Thermal voltage** at {t:g} °C: $RT/F = {vt:.3f}$ mV.", ""]
    for i in rep.ions:
        if i.equilibrium_mV is None:
            continue
        lines.append(f"$$E_{{\\mathrm{{{i.symbol}}}}} = \\frac{{RT}}{{{i.valence:g}F}}\\ln\\frac{{[{i.symbol}]_o}}"
                     f"{{[{i.symbol}]_i}} = \\frac{{{vt:.3f}}}{{{i.valence:g}}}\\ln\\frac{{{i.outside_mM:g}}}"
                     f"{{{i.inside_mM:g}}} = {i.equilibrium_mV:+.2f}\\ \\mathrm{{mV}}$$")
    perm = [i for i in rep.ions if (i.permeability or 0) > 0]
    if perm and all(abs(i.valence) == 1 for i in perm):
        num = " + ".join(f"{i.permeability:g}\\cdot{(i.outside_mM if i.valence > 0 else i.inside_mM):g}" for i in perm)
        den = " + ".join(f"{i.permeability:g}\\cdot{(i.inside_mM if i.valence > 0 else i.outside_mM):g}" for i in perm)
        lines.append("**Goldman-Hodgkin-Katz** (monovalent ions; anions enter with inside and outside swapped):")
        lines.append(f"$$V = {vt:.3f}\\,\\ln\\frac{{{num}}}{{{den}}} = {rep.ghk_mV:+.2f}\\ \\mathrm{{mV}}$$")
    elif perm:
        lines.append(f"**GHK zero-current potential** (with a divalent ion: solved numerically): "
                     f"$V = {rep.ghk_mV:+.2f}$ mV")
    if perm:
        terms = " + ".join(f"{i.permeability:g}\\,({i.equilibrium_mV:+.1f})" for i in perm if i.equilibrium_mV is not None)
        tot = sum(i.permeability for i in perm)
        lines.append("**Weighted average** of the E_X (the textbook shortcut; exact only for one ion):")
        lines.append(f"$$V \\approx \\frac{{{terms}}}{{{tot:g}}} = {rep.weighted_mV:+.2f}\\ \\mathrm{{mV}}$$")
    c = view["charge"]
    lines.append(f"**The membrane is a capacitor.** Charging a cell {2 * CELL_RADIUS_UM:g} µm across "
                 f"(C = {c.capacitance_F * 1e12:.2f} pF) to {abs(rep.rest_mV):.1f} mV takes "
                 f"$Q = C\\,\\Delta V = {c.charge_C * 1e15:.1f}$ fC, i.e. {c.ions:.3g} ions"
                 + (f": {100 * c.fraction_of_pool:.4f} % of its K+." if c.fraction_of_pool is not None else "."))
    return "\n\n".join(lines)


def ion_table_rows(view):
    rep = view["report"]
    out = []
    for i in rep.ions:
        out.append({"ion": i.symbol, "E": None if i.equilibrium_mV is None else round(i.equilibrium_mV, 2),
                    "df": None if i.driving_force_mV is None else round(i.driving_force_mV, 2),
                    "I": float(f"{i.current:.3g}"), "share": round(100 * i.current_share, 1)})
    return out


def equilibrium_csv(view) -> str:
    rep = view["report"]
    buf = io.StringIO()
    buf.write("# nernst explorer: equilibrium at %g degC; V_rest GHK %.4f mV, weighted %.4f mV\n"
              % (rep.temperature_c, rep.ghk_mV, rep.weighted_mV))
    buf.write("ion,valence,inside_mM,outside_mM,permeability,E_mV,driving_force_mV,current,current_share\n")
    for i in rep.ions:
        buf.write(",".join("" if v is None else f"{v}" for v in (
            i.symbol, i.valence, i.inside_mM, i.outside_mM, i.permeability, i.equilibrium_mV,
            i.driving_force_mV, i.current, i.current_share)) + "\n")
    return buf.getvalue()


@lru_cache(maxsize=1)
def story_steps():
    from ..config.cell import load_cell_config
    from ..config.presets import resolve_cell_config
    from ..analysis.story import run_story

    res = run_story(load_cell_config(resolve_cell_config("story_neuron")))
    return [s.as_dict() for s in res.steps]


def story_text(steps, k):
    s = steps[k]
    crossed = ", ".join(f"{ion} {amt:+.3g} amol ({100 * s['crossed_fraction'][ion]:.2g} % of the pool)"
                        for ion, amt in s["crossed_amol"].items() if amt)
    parts = [f"**{s['title']}.** {s['text']}", f"V = {s['vm_mV']:+.2f} mV."]
    if crossed:
        parts.append(f"Ions that crossed in this step: {crossed}.")
    if s["settle_time_s"]:
        parts.append(f"Settled after about {s['settle_time_s']:.3g} s.")
    if s.get("pump_share_mV") is not None:
        parts.append(f"The pump's electrogenic share: {s['pump_share_mV']:+.2f} mV (V {s['vm_mV']:.2f} mV with its "
                     f"current, {s['without_pump_mV']:.2f} mV without it, same ions).")
    if s.get("note"):
        parts.append(f"*{s['note']}*")
    return "\n\n".join(parts)


@lru_cache(maxsize=1)
def scenario_names() -> tuple:
    """The shipped scenarios (read once: every page load checks its link's scenario against them)."""
    from ..config.presets import list_cell_configs

    names = [c["name"] for c in list_cell_configs() if c["name"].startswith("scenario_")]
    return tuple(names + ["kay2017", "duesterwald2018"])


def scenario_run(name: str, progress=None):
    """Simulate a shipped scenario; *progress(done_s, total_s)* is called as it goes."""
    from ..config.cell import load_cell_config
    from ..solvers.pumpleak import simulate, start_state
    from ..config.presets import resolve_cell_config

    if not isinstance(name, str) or name not in scenario_names():
        raise InvalidParameter("scenario", name, "is not one of the scenarios")
    cfg = load_cell_config(resolve_cell_config(name))
    d = cfg.duration_s or 3600.0
    traj = simulate(cfg.model, d, initial=start_state(cfg), n_points=400, protocol=cfg.protocol,
                    progress=progress)
    from ..results.trajectory import summary_lines, trajectory_summary

    title = cfg.model.title or name
    summary = trajectory_summary(traj)
    return {"name": name, "title": title, "t_s": traj.t_s.tolist(), "v": traj.voltage_mV.tolist(),
            "inside": {k: v.tolist() for k, v in traj.inside_mM.items()},
            "summary": summary_lines(summary), "warnings": summary["warnings"]}


@lru_cache(maxsize=32)
def spike_run(current, duration, temperature):
    from ..solvers.hh import simulate_hh

    res = simulate_hh(current, duration, None, temperature=temperature, record_every=2)  # dt: 0.025 ms, finer when warm
    cur = res.currents()
    return {"t": res.t_ms.tolist(), "v": res.v_mV.tolist(), "I_Na": cur["I_Na"].tolist(), "I_K": cur["I_K"].tolist(),
            "I_L": cur["I_L"].tolist(), "features": res.features(), "params": res.params.as_dict()}


@lru_cache(maxsize=32)
def cable_run(diameter, length, passive, temperature):
    from ..analysis.axon import run_axon
    from ..mechanisms.hh import HHParameters, auto_time_step

    params = HHParameters().at_temperature(temperature)
    dt = auto_time_step(params, 0.05 if passive else 0.02, active=not passive)  # finer when warm
    run = run_axon(diameter, length, None, params, dt, passive=bool(passive),
                   max_work=MAX_CABLE_WORK)
    r = run.result
    n_t = len(r.t_ms)
    idx = sorted(set(int(round(x)) for x in [n_t * f for f in (0.05, 0.15, 0.3, 0.45, 0.6, 0.8)] if x < n_t))
    return {"summary": run.summary(), "x_mm": (r.x_um / 1000.0).tolist(),
            "snapshots": [(float(r.t_ms[i]), r.v_mV[i].tolist()) for i in idx]}


def warm_up() -> None:
    """Compute what the first visitor would otherwise wait for (the story's steps compile and
    run the pump-leak kernels; the default scenario and spike)."""
    try:
        story_steps()
        rows, t, _ = preset_rows(st.DEFAULTS["preset"])
        rest_map(rows, t, st.DEFAULTS["mx"], st.DEFAULTS["my"])
        spike_run(float(st.DEFAULTS["I"]), float(st.DEFAULTS["dur"]), float(st.DEFAULTS["temp"]))
    except Exception:  # a warm-up must never stop the server; the callbacks report errors themselves
        pass

"""The explorer: a Dash app in which every number comes from a nernst call.

Four tabs share one URL state (:mod:`nernst.web.state`):

* Equilibrium - an editable ion table, presets, temperature; E_X of every
  ion against V_rest (GHK, weighted average, chord), driving forces, each
  ion's current at rest, how few ions charge the membrane, and the equations
  with the user's numbers in them;
* Story - the resting potential forming step by step (:mod:`nernst.story`);
* Scenarios - pump block, hyperkalemia, KCC2 loss, ... as time courses that
  can be overlaid for comparison (:func:`nernst.dynamics.simulate`);
* Excitability - an action potential with the currents under it, and an
  axon that conducts it or a passive cable along which a graded potential fades.

The app adds no physics.  Bad values show a message next to the controls and
the last good result stays on screen.  Sizes are bounded (ions per table,
request bodies, run lengths).

No request is answered with a 500.  Each callback checks what it receives
(the helpers under "inputs" below) and :func:`_answer` turns a refusal, or an
engine error, into the message by the control (or into "no update" where the
callback has no message); the server (:func:`_guard_server`) checks the
envelope of every callback request and answers a request outside the
renderer's contract with a 400 or 404 and one plain line.
"""

from __future__ import annotations

import functools
import io
import logging
import math
import re
from functools import lru_cache

from ..errors import InvalidParameter, NernstError, show_value
from . import state as st

__all__ = ["create_app"]

MAX_REQUEST_BYTES = 256 * 1024
ION_COLS = [("ion", "ion", "text"), ("z", "valence z", "numeric"), ("inside", "inside (mM)", "numeric"),
            ("outside", "outside (mM)", "numeric"), ("P", "permeability (rel.)", "numeric")]
ION_COLORS = {"K": "#E69F00", "Na": "#0072B2", "Cl": "#009E73", "Ca": "#CC79A7", "Mg": "#56B4E9",
              "H": "#D55E00", "HCO3": "#7F7F7F"}
#: Compartment-steps one axon request may take (about 0.1-0.2 s of compute).
MAX_CABLE_WORK = 3e6
CELL_RADIUS_UM = 10.0  # the cell whose capacitor is counted (a sphere 20 um across)
GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}

# limits of the excitability controls (the engine checks again): the field's name, its range and unit
LIMITS = {"I": ("current", -200.0, 200.0, "µA/cm²"), "dur": ("duration", 1.0, 500.0, "ms"),
          "temp": ("temperature", 0.0, 40.0, "°C"), "d": ("diameter", 1.0, 1000.0, "µm"),
          "L": ("length", 1.0, 100.0, "mm")}
MAX_RUNS = 4  # scenario runs kept for comparison (the store the page sends back)
MAX_JSON_DEPTH = 64  # nesting of a callback request's JSON (the renderer's are about 6 deep)

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# inputs: what a callback receives, checked before the engine sees it
# ---------------------------------------------------------------------------

def _number(value, what: str) -> float:
    """*value* as a finite float, or a NernstError "<what> <value> is not a number".

    Numbers and their text are accepted (a table cell holds what was typed); booleans,
    containers, numbers beyond a float (10**400) and nan/inf are not."""
    if value is None or value == "":
        raise NernstError(f"{what} is empty")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise NernstError(f"{what} {show_value(value)} is not a number")
    try:
        v = float(value)
    except ValueError:
        raise NernstError(f"{what} {show_value(value)} is not a number") from None
    except OverflowError:
        raise NernstError(f"{what} {show_value(value)} is too large") from None
    if not math.isfinite(v):
        raise NernstError(f"{what} {show_value(value)} is not a finite number")
    return v


def _label(text: str) -> str:
    """A name the user typed (an ion's symbol), short enough for a message."""
    text = " ".join(text.split())
    return text if len(text) <= 16 else text[:13] + "..."


def _rows(rows) -> list:
    """The ion table as the page holds it: a list of at most MAX_IONS rows, each a mapping."""
    if rows is None:
        return []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise NernstError("the ion table is not a list of rows")
    if len(rows) > st.MAX_IONS:
        raise NernstError(f"at most {st.MAX_IONS} ions")
    return rows


def _text_or_none(value):
    """A dropdown's value: text, or None for anything else."""
    return value if isinstance(value, str) else None


def _step(k, n: int) -> int:
    """A story step from the page's store, clamped to the story's 0..n-1."""
    if k is None:
        return 0
    if isinstance(k, bool) or not isinstance(k, int):
        raise NernstError(f"story step {show_value(k)} is not a whole number")
    return min(max(k, 0), n - 1)


def _checked(name, value) -> float:
    """An excitability control's value, within LIMITS; the message names the field and its range."""
    field, lo, hi, unit = LIMITS[name]
    v = _number(value, field)
    if not lo <= v <= hi:
        raise InvalidParameter(field, value, f"must be between {lo:g} and {hi:g} {unit}")
    return v


def _ticked(value, field: str) -> bool:
    """A checklist's value (a list of the ticked options; None when untouched)."""
    if value is None:
        return False
    if not isinstance(value, list):
        raise InvalidParameter(field, value, "is not a list of ticked options")
    return bool(value)


def _series(values, gaps: bool = True) -> bool:
    """A list of finite numbers (None allowed where *gaps*: a value the JSON encoder could not write)."""
    return isinstance(values, list) and all((v is None and gaps) or st.finite_number(v) for v in values)


def _run_problem(r):
    """Why *r* is not a run as scenario_run returns it (None when it is one)."""
    if not isinstance(r, dict):
        return "is not a mapping"
    for key in ("name", "title"):
        if not isinstance(r.get(key), str):
            return f"has no text {key!r}"
    t = r.get("t_s")
    if not _series(t, gaps=False):
        return "has no list of times 't_s'"
    if not (_series(r.get("v")) and len(r["v"]) == len(t)):
        return "has no list 'v' as long as its times"
    inside = r.get("inside")
    if not (isinstance(inside, dict)
            and all(isinstance(ion, str) and _series(c) and len(c) == len(t) for ion, c in inside.items())):
        return "has no concentrations 'inside' as long as its times"
    for key in ("summary", "warnings"):
        if not (isinstance(r.get(key, []), list) and all(isinstance(x, str) for x in r.get(key, []))):
            return f"has a {key!r} that is not a list of lines"
    return None


def _runs(runs) -> list:
    """The stored scenario runs (scn-runs), each checked to have the shape scenario_run gives it."""
    if runs is None:
        return []
    if not isinstance(runs, list) or len(runs) > MAX_RUNS:
        raise NernstError(f"the stored runs are not a list of at most {MAX_RUNS} runs")
    for k, r in enumerate(runs):
        problem = _run_problem(r)
        if problem:
            raise NernstError(f"stored run {k + 1} {problem}")
    return runs


def _listed(problems, most: int = 8) -> str:
    """Problems on one line, the first *most* of them and a count of the rest."""
    shown = "; ".join(" ".join(p.split()) for p in problems[:most])
    return shown + (f"; and {len(problems) - most} more" if len(problems) > most else "")


def _answer(n_outputs: int, msg_at=None, prefix: str = "Not updated"):
    """Decorator for a callback body: a NernstError it raises (an input refused by the checks above,
    or by the engine) leaves every output as it is and, where the callback has a message output
    (index *msg_at*), puts "<prefix>: <the error's one line>" there.  Other exceptions are bugs:
    they are not caught here, and the server answers them with a 400 (:func:`_guard_server`)."""
    def wrap(func):
        @functools.wraps(func)
        def inner(*args):
            try:
                return func(*args)
            except NernstError as exc:
                from dash import no_update

                if n_outputs == 1:
                    return no_update
                out = [no_update] * n_outputs
                if msg_at is not None:
                    out[msg_at] = f"{prefix}: {' '.join(str(exc).split())}"
                return tuple(out)
        return inner
    return wrap


# ---------------------------------------------------------------------------
# engine calls (cached: the same inputs give the same numbers)
# ---------------------------------------------------------------------------

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


def map_figure(m) -> dict:
    heat = {"type": "heatmap", "x": m["x"], "y": m["y"], "z": m["z"], "colorscale": "Viridis",
            "colorbar": {"title": {"text": "V_rest (mV)"}},
            "hovertemplate": "x %{x:.4g}<br>y %{y:.4g}<br>V_rest %{z:.2f} mV<extra></extra>"}
    contour = {"type": "contour", "x": m["x"], "y": m["y"], "z": m["z"], "showscale": False,
               "contours": {"coloring": "none", "showlabels": True, "labelfont": {"color": "white", "size": 10}},
               "line": {"color": "white", "width": 1}, "hoverinfo": "skip", "ncontours": 8}
    here = {"type": "scatter", "mode": "markers+text", "x": [m["x0"]], "y": [m["y0"]], "text": ["this cell"],
            "textposition": "top center", "textfont": {"color": "white"}, "name": "this cell",
            "marker": {"symbol": "x", "size": 12, "color": "white", "line": {"width": 2, "color": "black"}},
            "hovertemplate": "this cell<extra></extra>"}
    return {"data": [heat, contour, here], "layout": _dict_layout(
        "V_rest (GHK) map", 420, showlegend=False,
        xaxis={"title": {"text": m["xlabel"]}, **({"type": "log", "dtick": "D2"} if m["xlog"] else {})},
        yaxis={"title": {"text": m["ylabel"]}, **({"type": "log", "dtick": "D2"} if m["ylog"] else {})})}


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


# ---------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------

def _go():
    import plotly.graph_objects as go

    return go


def _layout(fig, title, height=380):
    fig.update_layout(title={"text": title, "font": {"size": 14}}, height=height, margin=dict(l=60, r=20, t=50, b=50),
                      template="plotly_white", legend={"orientation": "h", "y": -0.2})
    return fig


@lru_cache(maxsize=1)
def _template():
    """The plotly_white theme as plain JSON, built once.

    Figures for the frequent updates are plain dicts: building them with
    plotly's graph objects (which validate and deep-copy the theme each time)
    took 47 of the 53 ms of an equilibrium update and limited the server to
    about 11 updates/s (bench/load_explorer.py)."""
    import plotly.io as pio

    t = pio.templates["plotly_white"].to_plotly_json()
    layout = {k: v for k, v in t["layout"].items()
              if k not in ("polar", "ternary", "scene", "geo", "mapbox", "map", "coloraxis", "colorscale")}
    return {"data": {k: t["data"][k] for k in ("bar", "scatter") if k in t["data"]}, "layout": layout}


def _dict_layout(title, height, **extra):
    lay = {"title": {"text": title, "font": {"size": 14}}, "height": height,
           "margin": {"l": 60, "r": 20, "t": 50, "b": 50}, "legend": {"orientation": "h", "y": -0.2},
           "template": _template()}
    lay.update(extra)
    return lay


def _hline(y, color, dash, text, x, xanchor, yanchor, yref="y", xref="x domain"):
    shape = {"type": "line", "xref": xref, "x0": 0, "x1": 1, "yref": yref, "y0": y, "y1": y,
             "line": {"color": color, "dash": dash, "width": 2}}
    note = {"text": text, "showarrow": False, "xref": xref, "x": x, "xanchor": xanchor, "yref": yref, "y": y,
            "yanchor": yanchor}
    return shape, note


def equilibrium_figure(view):
    rep = view["report"]
    ions = [i for i in rep.ions if i.equilibrium_mV is not None]
    bar = {"type": "bar", "x": [i.symbol for i in ions], "y": [i.equilibrium_mV for i in ions],
           "marker": {"color": [ION_COLORS.get(i.symbol, "#444444") for i in ions]},
           "text": [f"{i.equilibrium_mV:+.1f}" for i in ions], "textposition": "outside", "name": "E_X (Nernst)",
           "hovertemplate": "E_%{x} = %{y:.2f} mV<extra></extra>"}
    lines = [("GHK", rep.ghk_mV, "black", "solid"), ("weighted average", rep.weighted_mV, "#666666", "dash")]
    if rep.chord_mV is not None:
        lines.append(("chord", rep.chord_mV, "#999999", "dot"))
    shapes, notes = [], []
    # labels at the right edge, clear of the first ion's bar
    for (name, v, col, dash), (x, xa, ya) in zip(lines, ((1, "right", "bottom"), (1, "right", "top"),
                                                          (0.5, "center", "bottom"))):
        sh, nt = _hline(v, col, dash, f"V_rest {name} {v:+.1f} mV", x, xa, ya)
        shapes.append(sh)
        notes.append(nt)
    return {"data": [bar], "layout": _dict_layout(
        f"E_X and V_rest at {rep.temperature_c:g} °C", 380, shapes=shapes, annotations=notes,
        yaxis={"title": {"text": "potential (mV)"}, "zeroline": True})}


def current_figure(view):
    rep = view["report"]
    ions = [i for i in rep.ions if (i.permeability or 0) > 0 or (i.conductance or 0) > 0]
    xs = [i.symbol for i in ions]
    cols = [ION_COLORS.get(i.symbol, "#444444") for i in ions]
    data = [{"type": "bar", "x": xs, "y": [i.driving_force_mV for i in ions], "name": "driving force V - E_X (mV)",
             "marker": {"color": cols}, "opacity": 0.55},
            {"type": "bar", "x": xs, "y": [100 * i.current_share for i in ions], "name": "share of the current (%)",
             "marker": {"color": cols}}]
    return {"data": data, "layout": _dict_layout("Driving forces and current shares at rest", 320, barmode="group",
                                                 yaxis={"title": {"text": "mV  /  % (outward +)"}})}


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


# ---------------------------------------------------------------------------
# story, scenarios, excitability
# ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def story_steps():
    from ..config.cell import load_cell_config
    from ..config.presets import resolve_cell_config
    from ..analysis.story import run_story

    res = run_story(load_cell_config(resolve_cell_config("story_neuron")))
    return [s.as_dict() for s in res.steps]


def story_figure(steps, k):
    go = _go()
    from plotly.subplots import make_subplots

    # stacked, not side by side: the titles and both panels fit a phone's width
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.18,
                        subplot_titles=("V and the E_X after each step", "inside concentrations (mM)"))
    xs = [f"{j}. {s['name']}" for j, s in enumerate(steps)]
    # values rounded to 1 nV: at the start V is 4e-11 mV of rounding noise, which Plotly would
    # otherwise blow up into a picovolt axis
    fig.add_trace(go.Scatter(x=xs[:k + 1], y=[round(s["vm_mV"], 6) for s in steps[:k + 1]], mode="lines+markers",
                             name="V", line=dict(color="black", width=3)), 1, 1)
    for ion in steps[k]["equilibrium_mV"]:
        fig.add_trace(go.Scatter(x=xs[:k + 1], y=[None if s["equilibrium_mV"].get(ion) is None
                                                  else round(s["equilibrium_mV"][ion], 6) for s in steps[:k + 1]],
                                 mode="lines+markers", name=f"E_{ion}", line=dict(color=ION_COLORS.get(ion), dash="dot")),
                      1, 1)
    ions = list(steps[k]["inside_mM"])
    fig.add_bar(x=ions, y=[steps[k]["inside_mM"][i] for i in ions], marker_color=[ION_COLORS.get(i) for i in ions],
                name="inside", row=2, col=1, showlegend=False)
    fig.update_yaxes(title="mV", row=1, col=1, range=None if k else [-10, 10])
    fig.update_yaxes(type="log", row=2, col=1)
    fig = _layout(fig, f"Step {k} of {len(steps) - 1}", 620)
    fig.update_layout(margin=dict(t=80))
    return fig


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
    from ..solvers.pumpleak import simulate
    from ..config.presets import resolve_cell_config

    if not isinstance(name, str) or name not in scenario_names():
        raise InvalidParameter("scenario", name, "is not one of the scenarios")
    cfg = load_cell_config(resolve_cell_config(name))
    d = cfg.duration_s or 3600.0
    traj = simulate(cfg.model, d, initial=cfg.initial_state(), n_points=400, protocol=cfg.protocol,
                    progress=progress)
    from ..results.trajectory import summary_lines, trajectory_summary

    title = cfg.model.title or name
    summary = trajectory_summary(traj)
    return {"name": name, "title": title, "t_s": traj.t_s.tolist(), "v": traj.voltage_mV.tolist(),
            "inside": {k: v.tolist() for k, v in traj.inside_mM.items()},
            "summary": summary_lines(summary), "warnings": summary["warnings"]}


def scenario_figure(runs):
    go = _go()
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, subplot_titles=("membrane potential", "inside (mM)"))
    for r in runs:
        t_min = [t / 60.0 for t in r["t_s"]]
        fig.add_trace(go.Scatter(x=t_min, y=r["v"], name=f"V: {r['name']}"), 1, 1)
        for ion, c in r["inside"].items():
            fig.add_trace(go.Scatter(x=t_min, y=c, name=f"[{ion}]i: {r['name']}",
                                     line=dict(color=ION_COLORS.get(ion)), showlegend=len(runs) == 1), 2, 1)
    fig.update_yaxes(title="mV", row=1, col=1)
    fig.update_yaxes(title="mM", type="log", row=2, col=1)
    fig.update_xaxes(title="time (min)", row=2, col=1)
    return _layout(fig, "Scenario time courses" + (" (compare)" if len(runs) > 1 else ""), 560)


@lru_cache(maxsize=32)
def spike_run(current, duration, temperature):
    from ..solvers.hh import simulate_hh

    res = simulate_hh(current, duration, None, temperature=temperature, record_every=2)  # dt: 0.025 ms, finer when warm
    cur = res.currents()
    return {"t": res.t_ms.tolist(), "v": res.v_mV.tolist(), "I_Na": cur["I_Na"].tolist(), "I_K": cur["I_K"].tolist(),
            "I_L": cur["I_L"].tolist(), "features": res.features(), "params": res.params.as_dict()}


def spike_figure(r):
    """V on top, the ionic currents below (two stacked axes sharing time), as a plain dict."""
    p = r["params"]
    f = r["features"]
    data = [{"type": "scatter", "x": r["t"], "y": r["v"], "name": "V", "line": {"color": "black"},
             "xaxis": "x", "yaxis": "y"}]
    for name, col in (("I_Na", ION_COLORS["Na"]), ("I_K", ION_COLORS["K"]), ("I_L", "#777777")):
        data.append({"type": "scatter", "x": r["t"], "y": r[name], "name": name, "line": {"color": col},
                     "xaxis": "x2", "yaxis": "y2"})
    notes = [{"text": "membrane potential", "showarrow": False, "x": 0.5, "xanchor": "center", "xref": "paper",
              "y": 1.0, "yanchor": "bottom", "yref": "paper"},
             {"text": "ionic currents (outward +)", "showarrow": False, "x": 0.5, "xanchor": "center",
              "xref": "paper", "y": 0.3, "yanchor": "bottom", "yref": "paper"}]
    shapes = []
    for name, key, col in (("E_Na", "e_na_mV", ION_COLORS["Na"]), ("E_K", "e_k_mV", ION_COLORS["K"])):
        sh, nt = _hline(p[key], col, "dash", name, 1, "right", "bottom")
        shapes.append(sh)
        notes.append(nt)
    return {"data": data, "layout": _dict_layout(
        f"Hodgkin-Huxley membrane at {p['temperature_C']:g} °C: {f['spike_count']} spikes", 560,
        annotations=notes, shapes=shapes,
        xaxis={"anchor": "y", "domain": [0.0, 1.0], "matches": "x2", "showticklabels": False},
        yaxis={"anchor": "x", "domain": [0.55, 1.0], "title": {"text": "mV"}},
        xaxis2={"anchor": "y2", "domain": [0.0, 1.0], "title": {"text": "time (ms)"}},
        yaxis2={"anchor": "x2", "domain": [0.0, 0.3], "title": {"text": "uA/cm²"}})}


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


def cable_figure(c):
    go = _go()
    fig = go.Figure()
    for t, v in c["snapshots"]:
        fig.add_trace(go.Scatter(x=c["x_mm"], y=v, name=f"{t:.2f} ms"))
    s = c["summary"]
    v = s["velocity_m_s"]
    what = "half-amplitude point" if s["model"].startswith("passive") else "action potential"
    fig.update_xaxes(title="distance from the stimulated end (mm)")
    fig.update_yaxes(title="V (mV)")
    return _layout(fig, f"{what}: {'did not arrive' if v is None else f'{v:.2f} m/s'}; "
                        f"length constant {s['length_constant_um'] / 1000:.2f} mm", 420)


# ---------------------------------------------------------------------------
# layout
# ---------------------------------------------------------------------------

def _field(label, id_, value, **kw):
    from dash import dcc, html

    return html.Div([html.Label(label, htmlFor=id_, className="lbl"),
                     dcc.Input(id=id_, value=value, type="number", debounce=True, **kw)], className="field")


def _dropdown(label, id_, options, value):
    from dash import dcc, html

    return html.Div([html.Label(label, htmlFor=id_, className="lbl"),
                     dcc.Dropdown(id=id_, options=[o if isinstance(o, dict) else {"label": o, "value": o}
                                                   for o in options], value=value,
                                  clearable=False)], className="field wide")


def _export_row(prefix):
    from dash import html

    return html.Div([
        html.Button("Download CSV", id=f"{prefix}-csv-btn", n_clicks=0, className="btn"),
        html.Button("Figure as PNG", id=f"{prefix}-png-btn", n_clicks=0, className="btn"),
        html.Button("Figure as SVG", id=f"{prefix}-svg-btn", n_clicks=0, className="btn"),
    ], className="row")


def _layout_equilibrium():
    from dash import dash_table, dcc, html

    from ..config.presets import list_presets

    return html.Div([
        html.P("Change any concentration, permeability or the temperature: every number below is recomputed "
               "by nernst (Nernst and Goldman-Hodgkin-Katz equations). Add an ion, or delete one with the x."),
        html.Div([
            _dropdown("Preset cell", "eq-preset", list_presets(), st.DEFAULTS["preset"]),
            _field("Temperature (°C)", "eq-temp", 37.0, step="any"),
        ], className="row"),
        dash_table.DataTable(
            id="eq-table", editable=True, row_deletable=True,
            # text typed into a number cell is passed on (not silently rejected) so that the
            # message can name the field
            columns=[{"id": c, "name": n, "type": t,
                      **({"on_change": {"action": "validate", "failure": "accept"}} if t == "numeric" else {})}
                     for c, n, t in ION_COLS],
            style_table={"overflowX": "auto", "maxWidth": "640px"}, style_cell={"padding": "4px", "minWidth": "50px"},
            style_header={"whiteSpace": "normal", "height": "auto"}),
        html.Button("Add an ion", id="eq-add", n_clicks=0, className="btn"),
        html.Div(id="eq-msg", role="alert", **{"aria-live": "polite"}, className="msg"),
        html.Div(id="eq-summary", className="summary", **{"aria-live": "polite"}),
        dcc.Graph(id="eq-graph", config=GRAPH_CONFIG),
        dcc.Graph(id="eq-currents", config=GRAPH_CONFIG),
        html.H3("V_rest across two parameters"),
        html.P("Each point of the map is this table with two values changed, the others held (from a tenth to "
               "ten times the table's value; temperature 0-45 °C): a parameter sweep by nernst.sweep."),
        html.Div([
            _dropdown("Map: x axis", "eq-map-x", map_options(preset_rows(st.DEFAULTS["preset"])[0]),
                      st.DEFAULTS["mx"]),
            _dropdown("Map: y axis", "eq-map-y", map_options(preset_rows(st.DEFAULTS["preset"])[0]),
                      st.DEFAULTS["my"]),
        ], className="row"),
        dcc.Store(id="eq-map-link", data=None),
        html.Div(id="eq-map-msg", role="alert", className="msg"),
        dcc.Graph(id="eq-map", config=GRAPH_CONFIG),
        dash_table.DataTable(id="eq-results", columns=[
            {"id": "ion", "name": "ion"}, {"id": "E", "name": "E_X (mV)"}, {"id": "df", "name": "V - E_X (mV)"},
            {"id": "I", "name": "current at rest (relative units: P x GHK flux)"},
            {"id": "share", "name": "share (%)"}],
            style_table={"maxWidth": "640px", "overflowX": "auto"},
            style_header={"whiteSpace": "normal", "height": "auto"}),
        _export_row("eq"),
        dcc.Markdown(id="eq-equations", mathjax=True, className="equations"),
    ])


def _layout_story():
    from dash import dcc, html

    return html.Div([
        html.P("How a neuron gets its resting potential, one change at a time, from identical solutions inside and "
               "out. Each step is simulated to its new steady state by the pump-leak cell of nernst."),
        html.Div([html.Button("◀ Previous", id="story-prev", n_clicks=0, className="btn"),
                  html.Button("Next ▶", id="story-next", n_clicks=0, className="btn"),
                  html.Span(id="story-pos", className="pos", **{"aria-live": "polite"})], className="row"),
        dcc.Loading(dcc.Graph(id="story-graph", config=GRAPH_CONFIG)),
        dcc.Markdown(id="story-text", className="story-text"),
    ])


def _layout_scenarios():
    from dash import dcc, html

    return html.Div([
        html.P("What happens when something goes wrong: block the pump, raise potassium outside, lose KCC2... "
               "Run a scenario; run another with 'Compare' ticked to overlay them."),
        html.Div([
            _dropdown("Scenario", "scn-name", scenario_names(), st.DEFAULTS["scn"]),
            dcc.Checklist(id="scn-compare", options=[{"label": " Compare (keep earlier runs)", "value": "keep"}],
                          value=[], className="field"),
            html.Button("Run", id="scn-run", n_clicks=0, className="btn primary"),
            html.Button("Stop", id="scn-stop", n_clicks=0, className="btn", disabled=True),
            html.Button("Clear", id="scn-clear", n_clicks=0, className="btn"),
        ], className="row"),
        html.Div([html.Label("progress", htmlFor="scn-progress", className="lbl"),
                  html.Progress(id="scn-progress", value="0", max="100", style={"width": "240px"})],
                 className="row"),
        html.Div(id="scn-msg", role="alert", className="msg"),
        dcc.Loading(dcc.Graph(id="scn-graph", config=GRAPH_CONFIG), type="circle"),
        html.Pre(id="scn-summary", className="summary", **{"aria-live": "polite"}),
        _export_row("scn"),
        dcc.Store(id="scn-runs", data=[]),
    ])


def _layout_excitability():
    from dash import dcc, html

    return html.Div([
        html.H3("An action potential and the currents under it"),
        html.Div([
            _field("Current (µA/cm²)", "ex-current", st.DEFAULTS["I"], step="any"),
            _field("Duration (ms)", "ex-duration", st.DEFAULTS["dur"], step="any"),
            _field("Temperature (°C)", "ex-temp", st.DEFAULTS["temp"], step="any"),
        ], className="row"),
        html.Div(id="ex-msg", role="alert", className="msg"),
        html.Div(id="ex-summary", className="summary", **{"aria-live": "polite"}),
        dcc.Loading(dcc.Graph(id="ex-graph", config=GRAPH_CONFIG)),
        _export_row("ex"),
        html.H3("Along an axon: a travelling spike, or a graded potential that fades"),
        html.Div([
            _field("Diameter (µm)", "cb-diameter", st.DEFAULTS["d"], step="any"),
            _field("Length (mm)", "cb-length", st.DEFAULTS["L"], step="any"),
            dcc.Checklist(id="cb-passive", options=[{"label": " Passive (leak only)", "value": "passive"}],
                          value=[], className="field"),
        ], className="row"),
        html.Div(id="cb-msg", role="alert", className="msg"),
        html.Div(id="cb-summary", className="summary", **{"aria-live": "polite"}),
        dcc.Loading(dcc.Graph(id="cb-graph", config=GRAPH_CONFIG)),
    ])


CSS = """
body { font-family: system-ui, sans-serif; margin: 0; color: #222; }
.page { max-width: 1100px; margin: 0 auto; padding: 8px 14px 40px; }
.row { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-end; margin: 8px 0; }
.field { display: flex; flex-direction: column; min-width: 120px; }
.field.wide { min-width: 240px; flex: 1 1 240px; max-width: 360px; }
.lbl { font-size: 0.85em; color: #444; margin-bottom: 2px; }
input { font-size: 1em; padding: 4px; max-width: 160px; }
.btn { padding: 6px 12px; margin: 4px 4px 4px 0; font-size: 0.95em; cursor: pointer; border: 1px solid #888;
       background: #f6f6f6; border-radius: 4px; }
.btn.primary { background: #0072B2; color: white; border-color: #005a8c; }
.btn:focus, input:focus { outline: 3px solid #E69F00; }
.msg { color: #b00020; min-height: 1.2em; font-weight: 600; }
.summary { font-size: 1.05em; margin: 6px 0; }
.equations { overflow-x: auto; }
@media (max-width: 600px) { .field.wide { max-width: none; } h1 { font-size: 1.3em; } }
"""


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


# ---------------------------------------------------------------------------
# the server: callback envelopes checked, no exception answered with a 500
# ---------------------------------------------------------------------------

_JSON_MARKS = re.compile(rb'[\[\]{}"\\]')
_OPEN, _QUOTE, _BACKSLASH = b"[{", ord('"'), ord("\\")


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text nests more than *limit* arrays/objects deep.

    A scan over the brackets and quotes, without recursion, done before the parser (which
    recurses, and fails with a RecursionError on JSON nested 10**4 deep)."""
    depth, in_string, escaped = 0, False, -1
    for m in _JSON_MARKS.finditer(raw):
        i = m.start()
        if i == escaped:  # the character after a backslash inside a string
            continue
        c = raw[i]
        if in_string:
            if c == _BACKSLASH:
                escaped = i + 1
            elif c == _QUOTE:
                in_string = False
        elif c == _QUOTE:
            in_string = True
        elif c in _OPEN:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _prop(x) -> bool:
    """A component property as the renderer names it: {"id": str, "property": str, ...}."""
    return isinstance(x, dict) and isinstance(x.get("id"), str) and isinstance(x.get("property"), str)


def envelope_problem(body, callbacks: dict):
    """Why *body* is not a callback request as the Dash renderer sends one: (status, line), or None.

    *callbacks* is the app's ``callback_map``.  The explorer has no pattern-matching callbacks,
    so every input and state is one property of a component with a string id."""
    if not isinstance(body, dict):
        return 400, "the request body is not a JSON object"
    output = body.get("output")
    if not isinstance(output, str):
        return 400, "'output' is not a string"
    cb = callbacks.get(output)
    if cb is None or "callback" not in cb:  # (the figure buttons' callbacks run in the browser)
        return 404, "no server callback has this output"
    multi = output.startswith("..")
    outputs = body.get("outputs")
    if not (isinstance(outputs, list) and all(_prop(o) for o in outputs) if multi else _prop(outputs)):
        return 400, "'outputs' is not a property or a list of properties"
    parts = output[2:-2].split("...") if multi else [output]  # "id.property@hash" each
    declared = [tuple(part.split("@")[0].rsplit(".", 1)) for part in parts]
    if [(o["id"], o["property"].split("@")[0]) for o in (outputs if multi else [outputs])] != declared:
        return 400, "'outputs' are not those of the callback"
    for key, required in (("inputs", True), ("state", False)):
        items = body.get(key) if required or key in body else []
        if not isinstance(items, list) or not all(_prop(i) for i in items):
            return 400, f"'{key}' is not a list of properties"
        if [(i["id"], i["property"]) for i in items] != [(d["id"], d["property"]) for d in cb[key]]:
            return 400, f"'{key}' are not those of the callback"
    changed = body.get("changedPropIds", [])
    inputs = {f"{d['id']}.{d['property']}" for d in cb["inputs"]}
    if not isinstance(changed, list) or not all(isinstance(c, str) and c in inputs for c in changed):
        return 400, "'changedPropIds' are not inputs of the callback"
    return None


def _plain(line: str, status: int):
    from flask import Response

    return Response(line + "\n", status=status, mimetype="text/plain")


def _guard_server(app) -> None:
    """Check each callback request before Dash reads it, and answer what still fails with a 4xx.

    * ``POST /_dash-update-component``: a JSON object, at most MAX_JSON_DEPTH deep, whose output,
      inputs, state and changedPropIds are those of one server callback (:func:`envelope_problem`);
      else 400 (404 for an output no server callback has), with one plain line;
    * a component file Dash does not serve: 404;
    * anything else a Dash route raises (a bug: logged with its traceback): 400, or 404 for files.
    HTTP errors keep their status (413 for a body over MAX_REQUEST_BYTES, 405, ...)."""
    from dash.exceptions import CallbackException, DependencyException
    from flask import request
    from werkzeug.exceptions import HTTPException

    server = app.server
    prefix = app.config.routes_pathname_prefix
    update, files = prefix + "_dash-update-component", prefix + "_dash-component-suites/"

    @server.before_request
    def _check_envelope():
        if request.path != update or request.method != "POST":
            return None
        if not request.is_json:
            return _plain("a callback request is JSON (Content-Type: application/json)", 415)
        if json_too_deep(request.get_data(cache=True)):  # over MAX_REQUEST_BYTES: 413 from here
            return _plain(f"the request nests deeper than {MAX_JSON_DEPTH} levels", 400)
        problem = envelope_problem(request.get_json(silent=True), app.callback_map)
        if problem:
            status, line = problem
            return _plain(f"not a callback request: {line}", status)
        return None

    @server.errorhandler(CallbackException)
    def _not_this_callback(_err):
        return _plain("not a callback request: the outputs are not those of the callback", 400)

    @server.errorhandler(DependencyException)
    def _no_such_file(_err):
        return _plain("no such component file", 404)

    @server.errorhandler(Exception)
    def _last_resort(err):
        if isinstance(err, HTTPException):
            return err
        log.error("%s %s failed", request.method, request.path, exc_info=err)
        if request.path.startswith(files):
            return _plain("no such component file", 404)
        return _plain("the request could not be answered: a value in it is outside what the page sends", 400)


def _background_manager():
    """Long runs (scenarios) go to worker processes, with their state in a private disk cache."""
    import tempfile

    import diskcache
    from dash import DiskcacheManager

    folder = tempfile.mkdtemp(prefix="nernst-explorer-")
    return DiskcacheManager(diskcache.Cache(folder), expire=600)


def create_app():
    """The Dash app (not started).  ``app.server`` is the Flask WSGI app."""
    import dash
    from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

    manager = _background_manager()
    from pathlib import Path

    app = Dash(__name__, title="nernst explorer", suppress_callback_exceptions=True,
               assets_folder=str(Path(__file__).with_name("assets")),
               background_callback_manager=manager,
               meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    _guard_server(app)
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + CSS + "</style>")
    tabs = [("equilibrium", "Equilibrium", _layout_equilibrium()), ("story", "Story", _layout_story()),
            ("scenarios", "Scenarios", _layout_scenarios()), ("excitability", "Excitability", _layout_excitability())]
    app.layout = html.Div([
        dcc.Location(id="url", refresh=False),
        html.H1("nernst explorer: why a neuron sits near -70 mV"),
        html.Div(id="url-msg", role="status", className="msg"),
        dcc.Tabs(id="tabs", value="equilibrium", children=[
            dcc.Tab(label=label, value=value, children=html.Div(body, className="tab-body"))
            for value, label, body in tabs]),
        dcc.Download(id="download"),
        dcc.Store(id="story-step", data=0),
        dcc.Store(id="url-loaded", data=False),
    ], className="page")

    # --- URL -> controls (on load and when the user pastes a link) ---------------
    @app.callback(
        Output("tabs", "value"), Output("eq-preset", "value"), Output("eq-temp", "value"), Output("eq-table", "data"),
        Output("ex-current", "value"), Output("ex-duration", "value"), Output("ex-temp", "value"),
        Output("cb-diameter", "value"), Output("cb-length", "value"), Output("cb-passive", "value"),
        Output("story-step", "data"), Output("scn-name", "value"), Output("url-msg", "children"),
        Output("url-loaded", "data"), Output("eq-map-link", "data"),
        Input("url", "search"), State("url-loaded", "data"),
    )
    @_answer(15, msg_at=12, prefix="The link was not read")
    def from_url(search, loaded):
        # Only the first load reads the link; later changes of the address are our own writes
        # (to_url), and reading them back would undo what the user is typing.
        if loaded:
            return (no_update,) * 15
        s, problems = st.parse_query(search)  # never raises: what it cannot read is in problems
        try:
            rows, t, _title = preset_rows(s["preset"])
        except NernstError:
            problems.append(f"unknown preset {s['preset']!r}")
            s["preset"] = st.DEFAULTS["preset"]
            rows, t, _title = preset_rows(s["preset"])
        if s["scn"] not in scenario_names():
            problems.append(f"unknown scenario {s['scn']!r}")
            s["scn"] = st.DEFAULTS["scn"]
        if s["ions"] is not None:
            rows = s["ions"]
        if s["T"] is not None:
            t = s["T"]
        msg = ("Some settings in the link were ignored: " + _listed(problems)) if problems else ""
        return (s["tab"], s["preset"], t, rows, s["I"], s["dur"], s["temp"], s["d"], s["L"],
                ["passive"] if s["passive"] else [], s["step"], s["scn"], msg, True, [s["mx"], s["my"]])

    # --- controls -> URL --------------------------------------------------------
    @app.callback(
        Output("url", "search"),
        Input("tabs", "value"), Input("eq-preset", "value"), Input("eq-temp", "value"), Input("eq-table", "data"),
        Input("ex-current", "value"), Input("ex-duration", "value"), Input("ex-temp", "value"),
        Input("cb-diameter", "value"), Input("cb-length", "value"), Input("cb-passive", "value"),
        Input("story-step", "data"), Input("scn-name", "value"), Input("eq-map-x", "value"),
        Input("eq-map-y", "value"), State("url", "search"),
        prevent_initial_call=True,
    )
    @_answer(1)
    def to_url(tab, preset, temp, rows, cur, dur, xtemp, d, length, passive, step, scn, mx, my, current):
        # encode_query leaves out what is not well-formed, so a bad control never reaches the link
        try:
            p_rows, p_t, _ = preset_rows(preset)
        except NernstError:
            p_rows, p_t = None, None
        s = {"tab": tab, "preset": preset, "T": None if temp == p_t else temp,
             "ions": None if rows == p_rows else rows, "I": cur, "dur": dur, "temp": xtemp, "d": d, "L": length,
             "passive": 1 if passive else 0, "step": step, "scn": scn, "mx": mx, "my": my}
        new = st.encode_query(s)
        return no_update if new == current else new

    # --- equilibrium --------------------------------------------------------------
    @app.callback(Output("eq-table", "data", allow_duplicate=True), Output("eq-temp", "value", allow_duplicate=True),
                  Input("eq-preset", "value"), State("url", "search"), prevent_initial_call=True)
    @_answer(2)
    def load_preset_rows(preset, search):
        # Fired by the user's choice, and once on load when the link names a preset: then the
        # address still holds that preset and from_url has already set the link's table and temperature.
        s, _ = st.parse_query(search)
        if s.get("preset") == preset:
            return no_update, no_update
        rows, t, _ = preset_rows(preset)  # an unknown name: NernstError, nothing changes
        return rows, t

    @app.callback(Output("eq-table", "data", allow_duplicate=True), Input("eq-add", "n_clicks"),
                  State("eq-table", "data"), prevent_initial_call=True)
    @_answer(1)
    def add_ion(_, rows):
        rows = list(_rows(rows))
        if len(rows) >= st.MAX_IONS:
            return no_update
        rows.append({"ion": "X", "z": -1, "inside": 10.0, "outside": 10.0, "P": 0.0})
        return rows

    @app.callback(
        Output("eq-graph", "figure"), Output("eq-currents", "figure"), Output("eq-results", "data"),
        Output("eq-equations", "children"), Output("eq-summary", "children"), Output("eq-msg", "children"),
        Input("eq-table", "data"), Input("eq-temp", "value"),
    )
    @_answer(6, msg_at=5)
    def update_equilibrium(rows, temp):
        view = equilibrium_view(rows, temp)
        rep = view["report"]
        summary = html.Span([
            "V_rest (GHK) = ", html.B(f"{rep.ghk_mV:+.2f} mV", id="eq-vrest"),
            f";  weighted average {rep.weighted_mV:+.2f} mV" +
            (f";  chord {rep.chord_mV:+.2f} mV" if rep.chord_mV is not None else "")])
        return (equilibrium_figure(view), current_figure(view), ion_table_rows(view), equations_markdown(view),
                summary, "")

    # Options and values are set together: a dropdown drops a value that is not among its options,
    # so a link's axes (which may name an ion of the link's own table) wait here for their options.
    @app.callback(Output("eq-map-x", "options"), Output("eq-map-y", "options"), Output("eq-map-x", "value"),
                  Output("eq-map-y", "value"), Input("eq-table", "data"), Input("eq-map-link", "data"),
                  State("eq-map-x", "value"), State("eq-map-y", "value"))
    @_answer(4)
    def update_map_options(rows, link, mx, my):
        opts = map_options(rows)  # a table that is not a list of rows: NernstError, nothing changes
        if not rows:  # the table is not there yet (page load): keep the axes for it
            return opts, opts, no_update, no_update
        valid = {o["value"] for o in opts}
        link = [_text_or_none(a) for a in link] if isinstance(link, list) and len(link) == 2 else None
        mx, my = _text_or_none(mx), _text_or_none(my)
        wanted = [mx, my] if ctx.triggered_id == "eq-table" else list(link or [mx, my])
        fallback = list(link or []) + [st.DEFAULTS["mx"], st.DEFAULTS["my"]] + [o["value"] for o in opts]
        out = []
        for w in wanted:
            pick = w if w in valid and w not in out else next((f for f in fallback if f in valid and f not in out),
                                                              None)
            out.append(pick)
        return opts, opts, out[0], out[1]

    @app.callback(Output("eq-map", "figure"), Output("eq-map-msg", "children"),
                  Input("eq-table", "data"), Input("eq-temp", "value"), Input("eq-map-x", "value"),
                  Input("eq-map-y", "value"), Input("tabs", "value"))
    @_answer(2, msg_at=1, prefix="Map not updated")
    def update_map(rows, temp, mx, my, tab):
        if tab != "equilibrium":
            return no_update, no_update
        return map_figure(rest_map(rows, temp, mx, my)), ""

    # --- story --------------------------------------------------------------------
    @app.callback(Output("story-step", "data", allow_duplicate=True), Input("story-prev", "n_clicks"),
                  Input("story-next", "n_clicks"), State("story-step", "data"), prevent_initial_call=True)
    @_answer(1)
    def step_story(_, __, k):
        n = len(story_steps())
        k = _step(k, n) + (1 if ctx.triggered_id == "story-next" else -1)
        return min(max(k, 0), n - 1)

    @app.callback(Output("story-graph", "figure"), Output("story-text", "children"), Output("story-pos", "children"),
                  Input("story-step", "data"), Input("tabs", "value"))
    @_answer(3)
    def show_story(k, tab):
        if tab != "story":
            return no_update, no_update, no_update
        steps = story_steps()
        k = _step(k, len(steps))
        return story_figure(steps, k), story_text(steps, k), f"step {k} of {len(steps) - 1}"

    # --- scenarios ----------------------------------------------------------------
    @app.callback(Output("scn-runs", "data", allow_duplicate=True), Output("scn-msg", "children"),
                  Input("scn-run", "n_clicks"),
                  State("scn-name", "value"), State("scn-compare", "value"), State("scn-runs", "data"),
                  background=True, manager=manager, prevent_initial_call=True,
                  running=[(Output("scn-run", "disabled"), True, False), (Output("scn-stop", "disabled"), False, True)],
                  cancel=[Input("scn-stop", "n_clicks")],
                  progress=[Output("scn-progress", "value"), Output("scn-progress", "max")])
    @_answer(2, msg_at=1, prefix="Not run")
    def run_scenario(set_progress, _, name, compare, runs):
        # runs in a worker process: the page stays live, Stop cancels it, the bar shows simulated time
        def report(done, total):
            set_progress((str(int(done)), str(int(total))))

        earlier = _runs(runs) if _ticked(compare, "compare") else []  # checked before a long run
        run = scenario_run(name, report)
        return [r for r in earlier if r["name"] != name][-(MAX_RUNS - 1):] + [run], ""

    @app.callback(Output("scn-runs", "data", allow_duplicate=True), Output("scn-progress", "value", allow_duplicate=True),
                  Input("scn-clear", "n_clicks"), prevent_initial_call=True)
    def clear_scenarios(_):
        return [], "0"

    @app.callback(Output("scn-summary", "children"), Input("scn-runs", "data"))
    @_answer(1)
    def scenario_summary(runs):
        # what the figure shows, in words: the last run's events, extremes and end (as `nernst simulate`)
        runs = _runs(runs)
        if not runs:
            return ""
        r = runs[-1]
        return "\n".join([r["title"]] + [f"warning: {w}" for w in r.get("warnings", [])] + r.get("summary", []))

    @app.callback(Output("scn-graph", "figure"), Input("scn-runs", "data"))
    @_answer(1)
    def show_scenarios(runs):
        runs = _runs(runs)
        if not runs:
            fig = _layout(_go().Figure(), "Press Run to simulate a scenario", 200)
            fig.update_xaxes(visible=False)
            fig.update_yaxes(visible=False)
            return fig
        return scenario_figure(runs)

    # --- excitability ---------------------------------------------------------------
    @app.callback(Output("ex-graph", "figure"), Output("ex-summary", "children"), Output("ex-msg", "children"),
                  Input("ex-current", "value"), Input("ex-duration", "value"), Input("ex-temp", "value"),
                  Input("tabs", "value"))
    @_answer(3, msg_at=2)
    def update_spike(cur, dur, temp, tab):
        if tab != "excitability":
            return no_update, no_update, no_update
        r = spike_run(_checked("I", cur), _checked("dur", dur), _checked("temp", temp))
        f = r["features"]
        from ..solvers.hh import spikes_phrase

        txt = f"{spikes_phrase(f)}; rest {f['rest_mV']:.2f} mV; peak {f['max_mV']:.1f} mV"
        return spike_figure(r), txt, ""

    @app.callback(Output("cb-graph", "figure"), Output("cb-summary", "children"), Output("cb-msg", "children"),
                  Input("cb-diameter", "value"), Input("cb-length", "value"), Input("cb-passive", "value"),
                  Input("ex-temp", "value"), Input("tabs", "value"))
    @_answer(3, msg_at=2)
    def update_cable(d, length, passive, temp, tab):
        if tab != "excitability":
            return no_update, no_update, no_update
        c = cable_run(_checked("d", d), _checked("L", length), _ticked(passive, "passive"), _checked("temp", temp))
        s = c["summary"]
        v = s["velocity_m_s"]
        txt = (f"velocity {'-' if v is None else f'{v:.2f} m/s'} ({s['velocity_kind']}); "
               f"length constant {s['length_constant_um'] / 1000:.2f} mm; {s['compartments']} compartments")
        return cable_figure(c), txt, ""

    # --- exports --------------------------------------------------------------------
    @app.callback(Output("download", "data"), Input("eq-csv-btn", "n_clicks"), Input("ex-csv-btn", "n_clicks"),
                  Input("scn-csv-btn", "n_clicks"),
                  State("eq-table", "data"), State("eq-temp", "value"), State("ex-current", "value"),
                  State("ex-duration", "value"), State("ex-temp", "value"), State("scn-runs", "data"),
                  prevent_initial_call=True)
    @_answer(1)
    def download(_, __, ___, rows, temp, cur, dur, xtemp, runs):
        # a value that does not pass the checks: no file (the tab's own message says why)
        if ctx.triggered_id == "eq-csv-btn":
            return {"content": equilibrium_csv(equilibrium_view(rows, temp)), "filename": "nernst_equilibrium.csv"}
        if ctx.triggered_id == "ex-csv-btn":
            r = spike_run(_checked("I", cur), _checked("dur", dur), _checked("temp", xtemp))
            lines = ["t_ms,V_mV,I_Na,I_K,I_L"] + [
                f"{a},{b},{c},{d},{e}" for a, b, c, d, e in zip(r["t"], r["v"], r["I_Na"], r["I_K"], r["I_L"])]
            return {"content": "\n".join(lines) + "\n", "filename": "nernst_spike.csv"}
        runs = _runs(runs)
        if runs:
            lines = ["scenario,t_s,V_mV"] + [f"{r['name']},{t},{v}" for r in runs for t, v in zip(r["t_s"], r["v"])]
            return {"content": "\n".join(lines) + "\n", "filename": "nernst_scenarios.csv"}
        return no_update

    for prefix, graph in (("eq", "eq-graph"), ("ex", "ex-graph"), ("scn", "scn-graph")):
        for fmt in ("png", "svg"):
            app.clientside_callback(
                f"""function(n) {{
                    if (!n) {{ return window.dash_clientside.no_update; }}
                    const el = document.querySelector('#{graph} .js-plotly-plot');
                    if (el) {{ Plotly.downloadImage(el, {{format: '{fmt}', filename: 'nernst_{prefix}'}}); }}
                    return window.dash_clientside.no_update;
                }}""",
                Output(f"{prefix}-{fmt}-btn", "title"), Input(f"{prefix}-{fmt}-btn", "n_clicks"),
                prevent_initial_call=True)
    return app

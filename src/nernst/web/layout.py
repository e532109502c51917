"""The page: the four tabs, their controls and the style sheet."""

from __future__ import annotations


from . import state as st
from .views import (map_options, preset_rows, scenario_names)




ION_COLS = [("ion", "ion", "text"), ("z", "valence z", "numeric"), ("inside", "inside (mM)", "numeric"),
            ("outside", "outside (mM)", "numeric"), ("P", "permeability (rel.)", "numeric")]


GRAPH_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


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

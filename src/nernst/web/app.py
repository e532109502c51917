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

The modules: :mod:`~nernst.web.views` (engine calls), :mod:`~nernst.web.figures`,
:mod:`~nernst.web.layout`, :mod:`~nernst.web.inputs` (the checks of what a
callback receives), :mod:`~nernst.web.server` (the request guard); this one
builds the app and its callbacks.

No request is answered with a 500.  Each callback checks what it receives
(:mod:`nernst.web.inputs`) and ``_answer`` turns a refusal, or an
engine error, into the message by the control (or into "no update" where the
callback has no message); the server (:mod:`nernst.web.server`) checks the
envelope of every callback request and answers a request outside the
renderer's contract with a 400 or 404 and one plain line.
"""

from __future__ import annotations

from ..errors import NernstError
from . import state as st
from .figures import (_go, _layout, cable_figure, current_figure, equilibrium_figure, map_figure, scenario_figure,
                      spike_figure, story_figure)
from .inputs import MAX_RUNS, _answer, _checked, _listed, _rows, _runs, _step, _text_or_none, _ticked
from .layout import CSS, _layout_equilibrium, _layout_excitability, _layout_scenarios, _layout_story
from .server import MAX_REQUEST_BYTES, _guard_server
from .views import (cable_run, equations_markdown, equilibrium_csv, equilibrium_view, ion_table_rows, map_options,
                    preset_rows, rest_map, scenario_names, scenario_run, spike_run, story_steps, story_text)
# the names of the earlier single module, for code that imports them from here
from .inputs import LIMITS  # noqa: F401,E402
from .server import MAX_JSON_DEPTH, envelope_problem, json_too_deep  # noqa: F401,E402
from .views import CELL_RADIUS_UM, MAP_POINTS, MAX_CABLE_WORK, warm_up  # noqa: F401,E402

__all__ = ["create_app"]


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

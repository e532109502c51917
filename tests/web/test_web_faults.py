"""The explorer's web face never answers 500: malformed callback values, long links, bad envelopes.

All through Flask's test client on one app (a module fixture; no server, no browser), with a fixed
list of malformed values and random combinations of them drawn the same way on every run:

* callback values: every server callback of ``/_dash-dependencies`` except the background one (the
  scenario runner: each request to it starts a worker process; its checks are tested directly) gets,
  in each of its inputs and states in turn, each malformed value: wrong JSON types, None, booleans,
  10**400, nan/inf as text and as JSON, negative and huge step indices, unknown names, tables that
  are not lists of rows (or rows with such cells), runs that are not runs; then a few requests with
  every value malformed at once.  Every answer must be 200 with a Dash response (JSON with
  ``response``) - the callback's own checks answer; a 4xx would be tolerated, a 5xx never, and
  nothing may reach the server's last-resort handler (which logs an error);
* messages: a few malformed values are answered by the control's one-line message, which names the
  field, while the other outputs keep their last good value (absent from the response);
* story steps out of range are clamped; a step that is not a whole number changes nothing;
* the long link: 40 repeated fields, 40 distinct unknown ones, 40 repeats of a known one: the page
  opens (200), the valid settings are kept and the page's message says what was dropped;
* envelopes: bodies null, [], 123, without an output, nested 10**4 deep, naming an unknown or a
  browser-side output, with inputs or outputs not those of the callback, and requests for component
  files that do not exist: a 400 or 404 with one plain line; a body over the size limit stays 413.

Takes a few seconds (about 3000 requests; the engine's results for the valid values are cached).
"""

import json
import logging
import random

import pytest

pytest.importorskip("dash")

from nernst.errors import NernstError  # noqa: E402
from nernst.web import state as st  # noqa: E402

UPDATE = "/_dash-update-component"

KROW = {"ion": "K", "z": 1.0, "inside": 140.0, "outside": 5.0, "P": 1.0}
RUN = {"name": "scenario_pump_block", "title": "pump block", "t_s": [0.0, 60.0, 120.0], "v": [-70.0, -60.0, None],
       "inside": {"K": [140.0, 139.0, 138.0]}, "summary": ["V rises"], "warnings": []}

#: malformed values, each tried in every input and state of every callback
MALFORMED = [
    None, True, False, -1, 0, 999, 10**400, -10**400, 1e308, "abc", "", "nan", "inf", "-inf", "1e400",
    float("nan"), float("inf"), "x" * 3000, [], [1, "a"], [[1]], [None], {}, {"a": 1}, {"ion": "K"},
    [{}], ["K"], [dict(KROW, outside="abc")], [dict(KROW, inside=10**400)], [dict(KROW, P={"a": 1})],
    [dict(KROW, ion=["K"])], [dict(KROW, z=True)], [dict(KROW)] * 13,
    [RUN] * 5, [dict(RUN, t_s="x")], [dict(RUN, v=[{"a": 1}] * 3)], [dict(RUN, name=5)], [1, 2],
    "K.outside", "nope", "?a=1" + "&a=1" * 40, ["T", "T"],
]


def _outputs(output: str):
    """The ``outputs`` the renderer sends for a callback's ``output`` string."""
    if output.startswith(".."):
        return [dict(zip(("id", "property"), p.split(".", 1))) for p in output[2:-2].split("...")]
    i, p = output.split(".", 1)
    return {"id": i, "property": p}


def _key(spec):
    return f"{spec['id']}.{spec['property']}"


@pytest.fixture(scope="module")
def web():
    from nernst.web.app import create_app, preset_rows

    app = create_app()
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    deps = client.get("/_dash-dependencies").get_json()
    rows, t, _ = preset_rows(st.DEFAULTS["preset"])
    good = {"url.search": "", "url-loaded.data": False, "tabs.value": "equilibrium",
            "eq-preset.value": st.DEFAULTS["preset"], "eq-temp.value": t, "eq-table.data": rows,
            "ex-current.value": st.DEFAULTS["I"], "ex-duration.value": st.DEFAULTS["dur"],
            "ex-temp.value": st.DEFAULTS["temp"], "cb-diameter.value": st.DEFAULTS["d"],
            "cb-length.value": st.DEFAULTS["L"], "cb-passive.value": [], "story-step.data": 0,
            "scn-name.value": st.DEFAULTS["scn"], "eq-map-x.value": st.DEFAULTS["mx"],
            "eq-map-y.value": st.DEFAULTS["my"], "eq-map-link.data": [st.DEFAULTS["mx"], st.DEFAULTS["my"]],
            "scn-runs.data": [RUN], "scn-compare.value": []}
    return app, client, deps, good


def _server_callbacks(app, deps):
    """The dependencies answered by the server, less the background one (it spawns processes)."""
    cbs = app.callback_map
    return [d for d in deps if d["output"] in cbs and "callback" in cbs[d["output"]] and not d.get("background")]


def _dep(deps, output_start):
    return next(d for d in deps if d["output"].startswith(output_start))


def _body(dep, values, changed):
    def items(specs):
        return [dict(s, value=values.get(_key(s), 1)) for s in specs]  # (1: a button's n_clicks)

    return {"output": dep["output"], "outputs": _outputs(dep["output"]), "inputs": items(dep["inputs"]),
            "state": items(dep["state"]), "changedPropIds": changed}


def _post(client, body):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(UPDATE, data=raw, content_type="application/json")


def _tab_for(output: str) -> str:
    """The tab on which a callback's outputs are shown (those of other tabs are not computed)."""
    if "story" in output:
        return "story"
    return "excitability" if output.startswith(("..ex-", "..cb-")) else "equilibrium"


# ---------------------------------------------------------------------------
# callback values
# ---------------------------------------------------------------------------

def test_malformed_values_never_give_a_5xx(web, caplog):
    app, client, deps, good = web
    callbacks = _server_callbacks(app, deps)
    assert len(callbacks) >= 15  # every server callback of the page but the scenario runner
    rng = random.Random(20240601)
    failures, sent = [], 0
    caplog.set_level(logging.ERROR, logger="nernst.web.app")

    def check(dep, values, changed):
        nonlocal sent
        sent += 1
        r = _post(client, _body(dep, values, changed))
        if r.status_code == 200:
            ok = "response" in (r.get_json(silent=True) or {})
        else:
            ok = 400 <= r.status_code < 500
        if not ok:
            failures.append((dep["output"][:40], {k: repr(v)[:40] for k, v in values.items() if good.get(k) is not v},
                             r.status_code, r.get_data(as_text=True)[:120]))

    for dep in callbacks:
        base = dict(good, **{"tabs.value": _tab_for(dep["output"])})
        inputs = [_key(s) for s in dep["inputs"]]
        for spec in dep["inputs"] + dep["state"]:
            for value in MALFORMED:
                check(dep, dict(base, **{_key(spec): value}), inputs[:1])
        for _ in range(8):  # everything malformed at once, any inputs changed
            values = dict(base, **{_key(s): rng.choice(MALFORMED) for s in dep["inputs"] + dep["state"]})
            check(dep, values, rng.sample(inputs, rng.randint(0, len(inputs))))
    assert sent > 2000
    assert not failures, f"{len(failures)} of {sent} answers were not 200/4xx: {failures[:5]}"
    # a 4xx from the last-resort handler would mean a callback let an unexpected exception through
    errors = [r.getMessage() for r in caplog.records if r.name == "nernst.web.app"]
    assert not errors, errors[:5]


@pytest.mark.parametrize("output, changes, msg_id, words", [
    ("..eq-graph", {"eq-table.data": [dict(KROW, outside="abc")]}, "eq-msg", ["K", "outside", "'abc'", "not a number"]),
    ("..eq-graph", {"eq-table.data": [dict(KROW, outside=10**400)]}, "eq-msg", ["K", "outside", "too large"]),
    ("..eq-graph", {"eq-temp.value": "nan"}, "eq-msg", ["temperature", "not a finite number"]),
    ("..eq-graph", {"eq-table.data": "abc"}, "eq-msg", ["ion table", "not a list of rows"]),
    ("..eq-map.figure", {"eq-temp.value": [1]}, "eq-map-msg", ["Map not updated", "temperature"]),
    ("..ex-graph", {"ex-current.value": 10**400}, "ex-msg", ["current", "too large"]),
    ("..ex-graph", {"ex-duration.value": "inf"}, "ex-msg", ["duration", "not a finite number"]),
    ("..ex-graph", {"ex-temp.value": 1e9}, "ex-msg", ["temperature", "between 0 and 40"]),
    ("..cb-graph", {"cb-diameter.value": 10**400}, "cb-msg", ["diameter", "too large"]),
    ("..cb-graph", {"cb-passive.value": "yes"}, "cb-msg", ["passive", "not a list"]),
])
def test_a_malformed_value_is_named_in_the_controls_message(web, output, changes, msg_id, words):
    app, client, deps, good = web
    dep = _dep(deps, output)
    values = dict(good, **{"tabs.value": _tab_for(dep["output"])}, **changes)
    r = _post(client, _body(dep, values, [_key(dep["inputs"][0])]))
    assert r.status_code == 200
    response = r.get_json()["response"]
    assert set(response) == {msg_id}  # the figures and summaries keep their last good value
    text = response[msg_id]["children"]
    assert all(w in text for w in words), text
    assert "\n" not in text and len(text) < 200 and "Traceback" not in text
    assert text.startswith(("Not updated: ", "Map not updated: "))


@pytest.mark.parametrize("step, expect", [(-5, "step 0 of"), (10**6, "LAST"), (10**400, "LAST"), (None, "step 0 of")])
def test_story_steps_out_of_range_are_clamped(web, step, expect):
    from nernst.web.app import story_steps

    app, client, deps, good = web
    dep = _dep(deps, "..story-graph")
    r = _post(client, _body(dep, dict(good, **{"story-step.data": step, "tabs.value": "story"}), []))
    assert r.status_code == 200
    last = len(story_steps()) - 1
    want = f"step {last} of {last}" if expect == "LAST" else expect
    assert r.get_json()["response"]["story-pos"]["children"].startswith(want)


@pytest.mark.parametrize("step", ["abc", 2.5, True, [1], {"k": 1}, "nan"])
def test_a_step_that_is_not_a_whole_number_changes_nothing(web, step):
    app, client, deps, good = web
    for output in ("..story-graph", "story-step.data"):
        dep = _dep(deps, output)
        r = _post(client, _body(dep, dict(good, **{"story-step.data": step, "tabs.value": "story"}),
                                [_key(dep["inputs"][-1])]))
        assert r.status_code == 200 and r.get_json()["response"] == {}


def test_the_scenario_runners_checks():
    """The background callback's checks, without starting a run: its stored runs and its scenario name."""
    from nernst.web.app import _runs, scenario_run

    assert _runs(None) == [] and _runs([RUN]) == [RUN]
    for bad in ({"a": 1}, [RUN] * 5, [dict(RUN, t_s="x")], [dict(RUN, inside={"K": [1.0]})], ["run"]):
        with pytest.raises(NernstError) as err:
            _runs(bad)
        assert "\n" not in str(err.value)
    for name in (None, ["x"], "nope", 10**400):
        with pytest.raises(NernstError, match="scenario"):
            scenario_run(name)


# ---------------------------------------------------------------------------
# the long link
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("tail, kept, said", [
    ("&".join(["a=1"] * 40), {}, ["unknown setting 'a' (given 40 times)"]),
    ("&".join(f"u{k}=1" for k in range(40)), {}, ["unknown setting 'u0'", "and 35 more unknown settings"]),
    ("&".join(["T=21"] * 40), {"eq-temp": 21.0}, ["10 settings after the first 32 were ignored",
                                                   "T was given 31 times"]),
])
def test_a_link_with_many_fields_opens_with_its_valid_settings(web, tail, kept, said):
    app, client, deps, good = web
    dep = _dep(deps, "..tabs.value")
    search = "?tab=story&T=20&" + tail
    r = _post(client, _body(dep, {"url.search": search, "url-loaded.data": False}, ["url.search"]))
    assert r.status_code == 200
    out = {k: next(iter(v.values())) for k, v in r.get_json()["response"].items()}
    assert out["tabs"] == "story"  # a valid setting before the junk is kept ...
    assert out["eq-temp"] == kept.get("eq-temp", 20.0)
    msg = out["url-msg"]
    assert msg.startswith("Some settings in the link were ignored: ")  # ... and the page says what was dropped
    assert all(s in msg for s in said), msg
    assert "\n" not in msg and len(msg) < 400


def test_the_query_parser_keeps_every_known_setting_after_unknown_ones():
    search = "?" + "&".join(f"u{k}=1" for k in range(40)) + "&tab=excitability&I=7.5"
    s, problems = st.parse_query(search)
    assert s["tab"] == "excitability" and s["I"] == 7.5
    assert problems[-1] == "and 35 more unknown settings"
    for junk in (None, 5, ["?T=1"], {"T": 1}):
        s, problems = st.parse_query(junk)
        assert s == st.DEFAULTS and (junk is None or problems == ["the link is not text; it was ignored"])


def test_malformed_controls_are_left_out_of_the_link():
    s = dict(st.DEFAULTS, tab=["x"], preset=5, T=10**400, ions="K,1", I=float("nan"), step=-1, passive=[1], mx=None)
    assert st.encode_query(s) == "?tab=equilibrium&preset=mammalian_neuron"


# ---------------------------------------------------------------------------
# envelopes
# ---------------------------------------------------------------------------

def _envelope(deps, output_start, **changes):
    dep = _dep(deps, output_start)
    body = _body(dep, {}, [])
    body.update(changes)
    return body


ENVELOPES = {  # name: (the body, or how to make it from the dependencies; the status expected)
    "null": ("null", 400),
    "empty list": ("[]", 400),
    "number": ("123", 400),
    "string": ('"text"', 400),
    "invalid JSON": ("{not json", 400),
    "no output": ({"inputs": [], "state": []}, 400),
    "output not a string": ({"output": 5, "inputs": []}, 400),
    "arrays 10**4 deep": ("[" * 10**4 + "]" * 10**4, 400),
    "objects 10**4 deep": ('{"a":' * 10**4 + "1" + "}" * 10**4, 400),
    "a value 70 deep": (lambda deps: _envelope(deps, "scn-graph", inputs=[
        {"id": "scn-runs", "property": "data", "value": json.loads("[" * 70 + "]" * 70)}]), 400),
    "unknown output": (lambda deps: dict(_envelope(deps, "scn-graph"), output="nope.children"), 404),
    "browser-side output": (lambda deps: dict(_envelope(deps, "scn-graph"), output="eq-png-btn.title"), 404),
    "inputs not a list": (lambda deps: _envelope(deps, "scn-graph", inputs=5), 400),
    "inputs not properties": (lambda deps: _envelope(deps, "scn-graph", inputs=[5]), 400),
    "inputs of another callback": (lambda deps: _envelope(deps, "scn-graph",
                                                          inputs=[{"id": "tabs", "property": "value"}]), 400),
    "state not a list": (lambda deps: _envelope(deps, "scn-graph", state={"a": 1}), 400),
    "changedPropIds not a list": (lambda deps: _envelope(deps, "scn-graph", changedPropIds="scn-runs.data"), 400),
    "changedPropIds not inputs": (lambda deps: _envelope(deps, "scn-graph", changedPropIds=["{bad json.value"]),
                                  400),
    "outputs missing": (lambda deps: _envelope(deps, "scn-graph", outputs=None), 400),
    "outputs too few": (lambda deps: _envelope(deps, "..eq-graph", outputs=[{"id": "eq-graph",
                                                                              "property": "figure"}]), 400),
    "outputs of another callback": (lambda deps: _envelope(deps, "scn-graph",
                                                           outputs={"id": "eq-msg", "property": "children"}), 400),
}


@pytest.mark.parametrize("name", list(ENVELOPES))
def test_a_malformed_envelope_is_a_4xx(web, name):
    app, client, deps, good = web
    body, status = ENVELOPES[name]
    r = _post(client, body(deps) if callable(body) else body)
    assert r.status_code == status, r.get_data(as_text=True)[:200]
    assert r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    assert text.count("\n") == 1 and len(text) < 200, text


def test_brackets_inside_strings_are_not_nesting(web):
    """The depth scan skips strings (with escaped quotes and backslashes in them)."""
    from nernst.web.app import MAX_JSON_DEPTH, json_too_deep

    app, client, deps, good = web
    deep_text = '\\"\\\\' + "[{" * 200
    r = _post(client, _envelope(deps, "scn-graph", inputs=[{"id": "scn-runs", "property": "data",
                                                             "value": deep_text}]))
    assert r.status_code == 200 and "response" in r.get_json()
    assert json_too_deep(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))
    assert not json_too_deep(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert not json_too_deep(json.dumps({"a": '"[[[[\\' * 100}).encode())
    assert json_too_deep(b'["\\\\"' + b"[" * MAX_JSON_DEPTH)  # an escaped backslash does not hide the quote


def test_a_body_that_is_not_json_is_415(web):
    app, client, deps, good = web
    r = client.post(UPDATE, data="{}", content_type="text/plain")
    assert r.status_code == 415 and r.mimetype == "text/plain"


def test_a_body_over_the_limit_stays_413(web):
    from nernst.web.app import MAX_REQUEST_BYTES

    app, client, deps, good = web
    raw = '{"output": "' + "x" * MAX_REQUEST_BYTES + '"}'
    assert client.post(UPDATE, data=raw, content_type="application/json").status_code == 413


@pytest.mark.parametrize("path", [
    "/_dash-component-suites/bogus/x.js",
    "/_dash-component-suites/dash/bogus.js",
    "/_dash-component-suites/dash/dcc/bogus.v1_0_0m1700000000.js",
    "/_dash-component-suites/dash/../../etc/passwd",
    "/_dash-component-suites/plotly/package_data/nothing.min.js",
])
def test_an_unknown_component_file_is_404(web, path):
    app, client, deps, good = web
    r = client.get(path)
    assert r.status_code == 404
    assert "registered" not in r.get_data(as_text=True)  # a short line, not Dash's list of every file

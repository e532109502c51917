"""The explorer in a real browser: Playwright (sync API) driving Debian's chromium.

What the issue asks of the explorer, checked end to end: load the page, change a
concentration and see V_rest change to the engine's value, step the story, run a
scenario, open a shared URL, export CSV, enter bad values; a phone-sized screen;
labels for every control.

One server (``python -m nernst explore`` on a free 127.0.0.1 port) and one
chromium per module.  Without chromium (or Playwright) the module is skipped,
unless NERNST_REQUIRE_BROWSER is set (CI sets it): then it fails, saying why.
NERNST_CHROMIUM overrides the browser's path (default /usr/bin/chromium, else chromium on PATH).
NERNST_EXPLORER_SHOTS=DIR saves a screenshot of every tab (desktop and phone) into DIR.

Reference values are computed here by calling the engine directly (resting_state,
zero_current_potential, run_story, simulate, simulate_hh, run_axon), never by the
app's helpers.  The tolerance of a number read off the page is half a unit of its
last displayed digit (e.g. +-0.005 mV for "-64.94 mV"); numbers in downloaded
files are full floats and must match to 1e-9.

Shared links are opened with a full page load (page.goto) in the module's one
browser tab: no Dash state survives it.  Every action waits for Dash to settle
(window.store's isLoading off for 200 ms) rather than sleeping.

Comments "until <commit>" name the app fix after which a check (written as an
xfail(strict=True) test of a bug) began to pass.  A new bug found here gets a
test marked xfail(strict=True, reason="BUG: ..."); once fixed it XPASSes, which
strict turns into a failure: drop the mark then.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from nernst.presets import load_preset
from nernst.rest import resting_state

CHROMIUM = (os.environ.get("NERNST_CHROMIUM") or next(
    (p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")) if p and os.path.isfile(p)),
    "/usr/bin/chromium"))
REQUIRE = bool(os.environ.get("NERNST_REQUIRE_BROWSER"))
SHOTS = os.environ.get("NERNST_EXPLORER_SHOTS")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
TIMEOUT_MS = 120_000  # a generous ceiling for a callback on a loaded 2-core machine; every wait ends as soon as the page is right
TABS = ["Equilibrium", "Story", "Scenarios", "Excitability"]
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
# with pytest-xdist, `--dist loadgroup` keeps these tests on one worker (one server, one chromium)
pytestmark = pytest.mark.xdist_group("explorer_browser")


def _unavailable(why: str):
    if REQUIRE:
        pytest.fail(f"browser tests required (NERNST_REQUIRE_BROWSER is set) but {why}", pytrace=False)
    pytest.skip(why)


try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = expect = None
    PlaywrightError = OSError


# ---------------------------------------------------------------------------
# fixtures: one server, one browser and one tab per module
# ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url():
    if sync_playwright is None:
        _unavailable("Playwright is not installed (pip install playwright)")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"no chromium at {CHROMIUM} (apt-get install chromium, or set NERNST_CHROMIUM)")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([sys.executable, "-m", "nernst", "explore", "--host", "127.0.0.1", "--port", str(port)],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180  # a cold start on a loaded machine imports dash, plotly, numba kernels
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"the explorer did not start on {url}:\n{log.read().decode(errors='replace')[-2000:]}")
                time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def browser(base_url):
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        except PlaywrightError as exc:  # a chromium that does not start is as good as none
            _unavailable(f"chromium at {CHROMIUM} did not start: {exc}")
        yield b
        b.close()


@pytest.fixture(scope="module")
def _tab(browser):
    """One browser tab for the module (a new tab costs ~3 s of CPU; a page load in it ~1.5 s).
    Every test starts with page.goto, a full load, so no Dash state passes from test to test."""
    page = browser.new_page(viewport=DESKTOP, accept_downloads=True)
    page.set_default_timeout(TIMEOUT_MS)
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    page.close()


@pytest.fixture
def page(_tab):
    """The module's tab, at desktop size, with its list of console errors emptied."""
    _tab.set_viewport_size(DESKTOP)
    _tab.errors.clear()
    return _tab


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def shown(text: str) -> float:
    """The first number in a text such as '-64.94 mV'."""
    m = NUMBER.search(text)
    assert m, f"no number in {text!r}"
    return float(m.group())


def half_unit(text: str) -> float:
    """Half a unit of the last displayed digit of the first number in *text* (+1e-9 for float noise)."""
    m = NUMBER.search(text)
    decimals = len(m.group().split(".")[1]) if "." in m.group() else 0
    return 0.5 * 10.0 ** -decimals + 1e-9


def assert_shown(text: str, reference: float):
    """The number on the page equals *reference* to the displayed rounding."""
    assert abs(shown(text) - reference) <= half_unit(text), (text, reference)


def open_equilibrium(page, base_url, query=""):
    page.goto(base_url + query)
    expect(page.locator("#eq-vrest")).to_have_text(re.compile(r"mV"))
    settle(page)
    return page.locator("#eq-vrest")


def open_tab(page, label):
    page.locator("#tabs .tab", has_text=label).click()
    expect(page.locator("#tabs .tab--selected")).to_have_text(label)
    settle(page)


def click(page, selector):
    page.click(selector)
    settle(page)


def cell(page, ion_row: int, column: str):
    return page.locator(f'#eq-table td[data-dash-row="{ion_row}"][data-dash-column="{column}"]')


def edit_cell(page, ion_row: int, column: str, text: str):
    """DataTable editing as a user does it: click the cell, type (replaces the value), Enter."""
    cell(page, ion_row, column).click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    settle(page)


def set_number(page, input_id: str, text: str):
    """A debounced dcc.Input fires on Enter."""
    box = page.locator(f"#{input_id}")
    box.fill(text)
    box.press("Enter")
    settle(page)


def n_traces(page, graph_id: str) -> int:
    return page.evaluate(f"(document.querySelector('#{graph_id} .js-plotly-plot') || {{}}).data?.length ?? 0")


def last_y(page, graph_id: str, trace: int) -> float:
    return page.evaluate(f"(() => {{ const y = document.querySelector('#{graph_id} .js-plotly-plot').data[{trace}].y;"
                         f" return y[y.length - 1]; }})()")


# Dash's renderer keeps its redux store in window.store; isLoading is true while any callback is
# requested, queued or running.  Settled = not loading for 4 polls in a row (200 ms), so that the next
# callback of a chain (to_url -> from_url -> ...) has had time to be requested.
_SETTLED_JS = """() => {
    const s = window.store && window.store.getState();
    if (!s || s.isLoading) { window.__quiet = 0; return false; }
    window.__quiet = (window.__quiet || 0) + 1;
    return window.__quiet >= 4;
}"""


def settle(page):
    """Wait until Dash has finished every callback the last action set off (a change goes on to
    to_url, the figures, the summary...), so that the next action starts from a quiet page."""
    page.evaluate("window.__quiet = 0")
    page.wait_for_function(_SETTLED_JS, polling=50)


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def k_row(preset="mammalian_neuron") -> int:
    return [i.symbol for i in load_preset(preset).ions].index("K")


def default_rest():
    return resting_state(load_preset("mammalian_neuron"))


# ---------------------------------------------------------------------------
# 1. load
# ---------------------------------------------------------------------------

def test_page_loads_with_the_engines_resting_potential(page, base_url):
    vrest = open_equilibrium(page, base_url)
    ref = default_rest()
    expect(page).to_have_title("nernst explorer")
    expect(page.locator("#tabs .tab")).to_have_text(TABS)
    expect(page.locator("#tabs .tab--selected")).to_have_text("Equilibrium")
    expect(page.locator("#eq-preset")).to_have_text("mammalian_neuron")
    expect(page.locator("#eq-temp")).to_have_value(f"{ref.temperature_c:g}")  # ref: the preset's temperature
    # ref: resting_state(mammalian_neuron).ghk_mV; tol: half the last shown digit (0.005 mV)
    assert_shown(vrest.inner_text(), ref.ghk_mV)
    # ref: the engine's E_K of the preset; tol: 0.005 mV (2 decimals in the results table)
    e_k = page.locator('#eq-results td[data-dash-column="E"]').nth(k_row())
    assert_shown(e_k.inner_text(), ref.ion("K").equilibrium_mV)
    assert n_traces(page, "eq-graph") >= 1  # the E_X bars are drawn
    shot(page, "desktop_equilibrium")
    assert page.errors == []  # ref: a clean load logs no console error


# ---------------------------------------------------------------------------
# 2. change the temperature, then a concentration
# ---------------------------------------------------------------------------

def test_changing_the_temperature_and_a_concentration(page, base_url):
    vrest = open_equilibrium(page, base_url)
    spec = load_preset("mammalian_neuron")

    # the temperature of an unedited preset (until c9ea669 the URL round trip put 37 degC back)
    before = vrest.inner_text()
    set_number(page, "eq-temp", "20")
    expect(vrest).not_to_have_text(before)
    # ref: resting_state(mammalian_neuron, temperature_c=20).ghk_mV; tol: 0.005 mV (2 decimals shown)
    assert_shown(vrest.inner_text(), resting_state(spec, temperature_c=20.0).ghk_mV)
    expect(page.locator("#eq-temp")).to_have_value("20")  # the input keeps what was typed
    expect(page).to_have_url(re.compile(r"[?&]T=20(&|$)"))  # ref: the temperature is in the link

    before = vrest.inner_text()
    edit_cell(page, k_row(), "outside", "10")
    expect(vrest).not_to_have_text(before)
    # ref: resting_state(preset with [K]o = 10 mM, temperature_c=20).ghk_mV; tol: 0.005 mV
    assert_shown(vrest.inner_text(), resting_state(spec.with_ion("K", outside_mM=10.0), temperature_c=20.0).ghk_mV)
    expect(cell(page, k_row(), "outside")).to_have_text("10")
    # ref: state.py's ions=symbol,z,inside,outside,P; the K row with its new outside value (exact text)
    expect(page).to_have_url(re.compile(r"[?&]ions=K,1,140,10,1(;|&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]T=20(&|$)"))  # ... and the temperature is still there
    expect(page.locator("#eq-temp")).to_have_value("20")
    assert page.errors == []


# ---------------------------------------------------------------------------
# 3. bad values
# ---------------------------------------------------------------------------

def test_bad_values_show_a_message_and_keep_the_last_result(page, base_url):
    vrest = open_equilibrium(page, base_url)
    msg = page.locator("#eq-msg")
    good = vrest.inner_text()
    ref = default_rest().ghk_mV

    def one_line_naming(*words):
        text = msg.inner_text()
        assert all(w in text for w in words) and "\n" not in text, text

    edit_cell(page, k_row(), "outside", "-3")
    expect(msg).to_contain_text("outside")  # ref: the message names the field ...
    one_line_naming("K", "outside")  # ... and the ion, on one line
    expect(vrest).to_have_text(good)  # ref: the last good value stays (exact text)

    edit_cell(page, k_row(), "outside", "5")  # back to the preset's value
    expect(msg).to_have_text("")  # ref: a good value clears the message
    assert_shown(vrest.inner_text(), ref)  # ref: resting_state(mammalian_neuron).ghk_mV; tol 0.005 mV

    # text in a number cell (until c9ea669 dash-table dropped it silently)
    edit_cell(page, k_row(), "outside", "abc")
    expect(msg).to_contain_text("abc")  # ref: the message quotes what was typed ...
    one_line_naming("K", "outside")  # ... and names the ion and field, on one line
    expect(vrest).to_have_text(good)

    edit_cell(page, k_row(), "outside", "5")
    expect(msg).to_have_text("")  # ref: a good value clears the message

    # an impossible temperature (until c9ea669 the input's min/max turned it into "None")
    set_number(page, "eq-temp", "2000")
    expect(msg).to_contain_text("temperature")  # ref: the message names the field ...
    one_line_naming("2000")  # ... and gives the value typed, on one line
    assert "None" not in msg.inner_text()
    expect(vrest).to_have_text(good)  # ref: the last good value stays (exact text)

    set_number(page, "eq-temp", "37")
    expect(msg).to_have_text("")  # ref: a good value clears the message
    assert_shown(vrest.inner_text(), ref)  # ref: resting_state(mammalian_neuron).ghk_mV; tol 0.005 mV
    assert page.errors == []  # bad values are handled, not logged as errors


# ---------------------------------------------------------------------------
# 4. story
# ---------------------------------------------------------------------------

def test_story_steps_forward_and_back(page, base_url):
    from nernst.cellconfig import load_cell_config
    from nernst.presets import resolve_cell_config
    from nernst.story import run_story

    steps = [s.as_dict() for s in run_story(load_cell_config(resolve_cell_config("story_neuron"))).steps]
    n = len(steps) - 1  # ref: steps are numbered 0..n
    open_equilibrium(page, base_url)
    open_tab(page, "Story")
    pos, text = page.locator("#story-pos"), page.locator("#story-text")
    expect(pos).to_have_text(f"step 0 of {n}")
    click(page, "#story-next")
    expect(pos).to_have_text(f"step 1 of {n}")
    click(page, "#story-next")
    expect(pos).to_have_text(f"step 2 of {n}")  # ref: run_story(story_neuron), two steps on
    expect(text).to_contain_text(steps[2]["title"])  # ref: the engine's step-2 title (exact text)
    v = re.search(r"V = ([-+]?\d+\.\d+) mV", text.inner_text())
    assert v, text.inner_text()
    assert_shown(v.group(1), steps[2]["vm_mV"])  # ref: run_story step 2 vm_mV; tol 0.005 mV (2 decimals)
    assert n_traces(page, "story-graph") >= 1
    shot(page, "desktop_story")
    click(page, "#story-prev")
    expect(pos).to_have_text(f"step 1 of {n}")  # ref: Previous goes back one step
    expect(text).to_contain_text(steps[1]["title"])  # ref: the engine's step-1 title
    expect(page).to_have_url(re.compile(r"[?&]step=1(&|$)"))  # ref: the step is in the link
    assert page.errors == []


def test_story_step_zero_axis_is_in_millivolts(page, base_url):
    """Once an xfail: at step 0 the axis showed picovolts of float noise (fixed: values rounded to 1 nV)."""
    page.goto(base_url + "?tab=story")
    expect(page.locator("#story-pos")).to_have_text(re.compile(r"^step 0 of "))
    settle(page)
    ticks = page.locator("#story-graph .ytick text").all_text_contents()
    assert ticks, "no y tick labels"
    # ref: a mV axis has no tick below 1 uV: no SI suffix p (1e-12), n (1e-9) or u/µ (1e-6)
    assert not [t for t in ticks if re.search(r"\d\s*[pnuµ]$", t)], ticks


# ---------------------------------------------------------------------------
# 5. scenarios
# ---------------------------------------------------------------------------

def _scenario_reference(name):
    """The scenario as the engine simulates it, with the explorer's settings (the config's duration, or
    3600 s; 400 points)."""
    from nernst.cellconfig import load_cell_config
    from nernst.dynamics import simulate, start_state
    from nernst.presets import resolve_cell_config

    cfg = load_cell_config(resolve_cell_config(name))
    return simulate(cfg.model, cfg.duration_s or 3600.0, initial=start_state(cfg), n_points=400,
                    protocol=cfg.protocol)


def test_scenario_runs_and_compares(page, base_url):
    page.goto(base_url + "?tab=scenarios")
    expect(page.locator("#scn-name")).to_have_text("scenario_pump_block")
    click(page, "#scn-run")
    page.wait_for_function("(document.querySelector('#scn-graph .js-plotly-plot') || {}).data?.length > 0")
    first = _scenario_reference("scenario_pump_block")
    per_run = 1 + len(first.inside_mM)  # ref: one V trace and one [X]i trace per ion of the engine's run
    assert n_traces(page, "scn-graph") == per_run
    # ref: simulate(...) of scenario_pump_block, final voltage; tol 1e-9 mV (the figure carries full floats)
    assert abs(last_y(page, "scn-graph", 0) - float(first.voltage_mV[-1])) <= 1e-9
    # ref: the words under the figure say what it shows, as `nernst simulate` does: the jump at the block
    # (the event's V just before it and where V goes within ms) and the end, to the 2 decimals shown
    ev = first.event_details[0]
    expect(page.locator("#scn-summary")).to_contain_text(
        f"at 60 s: nak_pump blocked: V {ev['before_mV']:.2f} mV -> {ev['after_mV']:.2f} mV within ms")
    expect(page.locator("#scn-summary")).to_contain_text(f"V {float(first.voltage_mV[-1]):.2f} mV")
    shot(page, "desktop_scenarios")

    page.get_by_label("Compare (keep earlier runs)").check()
    page.click("#scn-name")
    page.get_by_role("option", name="scenario_hyperkalemia").click()
    expect(page.locator("#scn-name")).to_have_text("scenario_hyperkalemia")
    click(page, "#scn-run")
    page.wait_for_function(f"document.querySelector('#scn-graph .js-plotly-plot').data.length > {per_run}")
    assert n_traces(page, "scn-graph") == 2 * per_run  # ref: both runs overlaid, V + ions each
    second = _scenario_reference("scenario_hyperkalemia")
    names = page.evaluate("document.querySelector('#scn-graph .js-plotly-plot').data.map(t => t.name)")
    k = names.index("V: scenario_hyperkalemia")
    # ref: simulate(...) of scenario_hyperkalemia, final voltage; tol 1e-9 mV
    assert abs(last_y(page, "scn-graph", k) - float(second.voltage_mV[-1])) <= 1e-9
    assert page.errors == []


# ---------------------------------------------------------------------------
# 6. shared links
# ---------------------------------------------------------------------------

def test_a_shared_link_opens_the_same_state(page, base_url):
    from nernst.equilibrium import zero_current_potential

    # T=10, not squid's own 20 degC, so that the link's temperature shows (until c9ea669 it opened at 20)
    vrest = open_equilibrium(page, base_url, "?tab=equilibrium&preset=squid_giant_axon&T=10")
    expect(page.locator("#tabs .tab--selected")).to_have_text("Equilibrium")
    expect(page.locator("#eq-preset")).to_have_text("squid_giant_axon")
    expect(page.locator("#eq-temp")).to_have_value("10")
    # ref: resting_state(squid_giant_axon, temperature_c=10).ghk_mV; tol 0.005 mV
    assert_shown(vrest.inner_text(), resting_state(load_preset("squid_giant_axon"), temperature_c=10.0).ghk_mV)
    assert page.errors == []

    vrest = open_equilibrium(page, base_url, "?preset=squid_giant_axon&T=10&ions=K,1,400,20,1;Na,1,50,440,0.04")
    expect(page.locator("#eq-table td[data-dash-column=ion]")).to_have_text(["K", "Na"])  # ref: the link's rows
    expect(page.locator("#eq-temp")).to_have_value("10")
    # ref: zero_current_potential of the link's two ions at 10 degC; tol 0.005 mV
    ref = float(zero_current_potential([400, 50], [20, 440], [1, 1], [1, 0.04], 10.0))
    assert_shown(vrest.inner_text(), ref)
    assert page.errors == []

    vrest = open_equilibrium(page, base_url, "?T=abc&foo=1")
    note = page.locator("#url-msg")
    expect(note).to_contain_text("T='abc' is not a number")  # ref: state.parse_query's message for T
    expect(note).to_contain_text("unknown setting 'foo'")
    expect(page.locator("#eq-preset")).to_have_text("mammalian_neuron")  # ref: state.DEFAULTS
    expect(page.locator("#eq-temp")).to_have_value("37")  # ref: the default preset's temperature
    assert_shown(vrest.inner_text(), default_rest().ghk_mV)  # ref: resting_state(mammalian_neuron); tol 0.005 mV
    assert page.errors == []


# ---------------------------------------------------------------------------
# 7. CSV export
# ---------------------------------------------------------------------------

def _download(page, button_id) -> tuple[str, str]:
    with page.expect_download() as info:
        page.click(f"#{button_id}")
    d = info.value
    return d.suggested_filename, Path(d.path()).read_text()


def test_csv_exports(page, base_url):
    from nernst.excitability import simulate_hh

    open_equilibrium(page, base_url)
    name, text = _download(page, "eq-csv-btn")
    assert name.endswith(".csv")
    head, body = text.split("\n", 1)
    ref = default_rest()
    m = re.search(r"V_rest GHK ([-+]?\d+\.\d+) mV", head)
    assert m, head
    assert_shown(m.group(1), ref.ghk_mV)  # ref: resting_state(mammalian_neuron).ghk_mV; tol 0.00005 (4 decimals)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["ion"] for r in rows] == [i.symbol for i in ref.ions]  # ref: one row per ion, in the preset's order
    for r in rows:
        e = ref.ion(r["ion"]).equilibrium_mV
        # ref: the engine's E_X; tol 1e-9 mV (the file holds full floats)
        assert abs(float(r["E_mV"]) - e) <= 1e-9, (r, e)

    open_tab(page, "Excitability")
    expect(page.locator("#ex-summary")).to_contain_text("spikes")
    name, text = _download(page, "ex-csv-btn")
    assert name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["t_ms", "V_mV", "I_Na", "I_K", "I_L"]
    # ref: simulate_hh(10, 50, 0.025, temperature=6.3) recorded every 2nd step, as the explorer asks for it
    res = simulate_hh(10.0, 50.0, 0.025, temperature=6.3, record_every=2)
    t_ref, v_ref = res.t_ms.ravel(), res.v_mV.ravel()
    assert len(rows) - 1 == len(t_ref)  # ref: one row per recorded time
    v = [float(r[1]) for r in rows[1:]]
    assert max(abs(a - b) for a, b in zip(v, v_ref)) <= 1e-9  # ref: the engine's V; tol 1e-9 mV (full floats)
    assert page.errors == []


# ---------------------------------------------------------------------------
# 8. excitability
# ---------------------------------------------------------------------------

def test_excitability_spike_count_bad_current_and_passive_cable(page, base_url):
    from nernst.axon import run_axon
    from nernst.excitability import simulate_hh
    from nernst.mechanisms.hh import HHParameters

    page.goto(base_url + "?tab=excitability")
    summary, cable = page.locator("#ex-summary"), page.locator("#cb-summary")
    expect(summary).to_have_text(re.compile(r"^\d+ spikes"))
    spikes = int(simulate_hh(10.0, 50.0, 0.025, temperature=6.3).spike_counts[0])
    assert int(summary.inner_text().split()[0]) == spikes  # ref: simulate_hh(10, 50, 0.025, temperature=6.3)
    expect(cable).to_contain_text("length constant")
    shot(page, "desktop_excitability")

    good, traces = summary.inner_text(), n_traces(page, "ex-graph")
    assert traces > 0
    set_number(page, "ex-current", "1e9")
    expect(page.locator("#ex-msg")).to_contain_text("between")  # ref: a one-line message with the allowed range
    assert "\n" not in page.locator("#ex-msg").inner_text()
    expect(summary).to_have_text(good)  # ref: the last good result stays (exact text)
    assert n_traces(page, "ex-graph") == traces  # ... and so does its graph

    # ref: run_axon(476 um, 50 mm, HH at 6.3 degC), the cable the explorer shows by default
    params = HHParameters().at_temperature(6.3)
    lam_active = run_axon(476.0, 50.0, None, params, 0.02, max_work=3e6).lambda_um / 1000
    lam_passive = run_axon(476.0, 50.0, None, params, 0.05, passive=True, max_work=3e6).lambda_um / 1000
    m = re.search(r"length constant ([\d.]+) mm", cable.inner_text())
    assert_shown(m.group(1), lam_active)  # ref: active-cable length constant (mm); tol 0.005 mm (2 decimals)
    before = cable.inner_text()
    page.get_by_label("Passive (leak only)").check()
    expect(cable).not_to_have_text(before)
    m = re.search(r"length constant ([\d.]+) mm", cable.inner_text())
    assert m, cable.inner_text()
    assert_shown(m.group(1), lam_passive)  # ref: run_axon(..., passive=True).lambda_um / 1000; tol 0.005 mm
    expect(page).to_have_url(re.compile(r"[?&]passive=1(&|$)"))
    assert page.errors == []


# ---------------------------------------------------------------------------
# 9. a phone-sized screen
# ---------------------------------------------------------------------------

# elements that reach past the right edge of the window without a horizontal scroll container
# (inside the window) around them: cut off, and out of reach.  Elements inside `skip` are not looked at.
_CUT_OFF_JS = """([root, skip]) => {
    const w = window.innerWidth, out = [];
    for (const e of document.querySelectorAll(root + ' *')) {
        if (skip && e.closest(skip)) continue;
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.right <= w + 1) continue;
        let a = e.parentElement, scrolls = false;
        for (; a && a !== document.body; a = a.parentElement) {
            const ox = getComputedStyle(a).overflowX;
            if ((ox === 'auto' || ox === 'scroll') && a.getBoundingClientRect().right <= w + 1) { scrolls = true; break; }
        }
        if (!scrolls) out.push(`${e.tagName}.${String(e.className).slice(0, 30)} ${e.textContent.trim().slice(0, 30)}`);
    }
    return out;
}"""


def test_phone_sized_screen(page, base_url):
    page.set_viewport_size(PHONE)
    vrest = open_equilibrium(page, base_url)
    expect(vrest).to_be_visible()
    assert_shown(vrest.inner_text(), default_rest().ghk_mV)  # ref: resting_state(mammalian_neuron); tol 0.005 mV
    box = vrest.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # ref: V_rest lies inside the screen
    ready = {"Equilibrium": "#eq-vrest", "Story": "#story-pos", "Scenarios": "#scn-graph .js-plotly-plot",
             "Excitability": "#ex-summary"}  # what each tab shows once its callbacks have run
    for label, selector in ready.items():
        open_tab(page, label)
        expect(page.locator(selector)).not_to_be_empty()
        # ref: no horizontal scrollbar: the body is no wider than the window (+1 px for rounding)
        width, inner = page.evaluate("[document.body.scrollWidth, window.innerWidth]")
        assert width <= inner + 1, (label, width, inner)
        # ref: nothing is cut off out of reach (until ecb184b the results table lost its last columns);
        # the story's figure is checked by test_phone_story_figure_fits
        cut = page.evaluate(_CUT_OFF_JS, [".tab-body", "#story-graph"])
        assert cut == [], (label, cut[:5])
        shot(page, f"phone_{label.lower()}")
    assert page.errors == []


def test_phone_story_figure_fits(page, base_url):
    """Until 1d3b23f the two side-by-side panels overlapped their titles and ran off the screen."""
    page.set_viewport_size(PHONE)
    page.goto(base_url + "?tab=story")
    expect(page.locator("#story-pos")).to_have_text(re.compile("^step 0 of"))
    settle(page)
    boxes = page.evaluate("""Array.from(document.querySelectorAll('#story-graph .annotation-text'))
        .map(e => { const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.right, r.top, r.bottom]; })""")
    assert len(boxes) >= 2, boxes  # the two subplot titles
    # ref: every title lies inside the window ...
    assert all(0 <= left and right <= PHONE["width"] for _, left, right, _, _ in boxes), boxes
    # ... and no two overlap
    for k, a in enumerate(boxes):
        for b in boxes[k + 1:]:
            assert a[2] <= b[1] or b[2] <= a[1] or a[4] <= b[3] or b[4] <= a[3], (a, b)


# ---------------------------------------------------------------------------
# 10. labels and the keyboard
# ---------------------------------------------------------------------------

_UNNAMED_JS = """Array.from(document.querySelectorAll('input, button, select, textarea, [role=tab]'))
    .filter(e => e.offsetParent !== null && !e.closest('[aria-hidden=true]'))  // Dash 4's dropdown focus proxy
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                 && !e.getAttribute('aria-labelledby') && !e.title && !e.textContent.trim())
    .map(e => e.outerHTML.slice(0, 80))"""

_FOCUSED_JS = """() => { const e = document.activeElement, td = e.closest('#eq-table td');
    return {id: e.id, role: e.getAttribute('role'), text: (e.textContent || '').trim().slice(0, 40),
            cell: td ? td.dataset.dashColumn + td.dataset.dashRow : null}; }"""


def tab_until(page, predicate, presses=12, key="Tab"):
    """Press *key* until predicate(focused element info) holds; the info, or None."""
    for _ in range(presses):
        page.keyboard.press(key)
        info = page.evaluate(_FOCUSED_JS)
        if predicate(info):
            return info
    return None


def test_controls_are_labelled_and_reached_by_keyboard(page, base_url):
    from nernst.presets import list_presets

    vrest = open_equilibrium(page, base_url)
    # ref: each input is found by its visible label text (get_by_label) and is the intended control
    expect(page.get_by_label("Temperature (°C)")).to_have_id("eq-temp")
    expect(page.get_by_label("Preset cell")).to_have_id("eq-preset")  # (until c9ea669 named by its value only)
    for name in ("Add an ion", "Download CSV", "Figure as PNG", "Figure as SVG"):
        expect(page.get_by_role("button", name=name)).to_have_count(1)
    # ref: every visible input, button and tab has an accessible name (Plotly's modebar buttons have titles)
    assert page.evaluate(_UNNAMED_JS) == []

    # the tabs (until c9ea669 plain divs that Tab skipped): focusable, role=tab, Enter selects
    page.locator("#eq-temp").focus()
    info = tab_until(page, lambda f: f["text"] == "Story", key="Shift+Tab")
    assert info and info["role"] == "tab", info  # ref: WAI-ARIA tabs pattern (role=tab, in the Tab order)
    page.keyboard.press("Enter")
    expect(page.locator("#tabs .tab--selected")).to_have_text("Story")
    expect(page.locator("#story-pos")).to_have_text(re.compile(r"^step 0 of "))
    settle(page)
    for name in ("Previous", "Next"):
        expect(page.get_by_role("button", name=name)).to_have_count(1)
    assert page.evaluate(_UNNAMED_JS) == []
    page.keyboard.press("Shift+Tab")  # back to the Equilibrium tab
    page.keyboard.press("Enter")
    expect(page.locator("#tabs .tab--selected")).to_have_text("Equilibrium")
    expect(vrest).to_have_text(re.compile("mV"))
    settle(page)

    # the preset dropdown: reached by Tab, opened and chosen with the keyboard
    assert tab_until(page, lambda f: f["id"] == "eq-preset"), "Tab does not reach the preset dropdown"
    before = vrest.inner_text()
    page.keyboard.press("Enter")  # opens the list, with the focus on the current option
    page.wait_for_function("document.activeElement && document.activeElement.id !== 'eq-preset'")
    page.evaluate("window.__option = document.activeElement")
    page.keyboard.press("ArrowDown")  # the focus moves to the next option (asynchronously)
    page.wait_for_function("document.activeElement !== window.__option")
    page.keyboard.press("Enter")
    names = list_presets()
    nxt = names[names.index("mammalian_neuron") + 1]  # ref: the option after the current one
    expect(page.locator("#eq-preset")).to_have_text(nxt)
    expect(vrest).not_to_have_text(before)
    settle(page)
    # ref: resting_state(that preset).ghk_mV; tol 0.005 mV
    assert_shown(vrest.inner_text(), resting_state(load_preset(nxt)).ghk_mV)
    expect(page.locator("#eq-temp")).to_have_value(f"{load_preset(nxt).temperature_c:g}")  # ref: its temperature

    open_tab(page, "Scenarios")
    expect(page.get_by_label("Scenario", exact=True)).to_have_id("scn-name")
    expect(page.get_by_label("Compare (keep earlier runs)")).to_have_attribute("type", "checkbox")
    for name in ("Run", "Stop", "Clear"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(1)
    assert page.evaluate(_UNNAMED_JS) == []
    open_tab(page, "Excitability")
    for label, id_ in (("Current (µA/cm²)", "ex-current"), ("Duration (ms)", "ex-duration"),
                       ("Temperature (°C)", "ex-temp"), ("Diameter (µm)", "cb-diameter"), ("Length (mm)", "cb-length")):
        expect(page.get_by_label(label)).to_have_id(id_)
    expect(page.get_by_label("Passive (leak only)")).to_have_attribute("type", "checkbox")
    assert page.evaluate(_UNNAMED_JS) == []
    assert page.errors == []


def test_keyboard_edits_the_ion_table(page, base_url):
    vrest = open_equilibrium(page, base_url)
    before = vrest.inner_text()
    page.locator("#eq-temp").focus()
    # ref: the table is one stop in the Tab order: Tab enters at its first cell (K's symbol) ...
    focused = tab_until(page, lambda f: f["cell"] is not None)
    assert focused and focused["cell"] == "ion0", focused
    page.keyboard.press("Tab")  # ... and the next Tab leaves it (until ecb184b the focus was trapped)
    assert page.evaluate(_FOCUSED_JS)["id"] == "eq-add"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(_FOCUSED_JS)["cell"] == "ion0"
    page.keyboard.press("Enter")  # selects the focused cell (until ecb184b: the one below it)
    assert page.evaluate(_FOCUSED_JS)["cell"] == "ion0"
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # ion -> z -> inside -> outside
    assert page.evaluate(_FOCUSED_JS)["cell"] == f"outside{k_row()}"
    page.keyboard.type("10")
    page.keyboard.press("Enter")
    settle(page)
    expect(cell(page, k_row(), "outside")).to_have_text("10")
    expect(vrest).not_to_have_text(before)
    spec = load_preset("mammalian_neuron").with_ion("K", outside_mM=10.0)
    assert_shown(vrest.inner_text(), resting_state(spec).ghk_mV)  # ref: resting_state([K]o = 10 mM); tol 0.005 mV
    assert page.errors == []


def test_keyboard_tab_leaves_the_ion_table_after_editing(page, base_url):
    """Until 1d3b23f, with a cell selected Tab went along the row to P and stayed there (a keyboard trap)."""
    open_equilibrium(page, base_url)
    page.locator("#eq-temp").focus()
    assert tab_until(page, lambda f: f["cell"] == "ion0")
    page.keyboard.press("Enter")  # a selected cell, as after editing one
    # ref: WCAG 2.1.2 (no keyboard trap): Tab reaches 'Add an ion' (past the row's 5 cells at most)
    assert tab_until(page, lambda f: f["id"] == "eq-add", presses=8), page.evaluate(_FOCUSED_JS)


# ---------------------------------------------------------------------------
# the V_rest map (a parameter sweep of the table)
# ---------------------------------------------------------------------------

def _map(page, key):
    return page.evaluate(f"document.querySelector('#eq-map .js-plotly-plot').data[0].{key}")


def test_rest_map_is_a_sweep_of_the_table(page, base_url):
    """Every point of the map equals the engine's GHK potential for the table with two values changed.

    Reference: zero_current_potential called here on the preset's numbers (tolerance 1e-9 mV: the map
    carries full floats)."""
    from nernst import zero_current_potential

    open_equilibrium(page, base_url)
    page.evaluate("document.querySelector('#eq-map').scrollIntoView()")  # a graph is drawn once on screen
    page.wait_for_function("document.querySelector('#eq-map .js-plotly-plot')?.data?.[0]?.z?.length === 41")
    spec = load_preset("mammalian_neuron")
    perm = [i for i in spec.ions if (i.permeability or 0) > 0]
    x, y, z = _map(page, "x"), _map(page, "y"), _map(page, "z")
    # axes: a tenth to ten times the table's K_o (5 mM) and P_Na (0.05), log-spaced
    assert x[0] == pytest.approx(0.5, rel=1e-12) and x[-1] == pytest.approx(50.0, rel=1e-12)
    assert y[0] == pytest.approx(0.005, rel=1e-12) and y[-1] == pytest.approx(0.5, rel=1e-12)
    for iy, ix in ((20, 20), (0, 0), (40, 3), (7, 40)):
        co = [x[ix] if i.symbol == "K" else i.outside_mM for i in perm]
        p = [y[iy] if i.symbol == "Na" else i.permeability for i in perm]
        ref = zero_current_potential([i.inside_mM for i in perm], co, [i.valence for i in perm], p,
                                     spec.temperature_c)
        assert z[iy][ix] == pytest.approx(float(ref), abs=1e-9)
    # the centre is the table itself: the summary's V_rest
    assert_shown(page.locator("#eq-vrest").inner_text(), z[20][20])
    shot(page, "map_desktop")


def test_rest_map_axes_from_a_link_and_a_bad_choice(page, base_url):
    open_equilibrium(page, base_url, "?tab=equilibrium&preset=mammalian_neuron&mx=T&my=Cl.inside")
    page.evaluate("document.querySelector('#eq-map').scrollIntoView()")
    page.wait_for_function("document.querySelector('#eq-map .js-plotly-plot')?.data?.[0]?.x?.[40] === 45")
    assert _map(page, "x")[0] == 0.0
    assert _map(page, "y")[0] == pytest.approx(1.0, rel=1e-12)  # Cl inside 10 mM / 10
    title = page.evaluate("document.querySelector('#eq-map .js-plotly-plot').layout.xaxis.title.text")
    assert "temperature" in title
    assert "mx=T" in page.url
    # a link asking for the same parameter twice still opens a map: the y axis falls back to another one
    open_equilibrium(page, base_url, "?tab=equilibrium&preset=mammalian_neuron&mx=K.outside&my=K.outside")
    page.evaluate("document.querySelector('#eq-map').scrollIntoView()")
    page.wait_for_function("document.querySelector('#eq-map .js-plotly-plot')?.data?.[0]?.z?.length === 41")
    layout = page.evaluate("document.querySelector('#eq-map .js-plotly-plot').layout")
    assert layout["xaxis"]["title"]["text"] == "K outside (mM)"
    assert layout["yaxis"]["title"]["text"] != "K outside (mM)"
    assert not page.errors

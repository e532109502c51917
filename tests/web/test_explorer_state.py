"""The explorer's URL state and its engine-side helpers (no browser, no server).

References: the round trip must be exact (what a teacher shares is what opens);
numbers shown must equal the engine's (nernst.rest.resting_state).
"""

import pytest

from nernst.errors import NernstError
from nernst.presets import load_preset
from nernst.rest import resting_state
from nernst.web import state as st
from nernst.web.app import (equilibrium_csv, equilibrium_view, equations_markdown, preset_rows, spike_run,
                            story_steps)


def test_round_trip_keeps_every_setting():
    s = dict(st.DEFAULTS, tab="excitability", preset="squid_giant_axon", T=20.0, I=7.5, dur=80.0, temp=18.5,
             d=238.0, L=30.0, passive=1, step=3, scn="scenario_hyperkalemia", mx="T", my="A.inside",
             ions=[{"ion": "K", "z": 1.0, "inside": 400.0, "outside": 20.0, "P": 1.0},
                   {"ion": "A", "z": -1.0, "inside": 300.0, "outside": 1e-3, "P": 0.0}])
    back, problems = st.parse_query(st.encode_query(s))
    assert problems == []
    assert back == s


def test_defaults_are_not_written():
    q = st.encode_query(dict(st.DEFAULTS))
    assert q == "?tab=equilibrium&preset=mammalian_neuron"


@pytest.mark.parametrize("junk, expect", [
    ("?T=abc", "T='abc' is not a number"),
    ("?T=nan", "not finite"),
    ("?tab=hack", "unknown tab"),
    ("?preset=../etc/passwd", "is not a name"),
    ("?ions=K,1,140", "is not symbol,z,inside,outside,P"),
    ("?ions=K,1,abc,5,1", "is not a number"),
    ("?foo=1", "unknown setting 'foo'"),
    ("?mx=K.volume", "map axis 'K.volume'"),
    ("?my=__import__", "map axis"),
])
def test_junk_is_reported_and_dropped(junk, expect):
    s, problems = st.parse_query(junk)
    assert any(expect in p for p in problems), problems
    # the bad setting falls back to its default; the page still opens
    assert s["tab"] in st.TABS
    assert s["preset"] == st.DEFAULTS["preset"]


def test_overlong_query_is_ignored():
    s, problems = st.parse_query("?T=" + "1" * 5000)
    assert s == st.DEFAULTS and "longer than" in problems[0]


def test_ion_rows_are_bounded():
    text = ";".join(f"X{k},1,1,1,0" for k in range(50))
    rows, _ = st.ions_from_text(text)
    assert len(rows) == st.MAX_IONS


def test_equilibrium_view_equals_the_engine():
    rows, t, _ = preset_rows("mammalian_neuron")
    view = equilibrium_view(rows, t)
    ref = resting_state(load_preset("mammalian_neuron"))
    assert view["report"].ghk_mV == pytest.approx(ref.ghk_mV, abs=1e-12)
    md = equations_markdown(view)
    assert f"{ref.ghk_mV:+.2f}" in md and "E_{\\mathrm{K}}" in md
    csv = equilibrium_csv(view)
    assert f"V_rest GHK {ref.ghk_mV:.4f} mV" in csv
    assert len(csv.strip().splitlines()) == 2 + len(ref.ions)


@pytest.mark.parametrize("rows, temp, words", [
    ([], 37, "empty"),
    ([{"ion": "K", "z": 1, "inside": -1, "outside": 5, "P": 1}], 37, "inside"),
    ([{"ion": "K", "z": 1, "inside": "abc", "outside": 5, "P": 1}], 37, "not a number"),
    ([{"ion": "", "z": 1, "inside": 1, "outside": 5, "P": 1}], 37, "symbol"),
    ([{"ion": "K", "z": 1, "inside": 140, "outside": 5, "P": 1}], 2000, "temperature"),
])
def test_bad_tables_raise_one_line_errors(rows, temp, words):
    with pytest.raises(NernstError) as err:
        equilibrium_view(rows, temp)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_story_and_spike_come_from_the_engine():
    from nernst.excitability import simulate_hh

    steps = story_steps()
    assert steps[0]["name"] == "start" and len(steps) >= 5
    r = spike_run(10.0, 50.0, 6.3)
    assert r["features"]["spike_count"] == int(simulate_hh(10.0, 50.0, 0.025, temperature=6.3).spike_counts[0])


def test_rest_map_is_the_engines_ghk_over_the_grid():
    """The map is a sweep: its centre is the table itself (resting_state, to 1e-9 mV); the axes span a
    tenth to ten times the table's values; asking for one parameter twice is refused in one line."""
    from nernst.web.app import map_options, rest_map

    rows, t, _ = preset_rows("mammalian_neuron")
    m = rest_map(rows, t, "K.outside", "Na.P")
    rep = resting_state(load_preset("mammalian_neuron"))
    assert m["z"][20][20] == pytest.approx(rep.ghk_mV, abs=1e-9)
    assert m["x"][0] == pytest.approx(0.5) and m["x"][-1] == pytest.approx(50.0)
    assert len(m["y"]) == len(m["z"]) == 41
    # V_rest rises with K_o at every P_Na (more K outside: a smaller outward K gradient)
    assert all(row[0] < row[-1] for row in m["z"])
    with pytest.raises(NernstError, match="two different"):
        rest_map(rows, t, "K.outside", "K.outside")
    with pytest.raises(NernstError, match="not in the table"):
        rest_map(rows, t, "Li.outside", "K.outside")
    assert {"K.outside", "Na.P", "T"} <= {o["value"] for o in map_options(rows)}

"""The pump's electrogenic share: one definition everywhere (the zero-current potential with the pump's
current minus without it, same ions and permeabilities), so the numbers printed together add up."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from nernst.cellconfig import cell_from_dict, load_cell_config
from nernst.cli import main
from nernst.dynamics import pump_share, simulate, start_state, steady_state
from nernst.equilibrium import mullins_noda_potential
from nernst.presets import resolve_cell_config, shipped_cell_data
from nernst.story import run_story


def _cfg(name):
    return cell_from_dict(copy.deepcopy(shipped_cell_data(name)), name=name)


def test_cell_share_is_mullins_noda_for_na_and_k_leaks():
    # mullins_noda cell: GHK leaks of Na+ and K+ and a 3:2 pump. At steady state V is the Mullins-Noda
    # potential and without the pump's current the GHK potential, both at the steady concentrations:
    # share = MN(r = 1.5) - MN(r = 1) (Mullins & Noda 1963), 1e-6 mV.
    cfg = _cfg("mullins_noda")
    ss = steady_state(cfg.model, initial=start_state(cfg))
    sh = pump_share(cfg.model, ss.state)
    ci = ss.inside_mM
    args = (ci["Na"], 145.0, ci["K"], 5.0, 5e-8, 1e-6)
    ref = mullins_noda_potential(*args, ratio=1.5) - mullins_noda_potential(*args, ratio=1.0)
    assert sh["pump_share_mV"] == pytest.approx(ref, abs=1e-6)
    assert sh["with_pump_mV"] == pytest.approx(ss.voltage_mV, abs=1e-6)


def test_story_steady_and_scenario_jump_agree():
    # duesterwald2018: the share of its steady state, the story's last pump step on the same cell family, and
    # the jump at the pump block of scenario_pump_block (which starts from that steady state) are one number:
    # V jumps within milliseconds by -share (1e-3 mV: the 60 s before the block leave the state unchanged).
    cfg = _cfg("duesterwald2018")
    ss = steady_state(cfg.model, initial=start_state(cfg))
    share = pump_share(cfg.model, ss.state)["pump_share_mV"]
    assert -10 < share < -2  # a few mV (Mullins & Noda 1963; "2-3 mV" or more in small cells)
    sc = load_cell_config(resolve_cell_config("scenario_pump_block"))
    tr = simulate(sc.model, 120.0, initial=start_state(sc), protocol=sc.protocol)
    ev = tr.event_details[0]
    assert ev["after_mV"] - ev["before_mV"] == pytest.approx(-share, abs=1e-3)
    # and the trace itself reaches it: 1 s after the block V sits at after_mV (the capacitor settles in ~15 ms)
    tr2 = simulate(sc.model, 61.0, initial=start_state(sc), protocol=sc.protocol, t_eval=np.array([59.0, 61.0]))
    assert tr2.voltage_mV[-1] == pytest.approx(ev["after_mV"], abs=0.05)


def test_story_step_prints_numbers_that_add_up(capsys):
    assert main(["story", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    for st in d["steps"]:
        if st["pump_share_mV"] is not None:
            assert st["without_pump_mV"] + st["pump_share_mV"] == pytest.approx(st["vm_mV"], abs=1e-6)


def test_rest_table_adds_up_on_screen(capsys):
    assert main(["rest", "--preset", "mammalian_neuron", "--pump-ratio", "1.5"]) == 0
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if l.startswith("with a 1.5:1 Na/K pump"))
    ghk = float(next(l for l in out.splitlines() if l.startswith("GHK zero-current")).split()[3])
    pumped = float(line.split()[5])
    share = float(line.split("share:")[1].split()[0])
    assert ghk + share == pytest.approx(pumped, abs=0.011)  # two-decimal rounding
    mn = next(l for l in out.splitlines() if l.startswith("Mullins-Noda closed form"))
    assert "leaves out Cl" in mn


def test_every_story_trajectory_stays_physiological():
    # Before: step 3 reached -25,006 mV 0.045 s after the (cubic) pump started from the Donnan state.
    res = run_story(load_cell_config(resolve_cell_config("story_neuron")))
    for st in res.steps:
        if st.trajectory is not None:
            assert np.max(np.abs(st.trajectory.voltage_mV)) < 200.0, st.name
            assert st.trajectory.warnings == []


def test_a_non_physiological_run_carries_a_warning(capsys):
    # duesterwald2018 keeps the paper's cubic pump law, which at the Donnan state's [Na]i (~220 mM) runs at
    # thousands of uA/cm^2: its story's pump step is flagged, not shown as if it were fine.
    res = run_story(load_cell_config(resolve_cell_config("duesterwald2018")))
    pump = next(s for s in res.steps if s.name == "pump")
    assert any("no membrane survives" in w for w in pump.trajectory.warnings)


def test_scenario_summary_shows_the_swelling_and_the_jump(capsys):
    # Before: "volume x 1.0000" while the Donnan cell swelled threefold and shrank back.
    assert main(["simulate", "scenario_donnan_swelling", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    vmax = d["extremes"]["volume_rel"]["max"]
    assert vmax["value"] > 2.5 and vmax["at_s"] == pytest.approx(10800.0)
    assert [e["event"] for e in d["events"]] == ["nak_pump blocked", "nak_pump restored"]
    for e in d["events"]:
        assert {"before_mV", "after_mV", "volume_rel"} <= e.keys()
    assert main(["simulate", "scenario_donnan_swelling"]) == 0
    out = capsys.readouterr().out
    assert "largest 2.97" in out and "at 3 h: nak_pump restored" in out
    assert main(["simulate", "scenario_pump_block"]) == 0
    out = capsys.readouterr().out
    assert "-> -64.41 mV within ms" in out


def test_extremes_include_the_jump_at_an_event_and_report_held_values_at_their_start(capsys):
    # Before: ischemia's event line said V jumps to -64.45 mV, while the extremes (output samples only) gave
    # a highest V of -64.48 mV; and a V held from the start was reported at a later sample.
    assert main(["simulate", "scenario_ischemia", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    ev = d["events"][0]
    assert d["extremes"]["vm_mV"]["max"]["value"] >= ev["after_mV"]
    assert d["extremes"]["vm_mV"]["min"]["at_s"] == 0.0  # the resting V before the event


def test_the_ion_table_and_the_cell_give_the_same_share():
    # kay2017 (ohmic Na, K, Cl leaks and a constant 3:2 pump): at its steady state the pump is the only Na+ exit,
    # so the ion table of that state (the same conductances and concentrations) gives, with pump_ratio 1.5,
    # V with the pump = the cell's V, and the same share as the cell's pump_share (1e-6 mV).
    from nernst.config import spec_from_dict
    from nernst.rest import resting_state

    cfg = _cfg("kay2017")
    ss = steady_state(cfg.model, initial=start_state(cfg))
    g = {m.ion: m.conductance_mS_cm2 for m in cfg.model.mechanisms if m.kind == "leak"}
    spec = spec_from_dict({"temperature_c": cfg.model.temperature_c, "ions": {
        s: {"inside": ss.inside_mM[s], "outside": cfg.model.outside[s], "conductance": g[s]} for s in g}})
    rep = resting_state(spec, pump_ratio=1.5)
    cell = ss.pump_share()
    assert rep.pumped_mV == pytest.approx(ss.voltage_mV, abs=1e-6)
    assert rep.pump_share_mV == pytest.approx(cell["pump_share_mV"], abs=1e-6)
    assert rep.rest_mV == pytest.approx(cell["without_pump_mV"], abs=1e-6)

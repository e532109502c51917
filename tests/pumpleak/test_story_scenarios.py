"""The story and the shipped scenarios: physics each step and scenario must show.

References: Gibbs-Donnan (every E_X equal to V without a pump), Duesterwald et
al. 2018 (E_Cl = V without KCC2, -69.93 mV; with KCC2 -72.59 mV and E_Cl 11.3 mV
below V), the Nernst shift of E_K for doubled K_o ((RT/F) ln 2 = 18.5 mV at 37 degC),
Tosteson & Hoffman 1960 (swelling without the pump, recovery with it).
"""

import math

import numpy as np
import pytest
from scipy.constants import R, physical_constants

from nernst.cellconfig import load_cell_config
from nernst.dynamics import simulate, start_state
from nernst.presets import list_cell_configs, resolve_cell_config
from nernst.story import run_story

F = physical_constants["Faraday constant"][0]


def cfg(name):
    return load_cell_config(resolve_cell_config(name))


@pytest.fixture(scope="module")
def story():
    return run_story(cfg("story_neuron"))


def test_story_steps_and_contract_keys(story):
    names = [s.name for s in story.steps]
    assert names == ["start", "anions", "leaks", "pump", "cotransport", "calcium"]
    for s in story.as_dict()["steps"]:
        for key in ("name", "vm_mV", "equilibrium_mV", "inside_mM", "crossed_fraction", "settle_time_s"):
            assert key in s


def test_story_start_and_anions_have_no_voltage(story):
    assert story.steps[0].vm_mV == pytest.approx(0.0, abs=1e-9)
    # anions made with K+ counter-ions: still electroneutral, V = 0; the note shows the bare-charge voltage
    assert story.steps[1].vm_mV == pytest.approx(0.0, abs=1e-9)
    assert "would charge the membrane" in story.steps[1].note
    assert story.steps[1].crossed_amol == {s: 0.0 for s in story.steps[1].crossed_amol}


def test_story_leaks_reach_gibbs_donnan(story):
    # Without a pump all permeant ions share one potential (Na, K, Cl leaks; 1e-6 mV).
    s = story.steps[2]
    for ion in ("Na", "K", "Cl"):
        assert s.equilibrium_mV[ion] == pytest.approx(s.vm_mV, abs=1e-6)
    assert "swell" in s.note  # the rigid volume is announced


def test_story_pump_builds_gradients_and_kcc2_lowers_chloride(story):
    pump, kcc2, ca = story.steps[3], story.steps[4], story.steps[5]
    assert pump.equilibrium_mV["Na"] > 50 and pump.equilibrium_mV["K"] < -80
    assert pump.equilibrium_mV["Cl"] == pytest.approx(pump.vm_mV, abs=1e-6)  # Cl passive before KCC2
    assert kcc2.equilibrium_mV["Cl"] < kcc2.vm_mV - 5.0
    assert ca.equilibrium_mV["Ca"] > 100.0 and ca.inside_mM["Ca"] < 1e-3  # ~100 nM, E_Ca > +100 mV
    # the pump's direct share is a few mV, hyperpolarizing
    assert -15.0 < pump.pump_share_mV < 0.0
    # every settling step settled within the horizon
    assert all(s.settled for s in story.steps)


def test_story_ends_at_the_cells_own_steady_state(story):
    from nernst.dynamics import steady_state

    c = cfg("story_neuron")
    ss = steady_state(c.model, initial=start_state(c))
    assert story.steps[-1].vm_mV == pytest.approx(ss.voltage_mV, abs=0.01)


@pytest.mark.filterwarnings("ignore::nernst.errors.NernstWarning")  # 60 s: later protocol events are not applied
def test_every_shipped_cell_runs():
    for row in list_cell_configs():
        c = cfg(row["name"])
        tr = simulate(c.model, 60.0, initial=start_state(c), protocol=c.protocol, n_points=5)
        assert np.all(np.isfinite(tr.voltage_mV))


def test_hyperkalemia_shifts_e_k_by_nernst():
    c = cfg("scenario_hyperkalemia")
    tr = simulate(c.model, 120.0, initial=start_state(c), protocol=c.protocol, n_points=121)
    vt = 1e3 * R * (37.0 + 273.15) / F
    i_before, i_after = 59, 61  # 59 s and 61 s
    ek = {k: vt * np.log(tr.outside_mM["K"][k] / tr.inside_mM["K"][k]) for k in (i_before, i_after)}
    # [K]o doubles; [K]i barely moves in 2 s: E_K rises by (RT/F) ln 2 = 18.5 mV (0.1 mV)
    assert ek[i_after] - ek[i_before] == pytest.approx(vt * math.log(2.0), abs=0.1)
    assert tr.voltage_mV[-1] > tr.voltage_mV[0] + 5.0


def test_kcc2_loss_brings_e_cl_to_v():
    c = cfg("scenario_kcc2_loss")
    tr = simulate(c.model, 20000.0, initial=start_state(c), protocol=c.protocol, n_points=3)
    vt = 1e3 * R * (37.0 + 273.15) / F
    e_cl = -vt * np.log(tr.outside_mM["Cl"][-1] / tr.inside_mM["Cl"][-1])
    assert e_cl == pytest.approx(tr.voltage_mV[-1], abs=0.05)
    assert tr.voltage_mV[-1] == pytest.approx(-69.93, abs=0.05)  # Duesterwald 2018 without KCC2


def test_donnan_swelling_and_rescue():
    c = cfg("scenario_donnan_swelling")
    tr = simulate(c.model, c.duration_s, initial=start_state(c), protocol=c.protocol, n_points=37)
    i3h = int(np.argmin(np.abs(tr.t_s - 10800.0)))
    assert tr.volume_rel[i3h] > 2.0  # swollen after hours without the pump
    assert tr.volume_rel[-1] == pytest.approx(1.0, abs=1e-3)  # the pump restores the resting volume
    assert tr.voltage_mV[-1] == pytest.approx(tr.voltage_mV[0], abs=0.01)

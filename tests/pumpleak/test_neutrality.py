"""Electroneutral solutions: a bath or an initial solution that does not balance in charge is refused,
or balanced by a named counter-ion (an ion with outside = "balance", a sweep axis's balance, a protocol's
substitute).  A solution carries no net charge to about 1e-5 of its ionic strength (the membrane
capacitor holds the excess: Hille, Ion Channels of Excitable Membranes, 3rd ed., ch. 1)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from nernst.cell import BATH_CHARGE_TOLERANCE_MM, CellModel, Impermeant
from nernst.cellconfig import cell_from_dict, load_cell_config
from nernst.cli import main
from nernst.config import load_config
from nernst.errors import InvalidParameter
from nernst.mechanisms import OhmicLeak
from nernst.membrane import sphere
from nernst.presets import list_cell_configs, list_presets, resolve_cell_config, shipped_cell_data
from nernst.rest import resting_state
from nernst.sweep import run_sweep, sweep_from_dict

# The cell of the report: a bath of Na 145, K 4, Cl 120 (net +29 mM), leaks and no pump.
UNBALANCED = """
title = "leaky cell in a charged bath"
temperature_c = 37
[geometry]
radius_um = 5
[ions.Na]
inside = 15
outside = 145
[ions.K]
inside = 140
outside = 4
[ions.Cl]
inside = 10
outside = 120
[impermeant.X]
inside = "balance"
valence = -1
[[mechanisms]]
kind = "leak"
ion = "Na"
conductance_mS_cm2 = 0.01
[[mechanisms]]
kind = "leak"
ion = "K"
conductance_mS_cm2 = 0.3
[[mechanisms]]
kind = "leak"
ion = "Cl"
conductance_mS_cm2 = 0.2
"""


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_unbalanced_bath_is_refused_by_steady_with_the_imbalance(tmp_path, capsys):
    # Before: `nernst steady` printed V = +2.74 mV with the cell swollen 92-fold, exit 0.
    p = tmp_path / "cell.toml"
    p.write_text(UNBALANCED)
    code, out, err = run(capsys, "steady", str(p))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "ions.*.outside" in err and "+29 mM" in err  # 145 + 4 - 120 = +29 mM


def test_balance_names_the_counter_ion_and_the_cell_then_swells_without_bound(tmp_path, capsys):
    # With Cl- balancing the bath (149 mM) the same cell has no steady state: a Donnan cell without a
    # pump swells without bound (Tosteson & Hoffman 1960).
    p = tmp_path / "cell.toml"
    p.write_text(UNBALANCED.replace("outside = 120", 'outside = "balance"'))
    cfg = load_cell_config(p)
    assert cfg.model.outside["Cl"] == pytest.approx(149.0, abs=1e-12)
    assert cfg.model.bath_charge_mM() == pytest.approx(0.0, abs=1e-12)
    code, _, err = run(capsys, "steady", str(p))
    assert code == 2 and "swells without bound" in err


def test_api_cell_model_refuses_a_charged_bath():
    with pytest.raises(InvalidParameter) as exc:
        CellModel(geometry=sphere(5.0), inside={"K": 140.0, "Cl": 10.0}, outside={"K": 5.0, "Cl": 100.0},
                  valence={"K": 1, "Cl": -1}, impermeant_inside={"X": Impermeant(130.0, -1.0)},
                  mechanisms=(OhmicLeak("K", 0.3),))
    assert exc.value.field == "outside" and "-95 mM" in exc.value.reason
    # within the tolerance (1 uM of charge) is accepted
    m = CellModel(geometry=sphere(5.0), inside={"K": 140.0, "Cl": 10.0},
                  outside={"K": 100.0 + 0.5 * BATH_CHARGE_TOLERANCE_MM, "Cl": 100.0},
                  valence={"K": 1, "Cl": -1}, impermeant_inside={"X": Impermeant(130.0, -1.0)},
                  mechanisms=(OhmicLeak("K", 0.3),))
    assert abs(m.bath_charge_mM()) < BATH_CHARGE_TOLERANCE_MM


@pytest.mark.parametrize("name", [r["name"] for r in list_cell_configs()])
def test_every_shipped_cell_has_a_neutral_bath_and_starts_physiological(name):
    cfg = load_cell_config(resolve_cell_config(name))
    assert cfg.model.bath_charge_mM() == pytest.approx(0.0, abs=1e-9)
    st = cfg.model.initial_state(cfg.initial_voltage_mV)
    assert abs(st.voltage_mV) < 200.0


@pytest.mark.parametrize("name", list_presets())
def test_every_shipped_preset_balances_with_what_it_says_it_leaves_out(name):
    spec = load_config(resolve_preset_path(name))
    un = spec.unlisted
    for side in ("inside", "outside"):
        listed = sum(i.valence * (i.inside_mM if side == "inside" else i.outside_mM) for i in spec.ions)
        assert listed + un.get(f"{side}_charge_mM", 0.0) == pytest.approx(0.0, abs=1e-3)
    if un:
        assert un.get("note"), "a preset that leaves ions out says which"


def resolve_preset_path(name):
    from nernst.presets import _files

    return str(_files()[name])


def test_duesterwald_bath_is_neutral_and_the_story_starts_at_zero(capsys):
    # Before: the outside impermeant took the inside valence (-0.85), the bath carried +4.4 mM and
    # `nernst story --preset duesterwald2018` printed V = 53,368 mV for steps 0 and 1.
    data = shipped_cell_data("duesterwald2018")
    cfg = cell_from_dict(copy.deepcopy(data), name="duesterwald2018")
    assert cfg.model.impermeant_outside["A"].valence == -1.0
    from nernst.story import run_story

    res = run_story(cfg)
    assert res.steps[0].vm_mV == pytest.approx(0.0, abs=1e-6)
    assert res.steps[1].vm_mV == pytest.approx(0.0, abs=1e-6)


def test_balance_with_a_tiny_valence_respects_the_concentration_limit():
    # Before: inside = "balance" with z = -1e-3 started the cell at 5e7 mM and swelled it 166,668-fold.
    data = copy.deepcopy(shipped_cell_data("story_neuron"))
    data["impermeant"]["X"]["valence"] = -1e-3
    with pytest.raises(InvalidParameter) as exc:
        cell_from_dict(data)
    assert exc.value.field == "impermeant.X.inside" and "more than 100000 mM" in exc.value.reason


def test_initial_solution_with_net_charge_is_refused_naming_it():
    data = copy.deepcopy(shipped_cell_data("kay2017"))
    data["impermeant"]["X"]["inside"] = 49.0  # 1 mM of bare cations inside: ~ +1.6 V
    with pytest.raises(InvalidParameter) as exc:
        cell_from_dict(data)
    assert exc.value.field == "inside" and "+1 mM" in exc.value.reason and "300 mV" in exc.value.reason


def test_set_outside_without_substitute_is_refused_at_load_and_in_the_api():
    data = copy.deepcopy(shipped_cell_data("kay2017"))
    data["protocol"] = [{"at_s": 10, "action": "set_outside", "ion": "K", "mM": 10}]
    with pytest.raises(InvalidParameter) as exc:
        cell_from_dict(data)
    assert exc.value.field == "protocol[0].substitute" and "+7 mM" in exc.value.reason
    # the same event built in Python is refused when it happens
    from nernst.dynamics import simulate
    from nernst.protocols import Protocol, SetOutside

    cfg = cell_from_dict(copy.deepcopy(shipped_cell_data("kay2017")))
    with pytest.raises(InvalidParameter) as exc:
        simulate(cfg.model, 20.0, protocol=Protocol((SetOutside(10.0, "K", 10.0),)))
    assert exc.value.field.startswith("protocol[0]") and "net charge" in exc.value.reason
    # with Na+ substituted one for one the bath stays neutral (hyperkalemia scenario)
    tr = simulate(cfg.model, 20.0, protocol=Protocol((SetOutside(10.0, "K", 10.0, substitute="Na"),)))
    assert tr.model.outside["Na"] == pytest.approx(140.0) and tr.model.bath_charge_mM() == pytest.approx(0.0)


def test_sweep_of_a_cell_bath_ion_needs_a_balance_and_applies_it():
    base = {"model": "steady", "cell": "kay2017", "outputs": ["v_rest_mV"],
            "axes": [{"parameter": "ions.K.outside", "values": [3.0, 10.0]}]}
    with pytest.raises(InvalidParameter) as exc:
        sweep_from_dict(copy.deepcopy(base))
    assert exc.value.field == "axes[0].balance" and 'balance = "Na"' in exc.value.reason
    base["axes"][0]["balance"] = "Na"
    res = run_sweep(sweep_from_dict(base))
    assert res.summary()["balance"] == ["ions.K.outside: each change is balanced by [Na]o (one for one in charge)"]
    # the reference: the cell with Na+ replacing K+ by hand (147 + 3 = 150 mM of cations)
    from nernst.dynamics import start_state, steady_state

    for i, ko in enumerate([3.0, 10.0]):
        data = copy.deepcopy(shipped_cell_data("kay2017"))
        data["ions"]["K"]["outside"], data["ions"]["Na"]["outside"] = ko, 150.0 - ko
        cfg = cell_from_dict(data)
        ref = steady_state(cfg.model, initial=start_state(cfg)).voltage_mV
        assert float(res.dataset["v_rest_mV"].values[i]) == pytest.approx(ref, abs=1e-9)


def test_rest_sweep_balance_substitutes_in_charge_and_says_so_when_absent():
    from nernst.presets import load_preset

    sw = sweep_from_dict({"model": "rest", "preset": "mammalian_neuron", "outputs": ["v_rest_mV"],
                          "axes": [{"parameter": "ions.K.outside", "values": [5.0, 20.0], "balance": "Na"}]})
    v = run_sweep(sw).dataset["v_rest_mV"].values
    spec = load_preset("mammalian_neuron")
    ref = resting_state(spec.with_ion("K", outside_mM=20.0).with_ion("Na", outside_mM=130.0)).ghk_mV
    assert v[1] == pytest.approx(ref, abs=1e-9)
    plain = run_sweep(sweep_from_dict({"model": "rest", "preset": "mammalian_neuron", "outputs": ["v_rest_mV"],
                                       "axes": [{"parameter": "ions.K.outside", "values": [5.0, 20.0]}]}))
    assert "not balanced" in plain.summary()["balance"][0]
    assert not np.isclose(plain.dataset["v_rest_mV"].values[1], v[1])  # Na_o moved: a different V


def test_sweep_balance_errors_name_the_field():
    for axis, field in (({"parameter": "ions.K.inside", "values": [100.0], "balance": "Na"}, "axes[0].balance"),
                        ({"parameter": "ions.K.outside", "values": [4.0], "balance": "K"}, "axes[0].balance"),
                        ({"parameter": "ions.K.outside", "values": [4.0], "balance": "Li"}, "axes[0].balance"),
                        ({"parameter": "ions.K.outside", "values": [200.0], "balance": "Na"}, "axes[0].values")):
        with pytest.raises(InvalidParameter) as exc:
            sweep_from_dict({"model": "steady", "cell": "kay2017", "outputs": ["v_rest_mV"], "axes": [axis]})
        assert exc.value.field == field, (axis, str(exc.value))


def test_add_inside_with_a_counter_ion_of_the_same_charge_is_refused_at_load():
    data = copy.deepcopy(shipped_cell_data("kay2017"))
    data["protocol"] = [{"at_s": 10, "action": "add_inside", "species": "X", "mM": 1, "valence": -1,
                         "counter_ion": "Cl"}]
    with pytest.raises(InvalidParameter) as exc:
        cell_from_dict(data)
    assert exc.value.field == "protocol[0].counter_ion"

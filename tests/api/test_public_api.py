"""The living cell in the top-level API, documented parameters, and a cell built in code as a sweep base."""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pytest

import nernst


def test_every_public_name_resolves_and_has_a_docstring():
    for name in nernst.__all__:
        obj = getattr(nernst, name)
        if callable(obj) and name != "__version__":
            assert inspect.getdoc(obj), name


@pytest.mark.parametrize("fn", ["simulate_cable", "simulate_hh", "simulate", "steady_state", "load_cell",
                                "resting_state", "run_sweep"])
def test_every_parameter_of_the_main_functions_is_documented(fn):
    f = getattr(nernst, fn)
    doc = inspect.getdoc(f)
    import re

    for p in inspect.signature(f).parameters:  # a numpydoc entry "p : type" or "a, p : type"
        assert re.search(rf"(^|\n)\s*([\w*]+,\s*)*{p}(,\s*[\w*]+)*\s*:", doc), f"{fn}: {p!r} is not documented"


def test_the_living_cell_from_the_top_level():
    cfg = nernst.load_cell("kay2017")
    ss = nernst.steady_state(cfg.model, initial=nernst.start_state(cfg))
    tr = nernst.simulate(cfg.model, 60.0, initial=ss, protocol=[nernst.Scale(30.0, "nak_pump", 0.0)])
    assert tr.events == [(30.0, "nak_pump blocked")]
    assert nernst.resting_state(nernst.load_preset("mammalian_neuron")).ghk_mV == pytest.approx(-64.94, abs=0.01)
    changed = nernst.load_cell("kay2017", settings=["mechanisms.nak_pump.current_uA_cm2=0.4"])
    assert changed.model.mechanisms[3].current_uA_cm2 == 0.4


@pytest.mark.parametrize("name", [r["name"] for r in nernst.list_cell_configs()])
def test_cell_to_dict_round_trips(name):
    cfg = nernst.load_cell(name)
    again = nernst.cell_from_dict(copy.deepcopy(nernst.cell_to_dict(cfg)), name=name)
    assert again == cfg


def test_a_cell_built_in_code_is_the_base_of_a_sweep():
    # One K+ leak, rigid cell, neutral bath (A- balances K+ outside): V = E_K at every leak conductance.
    m = nernst.CellModel(geometry=nernst.sphere(5.0), inside={"K": 140.0}, outside={"K": 5.0}, valence={"K": 1},
                         impermeant_inside={"X": nernst.Impermeant(140.0, -1.0)},
                         impermeant_outside={"A": nernst.Impermeant(5.0, -1.0)},
                         mechanisms=(nernst.OhmicLeak("K", 0.3),), water="rigid", temperature_c=37.0)
    sw = nernst.sweep_from_dict({"model": "steady", "cell": m, "outputs": ["v_rest_mV", "K_in_mM"],
                                 "axes": [{"parameter": "mechanisms.leak.conductance_mS_cm2",
                                           "values": [0.1, 0.3, 1.0]}]})
    ds = nernst.run_sweep(sw).dataset
    e_k = nernst.nernst(ds["K_in_mM"].values, 5.0, 1, 37.0)
    np.testing.assert_allclose(ds["v_rest_mV"].values, e_k, atol=1e-6)
    # an ion table built in code is the base of a rest sweep
    spec = nernst.load_preset("mammalian_neuron").with_ion("K", outside_mM=8.0)
    sw = nernst.sweep_from_dict({"model": "rest", "preset": spec, "outputs": ["v_rest_mV"],
                                 "axes": [{"parameter": "ions.Na.permeability", "values": [0.05]}]})
    assert float(nernst.run_sweep(sw).dataset["v_rest_mV"].values[0]) == pytest.approx(
        nernst.resting_state(spec).ghk_mV, abs=1e-9)

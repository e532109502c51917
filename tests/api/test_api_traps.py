"""Python API traps found by users: each works or raises a clear NernstError (never AttributeError)."""

from __future__ import annotations

import numpy as np
import pytest

from nernst.cellconfig import load_cell_config
from nernst.dynamics import simulate, steady_state
from nernst.errors import InvalidParameter, NernstWarning
from nernst.excitability import simulate_hh
from nernst.presets import resolve_cell_config
from nernst.protocols import Protocol, Scale


@pytest.fixture(scope="module")
def cell():
    return load_cell_config(resolve_cell_config("duesterwald2018"))


def test_simulate_from_a_steady_state_object(cell):
    # Before: AttributeError. A SteadyState starts the run at its state.
    ss = steady_state(cell.model)
    tr = simulate(cell.model, 10.0, initial=ss)
    assert tr.voltage_mV[0] == pytest.approx(ss.voltage_mV, abs=1e-9)
    # it is steady: V, a difference of large charges, moves by the integrator's rtol (1e-8 of the amounts) only
    assert np.max(np.abs(tr.voltage_mV - ss.voltage_mV)) < 0.01


def test_protocol_as_a_plain_list_is_a_protocol(cell):
    # Before: AttributeError. A list of events means the same as Protocol(events).
    a = simulate(cell.model, 120.0, protocol=[Scale(60.0, "nak_pump", 0.0)])
    b = simulate(cell.model, 120.0, protocol=Protocol((Scale(60.0, "nak_pump", 0.0),)))
    assert a.events == b.events == [(60.0, "nak_pump blocked")]
    np.testing.assert_array_equal(a.voltage_mV, b.voltage_mV)


def test_an_event_after_the_end_is_not_dropped_silently(cell):
    with pytest.warns(NernstWarning, match="at 500 s .* not applied"):
        tr = simulate(cell.model, 100.0, protocol=[Scale(500.0, "nak_pump", 0.0)])
    assert tr.events == [] and "not applied" in tr.warnings[0]


def test_bad_initial_and_protocol_are_clear_errors(cell):
    with pytest.raises(InvalidParameter, match="initial: must be a CellState or a SteadyState"):
        simulate(cell.model, 10.0, initial={"V": -70})
    with pytest.raises(InvalidParameter, match="protocol: must be a Protocol or a list of events"):
        simulate(cell.model, 10.0, protocol="pump block")
    with pytest.raises(InvalidParameter, match="model: must be a CellModel"):
        simulate(cell, 10.0)  # the config, not its model


def test_features_of_several_cells_needs_the_cell():
    # Before: features() on a multi-cell result silently returned cell 0.
    r = simulate_hh([0.0, 10.0], 20.0)
    with pytest.raises(InvalidParameter, match="holds 2 cells"):
        r.features()
    assert r.features(cell=0)["spike_count"] == 0 and r.features(cell=1)["spike_count"] > 0
    with pytest.raises(InvalidParameter, match="cell index"):
        r.features(cell=2)

"""Fixed-step engines refuse a step too coarse for the membrane, with the limit in the message.

HH gating time constants are 0.1-0.5 ms at 6.3 degC (Hodgkin & Huxley 1952) and shrink by the Q10
factor phi = 3^((T - 6.3)/10) when warmer; the limit is 0.1 ms / phi (``max_time_step_ms``).
"""

from __future__ import annotations

import numpy as np
import pytest

from nernst.axon import run_axon
from nernst.cli import main
from nernst.errors import InvalidParameter
from nernst.excitability import simulate_cable, simulate_hh, simulate_hh_ions, voltage_clamp
from nernst.mechanisms.hh import MAX_STEP_AT_REFERENCE_MS, HHParameters, check_time_step
from nernst.morphology import Section


@pytest.mark.parametrize("temperature", [6.3, 18.5])
def test_at_the_limit_spikes_are_resolved_and_at_twice_it_they_are_not(temperature, monkeypatch):
    # Measured against a converged run (dt 0.5 us): at the limit spike times stay within 0.3 ms over 100 ms and
    # the peaks within 2 mV; at 2x the limit the peaks are off by more than 5 mV (so the limit is not too strict
    # by more than a factor of 2).
    p = HHParameters().at_temperature(temperature)
    lim = p.max_time_step_ms()
    assert lim == pytest.approx(MAX_STEP_AT_REFERENCE_MS / p.phi)
    amp = 10.0 if temperature < 10 else 15.0
    ref = simulate_hh(amp, 100.0, 0.0005, p)
    at = simulate_hh(amp, 100.0, lim, p)
    t_ref, t_at = ref.spike_times_ms[0], at.spike_times_ms[0]
    assert len(t_at) == len(t_ref) > 3
    assert np.max(np.abs(t_at - t_ref)) < 0.3
    assert abs(at.v_mV.max() - ref.v_mV.max()) < 2.0
    import nernst.solvers.hh.patch as ex  # where simulate_hh looks the check up

    monkeypatch.setattr(ex, "check_time_step", lambda *a, **k: None)  # the scheme alone, for the comparison
    coarse = simulate_hh(amp, 100.0, 2 * lim, p)
    t_c = coarse.spike_times_ms[0]
    peak_err = abs(coarse.v_mV.max() - ref.v_mV.max())
    time_err = np.max(np.abs(t_c[:len(t_ref)] - t_ref[:len(t_c)])) if len(t_c) else np.inf
    assert peak_err > 5.0 or len(t_c) != len(t_ref) or time_err > 0.3


def test_the_report_case_is_refused_with_the_limit():
    # Before: `nernst spike --current 10 --dt 5` printed "0 spikes", exit 0 (7 at the default step).
    with pytest.raises(InvalidParameter) as exc:
        simulate_hh(10.0, 100.0, 5.0)
    assert exc.value.field == "dt" and "at most 0.1 ms" in exc.value.reason


def test_every_engine_refuses_a_coarse_step_and_names_the_limit():
    warm = HHParameters().at_temperature(37.0)  # limit 0.1 / 29.16 = 0.00343 ms
    calls = [
        lambda: simulate_hh(10.0, 10.0, 0.025, warm),
        lambda: voltage_clamp([0.0], [5.0], warm, dt=0.025),
        lambda: simulate_hh_ions(10.0, 10.0, 0.025, params=warm),
        lambda: simulate_cable([Section("axon", 1000.0, 10.0, 11, "hh")], 5.0, 0.025, warm),
        lambda: run_axon(10.0, 1.0, params=warm, dt=0.025),
    ]
    for call in calls:
        with pytest.raises(InvalidParameter) as exc:
            call()
        assert exc.value.field == "dt" and "0.00343 ms" in exc.value.reason and "37 degC" in exc.value.reason


def test_passive_cable_limit_is_a_tenth_of_tau():
    p = HHParameters()  # tau = C_m / g_L = 1 / 0.3 = 3.33 ms
    assert p.max_time_step_ms(active=False) == pytest.approx(1.0 / 0.3 / 10)
    with pytest.raises(InvalidParameter, match="membrane time constant"):
        check_time_step(0.5, p, active=False)
    run_axon(100.0, 5.0, passive=True, dt=0.3)  # under the limit: runs


def test_default_step_follows_the_temperature():
    warm = HHParameters().at_temperature(37.0)
    r = simulate_hh(10.0, 5.0, params=warm)
    assert r.dt_ms == pytest.approx(0.1 / warm.phi)
    assert simulate_hh(10.0, 5.0).dt_ms == 0.025  # at 6.3 degC the usual 0.025 ms


def test_cli_refuses_with_the_flag_and_the_limit(capsys):
    for argv in (["spike", "--current", "10", "--dt", "5"], ["cable", "--dt", "0.5"],
                 ["spike", "--ions", "--dt", "0.5"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("nernst: error: --dt: must be at most") and err.count("\n") == 1, err


def test_sweep_point_with_a_coarse_step_fails_alone_and_warm_points_step_finer():
    from nernst.sweep import run_sweep, sweep_from_dict

    res = run_sweep(sweep_from_dict({"model": "spike", "outputs": ["spike_count"], "fixed": {"duration_ms": 20.0},
                                     "axes": [{"parameter": "temperature_c", "values": [6.3, 30.0]}]}))
    assert res.failed_points == 0  # the 30 degC point stepped at 0.1/phi, not the refused 0.025 ms
    res = run_sweep(sweep_from_dict({"model": "spike", "outputs": ["spike_count"],
                                     "fixed": {"duration_ms": 20.0, "dt_ms": 0.05},
                                     "axes": [{"parameter": "temperature_c", "values": [6.3, 30.0]}]}))
    assert res.failed_points == 1 and "at most" in res.errors[0]

"""Parameter sweeps in Python (``nernst.sweep``), without a cluster.

Contract pinned here (sweep issue):

* every model gives, point by point, the numbers of the function it wraps:
  ``rest`` -> :func:`nernst.rest.resting_state` and :func:`nernst.nernst`;
  ``steady`` -> :func:`nernst.dynamics.steady_state` of the config with the
  value changed; ``scenario`` -> :func:`nernst.dynamics.simulate`; ``spike`` ->
  :func:`nernst.excitability.simulate_hh`; ``cable`` -> :func:`nernst.axon.run_axon`;
* sampling: grid (product), list (zipped), random and lhs (deterministic in the
  seed, inside the bounds, one LHS sample per stratum);
* the block layout (``chunk``) and the backend (local, process pool) do not
  change the numbers;
* a Zarr store (``out=``) holds the same numbers as the in-memory result;
  ``resume=True`` computes only the blocks without a done flag (interrupted
  runs, half-written blocks, unreadable flags);
* a bad sweep raises InvalidParameter naming the field BEFORE any work (no
  block evaluated, no store created); failed points are NaN and counted.

Reference values are computed here, independently of the sweep code, from the
functions the models wrap or from closed forms with nernst.constants (CODATA
via scipy); the source and tolerance sit next to each assertion.  Bugs found
while writing this file are strict xfails whose reason starts with "BUG:"; the
fixed ones stay as regression tests (open_sweep and blocks without a flag or
with a torn flag, failed points counted per point).
"""

from __future__ import annotations

import copy
import math
import os
import tomllib
from importlib import resources

import numpy as np
import pytest

import nernst
import nernst.sweep as sweep_mod
import nernst.sweep.executors as executors_mod
from nernst.axon import run_axon
from nernst.cellconfig import cell_from_dict
from nernst.config import spec_from_dict
from nernst.constants import ZERO_CELSIUS, thermal_voltage_mV
from nernst.dynamics import simulate, start_state, steady_state
from nernst.errors import InvalidParameter
from nernst.excitability import simulate_hh
from nernst.mechanisms.hh import HHParameters
from nernst.rest import resting_state
from nernst.sweep import load_sweep, open_sweep, run_sweep, sensitivity, sweep_from_dict
from support.sweeps import assert_bitwise, block_points


# --- helpers -------------------------------------------------------------------
def shipped(kind: str, name: str) -> dict:
    """The raw TOML mapping of a shipped preset ("presets") or cell config ("cells")."""
    return tomllib.loads((resources.files("nernst.config") / "data" / kind / f"{name}.toml").read_text(encoding="utf-8"))


def values(result, output) -> np.ndarray:
    return np.asarray(result.dataset[output].values, dtype=float)



@pytest.fixture
def no_work(monkeypatch):
    """Any evaluated block fails the test: proves that a refusal comes before any work."""
    def boom(*args, **kwargs):
        raise AssertionError("a block was evaluated")
    monkeypatch.setattr(executors_mod, "evaluate_task", boom)


K_ONLY = """\
title = "K+ only"
temperature_c = 37
[ions.K]
inside = 140
outside = 5
permeability = 1.0
"""


def rest_grid(chunk=10, k_num=23, outputs=("v_rest_mV", "E_K_mV")):
    """The issue's example: V_rest of the mammalian neuron over K_o (log) x P_Na."""
    return sweep_from_dict({
        "title": "V_rest vs K_o", "model": "rest", "preset": "mammalian_neuron", "outputs": list(outputs),
        "chunk": chunk,
        "axes": [{"parameter": "ions.K.outside", "name": "K_o", "start": 1, "stop": 100, "num": k_num,
                  "scale": "log"},
                 {"parameter": "ions.Na.permeability", "values": [0.01, 0.05]}],
    })


def steady_grid(chunk=3):
    return sweep_from_dict({
        "model": "steady", "cell": "kay2017", "chunk": chunk,
        "outputs": ["v_rest_mV", "K_in_mM", "Na_in_mM", "volume_rel"],
        "axes": [{"parameter": "ions.K.outside", "name": "K_o", "values": [2.0, 3.0, 5.0, 8.0], "balance": "Na"},
                 {"parameter": "mechanisms.leak.K.conductance_mS_cm2", "name": "g_K", "values": [0.2, 0.3, 0.45]}],
    })


# =============================================================================
# the models against the functions they wrap
# =============================================================================
def test_rest_grid_equals_resting_state_point_by_point():
    sw = sweep_from_dict({
        "model": "rest", "preset": "mammalian_neuron", "chunk": 7,  # 7: blocks cut across the grid rows
        "outputs": ["v_rest_mV", "weighted_mV", "E_K_mV", "driving_K_mV", "E_Na_mV"],
        "axes": [{"parameter": "ions.K.outside", "name": "K_o", "start": 1, "stop": 100, "num": 12, "scale": "log"},
                 {"parameter": "ions.Na.permeability", "name": "P_Na", "values": [0.01, 0.05, 0.2]}],
    })
    res = run_sweep(sw)
    ds = res.dataset
    assert ds["v_rest_mV"].dims == ("K_o", "P_Na") and ds["v_rest_mV"].shape == (12, 3)
    assert res.computed_points == 36 and res.reused_points == 0 and res.failed_points == 0
    # the K_o axis is the log grid asked for: geometric steps from 1 to 100 mM (exact ends, rel 1e-12)
    assert ds["K_o"].values[0] == pytest.approx(1.0, rel=1e-12) and ds["K_o"].values[-1] == pytest.approx(100.0, rel=1e-12)
    assert np.allclose(np.diff(np.log(ds["K_o"].values)), math.log(100) / 11, rtol=1e-9)
    base = shipped("presets", "mammalian_neuron")
    for i, ko in enumerate(ds["K_o"].values):
        for j, pna in enumerate(ds["P_Na"].values):
            data = copy.deepcopy(base)
            data["ions"]["K"]["outside"] = float(ko)
            data["ions"]["Na"]["permeability"] = float(pna)
            rep = resting_state(spec_from_dict(data, name="mammalian_neuron"))
            # resting_state is the reference (same GHK closed form): 1e-9 mV
            assert ds["v_rest_mV"].values[i, j] == pytest.approx(rep.ghk_mV, abs=1e-9)
            assert ds["weighted_mV"].values[i, j] == pytest.approx(rep.weighted_mV, abs=1e-9)
            assert ds["driving_K_mV"].values[i, j] == pytest.approx(rep.ion("K").driving_force_mV, abs=1e-9)
            # E_K: nernst.nernst(K_i 140, K_o, z=+1, 37 degC), 1e-9 mV
            assert ds["E_K_mV"].values[i, j] == pytest.approx(float(nernst.nernst(140.0, float(ko), 1, 37.0)), abs=1e-9)
            assert ds["E_Na_mV"].values[i, j] == pytest.approx(float(nernst.nernst(15.0, 145.0, 1, 37.0)), abs=1e-9)
    # GHK: V_rest rises monotonically with K_o at every P_Na
    assert np.all(np.diff(ds["v_rest_mV"].values, axis=0) > 0)


def test_rest_fixed_values_apply_to_every_point():
    # [fixed] sets temperature and the Cl permeability for the whole sweep; the axis varies Cl inside
    sw = sweep_from_dict({
        "model": "rest", "preset": "mammalian_neuron", "outputs": ["v_rest_mV", "E_Cl_mV"],
        "fixed": {"temperature_c": 20.0, "ions": {"Cl": {"permeability": 0.9}}},
        "axes": [{"parameter": "ions.Cl.inside", "values": [4.0, 10.0, 30.0]}],
    })
    assert sw.fixed == {"temperature_c": 20.0, "ions.Cl.permeability": 0.9}
    ds = run_sweep(sw).dataset
    base = shipped("presets", "mammalian_neuron")
    for i, cl in enumerate([4.0, 10.0, 30.0]):
        data = copy.deepcopy(base)
        data["temperature_c"] = 20.0
        data["ions"]["Cl"]["permeability"] = 0.9
        data["ions"]["Cl"]["inside"] = cl
        rep = resting_state(spec_from_dict(data))
        assert ds["v_rest_mV"].values[i] == pytest.approx(rep.ghk_mV, abs=1e-9)  # resting_state, 1e-9 mV
        # E_Cl = -(RT/F) ln(110/cl) at 20 degC (z = -1), 1e-9 mV
        assert ds["E_Cl_mV"].values[i] == pytest.approx(-thermal_voltage_mV(20.0) * math.log(110.0 / cl), abs=1e-9)


def test_rest_one_ion_is_nernst_and_sensitivity_is_analytic(tmp_path):
    (tmp_path / "k_only.toml").write_text(K_ONLY)
    # a relative preset path is relative to the sweep file (load_sweep)
    (tmp_path / "grid.toml").write_text(
        'model = "rest"\npreset = "k_only.toml"\noutputs = ["v_rest_mV", "E_K_mV"]\n'
        '[[axes]]\nparameter = "ions.K.outside"\nname = "K_o"\nstart = 0.5\nstop = 400\nnum = 17\nscale = "log"\n')
    res = run_sweep(load_sweep(tmp_path / "grid.toml"))
    vt = thermal_voltage_mV(37.0)  # RT/F at 37 degC from nernst.constants (CODATA)
    ko = res.dataset["K_o"].values
    # one permeant ion: V_rest = E_K = (RT/F) ln(K_o/K_i) exactly (GHK with one ion); rel 1e-12
    np.testing.assert_allclose(values(res, "v_rest_mV"), vt * np.log(ko / 140.0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(values(res, "E_K_mV"), vt * np.log(ko / 140.0), rtol=1e-12, atol=1e-12)
    # V crosses 0 at K_o = K_i: between the grid points around 140 mM the sign changes
    assert values(res, "v_rest_mV")[ko < 140].max() < 0 < values(res, "v_rest_mV")[ko > 140].min()

    (tmp_path / "sens.toml").write_text(
        'model = "rest"\npreset = "k_only.toml"\noutputs = ["v_rest_mV"]\n'
        '[sensitivity]\nparameters = ["temperature_c", "ions.K.outside"]\nstep = 0.01\nspan = 0.1\n')
    sw = load_sweep(tmp_path / "sens.toml")
    assert sw.n_points == 1 + 4 * 2 and sw.method == "list"
    s = sensitivity(run_sweep(sw)).sel(output="v_rest_mV")
    v0 = vt * math.log(5.0 / 140.0)
    t_k = 37.0 + ZERO_CELSIUS
    assert float(s["base"]) == pytest.approx(v0, rel=1e-12)
    k = s.sel(parameter="ions.K.outside")
    # dV/dK_o = V_T / K_o; the central difference with step h = 0.01 has relative error h^2/3 = 3.3e-5: rel 1e-4
    assert float(k["derivative"]) == pytest.approx(vt / 5.0, rel=1e-4)
    # elasticity (K_o/V) dV/dK_o = V_T / V, same error: rel 1e-4
    assert float(k["elasticity"]) == pytest.approx(vt / v0, rel=1e-4)
    # bars: V at K_o (1 -+ 0.1), closed form, rel 1e-12
    assert float(k["low"]) == pytest.approx(vt * math.log(4.5 / 140.0), rel=1e-12)
    assert float(k["high"]) == pytest.approx(vt * math.log(5.5 / 140.0), rel=1e-12)
    t = s.sel(parameter="temperature_c")
    # V is linear in T (degC): dV/dT = V / T_K exactly up to rounding; rel 1e-9
    assert float(t["derivative"]) == pytest.approx(v0 / t_k, rel=1e-9)
    assert float(t["elasticity"]) == pytest.approx(37.0 / t_k, rel=1e-9)
    # ranked by swing: K_o (V_T ln(1.1/0.9) = 5.36 mV) above temperature (0.2 * 37/310.15 * |V| = 2.1 mV)
    assert list(s["parameter"].values) == ["ions.K.outside", "temperature_c"]
    assert float(k["swing"]) == pytest.approx(vt * math.log(1.1 / 0.9), rel=1e-12)


def test_steady_equals_steady_state_of_changed_cell():
    sw = steady_grid(chunk=5)
    res = run_sweep(sw)
    ds = res.dataset
    assert res.failed_points == 0 and res.errors == []
    base = shipped("cells", "kay2017")
    for i, ko in enumerate(ds["K_o"].values):
        for j, g in enumerate(ds["g_K"].values):
            data = copy.deepcopy(base)
            data["ions"]["K"]["outside"] = float(ko)
            data["ions"]["Na"]["outside"] = 150.0 - float(ko)  # balance = "Na": Na+ replaces K+ one for one
            assert data["mechanisms"][1]["kind"] == "leak" and data["mechanisms"][1]["ion"] == "K"
            data["mechanisms"][1]["conductance_mS_cm2"] = float(g)
            cfg = cell_from_dict(data, name="kay2017")
            ss = steady_state(cfg.model, initial=start_state(cfg))
            # steady_state of the same cell is the reference: 1e-9 mV, 1e-9 relative on the rest
            assert ds["v_rest_mV"].values[i, j] == pytest.approx(ss.voltage_mV, abs=1e-9)
            assert ds["K_in_mM"].values[i, j] == pytest.approx(ss.inside_mM["K"], rel=1e-9)
            assert ds["Na_in_mM"].values[i, j] == pytest.approx(ss.inside_mM["Na"], rel=1e-9)
            assert ds["volume_rel"].values[i, j] == pytest.approx(ss.volume_rel, rel=1e-9)
    # Kay (2017), kay2017.toml description: with the pump at 0.5 uA/cm^2 (K_o 3, g_K 0.3) the cell rests near
    # -94 mV and shrinks to about a third of its volume; tolerance 0.5 mV, volume 0.3-0.37
    assert ds["v_rest_mV"].sel(K_o=3.0, g_K=0.3).item() == pytest.approx(-94.0, abs=0.5)
    assert 0.30 < ds["volume_rel"].sel(K_o=3.0, g_K=0.3).item() < 0.37


@pytest.mark.parametrize("alias, index", [
    ("mechanisms.nak_pump.current_uA_cm2", "mechanisms[3].current_uA_cm2"),
    ("mechanisms.leak.K.conductance_mS_cm2", "mechanisms[1].conductance_mS_cm2"),
])
def test_steady_mechanism_alias_and_index_paths_agree(alias, index):
    vals = [0.2, 0.5, 1.0]
    runs = [run_sweep(sweep_from_dict({"model": "steady", "cell": "kay2017", "outputs": ["v_rest_mV", "volume_um3"],
                                       "axes": [{"parameter": p, "name": "x", "values": vals}]}))
            for p in (alias, index)]
    assert_bitwise(runs[0], runs[1], ["v_rest_mV", "volume_um3"])
    # and the value really reaches the mechanism: three different steady potentials (a changed pump or leak
    # moves V by far more than 1e-6 mV)
    v = values(runs[0], "v_rest_mV")
    assert np.all(np.isfinite(v)) and np.min(np.abs(np.diff(v))) > 1e-6


def test_scenario_equals_simulate_of_changed_cell():
    sw = sweep_from_dict({"model": "scenario", "cell": "kay2017", "outputs": ["v_end_mV", "v_min_mV", "K_in_end_mM"],
                          "axes": [{"parameter": "ions.K.outside", "values": [3.0, 6.0], "balance": "Na"}]})
    ds = run_sweep(sw).dataset
    base = shipped("cells", "kay2017")
    for i, ko in enumerate([3.0, 6.0]):
        data = copy.deepcopy(base)
        data["ions"]["K"]["outside"] = ko
        data["ions"]["Na"]["outside"] = 150.0 - ko  # balance = "Na"
        cfg = cell_from_dict(data, name="kay2017")
        tr = simulate(cfg.model, cfg.duration_s, initial=start_state(cfg), n_points=cfg.points,
                      protocol=cfg.protocol)
        # simulate() of the same config is the reference: 1e-9 mV / relative
        assert ds["v_end_mV"].values[i] == pytest.approx(tr.final.voltage_mV, abs=1e-9)
        assert ds["v_min_mV"].values[i] == pytest.approx(float(np.min(tr.voltage_mV)), abs=1e-9)
        assert ds["K_in_end_mM"].values[i] == pytest.approx(tr.final.inside_mM["K"], rel=1e-9)
    # kay2017: the pump is switched off at 5000 s, so the end (10000 s) is far above the pumped rest
    assert np.all(ds["v_end_mV"].values > ds["v_min_mV"].values + 20)


def test_spike_equals_simulate_hh():
    currents = [0.0, 2.0, 5.0, 6.5, 10.0, 20.0]
    temps = [6.3, 18.5]
    sw = sweep_from_dict({"model": "spike", "chunk": 4, "fixed": {"duration_ms": 50.0},
                          "axes": [{"parameter": "current_uA_cm2", "name": "I", "values": currents},
                                   {"parameter": "temperature_c", "name": "T", "values": temps}]})
    ds = run_sweep(sw).dataset
    assert ds["spike_count"].dims == ("I", "T")
    for j, t in enumerate(temps):
        ref = simulate_hh(np.array(currents), duration=50.0, dt=0.025, params=HHParameters(temperature_c=t),
                          threshold=0.0, record=False)
        np.testing.assert_array_equal(ds["spike_count"].values[:, j], ref.spike_counts.astype(float))
        first = np.array([s[0] if len(s) else np.nan for s in ref.spike_times_ms])
        np.testing.assert_array_equal(ds["first_spike_ms"].values[:, j], first)
        # rate = 1000 / mean interspike interval (ms), 0 with fewer than two spikes
        rate = [1000.0 / np.mean(np.diff(s)) if len(s) > 1 else 0.0 for s in ref.spike_times_ms]
        np.testing.assert_allclose(ds["rate_hz"].values[:, j], rate, rtol=1e-12)
        np.testing.assert_allclose(ds["rest_mV"].values[:, j], ref.rest_mV, rtol=1e-12)
    # HH 1952 at 6.3 degC, 10 uA/cm^2 for 50 ms: 4 spikes, the first at 1.90 ms (simulate_hh docstring; NEURON
    # 9.0.2 hh gives 1.9024 ms, bench/peers/neuron_w.py); tolerance 0.05 ms
    assert ds["spike_count"].sel(I=10.0, T=6.3).item() == 4
    assert ds["first_spike_ms"].sel(I=10.0, T=6.3).item() == pytest.approx(1.90, abs=0.05)
    # no stimulus, no spike (the rest is a fixed point): count 0 and first spike NaN
    assert ds["spike_count"].sel(I=0.0).values.tolist() == [0.0, 0.0]
    assert np.isnan(ds["first_spike_ms"].sel(I=0.0).values).all()


def test_cable_velocity_equals_run_axon():
    sw = sweep_from_dict({"model": "cable", "fixed": {"length_mm": 5.0},
                          "axes": [{"parameter": "diameter_um", "values": [50.0, 100.0]}]})
    res = run_sweep(sw)
    v = values(res, "velocity_m_s")
    for i, d in enumerate([50.0, 100.0]):
        ref = run_axon(diameter_um=d, length_mm=5.0, params=HHParameters(), dt=0.01, r_axial=35.4)
        assert v[i] == pytest.approx(ref.velocity_m_s, rel=1e-12)  # run_axon itself, rel 1e-12
    # cable theory: velocity grows with diameter (v ~ sqrt(d) for an HH axon, Hodgkin 1954); HH squid axon
    # speeds are a few m/s at these sizes (21 m/s at 476 um, HH 1952): between 1 and 20 m/s
    assert 1.0 < v[0] < v[1] < 20.0


# =============================================================================
# sampling
# =============================================================================
def sampled(method, seed=7, n=16):
    return sweep_from_dict({
        "model": "rest", "preset": "mammalian_neuron", "outputs": ["v_rest_mV"], "chunk": 5,
        "sampling": {"method": method, "n": n, "seed": seed},
        "axes": [{"parameter": "ions.K.outside", "name": "K_o", "low": 1.0, "high": 100.0, "scale": "log"},
                 {"parameter": "ions.Na.permeability", "name": "P_Na", "low": 0.01, "high": 0.2}],
    })


@pytest.mark.parametrize("method", ["random", "lhs"])
def test_random_and_lhs_are_deterministic_and_inside_bounds(method):
    a, b, c = sampled(method, 7), sampled(method, 7), sampled(method, 8)
    ma, mb, mc = a.sample_matrix(), b.sample_matrix(), c.sample_matrix()
    assert ma.shape == (16, 2)
    assert np.array_equal(ma, mb)  # same seed, same points (bit for bit)
    assert not np.allclose(ma, mc)  # another seed, other points
    assert np.all((ma[:, 0] >= 1.0) & (ma[:, 0] <= 100.0)) and np.all(ma[:, 0] > 0)
    assert np.all((ma[:, 1] >= 0.01) & (ma[:, 1] <= 0.2))
    res = run_sweep(a)
    ds = res.dataset
    assert ds["v_rest_mV"].dims == ("point",) and res.computed_points == 16
    np.testing.assert_array_equal(ds["K_o"].values, ma[:, 0])
    np.testing.assert_array_equal(ds["P_Na"].values, ma[:, 1])
    assert ds["K_o"].attrs["parameter"] == "ions.K.outside"
    # each sampled point is the resting potential at its sampled values (resting_state, 1e-9 mV)
    base = shipped("presets", "mammalian_neuron")
    for p in (0, 9, 15):
        data = copy.deepcopy(base)
        data["ions"]["K"]["outside"] = float(ma[p, 0])
        data["ions"]["Na"]["permeability"] = float(ma[p, 1])
        assert ds["v_rest_mV"].values[p] == pytest.approx(resting_state(spec_from_dict(data)).ghk_mV, abs=1e-9)


def test_log_scale_samples_are_log_uniform():
    m = sampled("random", seed=3, n=4000).sample_matrix()
    # log-uniform on [1, 100]: half of the samples below the geometric midpoint 10 (binomial sd 0.8 %: 4 sd)
    assert abs(np.mean(m[:, 0] < 10.0) - 0.5) < 0.035
    # and the linear axis is uniform: half below its arithmetic midpoint 0.105
    assert abs(np.mean(m[:, 1] < 0.105) - 0.5) < 0.035


def test_lhs_has_one_sample_per_stratum_in_each_dimension():
    n = 16
    m = sampled("lhs", seed=11, n=n).sample_matrix()
    u_log = np.log(m[:, 0] / 1.0) / np.log(100.0 / 1.0)  # the log axis is stratified in log space
    u_lin = (m[:, 1] - 0.01) / (0.2 - 0.01)
    for u in (u_log, u_lin):
        strata = np.floor(u * n).astype(int)
        assert sorted(strata.tolist()) == list(range(n)), strata
    # a plain random design almost never does that (probability n!/n^n = 1e-6 per dimension)
    r = sampled("random", seed=11, n=n).sample_matrix()
    assert sorted(np.floor((r[:, 1] - 0.01) / 0.19 * n).astype(int).tolist()) != list(range(n))


def test_list_sampling_zips_the_axes():
    ko = [2.0, 5.0, 5.0, 20.0]  # a list may repeat a value (pairs, not a grid)
    pna = [0.01, 0.05, 0.2, 0.05]
    sw = sweep_from_dict({"model": "rest", "preset": "mammalian_neuron", "outputs": ["v_rest_mV"],
                          "sampling": {"method": "list"},
                          "axes": [{"parameter": "ions.K.outside", "name": "K_o", "values": ko},
                                   {"parameter": "ions.Na.permeability", "name": "P_Na", "values": pna}]})
    assert sw.shape == (4,) and sw.dims == ("point",)
    ds = run_sweep(sw).dataset
    assert ds["K_o"].values.tolist() == ko and ds["P_Na"].values.tolist() == pna
    base = shipped("presets", "mammalian_neuron")
    for p in range(4):
        data = copy.deepcopy(base)
        data["ions"]["K"]["outside"], data["ions"]["Na"]["permeability"] = ko[p], pna[p]
        assert ds["v_rest_mV"].values[p] == pytest.approx(resting_state(spec_from_dict(data)).ghk_mV, abs=1e-9)
    # zipped, not crossed: points 1 and 2 share K_o but not P_Na, so they differ
    assert ds["v_rest_mV"].values[1] != ds["v_rest_mV"].values[2]


# =============================================================================
# block layout and backends
# =============================================================================
def test_rest_results_do_not_depend_on_chunk():
    runs = {c: run_sweep(rest_grid(chunk=c, k_num=23, outputs=("v_rest_mV", "E_K_mV", "weighted_mV")))
            for c in (1, 7, 10, 1000)}
    assert len({r.sweep.n_tasks for r in runs.values()}) == 4  # the layouts really differ (46, 23, 5, 1 blocks)
    ref = runs[1000]
    for c, r in runs.items():
        for o in ("v_rest_mV", "E_K_mV", "weighted_mV"):
            # same closed form in every block layout: 1e-12 mV
            np.testing.assert_allclose(values(r, o), values(ref, o), rtol=0, atol=1e-12, err_msg=f"chunk {c} {o}")


def test_local_and_process_pool_are_bitwise_identical():
    sw = steady_grid(chunk=2)  # 12 points in 6 blocks
    local = run_sweep(sw, backend="local")
    pool = run_sweep(sw, backend="processes", workers=2)
    assert (pool.backend, pool.workers, pool.computed_points) == ("processes", 2, 12)
    assert local.backend == "local"
    assert_bitwise(local, pool, sw.outputs)
    assert np.isfinite(values(pool, "v_rest_mV")).all()


def test_progress_reports_every_block_up_to_the_total():
    sw = rest_grid(chunk=10, k_num=23)  # 46 points: blocks of 10, the last one of 6
    seen = []
    run_sweep(sw, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 46) and seen[-1] == (46, 46)
    assert len(seen) == 1 + sw.n_tasks == 6
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_summary_counts_and_ranges():
    res = run_sweep(rest_grid(chunk=10, k_num=23))
    s = res.summary()
    assert s["points"] == 46 and s["tasks"] == 5 and s["computed_points"] == 46 and s["reused_points"] == 0
    assert s["dims"] == {"K_o": 23, "ions.Na.permeability": 2}
    assert set(s["outputs"]) == {"v_rest_mV", "E_K_mV"}
    v = values(res, "v_rest_mV")
    st = s["outputs"]["v_rest_mV"]
    assert (st["unit"], st["finite"], st["nan"]) == ("mV", 46, 0)
    assert (st["min"], st["max"], st["median"]) == (v.min(), v.max(), float(np.median(v)))


@pytest.mark.parametrize("kwargs, field", [
    ({"backend": "gpu"}, "backend"),
    ({"workers": 0}, "workers"),
    ({"backend": "local", "workers": 2}, "workers"),
    ({"resume": True}, "resume"),
    ({"out": "results.nc"}, "out"),
    ({"out": "no/such/folder/x.zarr"}, "out"),
])
def test_run_sweep_arguments_are_checked_before_any_work(kwargs, field, no_work, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidParameter) as exc:
        run_sweep(rest_grid(), **kwargs)
    assert exc.value.field == field
    assert list(tmp_path.iterdir()) == []  # nothing written


# =============================================================================
# the store
# =============================================================================
def test_store_holds_the_in_memory_result(tmp_path, monkeypatch):
    import xarray as xr

    sw = steady_grid(chunk=5)
    mem = run_sweep(sw)
    path = tmp_path / "x.zarr"
    disk = run_sweep(sw, out=path)
    assert disk.store == str(path) and path.is_dir()
    assert disk.computed_points == 12 and disk.reused_points == 0
    assert_bitwise(mem, disk, sw.outputs)
    opened = open_sweep(path)
    assert_bitwise(mem.dataset, opened, sw.outputs)
    assert (opened.attrs["complete"], opened.attrs["tasks_done"], opened.attrs["tasks"]) == (1, sw.n_tasks, sw.n_tasks)
    assert sw.n_tasks == 4  # (4, 3) grid in blocks of (1, 3): one K_o row per block
    np.testing.assert_array_equal(opened["K_o"].values, [2.0, 3.0, 5.0, 8.0])
    # a plain xarray reader sees the axes as dimensions
    z = xr.open_zarr(str(path))
    assert tuple(z["v_rest_mV"].dims) == ("K_o", "g_K") and dict(z.sizes) == {"K_o": 4, "g_K": 3}
    assert z["g_K"].attrs["parameter"] == "mechanisms.leak.K.conductance_mS_cm2"
    assert z["v_rest_mV"].attrs["units"] == "mV"
    assert_bitwise(mem.dataset, z, sw.outputs)

    # resuming a complete store computes nothing
    again = run_sweep(sw, out=path, resume=True)
    assert (again.computed_points, again.reused_points) == (0, 12)
    assert_bitwise(mem, again, sw.outputs)

    # a second run without resume or overwrite is refused before any work, naming "out"
    def boom(*a, **k):
        raise AssertionError("a block was evaluated")
    monkeypatch.setattr(executors_mod, "evaluate_task", boom)
    with pytest.raises(InvalidParameter) as exc:
        run_sweep(sw, out=path)
    assert exc.value.field == "out" and "resume" in exc.value.reason
    monkeypatch.undo()
    assert_bitwise(mem.dataset, open_sweep(path), sw.outputs)  # the store was left alone

    # overwrite starts over
    fresh = run_sweep(sw, out=path, overwrite=True)
    assert (fresh.computed_points, fresh.reused_points) == (12, 0)
    assert_bitwise(mem, fresh, sw.outputs)


def test_overwrite_refuses_a_folder_that_is_not_a_store(tmp_path):
    path = tmp_path / "precious.zarr"
    path.mkdir()
    (path / "thesis.txt").write_text("do not delete")
    with pytest.raises(InvalidParameter) as exc:
        run_sweep(rest_grid(), out=path, overwrite=True)
    assert exc.value.field == "out"
    assert (path / "thesis.txt").read_text() == "do not delete"


def test_resume_with_a_changed_sweep_file_raises(tmp_path):
    f = tmp_path / "s.toml"
    text = ('model = "rest"\npreset = "mammalian_neuron"\noutputs = ["v_rest_mV"]\n'
            '[[axes]]\nparameter = "ions.K.outside"\nstart = 1\nstop = 10\nnum = NUM\n')
    f.write_text(text.replace("NUM", "5"))
    path = tmp_path / "x.zarr"
    run_sweep(load_sweep(f), out=path)
    f.write_text(text.replace("NUM", "6"))
    with pytest.raises(InvalidParameter) as exc:
        run_sweep(load_sweep(f), out=path, resume=True)
    assert exc.value.field == "out" and "different sweep" in exc.value.reason
    assert open_sweep(path).sizes["ions.K.outside"] == 5  # untouched


def test_interrupted_run_resumes_only_the_missing_blocks(tmp_path):
    sw = rest_grid(chunk=10, k_num=23)  # 46 points in blocks of 10, 10, 10, 10, 6
    clean = run_sweep(sw)
    path = tmp_path / "x.zarr"
    k = 2
    calls = []

    def stop_after_k_blocks(done, total):
        calls.append(done)
        if len(calls) == k + 1:  # the first call reports the start, then one call per finished block
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(sw, out=path, progress=stop_after_k_blocks)
    part = open_sweep(path)
    assert (part.attrs["complete"], part.attrs["tasks_done"]) == (0, k)
    import zarr

    flags = np.asarray(zarr.open_group(str(path), mode="r", use_consolidated=False)["task_done"][:], dtype=bool)
    finished = block_points(sw, np.flatnonzero(flags))
    assert finished == 20
    # blocks that never ran read as NaN
    assert int(np.isfinite(part["v_rest_mV"].values).sum()) == finished

    seen = []
    res = run_sweep(sw, out=path, resume=True, progress=lambda d, t: seen.append((d, t)))
    assert res.reused_points == finished
    assert res.computed_points == sw.n_points - finished == 26
    assert seen[0] == (finished, 46) and seen[-1] == (46, 46)  # reused blocks count at the start
    assert_bitwise(clean, res, sw.outputs)
    assert open_sweep(path).attrs["complete"] == 1


def test_half_written_block_and_unreadable_flag_are_recomputed(tmp_path):
    import zarr

    sw = steady_grid(chunk=3)  # 12 points, 4 blocks of 3 (one K_o row each)
    clean = run_sweep(sw)
    path = tmp_path / "x.zarr"
    run_sweep(sw, out=path)

    # a block whose data was overwritten and whose flag was never written (a run killed mid-block)
    g = zarr.open_group(str(path), mode="r+", use_consolidated=False)
    g["task_done"][1] = 0
    for o in sw.outputs:
        g[o][1:2, :] = 12345.0
    res = run_sweep(sw, out=path, resume=True)
    assert (res.computed_points, res.reused_points) == (3, 9)
    assert_bitwise(clean, res, sw.outputs)

    # a flag chunk that cannot be read (torn file) counts as not done; a deleted one too
    layout = sorted(os.listdir(path / "task_done"))
    chunk_dir = path / "task_done" / "c" if (path / "task_done" / "c").is_dir() else path / "task_done"
    assert (chunk_dir / "2").is_file() and (chunk_dir / "3").is_file(), layout
    (chunk_dir / "2").write_bytes(b"\x00\xffnot a blosc chunk")
    (chunk_dir / "3").unlink()
    res = run_sweep(sw, out=path, resume=True)
    assert (res.computed_points, res.reused_points) == (6, 6)
    assert_bitwise(clean, res, sw.outputs)
    assert open_sweep(path).attrs["complete"] == 1


def test_open_sweep_hides_blocks_without_a_flag(tmp_path):
    import zarr

    sw = steady_grid(chunk=3)
    path = tmp_path / "x.zarr"
    run_sweep(sw, out=path)
    g = zarr.open_group(str(path), mode="r+", use_consolidated=False)
    g["task_done"][1] = 0
    g["v_rest_mV"][1:2, :] = 12345.0  # half-written garbage
    ds = open_sweep(path)
    assert ds.attrs["complete"] == 0
    # open_sweep docstring: "Points whose block never finished read as NaN"; the finished blocks keep their numbers
    v = ds["v_rest_mV"].values
    assert np.isnan(v[1]).all() and np.isfinite(np.delete(v, 1, axis=0)).all()


def test_open_sweep_reads_a_store_with_a_torn_flag(tmp_path):
    sw = steady_grid(chunk=3)
    path = tmp_path / "x.zarr"
    run_sweep(sw, out=path)
    chunk_dir = path / "task_done" / "c" if (path / "task_done" / "c").is_dir() else path / "task_done"
    (chunk_dir / "2").write_bytes(b"\x00\xffnot a blosc chunk")
    ds = open_sweep(path)
    assert ds.attrs["tasks_done"] == 3 and ds.attrs["complete"] == 0
    v = ds["v_rest_mV"].values
    assert np.isnan(v[2]).all() and np.isfinite(np.delete(v, 2, axis=0)).all()  # that block reads as unfinished


# =============================================================================
# bad sweeps: refused before any work, naming the field
# =============================================================================
def _base_rest():
    return {"model": "rest", "preset": "mammalian_neuron", "outputs": ["v_rest_mV"],
            "axes": [{"parameter": "ions.K.outside", "values": [1.0, 2.0]}]}


def _set_axis(d, **axis):
    d["axes"][0] = axis


BAD = {
    "unknown parameter": (lambda d: d["axes"][0].update(parameter="ions.K.outsde"), "axes[0].parameter"),
    "unknown output": (lambda d: d.update(outputs=["v_rest_mV", "E_Q_mV"]), "outputs"),
    "empty values": (lambda d: d["axes"][0].update(values=[]), "axes[0].values"),
    "num = 0": (lambda d: _set_axis(d, parameter="ions.K.outside", start=1, stop=2, num=0), "axes[0].num"),
    "unknown model": (lambda d: d.update(model="resting"), "model"),
    "unknown top-level key": (lambda d: d.update(colour="red"), "colour"),
    "negative concentration": (lambda d: d["axes"][0].update(values=[5.0, -1.0]), "axes[0].values"),
    "log scale from 0": (lambda d: _set_axis(d, parameter="ions.K.outside", start=0, stop=10, num=5, scale="log"),
                         "axes[0].start"),
    "log scale low 0": (lambda d: (d.update(sampling={"method": "random", "n": 5}),
                                   _set_axis(d, parameter="ions.Na.permeability", low=0, high=1, scale="log")),
                        "axes[0].low"),
    "random without n": (lambda d: (d.update(sampling={"method": "random"}),
                                    _set_axis(d, parameter="ions.K.outside", low=1, high=10)), "sampling.n"),
    "list of unequal lengths": (lambda d: (d.update(sampling={"method": "list"}),
                                           d["axes"].append({"parameter": "ions.Na.outside",
                                                             "values": [100, 120, 140]})), "axes"),
    "no axes": (lambda d: d.pop("axes"), "axes"),
    "grid repeats a value": (lambda d: d["axes"][0].update(values=[1.0, 1.0]), "axes[0].values"),
    "axis also fixed": (lambda d: d.update(fixed={"ions": {"K": {"outside": 3.0}}}), "axes[0].parameter"),
    "unknown fixed": (lambda d: d.update(fixed={"ions": {"K": {"insid": 3.0}}}), "fixed.ions.K.insid"),
    "chunk 0": (lambda d: d.update(chunk=0), "chunk"),
    "steady without cell": (lambda d: (d.update(model="steady"), d.pop("preset")), "cell"),
    "steady unknown mechanism": (lambda d: (d.update(model="steady", cell="kay2017", outputs=["v_rest_mV"]),
                                            d.pop("preset"),
                                            d["axes"][0].update(parameter="mechanisms.nkcc1.current_uA_cm2")),
                                 "axes[0].parameter"),
    "steady negative conductance": (lambda d: (d.update(model="steady", cell="kay2017", outputs=["v_rest_mV"]),
                                               d.pop("preset"),
                                               d["axes"][0].update(parameter="mechanisms.leak.K.conductance_mS_cm2",
                                                                   values=[0.3, -0.1])), "axes[0].values"),
    "spike unknown parameter": (lambda d: (d.update(model="spike", outputs=["spike_count"]), d.pop("preset"),
                                           d["axes"][0].update(parameter="g_ca")), "axes[0].parameter"),
    "sensitivity of a zero parameter": (lambda d: (d.pop("axes"),
                                                   d.update(sensitivity={"parameters": ["ions.Ca.permeability"]})),
                                        "sensitivity.parameters"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_sweep_is_refused_before_any_work(case, no_work, tmp_path):
    mutate, field = BAD[case]
    data = _base_rest()
    mutate(data)
    store = tmp_path / "x.zarr"
    with pytest.raises(InvalidParameter) as exc:
        run_sweep(sweep_from_dict(data), out=store)
    assert exc.value.field == field, str(exc.value)
    assert str(exc.value).startswith(field + ":") and "\n" not in str(exc.value)
    assert not store.exists()


def test_bad_sweep_file_names_the_field(tmp_path, no_work):
    f = tmp_path / "bad.toml"
    f.write_text('model = "rest"\npreset = "mammalian_neuron"\n[[axes]]\nparameter = "ions.K.outside"\n'
                 'values = [5, -1]\n')
    with pytest.raises(InvalidParameter) as exc:
        load_sweep(f)
    assert exc.value.field == "axes[0].values" and "ions.K.outside" in exc.value.reason
    with pytest.raises(InvalidParameter) as exc:
        load_sweep(tmp_path / "missing.toml")
    assert exc.value.field == "sweep"
    f.write_text('model = "rest"\n[[axes]\n')
    with pytest.raises(InvalidParameter) as exc:
        load_sweep(f)
    assert exc.value.field == "sweep" and "TOML" in exc.value.reason


def test_too_many_points_needs_yes(no_work, tmp_path):
    # the spike model asks for confirmation above 200,000 points (CONFIRM_ABOVE); building the sweep is cheap
    big = {"model": "spike", "fixed": {"duration_ms": 1.0}, "outputs": ["spike_count"],
           "axes": [{"parameter": "current_uA_cm2", "start": 0, "stop": 20,
                     "num": sweep_mod.CONFIRM_ABOVE["spike"] + 1}]}
    store = tmp_path / "big.zarr"
    with pytest.raises(InvalidParameter) as exc:
        run_sweep(sweep_from_dict(big), out=store)
    assert exc.value.field == "points" and "yes" in exc.value.reason
    assert not store.exists()
    # exactly at the limit needs no confirmation (check_size is the gate run_sweep uses)
    big["axes"][0]["num"] = sweep_mod.CONFIRM_ABOVE["spike"]
    sweep_mod.check_size(sweep_from_dict(big), yes=False)


def test_yes_runs_a_sweep_above_the_limit(monkeypatch):
    # a cheap case: lower the rest model's limit below a 46-point sweep
    monkeypatch.setitem(sweep_mod.CONFIRM_ABOVE, "rest", 40)
    sw = rest_grid(chunk=10, k_num=23)
    with pytest.raises(InvalidParameter) as exc:
        run_sweep(sw)
    assert exc.value.field == "points"
    res = run_sweep(sw, yes=True)
    assert res.computed_points == 46 and np.isfinite(values(res, "v_rest_mV")).all()


# =============================================================================
# failed points
# =============================================================================
def test_steady_point_without_steady_state_is_nan_and_counted():
    # Kay (2017): without the pump the Donnan cell swells without bound: no steady state at current 0
    sw = sweep_from_dict({"model": "steady", "cell": "kay2017", "chunk": 2, "outputs": ["v_rest_mV", "volume_rel"],
                          "axes": [{"parameter": "mechanisms.nak_pump.current_uA_cm2", "name": "pump",
                                    "values": [0.0, 0.5, 1.0]}]})
    res = run_sweep(sw)
    v = values(res, "v_rest_mV")
    assert np.isnan(v[0]) and np.isnan(values(res, "volume_rel")[0])
    assert res.failed_points == 1 and res.computed_points == 3
    assert res.errors and "steady state" in res.errors[0]
    assert res.summary()["outputs"]["v_rest_mV"]["nan"] == 1
    # the other points are untouched by the failure: steady_state of the same cells, 1e-9 mV
    base = shipped("cells", "kay2017")
    for i, pump in ((1, 0.5), (2, 1.0)):
        data = copy.deepcopy(base)
        data["mechanisms"][3]["current_uA_cm2"] = pump
        cfg = cell_from_dict(data, name="kay2017")
        assert v[i] == pytest.approx(steady_state(cfg.model, initial=start_state(cfg)).voltage_mV, abs=1e-9)
    # and the failure is real: steady_state itself refuses the pumpless cell
    data = copy.deepcopy(base)
    data["mechanisms"][3]["current_uA_cm2"] = 0.0
    cfg = cell_from_dict(data, name="kay2017")
    with pytest.raises(nernst.SolverError):
        steady_state(cfg.model, initial=start_state(cfg))


def test_rest_points_without_permeant_ion_are_each_counted(tmp_path):
    (tmp_path / "k_only.toml").write_text(K_ONLY)
    sw = sweep_from_dict({"model": "rest", "preset": str(tmp_path / "k_only.toml"), "outputs": ["v_rest_mV"],
                          "axes": [{"parameter": "ions.K.permeability", "values": [0.0, 1.0]},
                                   {"parameter": "ions.K.outside", "values": [1.0, 2.0, 3.0, 4.0]}]})
    res = run_sweep(sw)
    nan = int(np.isnan(values(res, "v_rest_mV")).sum())
    assert nan == 4  # P_K = 0: no permeant ion, no resting potential
    assert res.failed_points == nan


def test_spike_failure_stays_at_its_point():
    # until 'spike failures stay at their point': one runaway cell made its whole block NaN
    # 1e5 uA/cm^2 drives V beyond +-1000 mV (simulate_hh refuses it); 5 and 10 uA/cm^2 are ordinary
    currents = [5.0, 10.0, 1e5]
    runs = {c: run_sweep(sweep_from_dict({"model": "spike", "chunk": c, "fixed": {"duration_ms": 20.0},
                                          "outputs": ["spike_count"],
                                          "axes": [{"parameter": "current_uA_cm2", "values": currents}]}))
            for c in (1, 3)}
    ref = simulate_hh(np.array(currents[:2]), duration=20.0, dt=0.025, params=HHParameters(), record=False)
    for c, r in runs.items():
        counts = values(r, "spike_count")
        assert np.isnan(counts[2]) and r.failed_points == 1, c
        np.testing.assert_array_equal(counts[:2], ref.spike_counts.astype(float), err_msg=f"chunk {c}")


def test_block_params_slice_the_axes_made_once():
    """Blocks take slices of axis arrays made once per sweep (until 'axis arrays made once', each block
    converted every axis's whole value tuple: quadratic in the axis length). No timing here: the
    values of the last block of a 10^6-value axis, and the array's identity, are what is checked."""
    sw = sweep_from_dict({"model": "rest", "preset": "mammalian_neuron", "chunk": 100, "outputs": ["v_rest_mV"],
                          "axes": [{"parameter": "ions.K.outside", "start": 1, "stop": 100, "num": 1_000_000}]})
    assert sw.axis_arrays is sw.axis_arrays
    sl, params = sw.block_params(sw.n_tasks - 1)
    np.testing.assert_array_equal(params["ions.K.outside"], np.linspace(1, 100, 1_000_000)[-100:])
    assert sl[0] == slice(999_900, 1_000_000)

"""Peer tests: the same Hodgkin-Huxley models run in NEURON and in nernst must agree.

NEURON (Hines & Carnevale; PyPI ``neuron``, in the ``test`` extra) is the
reference simulator for compartmental HH models.  Its built-in ``hh`` mechanism
has exactly the rate functions of :mod:`nernst.mechanisms.hh` (Hodgkin & Huxley
1952, modern convention, Q10 3 from 6.3 degC); we set ``usetable_hh = 0`` (no
lookup tables), ``el_hh = -54.387`` mV and ``celsius``, so both codes integrate
the same equations.  References are *converged* runs: NEURON's variable-step
CVODE at a tight absolute tolerance, nernst at a small fixed dt, and each test
first checks that its references are converged (a tighter run changes them by
a small fraction of the tolerance) so that a disagreement means a real
difference between the models, not solver error.

NEURON runs in the pytest worker process and its interpreter ``h`` is global:
every helper creates its sections, runs, copies the results into NumPy arrays
and deletes everything it made (checked), and resets CVODE and ``secondorder``.
Each model runs once per worker (module-scoped fixtures).
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")  # no "no DISPLAY" banner
neuron = pytest.importorskip("neuron", reason="the peer tests need NEURON (pip install -e '.[test]')")
from neuron import h

from nernst.axon import run_axon
from nernst.excitability import simulate_hh, voltage_clamp
from nernst.mechanisms.hh import HHParameters, resting_potential
from nernst.stimulus import Step

h.load_file("stdrun.hoc")

E_L = -54.387  # mV: HH leak reversal that puts rest at -65 mV (NEURON's default el_hh is -54.3)
SAMPLE = 0.025  # ms: grid on which voltage traces are compared


# ---------------------------------------------------------------------------
# NEURON helpers (each leaves no section, point process or solver setting behind)
# ---------------------------------------------------------------------------

def _n_sections():
    return sum(1 for _ in h.allsec())


def _reset_solver():
    h.CVode().active(0)
    h.secondorder = 0
    h.dt = 0.025


def _hh_section(name, length_um, diam_um, nseg, celsius, ra=35.4, membrane="hh"):
    h.celsius = celsius
    h.usetable_hh = 0
    sec = h.Section(name=name)
    sec.L, sec.diam, sec.nseg, sec.Ra, sec.cm = length_um, diam_um, nseg, ra, 1.0
    if membrane == "hh":
        sec.insert("hh")
        for seg in sec:
            seg.gnabar_hh, seg.gkbar_hh, seg.gl_hh = 0.12, 0.036, 0.0003  # S/cm2
            seg.el_hh, seg.ena, seg.ek = E_L, 50.0, -77.0
    else:
        sec.insert("pas")
        rest = resting_potential(HHParameters())  # nernst's passive leak reverses at the HH rest
        for seg in sec:
            seg.g_pas, seg.e_pas = 0.0003, rest
    return sec


def neuron_patch(amp_uA_cm2, delay_ms, tstop, atol):
    """One HH compartment, IClamp of amp (uA/cm^2 of its area) from delay to the end; CVODE.

    Returns V on the SAMPLE grid (CVODE's own interpolation at those times) and
    the 0 mV upward crossings (NetCon with condition_order 2: interpolated).
    """
    n0 = _n_sections()
    sec = _hh_section("patch", 10.0, 10.0, 1, 6.3)
    seg = sec(0.5)
    stim = h.IClamp(seg)
    stim.delay, stim.dur = delay_ms, 1e9
    stim.amp = amp_uA_cm2 * seg.area() * 1e-5  # uA/cm2 x um2 -> nA
    cv = h.CVode()
    cv.active(1)
    cv.atol(atol)
    cv.rtol(0.0)
    cv.condition_order(2)
    tq = np.round(np.arange(0.0, tstop + 1e-9, SAMPLE), 9)
    tvec = h.Vector(tq)
    vv = h.Vector()
    vv.record(seg._ref_v, tvec)
    nc = h.NetCon(seg._ref_v, None, sec=sec)
    nc.threshold = 0.0
    spikes = h.Vector()
    nc.record(spikes)
    h.finitialize(-65.0)
    h.continuerun(tstop + 1.0)  # run past tstop: the last requested samples are then recorded
    v = np.array(vv)[:tq.size]
    sp = np.array(spikes)
    sp = sp[sp <= tstop]
    del nc, stim, vv, tvec, spikes, seg, sec
    _reset_solver()
    assert _n_sections() == n0
    assert v.size == tq.size
    return tq, v, sp


def neuron_axon(diam_um, length_mm, nseg, celsius, rec_idx, stim_nA, stim_ms, tstop, atol):
    """HH axon, IClamp into the first segment at rest; first 0 mV crossing (ms) at segments rec_idx. CVODE."""
    n0 = _n_sections()
    sec = _hh_section("axon", length_mm * 1e3, diam_um, nseg, celsius)
    stim = h.IClamp(sec(0.5 / nseg))
    stim.delay, stim.dur, stim.amp = 0.0, stim_ms, stim_nA
    ncs, vecs = [], []
    for k in rec_idx:
        nc = h.NetCon(sec((k + 0.5) / nseg)._ref_v, None, sec=sec)
        nc.threshold = 0.0
        vec = h.Vector()
        nc.record(vec)
        ncs.append(nc)
        vecs.append(vec)
    cv = h.CVode()
    cv.active(1)
    cv.atol(atol)
    cv.rtol(0.0)
    cv.condition_order(2)
    h.finitialize(resting_potential(HHParameters()))  # nernst starts every compartment at the HH rest
    h.continuerun(tstop)
    first = [float(vec[0]) if vec.size() else float("nan") for vec in vecs]
    del ncs, vecs, stim, sec
    _reset_solver()
    assert _n_sections() == n0
    return first


def neuron_seclamp(levels, durations, hold, dt, celsius):
    """HH patch under a near-ideal SEClamp (rs 1e-9 MOhm), fixed step; v, m, h, n on the step grid
    and NEURON's own ina, ik, il_hh evaluated (h.fcurrent) at the final state."""
    n0 = _n_sections()
    sec = _hh_section("patch", 10.0, 10.0, 1, celsius)
    seg = sec(0.5)
    clamp = h.SEClamp(seg)
    clamp.rs = 1e-9
    clamp.amp1, clamp.dur1 = levels[0], durations[0]
    clamp.amp2, clamp.dur2 = levels[1], durations[1]
    clamp.amp3, clamp.dur3 = levels[1], 1e9
    h.secondorder = 0
    h.dt = dt
    recs = {k: h.Vector().record(getattr(seg, "_ref_" + k)) for k in ("v", "m_hh", "h_hh", "n_hh")}
    tv = h.Vector().record(h._ref_t)
    h.finitialize(hold)
    h.continuerun(sum(durations))
    out = {k: np.array(vec) for k, vec in recs.items()}
    out["t"] = np.array(tv)
    h.fcurrent()
    out["final"] = {"I_Na": seg.ina, "I_K": seg.ik, "I_L": seg.il_hh}  # mA/cm2
    del recs, tv, clamp, seg, sec
    _reset_solver()
    assert _n_sections() == n0
    return out


def neuron_passive_cable(diam_um, length_mm, nseg, stim_nA, tstop, dt, secondorder=2):
    """Passive cable (pas at the HH rest), sustained IClamp into the first segment; Crank-Nicolson
    (secondorder 2) or backward Euler (0) at fixed dt; V of every segment at every step."""
    n0 = _n_sections()
    sec = _hh_section("cable", length_mm * 1e3, diam_um, nseg, 6.3, membrane="pas")
    stim = h.IClamp(sec(0.5 / nseg))
    stim.delay, stim.dur, stim.amp = 0.0, 1e9, stim_nA
    h.secondorder = secondorder
    h.dt = dt
    recs = [h.Vector().record(seg._ref_v) for seg in sec]
    tv = h.Vector().record(h._ref_t)
    h.finitialize(resting_potential(HHParameters()))
    h.continuerun(tstop)
    t = np.array(tv)
    v = np.array([np.array(r) for r in recs]).T
    del recs, tv, stim, sec
    _reset_solver()
    assert _n_sections() == n0
    return t, v


# ---------------------------------------------------------------------------
# 1, 2. single compartment under current clamp
# ---------------------------------------------------------------------------

# current-clamp cases: amplitude uA/cm^2, delay ms, duration ms (160 ms at 10 uA/cm^2 gives >= 10 spikes)
PATCH_CASES = {"10uA_from_0": (10.0, 0.0, 160.0), "7uA_from_5ms": (7.0, 5.0, 100.0)}
NERNST_DT = 0.001  # ms, the converged nernst run (and its check at dt/2)
CVODE_ATOL = 1e-10  # mV; the check run uses 1e-8


def _nernst_patch(amp, delay, tstop, dt):
    r = simulate_hh(0.0, duration=tstop, dt=dt, stimulus=Step(amp, delay), v0=-65.0)
    every = round(SAMPLE / dt)
    assert abs(every * dt - SAMPLE) < 1e-12
    return r.t_ms[::every], r.v_mV[::every], r.spike_times_ms[0]


@pytest.fixture(scope="module", params=list(PATCH_CASES))
def patch(request):
    amp, delay, tstop = PATCH_CASES[request.param]
    return {
        "case": request.param,
        "tstop": tstop,
        "neuron": neuron_patch(amp, delay, tstop, CVODE_ATOL),
        "neuron_loose": neuron_patch(amp, delay, tstop, 1e-8),
        "nernst": _nernst_patch(amp, delay, tstop, NERNST_DT),
        "nernst_half": _nernst_patch(amp, delay, tstop, NERNST_DT / 2),
    }


def _window(run, t_end=100.0):
    t, v, sp = run
    keep = t <= t_end + 1e-9
    return t[keep], v[keep], sp[sp <= t_end]


def test_patch_references_are_converged(patch):
    # Both references must be converged well inside the 0.1 mV / 0.05 ms criteria below:
    # halving nernst's dt, and CVODE atol 1e-8 -> 1e-10, change V by < 0.02 mV (1/5 of the
    # criterion; measured ~0.004 and ~0.0006 mV) and spike times by < 0.005 ms (1/10).
    for fine, coarse in (("nernst_half", "nernst"), ("neuron", "neuron_loose")):
        ta, va, sa = _window(patch[fine])
        tb, vb, sb = _window(patch[coarse])
        np.testing.assert_allclose(ta, tb, rtol=0, atol=1e-9)
        assert np.max(np.abs(va - vb)) < 0.02, (fine, coarse)
        assert sa.size == sb.size and np.max(np.abs(sa - sb)) < 0.005, (fine, coarse)


def test_patch_voltage_trace_matches_neuron(patch):
    # Acceptance criterion of the excitability issue: converged nernst and NEURON voltage traces
    # agree within 0.1 mV over 100 ms, compared every 0.025 ms (upstroke included, where dV/dt
    # ~ 400 mV/ms: this demands ~0.25 us agreement in time).  Same model, same start (-65 mV,
    # gates at steady state), so only the residual solver error may separate them
    # (measured max |dV| ~ 0.005 mV).
    tn, vn, _ = _window(patch["neuron"])
    tm, vm, _ = _window(patch["nernst"])
    np.testing.assert_allclose(tm, tn, rtol=0, atol=1e-9)
    assert tn[-1] == pytest.approx(100.0)
    dv = np.abs(vm - vn)
    assert dv.max() < 0.1, f"max |V_nernst - V_NEURON| = {dv.max():.4g} mV at t = {tn[dv.argmax()]:.3f} ms"
    # and the trace is not trivially flat: it holds spikes
    assert vn.max() > 30.0


def test_patch_spike_times_match_neuron(patch):
    # Acceptance criterion: spike times (0 mV upward crossings) of the converged runs within 0.05 ms
    # over 100 ms, same number of spikes (measured max difference ~3e-5 ms).
    _, _, sn = _window(patch["neuron"])
    _, _, sm = _window(patch["nernst"])
    assert sn.size >= 5
    assert sm.size == sn.size
    assert np.max(np.abs(sm - sn)) < 0.05


def test_everyday_dt_first_ten_spikes_match_neuron(patch):
    # Acceptance criterion: at the everyday dt = 0.025 ms (NEURON's default step), nernst's first
    # ten spike times are within 0.1 ms of the converged NEURON ones (10 uA/cm^2 from t = 0,
    # 160 ms; the delayed 7 uA/cm^2 case is held to the same bound on the spikes it has).  The
    # scheme is second order, so the error is ~1e-3 ms per spike and grows slowly with the phase
    # drift (measured 0.0014 ... 0.021 ms over ten spikes).
    amp, delay, tstop = PATCH_CASES[patch["case"]]
    ref = patch["neuron"][2]
    r = simulate_hh(0.0, duration=tstop, dt=0.025, stimulus=Step(amp, delay), v0=-65.0)
    sp = r.spike_times_ms[0]
    n = min(10, ref.size)
    if patch["case"] == "10uA_from_0":
        assert ref.size >= 10
    assert sp.size == ref.size
    assert np.max(np.abs(sp[:n] - ref[:n])) < 0.1


# ---------------------------------------------------------------------------
# 3. conduction velocity along an HH axon
# ---------------------------------------------------------------------------

AXON_D, AXON_L, AXON_N = 476.0, 20.0, 201  # um (squid giant axon), mm, compartments (dx ~ 100 um)


def _quarter_segments(length_mm, nseg):
    centres = (np.arange(nseg) + 0.5) * length_mm * 1e3 / nseg
    return [int(np.argmin(np.abs(centres - f * length_mm * 1e3))) for f in (0.25, 0.75)], centres


@pytest.fixture(scope="module", params=[6.3, 18.5])
def axon(request):
    celsius = request.param
    p = HHParameters().at_temperature(celsius)
    runs = {dt: run_axon(AXON_D, AXON_L, AXON_N, params=p, dt=dt) for dt in (0.01, 0.0025, 0.00125)}
    r = runs[0.0025]
    idx, centres = _quarter_segments(AXON_L, AXON_N)
    assert idx == [r.i_quarter, r.i_three_quarter]  # both codes measure at the same compartments
    dx = centres[idx[1]] - centres[idx[0]]
    args = (AXON_D, AXON_L, AXON_N, celsius, idx, r.stim_amp_nA, r.stim_dur_ms, r.result.duration_ms)
    ref = {atol: neuron_axon(*args, atol) for atol in (1e-6, 1e-8)}
    return {"celsius": celsius, "nernst": runs, "neuron": ref, "dx_um": dx}


def _nernst_times(run):
    fs = run.result.first_spike_ms
    return fs[run.i_quarter], fs[run.i_three_quarter]


def _v(dx_um, times):
    return dx_um / (times[1] - times[0]) * 1e-3  # m/s


def test_axon_references_are_converged(axon):
    # The velocities compared below must be converged in time far inside the 1 % criterion:
    # nernst dt 0.0025 -> 0.00125 ms and CVODE atol 1e-6 -> 1e-8 each change the velocity by
    # < 0.05 % (measured <= 6e-5 and 2e-5 relative).
    vn = [_v(axon["dx_um"], axon["neuron"][a]) for a in (1e-6, 1e-8)]
    vm = [axon["nernst"][dt].velocity_m_s for dt in (0.0025, 0.00125)]
    assert abs(vn[0] / vn[1] - 1.0) < 5e-4
    assert abs(vm[0] / vm[1] - 1.0) < 5e-4


def test_axon_velocity_matches_neuron(axon):
    # Acceptance criterion: conduction velocity within 1 % of NEURON for the same axon (476 um,
    # Ri 35.4 ohm cm, 20 mm, 201 compartments; 6.3 and 18.5 degC), same stimulus (2.5 d^1.5 nA for
    # 0.1 ms into the first compartment), measured between the compartments nearest 1/4 and 3/4 of
    # the length from the first 0 mV crossings.  Converged runs: measured |dv|/v ~ 1e-5.
    # Also at nernst's default cable step dt = 0.01 ms (what `nernst cable` uses): within 1 %
    # (measured 0.024 % at 6.3 degC, 0.13 % at 18.5 degC).
    ref = _v(axon["dx_um"], axon["neuron"][1e-8])
    for dt in (0.00125, 0.01):
        v = axon["nernst"][dt].velocity_m_s
        assert v == pytest.approx(ref, rel=0.01), (axon["celsius"], dt, v, ref)
    # velocity with temperature: HH 1952 computed 18.8 m/s at 18.5 degC; sanity of the setup
    assert (10.0 < ref < 14.0) if axon["celsius"] == 6.3 else (17.0 < ref < 21.0)


def test_axon_arrival_times_match_neuron(axon):
    # The velocity compares time differences; the arrival times themselves also test the stimulus
    # and initiation (pulse timing, current into the first compartment).  Converged runs of the
    # same discrete model: within 0.01 ms (0.4 of an everyday step; measured < 1e-4 ms).
    tn = axon["neuron"][1e-8]
    tm = _nernst_times(axon["nernst"][0.00125])
    assert np.all(np.isfinite(tn))
    assert np.max(np.abs(np.subtract(tm, tn))) < 0.01


def test_cli_cable_default_matches_neuron(tmp_path):
    # `nernst cable --json` with no options (squid axon, 476 um, 50 mm, d_lambda compartments,
    # dt 0.01 ms, 6.3 degC) against NEURON CVODE (atol 1e-8) on the same compartments and stimulus
    # as the CLI reports them.  Acceptance criterion: velocity within 1 % (measured 0.02 %).
    out = subprocess.run([sys.executable, "-m", "nernst", "cable", "--json"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)
    n, length = s["compartments"], s["length_mm"]
    idx, centres = _quarter_segments(length, n)
    np.testing.assert_allclose(centres[idx], s["measured_at_um"], rtol=0, atol=1e-6)
    assert s["temperature_C"] == 6.3 and s["r_axial_ohm_cm"] == 35.4
    t = neuron_axon(s["diameter_um"], length, n, s["temperature_C"], idx, s["stimulus"]["amplitude_nA"],
                    s["stimulus"]["duration_ms"], s["duration_ms"], 1e-8)
    ref = _v(centres[idx[1]] - centres[idx[0]], t)
    assert s["velocity_m_s"] == pytest.approx(ref, rel=0.01)


# ---------------------------------------------------------------------------
# voltage clamp and passive cable
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("test_mV,celsius", [(-40.0, 6.3), (0.0, 6.3), (40.0, 6.3), (0.0, 18.5)])
def test_voltage_clamp_matches_neuron_seclamp(test_mV, celsius):
    # nernst.voltage_clamp solves the gates exactly at each clamped potential; NEURON's hh
    # integrates them with cnexp, which is also exact at fixed V, and an SEClamp with rs = 1e-9
    # MOhm holds V within ~1e-8 mV of the command.  So both give the same gates up to round-off:
    # m, h, n within 1e-9 (measured ~3e-11), currents within 1e-5 uA/cm^2 of peaks ~1000
    # (measured ~2e-7).  Holding -65 mV for 1 ms, then the test potential for 10 ms, dt 0.01.
    hold, levels, durs = -65.0, [-65.0, test_mV], [1.0, 10.0]
    p = HHParameters().at_temperature(celsius)
    nr = neuron_seclamp(levels, durs, hold, 0.01, celsius)
    ns = voltage_clamp(levels, durs, p, dt=0.01, holding_mV=hold)
    assert nr["t"].size == ns["t_ms"].size
    np.testing.assert_allclose(nr["t"], ns["t_ms"], rtol=0, atol=1e-9)
    # V: identical except at the step instant, which nernst samples after the step and NEURON before
    step = np.isclose(ns["t_ms"], durs[0])
    assert step.sum() == 1
    np.testing.assert_allclose(nr["v"][~step], ns["v_mV"][~step], rtol=0, atol=1e-6)
    for g in "mhn":
        np.testing.assert_allclose(nr[g + "_hh"], ns[g], rtol=0, atol=1e-9)
    # currents (uA/cm^2, outward positive) from NEURON's states with the hh mechanism's formulas
    v, m, hh, n = nr["v"], nr["m_hh"], nr["h_hh"], nr["n_hh"]
    i_na = 120.0 * m**3 * hh * (v - 50.0)
    i_k = 36.0 * n**4 * (v + 77.0)
    ok = ~step
    np.testing.assert_allclose(i_na[ok], ns["I_Na"][ok], rtol=0, atol=1e-5)
    np.testing.assert_allclose(i_k[ok], ns["I_K"][ok], rtol=0, atol=1e-5)
    # and NEURON's own current evaluation at the final state (mA/cm^2 -> uA/cm^2)
    for k in ("I_Na", "I_K", "I_L"):
        assert nr["final"][k] * 1e3 == pytest.approx(ns[k][-1], abs=1e-5), k
    assert np.abs(ns["I_Na"]).max() > 100.0  # a real Na current flowed


def test_passive_cable_matches_neuron():
    # Passive cable (HH leak 0.3 mS/cm^2 at the HH rest, 476 um, 20 mm, 101 compartments, sealed
    # ends), sustained current d^1.5/20 nA into the first compartment, 15 time constants at dt 0.01 ms.
    # With method="backward_euler" nernst takes NEURON's default steps (secondorder 0): for a linear
    # membrane the two discrete solutions are the same up to round-off, whole V(t, x) within 1e-6 mV.
    r = run_axon(476.0, 20.0, 101, passive=True, dt=0.01, method="backward_euler")
    t, v = neuron_passive_cable(476.0, 20.0, 101, r.stim_amp_nA, r.result.duration_ms, 0.01, secondorder=0)
    assert t.size == r.result.t_ms.size
    np.testing.assert_allclose(t, r.result.t_ms, rtol=0, atol=1e-9)
    np.testing.assert_allclose(r.result.v_mV, v, rtol=0, atol=1e-6)
    assert v[-1, 0] - v[0, 0] > 5.0  # the current did depolarize the cable
    # nernst's Crank-Nicolson damps the switch-on (backward-Euler sub-steps where the current jumps); NEURON's
    # Crank-Nicolson (secondorder 2) does not.  They differ in the first steps only: from 1 ms on within
    # 1e-3 mV, and the steady profile (independent of the time scheme) within 1e-4 mV of ~10 mV.
    cn = run_axon(476.0, 20.0, 101, passive=True, dt=0.01)
    t2, v2 = neuron_passive_cable(476.0, 20.0, 101, cn.stim_amp_nA, cn.result.duration_ms, 0.01)
    late = t2 >= 1.0
    np.testing.assert_allclose(cn.result.v_mV[late], v2[late], rtol=0, atol=1e-3)
    np.testing.assert_allclose(cn.result.v_mV[-1], v2[-1], rtol=0, atol=1e-4)

"""The axon experiment behind ``nernst cable``: stimulate one end, watch what arrives.

Active (HH membrane): a brief strong current at x = 0 starts an action
potential; its conduction velocity is measured between the points at 1/4 and
3/4 of the length (first upward crossing of 0 mV at each).  On an axon shorter
than a few length constants the velocity depends on the stimulus; measure far
from the ends.

Passive (leak only): a sustained current at x = 0 spreads and fades; the
steady profile follows the sealed-cable solution, and the point where V
reaches half its final value travels at about 2 lambda/tau
(:mod:`nernst.cable`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .._core.names import with_old_names
from ..physics.cable_theory import (half_amplitude_velocity_m_s, input_resistance_Mohm, steady_state_infinite, steady_state_killed,
                    steady_state_sealed)
from ..errors import InvalidParameter
from ..solvers.hh import CableResult, Injection, simulate_cable
from ..mechanisms.hh import HHParameters, auto_time_step, resting_potential, steady_state
from ..model.morphology import Section, d_lambda_compartments
from ..model.stimulus import Step
from .._core.validation import check_range
from ..mechanisms.synapses import PointConductance

__all__ = ["AxonRun", "run_axon", "default_stimulus_nA"]

#: Recorded values kept for a figure or export (time x compartments).
_MAX_KEPT = 20_000_000


def default_stimulus_nA(diameter_um: float, passive: bool = False) -> float:
    """The default stimulus: 2.5 d^1.5 nA for 0.1 ms (about 3x threshold on HH
    axons of any diameter, since threshold scales with the input conductance,
    proportional to d^1.5), or d^1.5 / 20 nA sustained on a passive cable (about
    10 mV at the stimulated end, whatever the diameter)."""
    return diameter_um ** 1.5 / 20.0 if passive else 2.5 * diameter_um ** 1.5


def resting_conductance(params: HHParameters) -> float:
    """Total membrane conductance at rest, mS/cm^2 (chord conductances of Na, K, leak)."""
    v = resting_potential(params)
    m, h, n = steady_state(v)
    return float(params.g_na * m**3 * h + params.g_k * n**4 + params.g_l)


@dataclass
class AxonRun:
    result: CableResult
    passive: bool
    diameter_um: float
    length_mm: float
    stim_amp_nA: float
    stim_dur_ms: float
    r_axial: float
    end: str
    lambda_um: float
    tau_ms: float
    i_quarter: int
    i_three_quarter: int

    @property
    def velocity_m_s(self) -> Optional[float]:
        r = self.result
        if not self.passive:
            return r.velocity(r.tree.x_um[self.i_quarter], r.tree.x_um[self.i_three_quarter])
        t1, t2 = self.half_times()
        if t1 is None or t2 is None or t2 <= t1:
            return None
        dx = r.tree.x_um[self.i_three_quarter] - r.tree.x_um[self.i_quarter]
        return float(dx / (t2 - t1) * 1e-3)

    def half_times(self):
        """Times (ms) at which V at 1/4 and 3/4 reaches half of its final depolarization."""
        r = self.result
        out = []
        for i in (self.i_quarter, self.i_three_quarter):
            v = r.v_mV[:, int(np.nonzero(r.recorded == i)[0][0])] - r.rest_mV
            half = 0.5 * v[-1]
            k = np.nonzero((v[:-1] < half) & (v[1:] >= half))[0]
            if half <= 0 or k.size == 0:
                out.append(None)
                continue
            k = int(k[0])
            out.append(float(r.t_ms[k] + (half - v[k]) / (v[k + 1] - v[k]) * (r.t_ms[k + 1] - r.t_ms[k])))
        return out

    def summary(self) -> dict:
        r = self.result
        p = r.params
        xq = [float(r.tree.x_um[self.i_quarter]), float(r.tree.x_um[self.i_three_quarter])]
        cols = [int(np.nonzero(r.recorded == i)[0][0]) for i in (self.i_quarter, self.i_three_quarter)]
        out = {
            "model": "passive cable (leak only)" if self.passive else "Hodgkin-Huxley 1952 axon",
            "velocity_m_s": self.velocity_m_s,
            "length_constant_um": self.lambda_um,
            "time_constant_ms": self.tau_ms,
            "input_resistance_Mohm": self.input_resistance_Mohm(),
            "diameter_um": self.diameter_um, "length_mm": self.length_mm,
            "compartments": int(r.tree.n), "dt_ms": r.dt_ms, "duration_ms": r.duration_ms,
            "temperature_c": p.temperature_c, "r_axial_ohm_cm": self.r_axial,
            "g_leak_mS_cm2": p.g_l, "rest_mV": r.rest_mV, "backend": r.backend,
            "stimulus": {"amplitude_nA": self.stim_amp_nA, "duration_ms": self.stim_dur_ms, "at": "x = 0 end"},
            "far_end": self.end,
            "measured_at_um": xq,
        }
        if self.passive:
            t1, t2 = self.half_times()
            out["velocity_kind"] = "half-amplitude point of the step response"
            out["half_amplitude_times_ms"] = [t1, t2]
            out["half_amplitude_velocity_theory_m_s"] = half_amplitude_velocity_m_s(
                self.diameter_um, 1e3 / p.g_l, self.r_axial, p.c_m)
            out["steady_mV_at_quarters"] = [float(r.v_mV[-1, c] - r.rest_mV) for c in cols]
            args = (self.stim_amp_nA, self.diameter_um, 1e3 / p.g_l, self.r_axial)
            theory = {"sealed": lambda x: steady_state_sealed(x, self.length_mm * 1e3, *args),
                      "infinite": lambda x: steady_state_infinite(x, *args, semi_infinite=True),
                      "killed": lambda x: steady_state_killed(x, self.length_mm * 1e3, *args)}[self.end]
            out["steady_mV_theory"] = [float(v) for v in theory(np.array(xq))]
        else:
            fs = r.first_spike_ms
            out["velocity_kind"] = "first 0 mV crossing"
            out["spike_times_at_quarters_ms"] = [None if not np.isfinite(fs[i]) else float(fs[i])
                                                 for i in (self.i_quarter, self.i_three_quarter)]
            out["peak_mV_at_quarters"] = [float(r.v_mV[:, c].max()) for c in cols]
        return with_old_names(out)

    def input_resistance_Mohm(self) -> float:
        """Input resistance at the stimulated end for this far-end boundary (cable theory, at rest)."""
        rm = 1e3 / self._g_rest()
        if self.end == "infinite":
            return input_resistance_Mohm(self.diameter_um, rm, self.r_axial)
        sealed = input_resistance_Mohm(self.diameter_um, rm, self.r_axial, self.length_mm * 1e3)
        if self.end == "sealed":
            return sealed
        t = math.tanh(self.length_mm * 1e3 / self.lambda_um)
        return sealed * t * t  # r_a lambda tanh(L/lambda) = (r_a lambda coth) tanh^2

    def _g_rest(self) -> float:
        return self.result.params.g_l if self.passive else resting_conductance(self.result.params)


#: Largest number of compartments of one axon run.
MAX_COMPARTMENTS = 200_000


_number = check_range


def run_axon(diameter_um: float = 476.0, length_mm: float = 50.0, compartments: Optional[int] = None,
             params: Optional[HHParameters] = None, dt: Optional[float] = None, duration: Optional[float] = None,
             r_axial: float = 35.4, passive: bool = False, stim_amp: Optional[float] = None,
             stim_dur: Optional[float] = None, end: str = "sealed", backend: str = "auto",
             method: str = "crank_nicolson",
             max_work: Optional[float] = None) -> AxonRun:
    """Stimulate the x = 0 end of an unbranched axon and measure what travels.

    *max_work* bounds compartments x steps (the explorer uses it to keep
    requests short).  *end* is the far end's boundary: "sealed" (no current leaves: the tip of a
    real axon), "infinite" (terminated by the input conductance of the missing
    semi-infinite cable at rest, 1/(r_a lambda), so the axon behaves as an
    endless one) or "killed" (short-circuited to the resting potential).

    *method* is the time scheme (:func:`nernst.excitability.simulate_cable`):
    "crank_nicolson" (second order, damped where the stimulus jumps) or
    "backward_euler" (NEURON's default).

    Errors name the argument: diameter, length, r_axial, compartments, dt,
    duration, stim_amp, stim_dur, g_leak, end, method.
    """
    if end not in ("sealed", "infinite", "killed"):
        raise InvalidParameter("end", end, "must be 'sealed', 'infinite' or 'killed'")
    params = HHParameters() if params is None else params
    length_mm = _number(length_mm, "length", 1e-6, 1e5)  # mm: 1 nm to 100 m
    length_um = length_mm * 1e3
    d = _number(diameter_um, "diameter", 1e-3, 1e4)
    r_axial = _number(r_axial, "r_axial", 1e-3, 1e7)
    dt = _number(auto_time_step(params, 0.01, not passive) if dt is None else dt, "dt", 1e-6, 10.0)
    if compartments is None:
        compartments = max(d_lambda_compartments(length_um, d, r_axial, params.c_m, d_lambda=0.02), 21)
        if compartments > MAX_COMPARTMENTS:
            raise InvalidParameter("length", length_mm, f"needs {compartments:.3g} compartments by the d_lambda rule "
                                   f"for a {d:g} um axon (at most {MAX_COMPARTMENTS}); shorten it or set compartments")
    if isinstance(compartments, bool) or not isinstance(compartments, int) or not 3 <= compartments <= MAX_COMPARTMENTS:
        raise InvalidParameter("compartments", compartments, f"must be a whole number from 3 to {MAX_COMPARTMENTS}")
    g_rest = params.g_l if passive else resting_conductance(params)
    if passive and not g_rest >= 1e-6:
        raise InvalidParameter("g_leak", g_rest, "must be at least 1e-6 mS/cm^2 on a passive cable "
                               "(without a leak nothing fades: the length constant is infinite)")
    lam = math.sqrt(d * 1e-4 / 4.0 * (1e3 / g_rest) / r_axial) * 1e4
    tau = 1e3 / g_rest * params.c_m * 1e-3
    stim_amp = default_stimulus_nA(d, passive) if stim_amp is None else _number(stim_amp, "stim_amp", -1e7, 1e7)
    if duration is not None:
        duration = _number(duration, "duration", 1e-6, 1e9)
    else:
        if passive:
            duration = 15.0 * tau
        else:
            # a generous guess of the travel time: HH scaling, v ~ sqrt(d) and ~ sqrt(rate factor)
            v_guess = 18.8 * math.sqrt(d / 476.0) * math.sqrt(params.phi / 3.0 ** 1.22)
            duration = 3.0 + 2.0 * length_mm / max(v_guess, 1e-3)
    if dt > duration:
        raise InvalidParameter("dt", dt, f"must not exceed the duration ({duration:g} ms)")
    if stim_dur is None:
        stim_dur = duration if passive else 0.1
    else:
        stim_dur = _number(stim_dur, "stim_dur", 0.0, 1e9)
    nsteps = max(int(round(duration / dt)), 1)
    if max_work is not None and nsteps * compartments > max_work:
        raise InvalidParameter("length", length_mm, f"needs {nsteps * compartments:.2g} compartment-steps "
                               f"({compartments} compartments x {nsteps} steps), more than {max_work:.2g} allowed "
                               "here: shorten the axon or widen it")
    every = max(1, int(math.ceil(nsteps * compartments / _MAX_KEPT)))
    sections = [Section("axon", length_um, d, compartments, "passive" if passive else "hh", r_axial_ohm_cm=r_axial)]
    inj = [Injection(Step(stim_amp, 0.0, stim_dur), "axon", 0.0)]
    terminal = []
    if end != "sealed":
        r_a = 4.0 * r_axial / (math.pi * (d * 1e-4) ** 2) * 1e-4  # ohm per um
        # the boundary is at the tip, half a compartment beyond the last centre: in series with
        # that half compartment's axial resistance, the terminating resistance is r_a lambda
        # (the missing semi-infinite cable) or zero (killed)
        r_half = r_a * 0.5 * length_um / compartments
        r_term = r_a * lam if end == "infinite" else 0.0
        terminal = [PointConductance(1e6 / (r_half + r_term), resting_potential(params), "axon", 1.0,
                                     f"{end} end")]
    res = simulate_cable(sections, duration, dt, params, injections=inj, synapses=terminal, record="all",
                         record_every=every, backend=backend, method=method)
    x = res.tree.x_um
    iq = int(np.argmin(np.abs(x - 0.25 * length_um)))
    i3 = int(np.argmin(np.abs(x - 0.75 * length_um)))
    return AxonRun(res, passive, d, float(length_mm), float(stim_amp), float(stim_dur), float(r_axial), end,
                   float(lam), float(tau), iq, i3)

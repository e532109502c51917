"""Analytic passive cable theory: why graded potentials fade with distance.

A passive cylinder of diameter d with specific membrane resistance R_m
(ohm cm^2), capacitance C_m (uF/cm^2) and axial resistivity R_i (ohm cm) obeys
the cable equation  lambda^2 d2V/dx2 = tau dV/dt + V  with

* length constant  lambda = sqrt((d/4) R_m / R_i)
* time constant    tau = R_m C_m
* axial resistance per unit length  r_a = 4 R_i / (pi d^2)

(Hodgkin & Rushton 1946, Proc R Soc B 133:444; Rall 1969; Jack, Noble & Tsien
1975, *Electric Current Flow in Excitable Cells*, ch. 3).  V is measured from
rest.  These closed forms are the references the numerical cable
(:func:`nernst.excitability.simulate_cable`) is tested against.

Units at the boundary: um, mm where named, ms, nA, mV, ohm cm, ohm cm^2, uF/cm^2.
"""

from __future__ import annotations

import math

import numpy as np

from .._core.validation import check_nonnegative, check_positive
from ..errors import InvalidParameter

__all__ = [
    "length_constant_um",
    "time_constant_ms",
    "axial_resistance_per_um",
    "input_resistance_Mohm",
    "steady_state_infinite",
    "steady_state_sealed",
    "steady_state_killed",
    "step_response_infinite",
    "half_amplitude_velocity_m_s",
]


def _cm(um):
    return np.asarray(um, dtype=float) * 1e-4


def length_constant_um(diameter_um, r_m_ohm_cm2, r_i_ohm_cm):
    """lambda = sqrt((d/4) R_m / R_i) in um.

    HH squid leak (R_m = 1/0.3 mS/cm^2 = 3333 ohm cm^2), d = 476 um,
    R_i = 35.4 ohm cm: 10.6 mm.

    >>> round(float(length_constant_um(476.0, 1e3 / 0.3, 35.4)))
    10585
    """
    d = check_positive(diameter_um, "diameter", "um")
    rm = check_positive(r_m_ohm_cm2, "r_m", "ohm cm^2")
    ri = check_positive(r_i_ohm_cm, "r_i", "ohm cm")
    out = np.sqrt(_cm(d) / 4.0 * rm / ri) * 1e4
    return out if np.ndim(out) else float(out)


def time_constant_ms(r_m_ohm_cm2, c_m_uF_cm2=1.0):
    """tau = R_m C_m in ms (ohm cm^2 x uF/cm^2 = us).

    >>> round(time_constant_ms(1e3 / 0.3, 1.0), 3)
    3.333
    """
    rm = check_positive(r_m_ohm_cm2, "r_m", "ohm cm^2")
    cm = check_positive(c_m_uF_cm2, "c_m", "uF/cm^2")
    out = rm * cm * 1e-3
    return out if np.ndim(out) else float(out)


def axial_resistance_per_um(diameter_um, r_i_ohm_cm):
    """r_a = 4 R_i / (pi d^2) in ohm per um of cable."""
    d = check_positive(diameter_um, "diameter", "um")
    ri = check_positive(r_i_ohm_cm, "r_i", "ohm cm")
    return 4.0 * ri / (math.pi * _cm(d) ** 2) * 1e-4


def input_resistance_Mohm(diameter_um, r_m_ohm_cm2, r_i_ohm_cm, length_um=math.inf, where="end"):
    """Input resistance in Mohm of a sealed cable of *length_um* (inf: semi-infinite).

    ``where="end"``: current into one end, R = r_a lambda coth(L/lambda);
    ``where="middle"`` of an infinite cable: r_a lambda / 2.
    """
    lam = length_constant_um(diameter_um, r_m_ohm_cm2, r_i_ohm_cm)
    ra = axial_resistance_per_um(diameter_um, r_i_ohm_cm)
    if where == "middle":
        return float(ra * lam / 2.0 * 1e-6)
    if where != "end":
        raise InvalidParameter("where", where, "must be 'end' or 'middle'")
    if math.isinf(length_um):
        return float(ra * lam * 1e-6)
    length = float(check_positive(length_um, "length", "um"))
    return float(ra * lam / math.tanh(length / lam) * 1e-6)


def steady_state_infinite(x_um, current_nA, diameter_um, r_m_ohm_cm2, r_i_ohm_cm, semi_infinite=False):
    """Steady depolarization (mV from rest) at distance *x_um* from a constant current.

    Infinite cable, current injected at x = 0 (it splits both ways):
    V = I r_a lambda / 2 exp(-|x|/lambda).  A semi-infinite cable fed at its end
    takes all of it: V = I r_a lambda exp(-x/lambda).
    """
    lam = length_constant_um(diameter_um, r_m_ohm_cm2, r_i_ohm_cm)
    ra = axial_resistance_per_um(diameter_um, r_i_ohm_cm)
    share = 1.0 if semi_infinite else 0.5
    x = np.abs(np.asarray(x_um, dtype=float))
    return current_nA * 1e-9 * ra * lam * share * np.exp(-x / lam) * 1e3


def steady_state_sealed(x_um, length_um, current_nA, diameter_um, r_m_ohm_cm2, r_i_ohm_cm):
    """Steady depolarization (mV) along a finite cable with sealed ends, current into x = 0.

    V(x) = I r_a lambda cosh((L - x)/lambda) / sinh(L/lambda): the decay flattens
    towards the sealed far end, where no current can leave through the tip.
    """
    lam = length_constant_um(diameter_um, r_m_ohm_cm2, r_i_ohm_cm)
    ra = axial_resistance_per_um(diameter_um, r_i_ohm_cm)
    length = float(check_positive(length_um, "length", "um"))
    x = np.asarray(x_um, dtype=float)
    return current_nA * 1e-9 * ra * lam * np.cosh((length - x) / lam) / np.sinh(length / lam) * 1e3


def steady_state_killed(x_um, length_um, current_nA, diameter_um, r_m_ohm_cm2, r_i_ohm_cm):
    """Steady depolarization (mV) along a finite cable whose far end is short-circuited to rest.

    V(x) = I r_a lambda sinh((L - x)/lambda) / cosh(L/lambda): V falls to zero at
    the cut end (Jack, Noble & Tsien 1975, ch. 3 "killed end").
    """
    lam = length_constant_um(diameter_um, r_m_ohm_cm2, r_i_ohm_cm)
    ra = axial_resistance_per_um(diameter_um, r_i_ohm_cm)
    length = float(check_positive(length_um, "length", "um"))
    x = np.asarray(x_um, dtype=float)
    return current_nA * 1e-9 * ra * lam * np.sinh((length - x) / lam) / np.cosh(length / lam) * 1e3


def step_response_infinite(x_um, t_ms, current_nA, diameter_um, r_m_ohm_cm2, r_i_ohm_cm, c_m_uF_cm2=1.0,
                           semi_infinite=False):
    """Depolarization (mV) at distance x and time t after a current step starts at x = 0.

    V = (I r_a lambda / 4) [exp(-X) erfc(X/(2 sqrt T) - sqrt T) - exp(X) erfc(X/(2 sqrt T) + sqrt T)]
    with X = |x|/lambda, T = t/tau (Hodgkin & Rushton 1946; Jack, Noble & Tsien 1975, eq. 3.22).
    Doubled for a semi-infinite cable fed at its end.
    """
    from scipy.special import erfc

    lam = length_constant_um(diameter_um, r_m_ohm_cm2, r_i_ohm_cm)
    tau = time_constant_ms(r_m_ohm_cm2, c_m_uF_cm2)
    ra = axial_resistance_per_um(diameter_um, r_i_ohm_cm)
    x = np.abs(np.asarray(x_um, dtype=float)) / lam
    t = check_nonnegative(t_ms, "t", "ms") / tau
    x, t = np.broadcast_arrays(x, t)
    out = np.zeros(x.shape)
    on = t > 0
    xs, ts = x[on], t[on]
    st = np.sqrt(ts)
    a = xs / (2.0 * st)
    # exp(X) erfc(a + sqrt T) overflows for large X; erfcx keeps it finite
    from scipy.special import erfcx

    term2 = np.exp(xs - (a + st) ** 2) * erfcx(a + st)
    out[on] = np.exp(-xs) * erfc(a - st) - term2
    share = 0.5 if semi_infinite else 0.25
    return current_nA * 1e-9 * ra * lam * share * out * 1e3


def half_amplitude_velocity_m_s(diameter_um, r_m_ohm_cm2, r_i_ohm_cm, c_m_uF_cm2=1.0):
    """Speed of the half-amplitude point of a passive step response: 2 lambda / tau.

    Far from the source the point where V reaches half its final value moves
    at this constant speed (Jack, Noble & Tsien 1975, sec. 3.3) - a graded
    potential spreads, but it is not a travelling wave of constant size.
    """
    lam = length_constant_um(diameter_um, r_m_ohm_cm2, r_i_ohm_cm)
    tau = time_constant_ms(r_m_ohm_cm2, c_m_uF_cm2)
    return 2.0 * lam * 1e-6 / (tau * 1e-3)

"""Reversal potentials and their averages: Nernst, the weighted average of the textbooks, the chord
conductance formula, driving forces and current shares."""

from __future__ import annotations

import numpy as np

from .constants import thermal_voltage_mV
from ..errors import InvalidParameter
from .._core.validation import (
    broadcast_shape,
    check_finite,
    check_nonnegative,
    check_positive,
    check_valence,
)
from ._formulas import _guarded, _out


# ---------------------------------------------------------------------------
# Nernst
# ---------------------------------------------------------------------------

@_guarded("inside/outside/temperature_c")
def nernst(c_in, c_out, valence, temperature_c=37.0):
    """Nernst equilibrium (reversal) potential of one ion.

    E_X = (RT / zF) ln([X]o / [X]i)

    Parameters
    ----------
    c_in, c_out : float or array_like
        Intracellular and extracellular concentration, mM (> 0).
    valence : float or array_like
        Charge number z of the ion (non-zero; e.g. +1 for K+, -1 for Cl-, +2 for Ca2+).
    temperature_c : float or array_like, optional
        Temperature in degC (default 37).

    Returns
    -------
    float or ndarray
        Equilibrium potential in mV (inside relative to outside).

    Raises
    ------
    InvalidParameter
        For zero, negative or non-finite concentrations, a valence of 0, or a
        temperature at or below absolute zero.

    Examples
    --------
    >>> round(nernst(140.0, 5.0, 1, 37.0), 2)   # K+ in a mammalian neuron
    -89.06
    >>> round(nernst(1e-4, 2.0, 2, 37.0), 1)    # Ca2+
    132.3
    """
    ci = check_positive(c_in, "inside", "mM")
    co = check_positive(c_out, "outside", "mM")
    z = check_valence(valence)
    vt = thermal_voltage_mV(temperature_c)
    broadcast_shape(inside=ci, outside=co, valence=z, temperature_c=vt)
    return _out(vt / np.asarray(z) * np.log(np.asarray(co) / np.asarray(ci)))


# ---------------------------------------------------------------------------
# Weighted averages, chord conductance, driving forces
# ---------------------------------------------------------------------------

def _stack_pairs(values, weights, vname, wname):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise InvalidParameter(vname, values, "must be a sequence with one entry per ion")
    if not hasattr(weights, "__len__") or len(weights) != len(values):
        raise InvalidParameter(wname, weights, f"must have one entry per ion ({len(values)})")
    if len(values) == 0:
        raise InvalidParameter(vname, [], "need at least one ion")
    vals = [check_finite(v, f"{vname}[{i}]") for i, v in enumerate(values)]
    ws = [check_nonnegative(w, f"{wname}[{i}]") for i, w in enumerate(weights)]
    named = {f"{vname}[{i}]": a for i, a in enumerate(vals)}
    named.update({f"{wname}[{i}]": a for i, a in enumerate(ws)})
    broadcast_shape(**named)
    arrays = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in vals + ws])
    n = len(values)
    return np.stack(arrays[:n]), np.stack(arrays[n:])


@_guarded("potentials/weights")
def weighted_average_potential(potentials_mV, weights):
    """The textbook "weighted average" of equilibrium potentials.

    V = sum_X w_X E_X / sum_X w_X.  With conductances as weights this is the
    chord-conductance equation (exact for ohmic channels); with permeabilities
    as weights (as many textbooks write it) it is only an approximation of the
    GHK potential.

    Examples
    --------
    Encyclopedia example: E_K = -80 mV, E_Na = +60 mV, P_Na = 5 % of P_K:

    >>> round(weighted_average_potential([-80.0, 60.0], [1.0, 0.05]), 1)
    -73.3
    """
    e, w = _stack_pairs(potentials_mV, weights, "potentials", "weights")
    total = np.sum(w, axis=0)
    if np.any(total <= 0):
        raise InvalidParameter("weights", InvalidParameter.NO_VALUE, "at least one weight must be > 0")
    return _out(np.sum(w * e, axis=0) / total)


@_guarded("potentials/conductances/pump_current")
def chord_potential(potentials_mV, conductances_mS_cm2, pump_current_uA_cm2=0.0):
    """Chord-conductance (parallel conductance) potential.

    V = (sum_X g_X E_X - I_pump) / sum_X g_X, with I_pump outward positive
    (the 3Na/2K pump drives a net outward current, so it hyperpolarizes).

    Examples
    --------
    Two ohmic conductances, 1 mS/cm^2 at -77 mV and 0.1 mS/cm^2 at +50 mV:

    >>> round(chord_potential([-77.0, 50.0], [1.0, 0.1]), 3)
    -65.455
    """
    e, g = _stack_pairs(potentials_mV, conductances_mS_cm2, "potentials", "conductances")
    total = np.sum(g, axis=0)
    if np.any(total <= 0):
        raise InvalidParameter("conductances", InvalidParameter.NO_VALUE, "at least one conductance must be > 0")
    ip = np.asarray(check_finite(pump_current_uA_cm2, "pump_current"))
    return _out((np.sum(g * e, axis=0) - ip) / total)


def driving_force(voltage_mV, reversal_mV):
    """Driving force V - E_X in mV.

    Positive means the ion's current is outward (I_X = g_X (V - E_X) for an
    ohmic channel), whatever the sign of its charge.
    """
    v = check_finite(voltage_mV, "voltage_mV")
    e = check_finite(reversal_mV, "reversal_mV")
    return _out(np.asarray(v) - np.asarray(e))


def current_share(currents):
    """Each ion's current as a share of the summed magnitudes: I_X / sum |I_X|.

    At rest the shares sum to zero (outward positive, inward negative).
    """
    if isinstance(currents, (str, bytes)) or not hasattr(currents, "__len__"):
        raise InvalidParameter("currents", currents, "must be a sequence with one entry per ion")
    if len(currents) == 0:
        raise InvalidParameter("currents", [], "need at least one ion")
    vals = [np.asarray(check_finite(c, f"currents[{i}]"), dtype=float) for i, c in enumerate(currents)]
    shape = broadcast_shape(**{f"currents[{i}]": a for i, a in enumerate(vals)})
    arr = np.stack([np.broadcast_to(a, shape) for a in vals])
    total = np.sum(np.abs(arr), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, arr / np.where(total > 0, total, 1.0), 0.0)
    return share

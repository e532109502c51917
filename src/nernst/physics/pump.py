"""The electrogenic pump in the resting potential: Mullins & Noda (1963) and the pump-weighted GHK."""

from __future__ import annotations

import numpy as np

from .constants import thermal_voltage_mV
from ..errors import InvalidParameter
from .._core.validation import broadcast_shape, check_nonnegative, check_positive
from ._formulas import _guarded, _out


# ---------------------------------------------------------------------------
# Electrogenic pump: Mullins-Noda
# ---------------------------------------------------------------------------

@_guarded("concentrations/permeabilities/ratio")
def mullins_noda_potential(na_in, na_out, k_in, k_out, p_na, p_k, ratio=1.5, temperature_c=37.0):
    """Steady-state potential with an electrogenic Na/K pump (Mullins & Noda 1963).

    V = (RT/F) ln( (r P_K [K]o + P_Na [Na]o) / (r P_K [K]i + P_Na [Na]i) )

    where r is the pump's coupling ratio (Na out per K in; 3/2 for the
    Na/K-ATPase).  With r = 1 (an electroneutral pump) this is the GHK voltage
    equation for Na and K; the difference is the pump's direct electrogenic
    contribution (see :func:`pump_contribution`).

    Parameters
    ----------
    na_in, na_out, k_in, k_out : float or array_like
        Concentrations, mM (> 0).
    p_na, p_k : float or array_like
        Permeabilities (cm/s or relative), >= 0, not both zero.
    ratio : float, optional
        Coupling ratio r = Na pumped out / K pumped in (> 0), default 1.5.
    temperature_c : float, optional
        Temperature, degC.

    Returns
    -------
    float or ndarray
        Potential, mV.
    """
    nai = np.asarray(check_positive(na_in, "na_in"))
    nao = np.asarray(check_positive(na_out, "na_out"))
    ki = np.asarray(check_positive(k_in, "k_in"))
    ko = np.asarray(check_positive(k_out, "k_out"))
    pna = np.asarray(check_nonnegative(p_na, "p_na"))
    pk = np.asarray(check_nonnegative(p_k, "p_k"))
    r = np.asarray(check_positive(ratio, "ratio", ""))
    broadcast_shape(na_in=nai, na_out=nao, k_in=ki, k_out=ko, p_na=pna, p_k=pk, ratio=r)
    if np.any(pna + pk <= 0):
        raise InvalidParameter("p_k", float(np.ravel(pk)[0]), "p_na and p_k cannot both be zero")
    vt = thermal_voltage_mV(temperature_c)
    return _out(vt * np.log((r * pk * ko + pna * nao) / (r * pk * ki + pna * nai)))


@_guarded("concentrations/permeabilities/ratio")
def pump_contribution(na_in, na_out, k_in, k_out, p_na, p_k, ratio=1.5, temperature_c=37.0):
    """The pump's electrogenic share in the Na+/K+-only closed form, mV: MN(r) - MN(r = 1).

    Negative for r > 1 (the pump hyperpolarizes); typically a few mV.  This is the
    share when Na+ and K+ are the only permeant ions; with Cl- permeant too,
    :func:`nernst.rest.resting_state` solves the zero-current condition with all ions
    (:func:`pumped_weights`).
    """
    args = (na_in, na_out, k_in, k_out, p_na, p_k)
    return _out(
        np.asarray(mullins_noda_potential(*args, ratio=ratio, temperature_c=temperature_c))
        - np.asarray(mullins_noda_potential(*args, ratio=1.0, temperature_c=temperature_c))
    )


def pumped_weights(weights, symbols, ratio=1.5):
    """Permeabilities (or conductances) whose zero-current potential is the potential with the pump.

    At a pumped steady state the pump extrudes the Na+ that leaks in; with r Na+ out
    per K+ in, its net outward current is -(1 - 1/r) I_Na.  The total current is then
    sum_X I_X - (1 - 1/r) I_Na = sum_{X != Na} I_X + I_Na / r: the zero-current
    condition of the same membrane with P_Na (or g_Na) divided by r.  With Na+ and
    K+ alone this is the Mullins & Noda (1963) equation; with Cl- (or any ion)
    permeant too it keeps that ion in, and with GHK currents it keeps the valences.
    The pump's electrogenic share is the difference between the zero-current
    potential with these weights and without (see :func:`nernst.rest.resting_state`).
    It is the share of a pump-leak cell (:func:`nernst.dynamics.pump_share`) at a
    steady state in which the pump is the only way out for Na+ (leaks and the pump,
    tested); with an exchanger or cotransporter moving Na+ too, use the cell's own.

    Parameters
    ----------
    weights : sequence of float
        Permeability or conductance of each ion.
    symbols : sequence of str
        The ions' symbols (one must be "Na").
    ratio : float
        Coupling ratio r, Na+ pumped out per K+ pumped in (3/2).
    """
    if "Na" not in symbols:
        raise InvalidParameter("ions", list(symbols), "the pump needs permeant Na+")
    r = float(check_positive(ratio, "ratio", ""))
    return [w / r if s == "Na" else w for w, s in zip(weights, symbols)]

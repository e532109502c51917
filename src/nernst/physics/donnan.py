"""The Gibbs-Donnan equilibrium of permeant ions against an impermeant charged species inside."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import thermal_voltage_mV
from ..errors import InvalidParameter
from .._core.validation import (
    broadcast_shape,
    check_nonnegative,
    check_positive,
    check_scalar,
    check_valence,
)
from ._formulas import _guarded, _out
from ._newton import _monotone_root


# ---------------------------------------------------------------------------
# Gibbs-Donnan equilibrium
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DonnanState:
    """Gibbs-Donnan equilibrium with an impermeant charged species inside.

    Attributes
    ----------
    potential_mV : float or ndarray
        Donnan potential (inside relative to outside), mV.
    inside_mM : ndarray
        Inside concentration of each permeant ion, shape (n_ions, ...), mM.
    osmotic_excess_mOsm : float or ndarray
        Ideal osmolarity inside minus outside (permeant ions plus the impermeant
        species inside, permeant ions outside), mOsm/L.  Positive: water flows
        in and, without a pump, the cell swells (Tosteson & Hoffman 1960).
    """

    potential_mV: object
    inside_mM: np.ndarray
    osmotic_excess_mOsm: object


@_guarded("outside/impermeant")
def donnan_equilibrium(outside_mM, valence, impermeant_mM, impermeant_valence, temperature_c=37.0):
    """Gibbs-Donnan equilibrium of permeant ions against an impermeant species inside.

    Every permeant ion is at its Nernst equilibrium with one common potential V,
    [X]i = [X]o exp(-zFV/RT), and the inside is electroneutral:
    sum_X z_X [X]i + z_A [A] = 0.  For monovalent ions (e.g. K+ and Cl-) this
    gives [K]i[Cl]i = [K]o[Cl]o and a quadratic; in general the electroneutrality
    condition is strictly monotonic in V and is solved by safeguarded Newton.

    Parameters
    ----------
    outside_mM : sequence of float or array_like
        Outside concentration of each permeant ion, mM (> 0).
    valence : sequence of float
        Valence of each permeant ion.
    impermeant_mM : float or array_like
        Concentration of the impermeant species inside, mM (>= 0).
    impermeant_valence : float
        Its mean valence (e.g. -1, or -0.85 for a mixture of proteins and
        metabolites).
    temperature_c : float, optional
        Temperature, degC.

    Returns
    -------
    DonnanState

    Examples
    --------
    K+ and Cl- at 5 and 110 mM outside, 100 mM of a monovalent anion inside
    ([Cl]i ([Cl]i + 100) = 5 * 110, so [Cl]i = 5.227 mM and [K]i = 105.227 mM):

    >>> st = donnan_equilibrium([5.0, 110.0], [1, -1], 100.0, -1, 37.0)
    >>> round(st.potential_mV, 2), [round(float(c), 3) for c in st.inside_mM]
    (-81.43, [105.227, 5.227])
    """
    if isinstance(outside_mM, (str, bytes)) or not hasattr(outside_mM, "__len__"):
        raise InvalidParameter("outside", outside_mM, "must be a sequence with one entry per ion")
    if not hasattr(valence, "__len__") or len(valence) != len(outside_mM):
        raise InvalidParameter("valence", valence, f"must have one entry per ion ({len(outside_mM)})")
    if len(outside_mM) == 0:
        raise InvalidParameter("ions", 0, "need at least one permeant ion")
    co_l = [check_positive(c, f"outside[{i}]", "mM") for i, c in enumerate(outside_mM)]
    zs = np.array([check_scalar(check_valence(v, f"valence[{i}]"), f"valence[{i}]") for i, v in enumerate(valence)])
    x = np.asarray(check_nonnegative(impermeant_mM, "impermeant", "mM"), dtype=float)
    zx = check_scalar(check_valence(impermeant_valence, "impermeant_valence"), "impermeant_valence")
    broadcast_shape(impermeant=x, **{f"outside[{i}]": c for i, c in enumerate(co_l)})
    arrays = np.broadcast_arrays(x, *[np.asarray(c, dtype=float) for c in co_l])
    x = arrays[0]
    co = np.stack(arrays[1:])
    z = zs.reshape((-1,) + (1,) * (co.ndim - 1))
    fixed = zx * x
    # A root of the inside electroneutrality condition exists only if the permeant
    # ions can balance the fixed charge: with cations only, the fixed charge must
    # be negative (and non-zero); with anions only, positive.
    if not np.any(zs < 0) and np.any(fixed >= 0):
        raise InvalidParameter(
            "impermeant", float(np.ravel(x)[0]),
            "with only permeant cations there is no Donnan equilibrium unless the impermeant species "
            "has a negative charge and a concentration > 0")
    if not np.any(zs > 0) and np.any(fixed <= 0):
        raise InvalidParameter(
            "impermeant", float(np.ravel(x)[0]),
            "with only permeant anions there is no Donnan equilibrium unless the impermeant species "
            "has a positive charge and a concentration > 0")
    vt = np.asarray(thermal_voltage_mV(temperature_c))

    # Work in u = FV/RT.  g(u) = sum z co exp(-z u) + zA A is strictly decreasing.
    shape = np.shape(x)
    co_flat = co.reshape(len(co_l), -1)
    z_flat = zs.reshape(-1, 1)
    fixed_flat = np.ravel(fixed)

    def g(u, idx):
        t = co_flat[:, idx] * np.exp(np.clip(-z_flat * u, -700, 700))
        return np.sum(z_flat * t, axis=0) + fixed_flat[idx], -np.sum(z_flat * z_flat * t, axis=0)

    every = np.arange(fixed_flat.size)
    lo = np.full(fixed_flat.size, -1.0)
    hi = np.full(fixed_flat.size, 1.0)
    for _ in range(200):
        glo, _ = g(lo, every)
        ghi, _ = g(hi, every)
        need_lo = glo < 0
        need_hi = ghi > 0
        if not (np.any(need_lo) or np.any(need_hi)):
            break
        lo = np.where(need_lo, lo * 2.0, lo)
        hi = np.where(need_hi, hi * 2.0, hi)
    u = _monotone_root(g, lo, hi, increasing=False, rtol=1e-14, max_iter=200,
                       what="Donnan equilibrium").reshape(shape)
    inside = co * np.exp(-z * u)
    osm = np.sum(inside, axis=0) + x - np.sum(co, axis=0)
    return DonnanState(_out(vt * u), inside, _out(osm))

"""Equilibrium physics of the membrane potential: pure, vectorized functions.

Conventions: potentials in mV with V = V_in - V_out,
concentrations in mM (= mol/m^3), permeabilities in cm/s (or relative units
where only ratios matter), conductances in mS/cm^2, currents in uA/cm^2 and
outward positive, temperatures in degC.  Every function broadcasts over NumPy
arrays, so a 10^6-point parameter grid is a single call.

Functions taking several ions take *sequences* with one entry per ion; each
entry may be a scalar or an array, and the entries are broadcast together.

References
----------
.. [1] Goldman DE (1943) Potential, impedance, and rectification in membranes.
   J Gen Physiol 27:37-60.
.. [2] Hodgkin AL, Katz B (1949) The effect of sodium ions on the electrical
   activity of the giant axon of the squid. J Physiol 108:37-77.
.. [3] Spangler SG (1972) Expansion of the constant field equation to include
   both divalent and monovalent ions. Ala J Med Sci 9:218-223.
.. [4] Mullins LJ, Noda K (1963) The influence of sodium-free solutions on the
   membrane potential of frog muscle fibers. J Gen Physiol 47:117-132.
.. [5] Hille B (2001) Ion Channels of Excitable Membranes, 3rd ed., ch. 14.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .constants import FARADAY, thermal_voltage_mV
from ..errors import InvalidParameter, SolverError
from .._core.validation import (
    broadcast_shape,
    check_finite,
    check_nonnegative,
    check_positive,
    check_scalar,
    check_temperature,
    check_valence,
    finite_result,
)

__all__ = [
    "nernst",
    "ghk_current",
    "ghk_flux",
    "ghk_current_slope",
    "zero_current_potential",
    "ghk_voltage",
    "weighted_average_potential",
    "chord_potential",
    "driving_force",
    "current_share",
    "mullins_noda_potential",
    "pump_contribution",
    "pumped_weights",
    "donnan_equilibrium",
    "DonnanState",
    "ghk_conductance_at_reversal",
    "permeability_from_conductance",
]


def _out(arr):
    """Return a float for 0-d results, the array otherwise."""
    arr = np.asarray(arr)
    return float(arr) if arr.ndim == 0 else arr


def _guarded(fields: str):
    """Run a public function with NumPy's floating-point warnings off and check
    that what it returns is finite; if not, raise an error naming *fields*
    (inputs so extreme that double precision overflows).  Never a silent inf/NaN.
    """

    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with np.errstate(all="ignore"):
                out = fn(*args, **kwargs)
            if isinstance(out, DonnanState):
                finite_result(out.potential_mV, fields)
                finite_result(out.inside_mM, fields)
            else:
                finite_result(out, fields)
            return out

        return wrapper

    return deco


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
# GHK current and flux
# ---------------------------------------------------------------------------

def bern(s):
    """b(s) = s / (1 - exp(-s)), exact for every real s (b(0) = 1).

    b(s) - b(-s) = s.  Computed as 1 / exprel(-s) with exprel(x) = expm1(x)/x,
    which keeps full relative precision near s = 0 (where NEURON switches to a
    Taylor branch) and neither overflows nor loses digits for large |s|.
    """
    x = -np.asarray(s, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        rel = np.expm1(x) / x
    rel = np.where(x == 0.0, 1.0, rel)
    return 1.0 / rel


def _bern_prime(s, b=None):
    """Derivative of :func:`bern`: b'(s) = b (1 + s - b) / s, series near 0.

    *b* may be passed when b(s) is already known.
    """
    s = np.asarray(s, dtype=float)
    b = bern(s) if b is None else b
    small = np.abs(s) < 0.1
    with np.errstate(invalid="ignore", divide="ignore"):
        direct = b * (1.0 + s - b) / s
    s2 = s * s
    # Bernoulli series: b(s) = 1 + s/2 + s^2/12 - s^4/720 + s^6/30240 - ...
    series = 0.5 + s / 6.0 - s * s2 / 180.0 + s * s2 * s2 / 5040.0
    return np.where(small, series, direct)


def _ghk_core(v_mV, c_in, c_out, valence, temperature_c):
    """Validated pieces of the GHK equation: z, s = zV/(RT/F), ci, co."""
    v = check_finite(v_mV, "voltage_mV")
    ci = check_nonnegative(c_in, "inside", "mM")
    co = check_nonnegative(c_out, "outside", "mM")
    z = np.asarray(check_valence(valence), dtype=float)
    vt = thermal_voltage_mV(temperature_c)
    broadcast_shape(voltage_mV=v, inside=ci, outside=co, valence=z, temperature_c=vt)
    s = z * np.asarray(v) / vt
    return z, s, np.asarray(ci), np.asarray(co), vt


@_guarded("voltage_mV/inside/outside/permeability")
def ghk_current(voltage_mV, c_in, c_out, valence, permeability_cm_s, temperature_c=37.0):
    """Goldman-Hodgkin-Katz current density, outward positive.

    I_X = P_X z^2 (F^2 V / RT) ([X]i - [X]o exp(-zFV/RT)) / (1 - exp(-zFV/RT))

    evaluated in a form that is exact and smooth through V = 0, where it tends
    to P_X z F ([X]i - [X]o).

    Parameters
    ----------
    voltage_mV : float or array_like
        Membrane potential V = V_in - V_out, mV.
    c_in, c_out : float or array_like
        Concentrations, mM (>= 0; one side may be zero).
    valence : float or array_like
        Charge number z (non-zero).
    permeability_cm_s : float or array_like
        Permeability P_X, cm/s (>= 0).
    temperature_c : float, optional
        Temperature, degC.

    Returns
    -------
    float or ndarray
        Current density in uA/cm^2 (with P in cm/s and c in mM the unit factor
        is exactly 1: cm/s * C/mol * mM = uA/cm^2).

    Examples
    --------
    >>> round(ghk_current(0.0, 140.0, 5.0, 1, 1e-6), 4)   # = P z F (ci - co)
    13.0255
    """
    z, s, ci, co, _ = _ghk_core(voltage_mV, c_in, c_out, valence, temperature_c)
    p = np.asarray(check_nonnegative(permeability_cm_s, "permeability", "cm/s"))
    return _out(p * z * FARADAY * (ci * bern(s) - co * bern(-s)))


@_guarded("voltage_mV/inside/outside/permeability")
def ghk_flux(voltage_mV, c_in, c_out, valence, permeability_cm_s, temperature_c=37.0):
    """GHK flux density of the ion, outward positive, in pmol / (cm^2 s).

    J_X = I_X / (z F).  With P in cm/s and c in mM the unit factor is 1e6.

    Examples
    --------
    >>> round(ghk_flux(0.0, 140.0, 5.0, 1, 1e-6), 6)   # P (ci - co) -> 135 pmol/cm^2/s
    135.0
    """
    z, s, ci, co, _ = _ghk_core(voltage_mV, c_in, c_out, valence, temperature_c)
    p = np.asarray(check_nonnegative(permeability_cm_s, "permeability", "cm/s"))
    return _out(1e6 * p * (ci * bern(s) - co * bern(-s)))


@_guarded("voltage_mV/inside/outside/permeability")
def ghk_current_slope(voltage_mV, c_in, c_out, valence, permeability_cm_s, temperature_c=37.0):
    """dI_X/dV of the GHK current, mS/cm^2 (uA/cm^2 per mV); always >= 0."""
    z, s, ci, co, vt = _ghk_core(voltage_mV, c_in, c_out, valence, temperature_c)
    p = np.asarray(check_nonnegative(permeability_cm_s, "permeability", "cm/s"))
    return _out(p * z * z * FARADAY / vt * (ci * _bern_prime(s) + co * _bern_prime(-s)))


@_guarded("inside/outside/permeability")
def ghk_conductance_at_reversal(c_in, c_out, valence, permeability_cm_s, temperature_c=37.0):
    """Slope conductance of a GHK channel at its own reversal potential, mS/cm^2.

    g_X = P_X z^2 (F^2/RT) [X]i [X]o / L([X]i, [X]o), where L is the
    logarithmic mean (co - ci) / ln(co/ci) (L(c, c) = c).  This is the standard
    way to compare a permeability with an ohmic conductance (Hille 2001, ch. 14).
    """
    ci = np.asarray(check_positive(c_in, "inside", "mM"))
    co = np.asarray(check_positive(c_out, "outside", "mM"))
    z = np.asarray(check_valence(valence))
    p = np.asarray(check_nonnegative(permeability_cm_s, "permeability", "cm/s"))
    vt = thermal_voltage_mV(temperature_c)
    return _out(p * z * z * FARADAY / vt * ci * co / _log_mean(ci, co))


@_guarded("conductance/inside/outside")
def permeability_from_conductance(conductance_mS_cm2, c_in, c_out, valence, temperature_c=37.0, voltage_mV=None):
    """The GHK permeability (cm/s) whose slope conductance equals *g*.

    Without *voltage_mV* the slope is taken at the ion's reversal potential
    (inverse of :func:`ghk_conductance_at_reversal`); with it, at that voltage
    (e.g. the resting potential, where a measured leak conductance applies).
    """
    g = np.asarray(check_nonnegative(conductance_mS_cm2, "conductance", "mS/cm^2"))
    if voltage_mV is None:
        unit = ghk_conductance_at_reversal(c_in, c_out, valence, 1.0, temperature_c)
    else:
        unit = ghk_current_slope(voltage_mV, c_in, c_out, valence, 1.0, temperature_c)
    return _out(g / unit)


def _log_mean(a, b):
    """Logarithmic mean (b - a) / ln(b/a), equal to a where a == b."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    r = b / a
    # (r - 1)/ln r = expm1(x)/x with x = ln r: stable near r = 1.
    x = np.log(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.expm1(x) / x
    rel = np.where(x == 0.0, 1.0, rel)
    return a * rel


# ---------------------------------------------------------------------------
# Zero-current (resting) potential
# ---------------------------------------------------------------------------

def _ion_lists(c_in, c_out, valence, permeability):
    """Validate per-ion sequences; return lists of arrays (not broadcast) and valences."""
    seqs = {"inside": c_in, "outside": c_out, "valence": valence, "permeability": permeability}
    n = None
    for name, seq in seqs.items():
        if isinstance(seq, (str, bytes, dict)) or not hasattr(seq, "__len__"):
            raise InvalidParameter(name, seq, "must be a sequence with one entry per ion")
        if n is None:
            n = len(seq)
        elif len(seq) != n:
            raise InvalidParameter(name, len(seq), f"must have one entry per ion ({n})")
    if n == 0:
        raise InvalidParameter("ions", 0, "need at least one ion")
    ci = [np.asarray(check_nonnegative(c, f"inside[{i}]", "mM"), dtype=float) for i, c in enumerate(c_in)]
    co = [np.asarray(check_nonnegative(c, f"outside[{i}]", "mM"), dtype=float) for i, c in enumerate(c_out)]
    p = [np.asarray(check_nonnegative(x, f"permeability[{i}]"), dtype=float) for i, x in enumerate(permeability)]
    z = [check_scalar(check_valence(v, f"valence[{i}]"), f"valence[{i}]") for i, v in enumerate(valence)]
    named = {f"inside[{i}]": a for i, a in enumerate(ci)}
    named.update({f"outside[{i}]": a for i, a in enumerate(co)})
    named.update({f"permeability[{i}]": a for i, a in enumerate(p)})
    try:
        shape = np.broadcast_shapes(*[a.shape for a in ci + co + p])
    except ValueError:
        broadcast_shape(**named)  # raises, naming the arrays
    return ci, co, z, p, shape


def _accumulate(acc, term):
    """acc + term, in place where possible: both are scalars or arrays this module
    created (products), so they may be overwritten; this saves allocating
    10^6-point temporaries, which costs more than the arithmetic."""
    if np.ndim(acc) == 0 and np.ndim(term) == 0:
        return acc + term
    shape = np.broadcast_shapes(np.shape(acc), np.shape(term))
    if np.ndim(acc) and np.shape(acc) == shape:
        acc += term
        return acc
    if np.ndim(term) and np.shape(term) == shape:
        term += acc
        return term
    return acc + term


def _directional_sums(ci, co, z, p):
    """Permeability-weighted amounts that can carry charge each way.

    up: what carries outward current at very positive V (cations inside, anions
    outside); down: inward current at very negative V (cations outside, anions
    inside).  Split by |z| == 1 and |z| == 2 for the closed form.
    """
    sums = {}
    for cin, cout, zi, pi in zip(ci, co, z, p):
        up, down = (cin, cout) if zi > 0 else (cout, cin)
        key = abs(zi)
        u0, d0 = sums.get(key, (0.0, 0.0))
        sums[key] = (_accumulate(u0, pi * up), _accumulate(d0, pi * down))
    return sums


def _check_balance_possible(sums):
    """A finite zero-current potential needs charge that can move both ways."""
    ups = [u for u, _ in sums.values()]
    downs = [d for _, d in sums.values()]
    up = ups[0] if len(ups) == 1 else sum(ups)
    down = downs[0] if len(downs) == 1 else sum(downs)
    if not (np.min(down) > 0 and np.min(up) > 0):
        raise InvalidParameter(
            "ions",
            InvalidParameter.NO_VALUE,
            "no finite zero-current potential: the permeant ions cannot carry current "
            "in both directions (check for zero permeabilities or concentrations)",
        )


@_guarded("inside/outside/permeability")
def zero_current_potential(c_in, c_out, valence, permeability, temperature_c=37.0, method="auto", backend="auto"):
    """Membrane potential at which the summed GHK currents of all permeant ions vanish.

    For ions of valence +-1 and +-2 only there is a closed form (the classic GHK
    voltage equation for monovalent ions; a quadratic in exp(-FV/RT) once
    divalent ions are present, Spangler 1972).  For any other valence the root
    of sum_X I_X(V) = 0 is found by a safeguarded Newton iteration inside a
    bracket of the ions' equilibrium potentials (the total current is strictly
    increasing in V, so the root is unique).  Both methods agree to ~1e-9 mV
    where both apply.

    Parameters
    ----------
    c_in, c_out : sequence of float or array_like
        Concentrations of each ion inside and outside, mM (>= 0).
    valence : sequence of float
        Charge number of each ion (non-zero).
    permeability : sequence of float or array_like
        Permeability of each ion, cm/s or relative units (only ratios matter).
    temperature_c : float, optional
        Temperature, degC.
    method : {"auto", "closed", "root"}
        "auto" uses the closed form when every valence is +-1 or +-2.
    backend : {"auto", "numpy", "jit"}
        For the root method only: "auto" runs the compiled (Numba just-in-time) kernel
        (:mod:`nernst.physics.ghk_kernel`) for grids of 4096 points or more when Numba is
        available, NumPy otherwise.  Both give the same result to ~1e-12 mV.
        The closed form always runs in NumPy.  ("numba", the earlier name of "jit", is
        accepted for one release.)

    Returns
    -------
    float or ndarray
        Zero-current potential, mV.

    Examples
    --------
    Squid axon with Hodgkin & Katz (1949) ratios P_K:P_Na:P_Cl = 1:0.04:0.45:

    >>> round(zero_current_potential([400, 50, 52], [20, 440, 560], [1, 1, -1],
    ...                              [1, 0.04, 0.45], 20.0), 1)
    -59.9
    """
    if method not in ("auto", "closed", "root"):
        raise InvalidParameter("method", method, "must be 'auto', 'closed' or 'root'")
    if backend == "numba":  # the earlier name, for one release
        backend = "jit"
    if backend not in ("auto", "numpy", "jit"):
        raise InvalidParameter("backend", backend, "must be 'auto', 'numpy' or 'jit'")
    ci, co, z, p, shape = _ion_lists(c_in, c_out, valence, permeability)
    check_temperature(temperature_c)
    vt = np.asarray(thermal_voltage_mV(temperature_c))
    closed_ok = all(abs(zi) in (1.0, 2.0) for zi in z)
    if method == "closed" and not closed_ok:
        raise InvalidParameter("method", method, "the closed form needs valences of +-1 and +-2 only")
    use_closed = method == "closed" or (method == "auto" and closed_ok)
    full_shape = np.broadcast_shapes(shape, vt.shape)
    if not use_closed and _use_compiled(backend, full_shape):
        from . import ghk_kernel as kernels

        v, failed = kernels.zero_current_root(ci, co, p, z, vt, full_shape)
        if v is None:
            raise SolverError(f"zero-current potential: no convergence at grid point {failed}")
        if np.isnan(v).any():
            _check_balance_possible({1.0: (0.0, 0.0)})  # raises the one-line error
        return _out(v)
    sums = _directional_sums(ci, co, z, p)
    _check_balance_possible(sums)
    if use_closed:
        return _out(np.broadcast_to(_zero_current_closed(sums, vt), full_shape))
    return _out(_zero_current_root(ci, co, z, p, vt, shape))


#: Same value as kernels.MIN_COMPILED_SIZE (kept here so small calls never import Numba).
_MIN_COMPILED_SIZE = 4096


def _use_compiled(backend, shape) -> bool:
    if backend == "numpy":
        return False
    big = int(np.prod(shape)) >= _MIN_COMPILED_SIZE
    if backend == "auto" and not big:
        return False  # small input: do not even import Numba
    from . import ghk_kernel as kernels

    if backend == "jit" and not kernels.available():
        raise InvalidParameter("backend", backend, "Numba is not available (or NERNST_NO_NUMBA is set)")
    return kernels.available()


def _zero_current_closed(sums, vt):
    """Closed form for valences in {+-1, +-2}.

    With y = exp(-FV/RT), sum I = 0 becomes (B + D) y^2 - (A - B) y - (A + C) = 0 with
      A = sum_{+1} P ci + sum_{-1} P co,   B = sum_{+1} P co + sum_{-1} P ci,
      C = 4 (sum_{+2} P ci + sum_{-2} P co),   D = 4 (sum_{+2} P co + sum_{-2} P ci).
    Monovalent only (C = D = 0) gives y = A/B, the GHK voltage equation.
    *sums* maps |z| to (up, down) from :func:`_directional_sums`.
    """
    a, b = sums.get(1.0, (0.0, 0.0))
    if 2.0 not in sums:  # the monovalent GHK voltage equation, with one temporary
        r = np.divide(b, a)
        if np.ndim(r) == 0:
            return vt * np.log(r)
        np.log(r, out=r)
        return np.multiply(r, vt, out=r) if np.shape(r) == np.broadcast_shapes(np.shape(r), np.shape(vt)) else r * vt
    c, d = sums[2.0]
    c = 4.0 * c
    d = 4.0 * d
    qa = b + d
    qb = b - a
    qc = a + c  # qa y^2 + qb y - qc = 0; take the positive root, stably
    disc = np.sqrt(qb * qb + 4.0 * qa * qc)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(qb <= 0, (disc - qb) / (2.0 * qa), 2.0 * qc / (qb + disc))
    return -vt * np.log(y)


def _total_current(v, ci, co, z, p, vt):
    """sum_X P z (ci b(s) - co b(-s)) and its derivative in V (F omitted)."""
    f = 0.0
    df = 0.0
    for cin, cout, zi, pi in zip(ci, co, z, p):
        s = zi * v / vt
        bp, bm = bern(s), bern(-s)
        f = f + pi * zi * (cin * bp - cout * bm)
        # b'(s) = b(s) (1 + s - b(s)) / s, and b(-s) = b(s) - s; series near 0.
        df = df + pi * zi * zi / vt * (cin * _bern_prime(s, bp) + cout * _bern_prime(-s, bm))
    return f, df


def _zero_current_root(ci, co, z, p, vt, shape, tol_mV=1e-10, max_iter=100):
    """Safeguarded Newton for sum I(V) = 0 on an expanding bracket (vectorized).

    Points that have converged are dropped from the working set, so the cost is
    set by the slowest points only as long as they are unconverged.
    """
    shape = np.broadcast_shapes(shape, np.shape(vt))
    flat = lambda a: np.broadcast_to(a, shape).ravel()  # noqa: E731
    ci = [flat(a) for a in ci]
    co = [flat(a) for a in co]
    p = [flat(a) for a in p]
    vt = flat(vt)
    size = vt.size
    lo = np.full(size, np.inf)
    hi = np.full(size, -np.inf)
    for cin, cout, zi, pi in zip(ci, co, z, p):
        with np.errstate(divide="ignore", invalid="ignore"):
            e = vt / zi * np.log(cout / cin)
        ok = (pi > 0) & np.isfinite(e)
        lo = np.where(ok, np.minimum(lo, e), lo)
        hi = np.where(ok, np.maximum(hi, e), hi)
    none = lo > hi
    lo = np.where(none, -100.0, lo) - 1e-9
    hi = np.where(none, 100.0, hi) + 1e-9
    # Expand until f(lo) <= 0 <= f(hi) (needed only with zero concentrations).
    width = np.maximum(hi - lo, 10.0)
    for _ in range(60):
        flo, _ = _total_current(lo, ci, co, z, p, vt)
        fhi, _ = _total_current(hi, ci, co, z, p, vt)
        need_lo = flo > 0
        need_hi = fhi < 0
        if not (np.any(need_lo) or np.any(need_hi)):
            break
        lo = np.where(need_lo, lo - width, lo)
        hi = np.where(need_hi, hi + width, hi)
        width = width * 2.0
    else:
        raise SolverError("zero-current potential: could not bracket the root")

    def total(v, idx):
        return _total_current(v, [a[idx] for a in ci], [a[idx] for a in co], z, [a[idx] for a in p], vt[idx])

    return _monotone_root(total, lo, hi, increasing=True, atol=tol_mV, max_iter=max_iter,
                          what="zero-current potential").reshape(shape)


def _monotone_root(fun, lo, hi, *, increasing, atol=0.0, rtol=0.0, max_iter=100, what="root"):
    """The root, at every point, of a strictly monotone function bracketed by [lo, hi]: safeguarded
    Newton, vectorized (the one Newton iteration of this module).

    ``fun(x, idx)`` gives the function and its derivative at the points *idx* (indices into the flat
    bracket arrays).  A Newton step that leaves the shrinking bracket, or is not finite, is replaced
    by bisection, so every step keeps the root inside the bracket.  A point is done when its step is
    at most ``atol + rtol * max(1, |x|)``; points that are done leave the working set, so the cost is
    set by the slowest points only while they are unconverged.
    """
    sign = 1.0 if increasing else -1.0
    result = 0.5 * (lo + hi)
    idx = np.arange(result.size)
    x = result.copy()
    for _ in range(max_iter):
        f, df = fun(x, idx)
        lo = np.where(sign * f < 0, x, lo)
        hi = np.where(sign * f > 0, x, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_new = x - f / df
        bad = ~((x_new >= lo) & (x_new <= hi)) | ~np.isfinite(x_new)
        x_new = np.where(bad, 0.5 * (lo + hi), x_new)
        x_new = np.where(f == 0, x, x_new)
        result[idx] = x_new
        active = np.abs(x_new - x) > atol + rtol * np.maximum(1.0, np.abs(x))
        if not np.any(active):
            return result
        idx, x, lo, hi = idx[active], x_new[active], lo[active], hi[active]
    raise SolverError(f"{what}: Newton iteration did not converge")


@_guarded("inside/outside/permeability")
def ghk_voltage(c_in, c_out, valence, permeability, temperature_c=37.0):
    """The Goldman-Hodgkin-Katz voltage equation (monovalent ions only).

    V = (RT/F) ln( (sum_cations P[C]o + sum_anions P[A]i) / (sum_cations P[C]i + sum_anions P[A]o) )

    Raises :class:`InvalidParameter` for any valence other than +-1; use
    :func:`zero_current_potential` for divalent or other ions.
    """
    ci, co, z, p, shape = _ion_lists(c_in, c_out, valence, permeability)
    if any(abs(zi) != 1.0 for zi in z):
        raise InvalidParameter("valence", z, "the GHK voltage equation needs monovalent ions")
    _check_balance_possible(_directional_sums(ci, co, z, p))
    vt = thermal_voltage_mV(temperature_c)
    num = sum(pi * (cout if zi > 0 else cin) for cin, cout, zi, pi in zip(ci, co, z, p))
    den = sum(pi * (cin if zi > 0 else cout) for cin, cout, zi, pi in zip(ci, co, z, p))
    return _out(vt * np.log(num / den))


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

# the names these had before they were shared across sub-packages
_bern = bern

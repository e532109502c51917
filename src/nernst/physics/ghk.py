"""The Goldman-Hodgkin-Katz constant-field equations: current, flux, slope and chord conductance, the
zero-current (GHK) potential of any set of ions and valences (Goldman 1943; Hodgkin & Katz 1949;
Spangler 1972 for divalent ions)."""

from __future__ import annotations

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
)
from ._formulas import _guarded, _out, bern, _bern_prime, _log_mean
from ._newton import _monotone_root


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

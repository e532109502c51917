"""Compiled (Numba) kernels for the equilibrium physics, with a NumPy reference.

Each kernel here has a pure-NumPy twin in :mod:`nernst.equilibrium`; the tests
run both on the same inputs and require agreement to ~1e-12 mV.  The compiled
path is used for large inputs when Numba is importable, and never when the
environment variable ``NERNST_NO_NUMBA`` is set (then everything runs in NumPy).

Only the general-valence zero-current root is compiled: it is ~4x faster
than the vectorized NumPy Newton (1e6 points: about 1 s against 4.5 s on the
benchmark machine).  The closed forms are a handful of whole-array NumPy
operations; a compiled version (tried while writing this module) took 57 ms
against NumPy's 95 ms for 10^6 points with Ca2+, but 47 ms against 31 ms for
monovalent ions once validation and packing are counted, and it adds a
compile or cache load (0.6-2.7 s) on first use: not worth a second code path.

Per-ion inputs that vary over the grid are packed as rows of one 2-D array;
scalars are passed separately (see :func:`_prepare`).
"""

from __future__ import annotations

import math
import os
from functools import lru_cache

import numpy as np

__all__ = ["available", "MIN_COMPILED_SIZE", "zero_current_root"]

# Importing this module imports Numba (about 0.3 s): equilibrium.py imports it
# only for grids large enough to use it.

#: Below this many points the NumPy path is used (compiling/dispatch is not worth it).
MIN_COMPILED_SIZE = 4096


@lru_cache(maxsize=1)
def available() -> bool:
    """True if the compiled kernels can be used."""
    if os.environ.get("NERNST_NO_NUMBA"):
        return False
    try:
        import numba  # noqa: F401
    except Exception:  # pragma: no cover - depends on the environment
        return False
    return True


def njit(**kwargs):
    """numba.njit when Numba is importable, else a decorator that leaves the
    function as plain Python (never used then: :func:`available` is False)."""
    try:
        from numba import njit
    except Exception:  # pragma: no cover - depends on the environment
        return lambda fn: fn
    return njit(**kwargs)


# Note: the per-point ion values are copied into small local arrays first.
# Reading the packed 2-D input through a helper function called per element
# was 20x slower (Numba did not inline it across functions).

@njit(cache=True)
def _load(data, rows, scal, k, a_, b_, p_):
    for i in range(a_.size):
        r0 = rows[0, i]
        r1 = rows[1, i]
        r2 = rows[2, i]
        a_[i] = data[r0, k] if r0 >= 0 else scal[0, i]
        b_[i] = data[r1, k] if r1 >= 0 else scal[1, i]
        p_[i] = data[r2, k] if r2 >= 0 else scal[2, i]

@njit(cache=True)
def _total(v, a_, b_, p_, z, t):
    # sum_X P z (ci b(s) - co b(-s)) and its V-derivative, one expm1 per ion:
    # with u = |s| and m = expm1(-u): b(u) = u / -m, b(-u) = b(u) (1 + m).
    f = 0.0
    df = 0.0
    for i in range(z.size):
        zi = z[i]
        pi = p_[i]
        if pi == 0.0:
            continue
        s = zi * v / t
        u = abs(s)
        if u == 0.0:
            bu = 1.0
            bmu = 1.0
        else:
            m = math.expm1(-u)
            bu = -u / m
            bmu = bu * (1.0 + m)
        if s >= 0.0:
            bp = bu
            bm = bmu
        else:
            bp = bmu
            bm = bu
        # b'(s) = b(s) (1 + s - b(s)) / s, Bernoulli series near 0
        if u < 0.1:
            s2 = s * s
            dp = 0.5 + s / 6.0 - s * s2 / 180.0 + s * s2 * s2 / 5040.0
            dm = 0.5 - s / 6.0 + s * s2 / 180.0 - s * s2 * s2 / 5040.0
        else:
            dp = bp * (1.0 + s - bp) / s
            dm = bm * (1.0 - s - bm) / (-s)
        f += pi * zi * (a_[i] * bp - b_[i] * bm)
        df += pi * zi * zi / t * (a_[i] * dp + b_[i] * dm)
    return f, df

@njit(cache=True)
def _root(data, rows, scal, z, vt, out, tol):
    n = out.size
    nz = z.size
    a_ = np.empty(nz)
    b_ = np.empty(nz)
    p_ = np.empty(nz)
    for k in range(n):
        t = vt[k] if vt.size > 1 else vt[0]
        _load(data, rows, scal, k, a_, b_, p_)
        # charge must be able to move both ways, or there is no finite root (NaN marks it)
        up = 0.0
        down = 0.0
        for i in range(nz):
            if z[i] > 0:
                up += p_[i] * a_[i]
                down += p_[i] * b_[i]
            else:
                up += p_[i] * b_[i]
                down += p_[i] * a_[i]
        if not (up > 0.0 and down > 0.0):
            out[k] = math.nan
            continue
        # Bracket [min E_X, max E_X] of the permeant ions; start from the chord
        # potential with each ion's GHK conductance at its own E_X (close to the root).
        lo = math.inf
        hi = -math.inf
        gsum = 0.0
        gesum = 0.0
        complete = True
        for i in range(nz):
            if p_[i] <= 0.0:
                continue
            a = a_[i]
            b = b_[i]
            if a > 0.0 and b > 0.0:
                x = math.log(b / a)
                e = t / z[i] * x
                lo = min(lo, e)
                hi = max(hi, e)
                lm = a if x == 0.0 else (b - a) / x  # logarithmic mean
                g = p_[i] * z[i] * z[i] * a * b / lm
                gsum += g
                gesum += g * e
            else:
                complete = False
        if lo > hi:
            lo = -100.0
            hi = 100.0
        lo -= 1e-9
        hi += 1e-9
        if not complete:  # an ion with a zero concentration: widen until the bracket holds
            width = max(hi - lo, 10.0)
            ok = False
            for _ in range(60):
                flo, _d = _total(lo, a_, b_, p_, z, t)
                fhi, _d = _total(hi, a_, b_, p_, z, t)
                if flo <= 0.0 and fhi >= 0.0:
                    ok = True
                    break
                if flo > 0.0:
                    lo -= width
                if fhi < 0.0:
                    hi += width
                width *= 2.0
            if not ok:
                return k
        v = gesum / gsum if (complete and gsum > 0.0) else 0.5 * (lo + hi)
        if not (v > lo and v < hi):
            v = 0.5 * (lo + hi)
        converged = False
        for _ in range(200):
            f, df = _total(v, a_, b_, p_, z, t)
            if f == 0.0:
                converged = True
                break
            if f < 0.0:
                lo = v
            else:
                hi = v
            vn = v - f / df
            if not (vn >= lo and vn <= hi) or not math.isfinite(vn):
                vn = 0.5 * (lo + hi)
            if abs(vn - v) <= tol:
                v = vn
                converged = True
                break
            v = vn
        if not converged:
            return k
        out[k] = v
    return -1


def _prepare(ci, co, p, z, vt, shape):
    """Pack per-ion inputs for the kernels.

    Full-size inputs become rows of one 2-D array ``data`` (n_rows, size);
    ``rows[q, i]`` is the row of quantity q (0 inside, 1 outside, 2 permeability)
    of ion i, or -1 when it is a scalar stored in ``scal[q, i]``.  (Indexing a
    tuple of arrays with a run-time index is several times slower in Numba.)
    """
    size = int(np.prod(shape)) if shape else 1
    n = len(z)
    rows = np.full((3, n), -1, dtype=np.int64)
    scal = np.zeros((3, n))
    full = []
    for q, seq in enumerate((ci, co, p)):
        for i, a in enumerate(seq):
            a = np.asarray(a, dtype=float)
            if a.size == 1:
                scal[q, i] = float(a.reshape(-1)[0])
            else:
                rows[q, i] = len(full)
                full.append(np.broadcast_to(a, shape).reshape(-1))
    data = np.empty((len(full), size))
    for r, a in enumerate(full):
        data[r] = a
    vt_a = np.ascontiguousarray(np.broadcast_to(np.asarray(vt, dtype=float), shape).reshape(-1)) if np.size(vt) > 1 \
        else np.asarray(vt, dtype=float).reshape(1)
    return data, rows, scal, np.asarray(z, dtype=float), vt_a, np.empty(size)


def zero_current_root(ci, co, p, z, vt, shape, tol_mV=1e-10):
    """Compiled bracketed Newton; returns (result, -1), or (None, flat index that failed).

    Points where no finite root exists (charge cannot move both ways) are NaN.
    """
    data, rows, scal, z_a, vt_a, out = _prepare(ci, co, p, z, vt, shape)
    failed = _root(data, rows, scal, z_a, vt_a, out, tol_mV)
    if failed >= 0:
        return None, int(failed)
    return out.reshape(shape), -1

# the names these had before they were shared across sub-packages
_njit = njit

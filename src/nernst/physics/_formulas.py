"""Unchecked hot-path formulas and the input guard shared by the equilibrium functions: the Bernoulli
function of the GHK flux and its derivative, the logarithmic mean."""

from __future__ import annotations

import functools

import numpy as np

from .._core.validation import finite_result


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
            if hasattr(out, "potential_mV") and hasattr(out, "inside_mM"):  # a DonnanState
                finite_result(out.potential_mV, fields)
                finite_result(out.inside_mM, fields)
            else:
                finite_result(out, fields)
            return out

        return wrapper

    return deco


# ---------------------------------------------------------------------------
# the Bernoulli function of the GHK flux
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

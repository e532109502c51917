"""Checks shared by every public function: each names the field and the reason.

All checks accept scalars or arrays and return float arrays (or floats for
scalar input).  They never coerce a bad value into a good one.
"""

from __future__ import annotations

import numbers

import numpy as np

from .constants import ZERO_CELSIUS
from .errors import InvalidParameter

__all__ = [
    "as_float_array",
    "check_positive",
    "check_nonnegative",
    "check_finite",
    "check_valence",
    "check_temperature",
]


def _scalar_back(arr: np.ndarray, original):
    return float(arr) if arr.ndim == 0 and not isinstance(original, np.ndarray) else arr


def _first_bad(arr: np.ndarray, mask: np.ndarray):
    bad = arr[mask] if arr.ndim else arr
    return float(np.ravel(bad)[0])


def as_float_array(value, field: str) -> np.ndarray:
    """Convert to a float array or raise :class:`InvalidParameter` naming *field*."""
    if isinstance(value, (str, bytes)):
        raise InvalidParameter(field, value, "must be a number, not text")
    if isinstance(value, bool):
        raise InvalidParameter(field, value, "must be a number, not a boolean")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameter(field, value, "must be a number or an array of numbers") from None
    return arr


def check_finite(value, field: str):
    """Reject NaN and infinities."""
    arr = as_float_array(value, field)
    bad = ~np.isfinite(arr)
    if np.any(bad):
        raise InvalidParameter(field, _first_bad(arr, bad), "must be a finite number")
    return _scalar_back(arr, value)


def check_positive(value, field: str, unit: str = "mM"):
    """Reject values that are not finite and strictly positive."""
    arr = as_float_array(value, field)
    check_finite(arr, field)
    bad = arr <= 0
    if np.any(bad):
        raise InvalidParameter(field, _first_bad(arr, bad), f"must be > 0 {unit}".rstrip())
    return _scalar_back(arr, value)


def check_nonnegative(value, field: str, unit: str = ""):
    """Reject values that are not finite or are negative (zero allowed)."""
    arr = as_float_array(value, field)
    check_finite(arr, field)
    bad = arr < 0
    if np.any(bad):
        raise InvalidParameter(field, _first_bad(arr, bad), f"must be >= 0 {unit}".rstrip())
    return _scalar_back(arr, value)


def check_valence(value, field: str = "valence"):
    """A valence is a finite, non-zero number (mean valences such as -0.85 are allowed)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray, list, tuple)):
        if not isinstance(value, np.generic):
            raise InvalidParameter(field, value, "must be a non-zero number")
    arr = check_finite(value, field)
    arr = np.asarray(arr, dtype=float)
    bad = arr == 0
    if np.any(bad):
        raise InvalidParameter(field, 0, "must be non-zero (an uncharged species has no equilibrium potential)")
    return _scalar_back(arr, value)


def check_temperature(value, field: str = "temperature_c"):
    """Temperature in degC must be finite and above absolute zero (-273.15 degC)."""
    arr = check_finite(value, field)
    a = np.asarray(arr, dtype=float)
    bad = a <= -ZERO_CELSIUS
    if np.any(bad):
        raise InvalidParameter(field, _first_bad(a, bad), "must be above absolute zero (-273.15 degC)")
    return arr

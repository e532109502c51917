"""Checks shared by every public function: each names the field and the reason.

All checks accept scalars or arrays and return float arrays (or floats for
scalar input).  They never coerce a bad value into a good one.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import InvalidParameter

__all__ = [
    "as_float_array",
    "check_positive",
    "check_nonnegative",
    "check_finite",
    "check_valence",
    "check_temperature",
    "check_scalar",
    "check_range",
    "check_length",
    "broadcast_shape",
    "finite_result",
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


def _range(arr: np.ndarray):
    """(min, max) in two fast reductions; NaN anywhere makes both NaN."""
    if arr.size == 0:
        return 1.0, 1.0  # nothing to reject
    return float(arr.min()), float(arr.max())


def check_finite(value, field: str):
    """Reject NaN and infinities."""
    arr = as_float_array(value, field)
    lo, hi = _range(arr)
    if not (np.isfinite(lo) and np.isfinite(hi)):  # NaN or +-inf somewhere
        bad = ~np.isfinite(arr)
        raise InvalidParameter(field, _first_bad(arr, bad), "must be a finite number")
    return _scalar_back(arr, value)


#: Largest accepted value of each kind: far beyond physiology, and small enough
#: that no formula overflows double precision.
LIMITS = {
    "mM": 1e5,  # 100 M: pure water is 55 M
    "um": 1e8,  # 100 m
    "cm/s": 1e6,
    "mS/cm^2": 1e8,
    "uF/cm^2": 1e6,
    "ms": 1e12,
    "": 1e15,  # relative permeabilities, ratios, counts
}
#: Smallest accepted length: below 1 pm there is no membrane.
MIN_LENGTH_UM = 1e-6
#: Smallest non-zero concentration: 1e-15 mM is less than one ion in a
#: picolitre; anything smaller is a typo, and ratios of it overflow.
MIN_CONCENTRATION_MM = 1e-15


def _check_min_nonzero(arr, field, unit):
    if unit != "mM":
        return
    a = np.asarray(arr)
    bad = (a > 0) & (a < MIN_CONCENTRATION_MM)
    if np.any(bad):
        raise InvalidParameter(field, _first_bad(a, bad), f"must be 0 or >= {MIN_CONCENTRATION_MM:g} mM")


def _check_max(arr, hi, field, unit):
    limit = LIMITS.get(unit)
    if limit is not None and hi > limit:
        raise InvalidParameter(field, _first_bad(arr, arr > limit), f"must be <= {limit:g} {unit}".rstrip())


def check_positive(value, field: str, unit: str = "mM"):
    """Reject values that are not finite and strictly positive, or beyond :data:`LIMITS`."""
    arr = as_float_array(value, field)
    lo, hi = _range(arr)
    if not (lo > 0 and np.isfinite(hi)):
        check_finite(arr, field)
        raise InvalidParameter(field, _first_bad(arr, arr <= 0), f"must be > 0 {unit}".rstrip())
    _check_max(arr, hi, field, unit)
    if unit == "mM" and lo < MIN_CONCENTRATION_MM:
        raise InvalidParameter(field, _first_bad(arr, arr < MIN_CONCENTRATION_MM), f"must be >= {MIN_CONCENTRATION_MM:g} mM")
    return _scalar_back(arr, value)


def check_nonnegative(value, field: str, unit: str = ""):
    """Reject values that are not finite or are negative (zero allowed), or beyond :data:`LIMITS`."""
    arr = as_float_array(value, field)
    lo, hi = _range(arr)
    if not (lo >= 0 and np.isfinite(hi)):
        check_finite(arr, field)
        raise InvalidParameter(field, _first_bad(arr, arr < 0), f"must be >= 0 {unit}".rstrip())
    _check_max(arr, hi, field, unit)
    if unit == "mM" and lo < MIN_CONCENTRATION_MM:
        _check_min_nonzero(arr, field, unit)
    return _scalar_back(arr, value)


def check_length(value, field: str):
    """A length in um: positive, at least 1 pm, at most 100 m."""
    arr = check_positive(value, field, "um")
    if np.any(np.asarray(arr) < MIN_LENGTH_UM):
        a = np.asarray(arr)
        raise InvalidParameter(field, _first_bad(a, a < MIN_LENGTH_UM), f"must be >= {MIN_LENGTH_UM:g} um")
    return arr


def finite_result(value, fields: str):
    """Return *value* if every element is finite, else an error naming the inputs."""
    arr = np.asarray(value, dtype=float)
    lo, hi = _range(arr)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise InvalidParameter(
            fields, InvalidParameter.NO_VALUE,
            "values too extreme: the result is not a finite number in double precision",
        )
    return value


#: Accepted valence magnitudes: mean valences such as -0.85 are fine; 1e-300 is not a charge.
VALENCE_RANGE = (1e-3, 100.0)
#: Highest accepted temperature, degC: water boils at 100 degC, no cell lives above.  A bare
#: number above it is most often a temperature in kelvin (310 for 37 degC): the error says so.
MAX_TEMPERATURE_C = 100.0
#: 0 degC in kelvin: exact by the definition of the Celsius scale (scipy.constants.zero_Celsius); written
#: here so that checking a temperature needs neither SciPy nor the physics layer.
ZERO_CELSIUS_K = 273.15


def check_valence(value, field: str = "valence"):
    """A valence is a finite, non-zero number (mean valences such as -0.85 are allowed).

    Its magnitude must lie in :data:`VALENCE_RANGE`.
    """
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray, list, tuple)):
        if not isinstance(value, np.generic):
            raise InvalidParameter(field, value, "must be a non-zero number")
    arr = check_finite(value, field)
    arr = np.asarray(arr, dtype=float)
    bad = arr == 0
    if np.any(bad):
        raise InvalidParameter(field, 0, "must be non-zero (an uncharged species has no equilibrium potential)")
    mag = np.abs(arr)
    bad = (mag < VALENCE_RANGE[0]) | (mag > VALENCE_RANGE[1])
    if np.any(bad):
        raise InvalidParameter(field, _first_bad(arr, bad),
                               f"must have a magnitude between {VALENCE_RANGE[0]:g} and {VALENCE_RANGE[1]:g}")
    return _scalar_back(arr, value)


def check_temperature(value, field: str = "temperature_c"):
    """Temperature in degC must be finite and above absolute zero (-273.15 degC)."""
    if type(value) is float and -273.15 < value <= MAX_TEMPERATURE_C:  # the common case, without arrays
        return value
    arr = check_finite(value, field)
    a = np.asarray(arr, dtype=float)
    bad = a <= -ZERO_CELSIUS_K
    if np.any(bad):
        raise InvalidParameter(field, _first_bad(a, bad), "must be above absolute zero (-273.15 degC)")
    bad = a > MAX_TEMPERATURE_C
    if np.any(bad):
        x = _first_bad(a, bad)
        hint = (f"; did you mean {x:g} K ({x - ZERO_CELSIUS_K:.4g} degC)? write '{x:g} K'"
                if 273.15 <= x <= 373.15 else "")  # liquid water in kelvin
        raise InvalidParameter(field, x, f"must be at most {MAX_TEMPERATURE_C:g} degC (water boils){hint}")
    return arr


def check_scalar(value, field: str) -> float:
    """A single finite number (not an array)."""
    arr = check_finite(value, field)
    if np.ndim(arr) != 0:
        raise InvalidParameter(field, value, "must be a single number, not an array")
    return float(arr)


def check_range(value, field: str, lo: float, hi: float, allow_inf: bool = False) -> float:
    """One real number (not text, not a boolean) between *lo* and *hi*, as a float.

    >>> check_range(2, "count", 1, 10)
    2.0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameter(field, value, "must be a number")
    value = float(value)
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise InvalidParameter(field, value, "must be a finite number")
    if not lo <= value <= hi:
        raise InvalidParameter(field, value, f"must be between {lo:g} and {hi:g}")
    return value


def broadcast_shape(**arrays) -> tuple:
    """Common shape of the named arrays, or an error naming them.

    >>> broadcast_shape(inside=np.ones(3), outside=2.0)
    (3,)
    """
    shapes = {name: np.shape(a) for name, a in arrays.items()}
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        desc = ", ".join(f"{k} {v}" for k, v in shapes.items())
        raise InvalidParameter(
            "/".join(shapes), InvalidParameter.NO_VALUE, f"array shapes do not broadcast together ({desc})"
        ) from None

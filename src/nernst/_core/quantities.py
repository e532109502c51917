"""Unit handling at the boundary: "140 mM", "100 nM", "310.15 K", "1e-6 cm/s".

Inside the engine every number is a plain float in the engine's units (NEURON's: mV, ms, mM, um, uF/cm^2, mS/cm^2, uA/cm^2, cm/s).
Text with units is parsed here, with pint, only when the text is not a bare
number (pint is imported lazily: most calls never need it).  Nothing here
evaluates user text as code: the number is split off with a regular
expression and only the unit part is handed to pint's unit parser.
"""

from __future__ import annotations

import math
import numbers
import re
from functools import lru_cache

from ..errors import InvalidParameter

__all__ = ["parse_quantity", "UNIT_KINDS"]

#: Engine unit and a readable name for each kind of quantity the boundary accepts.
UNIT_KINDS: dict[str, tuple[str, str]] = {
    "concentration": ("mM", "a concentration"),
    "temperature": ("degC", "a temperature"),
    "voltage": ("mV", "a voltage"),
    "permeability": ("cm/s", "a permeability"),
    "conductance": ("mS/cm^2", "a conductance per area"),
    "capacitance": ("uF/cm^2", "a capacitance per area"),
    "length": ("um", "a length"),
    "time": ("ms", "a time"),
    "current": ("uA/cm^2", "a current density"),
    "injected": ("nA", "a current"),
    "resistivity": ("ohm*cm", "a resistivity"),
}

_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


@lru_cache(maxsize=1)
def _registry():
    import pint

    return pint.UnitRegistry()


def parse_quantity(value, kind: str, field: str) -> float:
    """Convert *value* to a float in the engine unit of *kind*.

    Parameters
    ----------
    value : int, float or str
        A number (taken to be in the engine unit already) or text such as
        ``"140 mM"``, ``"0.1 uM"``, ``"310.15 K"``, ``"37 degC"``.
    kind : str
        One of :data:`UNIT_KINDS`.
    field : str
        Name to put in error messages.

    Returns
    -------
    float
        The magnitude in the engine unit (NaN and infinities are rejected).

    Examples
    --------
    >>> round(parse_quantity("100 nM", "concentration", "inside"), 12)
    0.0001
    >>> parse_quantity(37, "temperature", "temperature_c")
    37.0
    """
    unit, what = UNIT_KINDS[kind]
    if isinstance(value, bool):
        raise InvalidParameter(field, value, f"must be a number ({what} in {unit}), not a boolean")
    if isinstance(value, numbers.Real):
        out = float(value)
    elif isinstance(value, str):
        out = _parse_text(value, unit, what, field)
    else:
        raise InvalidParameter(field, value, f"must be a number ({what} in {unit})")
    if not math.isfinite(out):
        raise InvalidParameter(field, value, "must be a finite number")
    return out


def _parse_text(text: str, unit: str, what: str, field: str) -> float:
    stripped = text.strip()
    try:
        return float(stripped)  # bare number; also accepts "nan"/"inf", rejected by the caller
    except ValueError:
        pass
    m = _NUMBER_UNIT.match(stripped)
    if not m or not m.group(2):
        raise InvalidParameter(field, text, f"must be a number ({what} in {unit}), optionally with a unit")
    magnitude = float(m.group(1))
    # Greek small mu (U+03BC) and the micro sign (U+00B5) both mean micro.
    unit_text = m.group(2).replace("\u03bc", "u").replace("\u00b5", "u")
    if len(unit_text) > 40 or not re.fullmatch(r"[A-Za-z0-9_/*^. ()µ°-]+", unit_text):
        raise InvalidParameter(field, text, f"has an unreadable unit (expected {what}, e.g. {unit})")
    import pint

    ureg = _registry()
    try:
        q = ureg.Quantity(magnitude, unit_text)
        return float(q.to(unit).magnitude)
    except pint.errors.UndefinedUnitError:
        raise InvalidParameter(field, text, f"has an unknown unit {unit_text!r} (expected {what}, e.g. {unit})") from None
    except pint.errors.DimensionalityError:
        raise InvalidParameter(field, text, f"has the wrong unit: expected {what} ({unit})") from None
    except Exception:  # pint raises several kinds on malformed units
        raise InvalidParameter(field, text, f"has an unreadable unit (expected {what}, e.g. {unit})") from None

"""Ion species known by symbol, and lookup of valences.

Only the common physiological ions are known by symbol; any other species
(an organic anion, La3+, SO4 2-) needs an explicit valence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InvalidParameter
from .._core.validation import check_valence

__all__ = ["Ion", "KNOWN_IONS", "lookup_ion", "parse_ion", "resolve_valence"]


@dataclass(frozen=True)
class Ion:
    """An ion species: its symbol, valence and a readable name."""

    symbol: str
    valence: float
    name: str

    @property
    def label(self) -> str:
        """Symbol with its charge, e.g. ``Ca2+`` or ``Cl-``."""
        z = self.valence
        if float(z).is_integer():
            mag = abs(int(z))
            return f"{self.symbol}{'' if mag == 1 else mag}{'+' if z > 0 else '-'}"
        return f"{self.symbol}({z:+g})"


KNOWN_IONS: dict[str, Ion] = {
    ion.symbol: ion
    for ion in (
        Ion("Na", 1, "sodium"),
        Ion("K", 1, "potassium"),
        Ion("Cl", -1, "chloride"),
        Ion("Ca", 2, "calcium"),
        Ion("Mg", 2, "magnesium"),
        Ion("H", 1, "proton"),
        Ion("HCO3", -1, "bicarbonate"),
    )
}

_BY_LOWER = {k.lower(): v for k, v in KNOWN_IONS.items()}


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻−", "0123456789+--")
_CHARGED = re.compile(r"^(?P<body>[A-Za-z][A-Za-z0-9]*?)(?P<mag>[1-9]?)(?P<signs>[+-]+)$")
_ELEMENT = re.compile(r"^[A-Z][a-z]?$")


def parse_ion(text: str) -> tuple[str, float | None]:
    """Split an ion as people write it into (symbol, valence or None).

    ``"K"`` -> ("K", None); ``"K+"`` -> ("K", 1); ``"Cl-"`` -> ("Cl", -1);
    ``"Ca2+"``, ``"Ca++"`` and ``"Ca²⁺"`` -> ("Ca", 2); ``"HCO3-"`` -> ("HCO3", -1)
    (a known symbol keeps its digits); ``"La3+"`` -> ("La", 3) (one element).  A
    digit before the sign of any other formula is ambiguous (NH4+ is ammonium, +1,
    not NH with +4): it comes back without its signs and with no valence, so that a
    valence must be given (``"NH4+"`` -> ("NH4", None)); text that is not in this
    notation comes back unchanged.

    >>> parse_ion("Ca2+"), parse_ion("Ca++"), parse_ion("HCO3-")
    (('Ca', 2.0), ('Ca', 2.0), ('HCO3', -1.0))
    """
    s = text.strip().translate(_SUPERSCRIPTS)
    stripped = s.rstrip("+-")
    signs = s[len(stripped):]
    if not signs or not stripped or len(set(signs)) > 1:
        return text.strip(), None
    sign = 1.0 if signs[0] == "+" else -1.0
    if stripped.lower() in _BY_LOWER:  # K+, Ca++, HCO3-
        return _BY_LOWER[stripped.lower()].symbol, sign * len(signs)
    m = _CHARGED.match(s)
    if m is None or (m.group("mag") and len(signs) > 1):
        return text.strip(), None
    body = m.group("body")
    if body.lower() not in _BY_LOWER and not _ELEMENT.match(body):
        if m.group("mag") or any(c.isdigit() for c in body):  # NH4+, H2PO4-: formula digit or charge?
            return stripped, None
    mag = int(m.group("mag")) if m.group("mag") else len(signs)
    known = _BY_LOWER.get(body.lower())
    return (known.symbol if known else body), sign * mag


def lookup_ion(symbol: str) -> Ion | None:
    """The known ion with this symbol (case-insensitive; "K+" and "Ca2+" notation too), or ``None``."""
    if not isinstance(symbol, str):
        return None
    sym, _ = parse_ion(symbol)
    return _BY_LOWER.get(sym.lower())


def resolve_valence(symbol: str, valence=None, field: str = "valence") -> float:
    """Valence of *symbol*: the given one, else the known one.

    An explicit valence always wins, so that a user may model e.g. a
    hypothetical monovalent calcium.  An unknown symbol without a valence is an
    error that names the symbol.
    """
    if not isinstance(symbol, str) or not symbol.strip():
        raise InvalidParameter("ion", symbol, "must be an ion symbol such as K, Na, Cl or Ca")
    if valence is not None:
        return float(check_valence(valence, field))
    sym, written = parse_ion(symbol)
    ion = lookup_ion(sym)
    if written is not None:
        if ion is not None and written != ion.valence:
            raise InvalidParameter("ion", symbol, f"says charge {written:+g}, but {ion.name} is {ion.label}")
        return float(written)
    if ion is None:
        known = ", ".join(KNOWN_IONS)
        raise InvalidParameter(
            "ion", symbol, f"is not a known ion ({known}); give its valence"
        )
    return float(ion.valence)

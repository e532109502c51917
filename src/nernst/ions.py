"""Ion species known by symbol, and lookup of valences.

Only the common physiological ions are known by symbol; any other species
(an organic anion, La3+, SO4 2-) needs an explicit valence.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidParameter
from .validation import check_valence

__all__ = ["Ion", "KNOWN_IONS", "lookup_ion", "resolve_valence"]


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


def lookup_ion(symbol: str) -> Ion | None:
    """The known ion with this symbol (case-insensitive), or ``None``."""
    if not isinstance(symbol, str):
        return None
    return _BY_LOWER.get(symbol.strip().lower())


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
    ion = lookup_ion(symbol)
    if ion is None:
        known = ", ".join(KNOWN_IONS)
        raise InvalidParameter(
            "ion", symbol, f"is not a known ion ({known}); give its valence"
        )
    return float(ion.valence)

"""Plain, frozen descriptions of what to compute (no physics here).

A :class:`CellSpec` is what a preset file or a user config becomes after
validation: temperature plus one :class:`IonSpec` per species.  Specs are
immutable; use :meth:`CellSpec.replace` / :meth:`CellSpec.with_ion` to derive
variants.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import InvalidParameter

__all__ = ["IonSpec", "CellSpec"]


@dataclass(frozen=True)
class IonSpec:
    """One ion species across the membrane.

    Attributes
    ----------
    symbol : str
        Ion symbol as written by the user ("K", "Na", "A").
    valence : float
        Charge number (non-zero).
    inside_mM, outside_mM : float
        Concentrations, mM.
    permeability : float or None
        Permeability (relative units, or cm/s when ``permeability_unit`` is "cm/s").
    conductance : float or None
        Ohmic conductance, mS/cm^2.
    source, permeability_source, note : str or None
        Provenance of the numbers, free text.
    """

    symbol: str
    valence: float
    inside_mM: float
    outside_mM: float
    permeability: float | None = None
    conductance: float | None = None
    source: str | None = None
    permeability_source: str | None = None
    note: str | None = None

    @property
    def permeant(self) -> bool:
        """True if the ion can cross the membrane (P > 0 or g > 0)."""
        return bool((self.permeability or 0.0) > 0.0 or (self.conductance or 0.0) > 0.0)


@dataclass(frozen=True)
class CellSpec:
    """Temperature and ion species of a membrane, with provenance.

    Attributes
    ----------
    ions : tuple of IonSpec
        The species, in the order given.
    temperature_c : float
        Temperature, degC.
    name, title, description, source : str or None
        Identification and provenance (presets always have them).
    permeability_unit : {"relative", "cm/s"}
        Whether permeabilities are ratios or absolute.
    published : dict
        Literature values for comparison only (e.g. ``{"rest_mV": -65}``);
        never used in a computation.
    unlisted : dict
        What balances the charge of the listed ions (``inside_charge_mM``,
        ``outside_charge_mM`` and a ``note``); checked to cancel it.
    """

    ions: tuple[IonSpec, ...]
    temperature_c: float = 37.0
    name: str | None = None
    title: str | None = None
    description: str | None = None
    source: str | None = None
    temperature_source: str | None = None
    permeability_unit: str = "relative"
    published: dict[str, Any] = field(default_factory=dict)
    #: The charge of ions the table leaves out (``inside_charge_mM``, ``outside_charge_mM``, ``note``):
    #: an ion table for the resting potential need list only the permeant ions, but says what balances them.
    unlisted: dict[str, Any] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        """"conductance" if the permeant ions are given conductances, else "permeability"."""
        return "conductance" if any(i.conductance is not None for i in self.ions) else "permeability"

    def ion(self, symbol: str) -> IonSpec:
        """The ion with this symbol (case-insensitive)."""
        for ion in self.ions:
            if ion.symbol.lower() == symbol.lower():
                return ion
        raise InvalidParameter("ion", symbol, f"is not in this cell ({', '.join(i.symbol for i in self.ions)})")

    def has_ion(self, symbol: str) -> bool:
        return any(i.symbol.lower() == symbol.lower() for i in self.ions)

    def replace(self, **changes) -> "CellSpec":
        """A copy with some top-level fields changed (e.g. ``temperature_c=20``)."""
        return replace(self, **changes)

    def with_ion(self, symbol: str, **changes) -> "CellSpec":
        """A copy with one ion's fields changed (e.g. ``outside_mM=10``)."""
        self.ion(symbol)  # raises if absent
        ions = tuple(replace(i, **changes) if i.symbol.lower() == symbol.lower() else i for i in self.ions)
        return replace(self, ions=ions)

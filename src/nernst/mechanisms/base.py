"""The mechanism interface: small classes with named parameters and a pure flux method.

A mechanism moves ions across the membrane.  Given the membrane state (voltage,
concentrations on both sides, temperature) it returns the *outward flux
density* of each species it moves, in pmol/(cm^2 s) (the unit of
:func:`nernst.equilibrium.ghk_flux`).  The cell turns fluxes into rates of
change of amounts and into membrane current (I = z F J); a mechanism never
touches the cell's state.

Every mechanism states its source, its parameters with units, and validates
them when built.  Adding one needs no change elsewhere: subclass
:class:`Mechanism`, give it a ``kind`` and register it with :func:`register`.

Unit helpers: a current density of 1 uA/cm^2 carried by a species of valence
z is a flux of 1e6 / (z F) pmol/(cm^2 s).
"""

from __future__ import annotations

from collections.abc import Mapping

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from ..physics.constants import FARADAY
from ..errors import InvalidParameter

__all__ = ["MembraneState", "Mechanism", "REGISTRY", "register", "UA_PER_CM2_TO_PMOL", "current_to_flux"]

#: 1 uA/cm^2 of a monovalent ion = this many pmol/(cm^2 s): 1e-6 A/cm^2 / F * 1e12 pmol/mol.
UA_PER_CM2_TO_PMOL = 1e6 / FARADAY


def current_to_flux(current_uA_cm2, valence):
    """Outward flux density (pmol/cm^2/s) of a species carrying this outward current."""
    return current_uA_cm2 * UA_PER_CM2_TO_PMOL / valence


@dataclass
class MembraneState:
    """What a mechanism may read: voltage, concentrations, temperature.

    Attributes
    ----------
    v : float or ndarray
        Membrane potential, mV (inside - outside).
    inside, outside : dict of str to float or ndarray
        Concentrations, mM.
    vt : float
        RT/F, mV.
    valence : dict of str to float
        Valence of each species.
    """

    v: object
    inside: dict
    outside: dict
    vt: float
    valence: dict

    def reversal(self, species: str):
        """Nernst potential of *species* (mV), no validation (hot path)."""
        return self.vt / self.valence[species] * np.log(self.outside[species] / self.inside[species])


#: Every shipped mechanism, by its config ``kind``: the module (in this package) and the class.  The
#: registry is complete whatever was imported first; a class is imported when its kind is first asked for.
KINDS = {
    "leak": ("leak", "OhmicLeak"),
    "ghk_leak": ("leak", "GHKLeak"),
    "nak_pump": ("pumps", "NaKPump"),
    "kcc2": ("cotransporters", "KCC2"),
    "nkcc1": ("cotransporters", "NKCC1"),
    "ncx": ("exchangers", "NCX"),
    "pmca": ("exchangers", "PMCA"),
    "injection": ("electrodes", "CurrentInjection"),
    "clamp": ("electrodes", "VoltageClamp"),
}


class _Registry(Mapping):
    """``kind -> class``: the shipped kinds of :data:`KINDS`, and any class registered with :func:`register`."""

    def __init__(self):
        self._classes: dict[str, type] = {}

    def __getitem__(self, kind):
        if kind not in self._classes:
            if kind not in KINDS:
                raise KeyError(kind)
            import importlib

            module, name = KINDS[kind]
            self._classes[kind] = getattr(importlib.import_module(f"{__package__}.{module}"), name)
        return self._classes[kind]

    def __iter__(self):
        return iter(dict.fromkeys([*KINDS, *self._classes]))

    def __len__(self):
        return len(set(KINDS) | set(self._classes))

    def add(self, cls) -> None:
        self._classes[cls.kind] = cls


REGISTRY = _Registry()


def register(cls):
    """Class decorator: make a mechanism available to configs by its ``kind`` (the shipped ones are also
    listed in :data:`KINDS`, so that the registry never depends on the order of imports)."""
    REGISTRY.add(cls)
    return cls


@dataclass(frozen=True)
class Mechanism:
    """Base class.  Subclasses are frozen dataclasses with parameters as fields."""

    kind: ClassVar[str] = "mechanism"
    #: Literature source of the rate law, shown in reports.
    source: ClassVar[str] = ""

    @property
    def species(self) -> tuple[str, ...]:
        """The species this mechanism moves."""
        raise NotImplementedError

    def flux(self, st: MembraneState) -> dict:
        """Outward flux density of each moved species, pmol/(cm^2 s)."""
        raise NotImplementedError

    @property
    def label(self) -> str:
        return self.kind

    def scaled(self, factor: float) -> "Mechanism":
        """The same mechanism with its rate multiplied by *factor* (0 blocks it)."""
        raise NotImplementedError

    def parameters(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    # -- validation helpers for subclasses -------------------------------------------------
    def _positive(self, name: str, allow_zero: bool = True):
        value = getattr(self, name)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)
        if not ok or value < 0 or (value == 0 and not allow_zero):
            bound = ">= 0" if allow_zero else "> 0"
            raise InvalidParameter(f"{self.kind}.{name}", value, f"must be a finite number {bound}")

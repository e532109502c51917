"""The mechanism interface: small classes that declare their parameters once, with a pure flux method.

A mechanism moves ions across the membrane.  Given the membrane state (voltage,
concentrations on both sides, temperature) it returns the *outward flux
density* of each species it moves, in pmol/(cm^2 s) (the unit of
:func:`nernst.equilibrium.ghk_flux`).  The cell turns fluxes into rates of
change of amounts and into membrane current (I = z F J); a mechanism never
touches the cell's state.

Every mechanism states its source and declares its parameters in ``params``, a
tuple of :class:`Param` (name, quantity and unit, bounds, whether it scales the
rate, source).  That one declaration validates the parameters when the
mechanism is built, reads them from a cell config (with units: ``"0.3 mS/cm^2"``),
gives a sweep its units, scales the mechanism for a block or a protocol
(``scaled``) and writes the mechanisms table of the docs (:func:`table`).
Adding one needs no change elsewhere to *work*: subclass :class:`Mechanism`,
give it a ``kind``, its ``params`` and a ``flux`` method, register it with
:func:`register` and list its kind in :data:`KINDS`.  To be *fast* it packs its
row of the compiled kernel in ``compiled_row`` (one branch in the kernel);
without it the cell runs on the Python path.

Unit helpers: a current density of 1 uA/cm^2 carried by a species of valence
z is a flux of 1e6 / (z F) pmol/(cm^2 s).
"""

from __future__ import annotations

from collections.abc import Mapping

import math
from dataclasses import MISSING as dataclasses_missing, dataclass, fields, replace
from typing import ClassVar

import numpy as np

from .._core.quantities import UNIT_KINDS, parse_quantity
from ..errors import InvalidParameter
from ..physics.constants import FARADAY

__all__ = ["MembraneState", "Mechanism", "Param", "REGISTRY", "KINDS", "register", "table",
           "UA_PER_CM2_TO_PMOL", "current_to_flux"]

#: 1 uA/cm^2 of a monovalent ion = this many pmol/(cm^2 s): 1e-6 A/cm^2 / F * 1e12 pmol/mol.
UA_PER_CM2_TO_PMOL = 1e6 / FARADAY


def current_to_flux(current_uA_cm2, valence):
    """Outward flux density (pmol/cm^2/s) of a species carrying this outward current."""
    return current_uA_cm2 * UA_PER_CM2_TO_PMOL / valence


#: Kinds of a :class:`Param` that are not a physical quantity of :data:`~nernst._core.quantities.UNIT_KINDS`.
PLAIN_KINDS = {
    "number": "a dimensionless number",
    "count": "a whole number",
    "flag": "true or false",
    "choice": "one of a fixed set of words",
    "ion": "an ion of the cell, by its symbol",
}


def _g(x) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class Param:
    """The declaration of one parameter of a mechanism.

    Parameters
    ----------
    name : str
        The field of the mechanism's dataclass (its unit in the name: ``conductance_mS_cm2``).
    kind : str
        A quantity of :data:`~nernst._core.quantities.UNIT_KINDS` (``"conductance"``, ``"current"``,
        ``"concentration"``, ...), whose engine unit is the parameter's unit, or one of
        :data:`PLAIN_KINDS` (``"number"``, ``"count"``, ``"flag"``, ``"choice"``, ``"ion"``).
    lo, hi : float, optional
        Bounds (inclusive unless *lo_open*); None: unbounded on that side.
    lo_open : bool
        The value must be strictly greater than *lo*.
    rate : bool
        The parameter sets the mechanism's rate: :meth:`Mechanism.scaled` multiplies it (0 blocks it).
    choices : tuple of str
        The allowed words of a ``"choice"``.
    doc : str
        What the parameter means, one line (the docs' mechanisms table shows it).
    source : str
        Where its default value comes from, when it has one.
    """

    name: str
    kind: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    rate: bool = False
    choices: tuple = ()
    doc: str = ""
    source: str = ""

    def __post_init__(self):
        if self.kind not in UNIT_KINDS and self.kind not in PLAIN_KINDS:
            raise ValueError(f"Param {self.name}: unknown kind {self.kind!r}")

    @property
    def unit(self) -> str:
        """The engine unit ('' for a dimensionless, whole-number, flag, choice or ion parameter)."""
        return UNIT_KINDS[self.kind][0] if self.kind in UNIT_KINDS else ""

    @property
    def allowed(self) -> str:
        """The allowed values in words: ``"from 0 to 1e+08 mS/cm^2"``, ``"> 0 and <= 1e+05 mM"``."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "flag":
            return "true or false"
        if self.kind == "ion":
            return "an ion of the cell"
        unit = f" {self.unit}" if self.unit else ""
        low = None if self.lo is None else (">" if self.lo_open else ">=") + " " + _g(self.lo)
        if self.lo is not None and self.hi is not None and not self.lo_open:
            return f"from {_g(self.lo)} to {_g(self.hi)}{unit}"
        parts = [x for x in (low, None if self.hi is None else f"<= {_g(self.hi)}") if x]
        return " and ".join(parts) + unit if parts else f"any finite value{unit}"

    def coerce(self, value, field: str):
        """*value* checked against the declaration, in the engine unit (a text with a unit such as
        ``"0.3 mS/cm^2"`` is converted); :class:`~nernst.errors.InvalidParameter` naming *field* if not."""
        kind = self.kind
        if kind == "ion":
            if not isinstance(value, str) or not value:
                raise InvalidParameter(field, value, "must be an ion symbol such as 'K'")
            return value
        if kind == "flag":
            if not isinstance(value, (bool, np.bool_)):
                raise InvalidParameter(field, value, "must be true or false")
            return bool(value)
        if kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise InvalidParameter(field, value, f"must be {self.allowed}")
            return value
        if kind == "count":
            if isinstance(value, (float, np.floating)) and float(value).is_integer():  # 3.0 from a sweep
                value = int(value)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
                    or (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
                raise InvalidParameter(field, value, f"must be a whole number {self.allowed}")
            return int(value)
        if kind == "number":
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise InvalidParameter(field, value, "must be a number")
            x = float(value)
        else:
            x = parse_quantity(value, kind, field)
        if not math.isfinite(x) or (self.lo is not None and (x < self.lo or (self.lo_open and x == self.lo))) \
                or (self.hi is not None and x > self.hi):
            raise InvalidParameter(field, value, f"must be a finite number {self.allowed}")
        return x


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
    "kir": ("kir", "Kir"),
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
    """Base class.  Subclasses are frozen dataclasses whose fields are the parameters declared in
    ``params``; building one checks every declared parameter (and converts a text with a unit)."""

    kind: ClassVar[str] = "mechanism"
    #: Literature source of the rate law, shown in reports.
    source: ClassVar[str] = ""
    #: The declared parameters, one :class:`Param` per field.
    params: ClassVar[tuple] = ()
    #: The ions it moves when they do not depend on its parameters (e.g. ``("K", "Cl")`` for KCC2).
    moves: ClassVar[tuple] = ()

    def __post_init__(self):
        for p in self.params:
            object.__setattr__(self, p.name, p.coerce(getattr(self, p.name), f"{self.kind}.{p.name}"))
        self.check()

    def check(self) -> None:
        """Checks that involve more than one parameter (each declared one is checked already)."""

    @classmethod
    def param(cls, name: str) -> Param:
        """The declaration of parameter *name*."""
        for p in cls.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def species(self) -> tuple[str, ...]:
        """The species this mechanism moves."""
        if self.moves:
            return self.moves
        return tuple(getattr(self, p.name) for p in self.params if p.kind == "ion")

    def flux(self, st: MembraneState) -> dict:
        """Outward flux density of each moved species, pmol/(cm^2 s)."""
        raise NotImplementedError

    @property
    def label(self) -> str:
        return self.kind

    def scaled(self, factor: float) -> "Mechanism":
        """The same mechanism with its rate multiplied by *factor* (0 blocks it): every parameter
        declared with ``rate=True`` is multiplied."""
        return replace(self, **{p.name: getattr(self, p.name) * factor for p in self.params if p.rate})

    def compiled_row(self, index: dict):
        """This mechanism's row of the compiled pump-leak kernel, ``(type code, ion indices,
        parameters)``, with *index* mapping each ion to its position; None when the kernel has no
        branch for it (the cell then runs on the Python path)."""
        return None

    def parameters(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def table(classes=None) -> str:
    """The mechanisms table of the docs (Markdown), written from the declarations of *classes* (default:
    the shipped kinds of :data:`KINDS`): each kind with its
    class and the ions it moves, each parameter with its unit, allowed values, default, whether it scales
    the rate and what it means; then the source of each rate law."""
    rows = ["| kind (class) | moves | parameter | unit | allowed | default | scales the rate | meaning |",
            "|---|---|---|---|---|---|---|---|"]
    sources = []
    for kind in (classes or list(KINDS)):
        cls = REGISTRY[kind] if isinstance(kind, str) else kind
        defaults = {f.name: f.default for f in fields(cls)}
        moves = ", ".join(cls.moves) if cls.moves else "its `ion`"
        for i, p in enumerate(cls.params):
            d = defaults.get(p.name, dataclasses_missing)
            default = ("required" if d is dataclasses_missing else f"`{str(d).lower()}`" if isinstance(d, bool)
                       else f"`{d}`" if isinstance(d, str) else _g(d))
            meaning = p.doc + (f" (default: {p.source})" if p.source and d is not dataclasses_missing else "")
            head = (f"`{cls.kind}` ({cls.__name__})", moves) if i == 0 else ("", "")
            rows.append("| " + " | ".join([*head, f"`{p.name}`", p.unit or "-", p.allowed, default,
                                           "yes" if p.rate else "", meaning]) + " |")
        sources.append(f"- `{cls.kind}`: {cls.source}")
    return "\n".join(rows) + "\n\nSources of the rate laws:\n\n" + "\n".join(sources) + "\n"

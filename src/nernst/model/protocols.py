"""Protocols: timed events applied to a running pump-leak cell.

An event takes the model and the current state and returns new ones; the
solver restarts from there.  Events never mutate their inputs.

Available events (``action`` in a config):

* ``scale`` - multiply a mechanism's rate (0 blocks it: ouabain on the pump,
  TTX-like block of the Na leak, KCC2 knock-down to a fraction).
* ``remove`` / ``add`` - take a mechanism out, or put a new one in.
* ``set_outside`` - change a bath concentration, optionally substituting
  another ion one-for-one so the bath stays electroneutral and isosmotic
  (hyperkalemia: K_o 5 -> 10 mM replacing Na).
* ``add_inside`` - add an amount of an impermeant species together with the
  counter-ions that balance its charge (a real cell never adds bare charge).
* ``inject`` - a constant current carried by one ion (an electrode), or 0 to stop.
* ``clamp`` - hold V at a command voltage (a voltage clamp), or release it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .cell import BATH_CHARGE_TOLERANCE_MM, CellModel, CellState, Impermeant
from ..errors import InvalidParameter
from ..mechanisms.base import Mechanism
from ..mechanisms.electrodes import CurrentInjection, VoltageClamp  # (their home until 0.2: here)

__all__ = ["Event", "Protocol", "Scale", "Remove", "Add", "SetOutside", "AddInside", "Inject", "CurrentInjection",
           "Clamp", "VoltageClamp"]


def matches_target(m: Mechanism, target: str) -> bool:
    """A target names a mechanism by kind ("nak_pump") or kind:ion ("leak:Na")."""
    kind, _, ion = target.partition(":")
    if m.kind != kind:
        return False
    return not ion or getattr(m, "ion", None) == ion


def _find(model: CellModel, target: str) -> list:
    found = [i for i, m in enumerate(model.mechanisms) if matches_target(m, target)]
    if not found:
        have = ", ".join(sorted({m.kind + (f":{m.ion}" if hasattr(m, "ion") else "") for m in model.mechanisms}))
        raise InvalidParameter("mechanism", target, f"no such mechanism in the cell (have: {have})")
    return found


@dataclass(frozen=True)
class Event:
    """Base class: something that happens at ``time_s``."""

    time_s: float

    def apply(self, model: CellModel, state: CellState, original: CellModel | None = None):
        """New (model, state).  *original* is the model at the start of the run."""
        raise NotImplementedError

    def describe(self) -> str:
        return type(self).__name__


@dataclass(frozen=True)
class Scale(Event):
    """Set the rate of the mechanism(s) named *target* to *factor* times their rate at the
    start of the run (0 blocks, 1 restores); a mechanism added during the run is scaled
    relative to its current rate."""

    target: str = ""
    factor: float = 0.0

    def apply(self, model, state, original=None):
        idx = _find(model, self.target)
        mechs = list(model.mechanisms)
        before = [i for i, m in enumerate(original.mechanisms) if matches_target(m, self.target)] if original else []
        if len(before) == len(idx):
            for i, j in zip(idx, before):
                mechs[i] = original.mechanisms[j].scaled(self.factor)
        else:
            for i in idx:
                mechs[i] = mechs[i].scaled(self.factor)
        new = model.with_mechanisms(mechs)
        return new, replace(state, model=new)

    def describe(self):
        if self.factor == 0:
            return f"{self.target} blocked"
        return f"{self.target} restored" if self.factor == 1 else f"{self.target} x {self.factor:g}"


@dataclass(frozen=True)
class Remove(Event):
    """Take the mechanism(s) named *target* out."""

    target: str = ""

    def apply(self, model, state, original=None):
        idx = set(_find(model, self.target))
        new = model.with_mechanisms([m for i, m in enumerate(model.mechanisms) if i not in idx])
        return new, replace(state, model=new)

    def describe(self):
        return f"{self.target} removed"


@dataclass(frozen=True)
class Add(Event):
    """Put a new mechanism in."""

    mechanism: Mechanism | None = None

    def apply(self, model, state, original=None):
        for s in self.mechanism.species:
            if s not in model.species:
                raise InvalidParameter("mechanism", self.mechanism.kind, f"moves {s}, which the cell does not list")
        new = model.with_mechanisms(list(model.mechanisms) + [self.mechanism])
        return new, replace(state, model=new)

    def describe(self):
        return f"{self.mechanism.label} added"


@dataclass(frozen=True)
class SetOutside(Event):
    """Set the bath concentration of *ion* to *mM*; *substitute* takes up the difference.

    With an infinite bath this changes the bath; with a finite extracellular
    space it changes the amounts there (ions are added or removed, as when a
    solution is exchanged).
    """

    ion: str = ""
    mM: float = 0.0
    substitute: str | None = None

    def bath_after(self, outside: dict, valence: dict) -> dict:
        """The bath concentrations after the event (the config reader checks a protocol with it too).

        Raises InvalidParameter if the substitute would run out, has another valence, or if the
        change alone (no substitute) would leave the bath charged."""
        for s in (self.ion, self.substitute):
            if s is not None and s not in outside:
                raise InvalidParameter("ion", s, "is not an ion of this cell")
        if not (np.isfinite(self.mM) and self.mM > 0):
            raise InvalidParameter("mM", self.mM, "must be > 0")
        delta = self.mM - outside[self.ion]
        if self.substitute is not None:
            if valence[self.substitute] != valence[self.ion]:
                raise InvalidParameter("substitute", self.substitute, f"must have the valence of {self.ion}")
            if outside[self.substitute] - delta <= 0:
                raise InvalidParameter("substitute", self.substitute, "would drop to zero or below")
        elif abs(valence[self.ion] * delta) > BATH_CHARGE_TOLERANCE_MM:
            raise InvalidParameter(
                "substitute", InvalidParameter.NO_VALUE,
                f"is required: changing [{self.ion}]o from {outside[self.ion]:g} to {self.mM:g} mM alone would leave "
                f"the bath with a net charge of {valence[self.ion] * delta:+.4g} mM; name the ion it replaces one "
                "for one (e.g. substitute = \"Na\"), as a bath exchange does")
        new_out = dict(outside)
        new_out[self.ion] = self.mM
        if self.substitute is not None:
            new_out[self.substitute] = outside[self.substitute] - delta
        return new_out

    def apply(self, model, state, original=None):
        new_out = self.bath_after(state.outside_mM, model.valence)
        if model.finite_bath:
            n_out = np.array([new_out[s] * state.volume_out_um3 for s in model.species])
            return model, replace(state, n_out=n_out)
        new = model.replace(outside={s: float(new_out[s]) for s in model.species})
        return new, replace(state, model=new)

    def describe(self):
        sub = f" (replacing {self.substitute})" if self.substitute else ""
        return f"[{self.ion}]o -> {self.mM:g} mM{sub}"


@dataclass(frozen=True)
class AddInside(Event):
    """Add *mM* of impermeant *species* inside, with *counter_ion* balancing its charge."""

    species: str = "X"
    mM: float = 0.0
    valence: float = -1.0
    counter_ion: str = "K"

    def apply(self, model, state, original=None):
        if self.counter_ion not in model.species:
            raise InvalidParameter("counter_ion", self.counter_ion, "is not an ion of this cell")
        if self.species in model.species:
            raise InvalidParameter("species", self.species, "is one of the cell's permeant ions; an added "
                                   "impermeant species needs a name of its own (e.g. 'X')")
        w = state.volume_um3
        amount = self.mM * w
        z_c = model.valence[self.counter_ion]
        if np.sign(z_c) == np.sign(self.valence):
            raise InvalidParameter("counter_ion", self.counter_ion, "must have the opposite charge of the added species")
        imp = dict(model.impermeant_inside)
        amounts = dict(state.impermeant_in)
        if self.species in imp:
            if imp[self.species].valence != self.valence:
                raise InvalidParameter("valence", self.valence, f"differs from the existing {self.species}")
        else:
            imp[self.species] = Impermeant(0.0, self.valence)
        amounts[self.species] = amounts.get(self.species, 0.0) + amount
        n_in = state.n_in.copy()
        n_in[model.species.index(self.counter_ion)] += -self.valence * amount / z_c
        new = model.replace(impermeant_inside=imp)
        return new, replace(state, model=new, n_in=n_in, impermeant_in=amounts)

    def describe(self):
        return f"+{self.mM:g} mM {self.species} with {self.counter_ion}"


@dataclass(frozen=True)
class Inject(Event):
    """Start (or change, or with 0 stop) a current injection carried by *ion*."""

    ion: str = "K"
    current_uA_cm2: float = 0.0

    def apply(self, model, state, original=None):
        if self.ion not in model.species:
            raise InvalidParameter("ion", self.ion, "is not an ion of this cell")
        mechs = [m for m in model.mechanisms if m.kind != "injection"]
        if self.current_uA_cm2 != 0:
            mechs.append(CurrentInjection(self.ion, float(self.current_uA_cm2)))
        new = model.with_mechanisms(mechs)
        return new, replace(state, model=new)

    def describe(self):
        return f"inject {self.current_uA_cm2:g} uA/cm^2 ({self.ion})" if self.current_uA_cm2 else "injection off"


@dataclass(frozen=True)
class Clamp(Event):
    """Clamp V at *voltage_mV* (current carried by *ion*), or with None release the clamp."""

    voltage_mV: float | None = None
    ion: str = "K"

    def apply(self, model, state, original=None):
        if self.ion not in model.species:
            raise InvalidParameter("ion", self.ion, "is not an ion of this cell")
        mechs = [m for m in model.mechanisms if m.kind != "clamp"]
        if self.voltage_mV is not None:
            mechs.append(VoltageClamp(self.ion, float(self.voltage_mV)))
        new = model.with_mechanisms(mechs)
        return new, replace(state, model=new)

    def describe(self):
        return f"clamp at {self.voltage_mV:g} mV" if self.voltage_mV is not None else "clamp released"


@dataclass(frozen=True)
class Protocol:
    """An ordered list of events."""

    events: tuple = field(default_factory=tuple)

    def __post_init__(self):
        for e in self.events:
            if not isinstance(e, Event):
                raise InvalidParameter("protocol", e, "must contain Event objects")
            if not (np.isfinite(e.time_s) and e.time_s >= 0):
                raise InvalidParameter("protocol.at_s", e.time_s, "must be a time >= 0 s")

    def events_until(self, t_end: float) -> list:
        return sorted([e for e in self.events if e.time_s < t_end], key=lambda e: e.time_s)

# the names these had before they were shared across sub-packages
_matches = matches_target

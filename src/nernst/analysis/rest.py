"""The resting-potential report: every number a student asks about, from one spec.

:func:`resting_state` turns a :class:`~nernst.specs.CellSpec` into a
:class:`RestReport`: the GHK zero-current potential, the textbook weighted
average of the E_X, the chord-conductance potential (when conductances are
given), each ion's equilibrium potential, driving force, current at rest and
share of the current, the charge balance of the listed ions, and optionally the
Mullins-Noda potential with an electrogenic pump.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from ..physics import equilibrium as eq
from ..errors import InvalidParameter
from ..model.ion_table import CellSpec
from .._core.validation import check_positive, check_temperature
from ..errors import SolverError

__all__ = ["IonRest", "RestReport", "resting_state"]


@dataclass(frozen=True)
class IonRest:
    """Per-ion part of a :class:`RestReport` (units in the field names)."""

    symbol: str
    valence: float
    inside_mM: float
    outside_mM: float
    permeability: float | None
    conductance: float | None
    equilibrium_mV: float | None
    driving_force_mV: float | None
    current: float
    current_share: float


@dataclass(frozen=True)
class RestReport:
    """Resting state of a membrane.

    Attributes
    ----------
    temperature_c : float
    mode : {"permeability", "conductance"}
        What the spec gave for the permeant ions.
    rest_mV : float
        The model's own resting potential: ``ghk_mV`` for permeabilities,
        ``chord_mV`` for conductances.  Driving forces and currents are at it.
    ghk_mV : float
        Zero-current potential of GHK currents.  With conductances given, the
        permeabilities are those whose GHK slope conductance at this potential
        equals g (a leak conductance measured at rest is a slope conductance).
    weighted_mV : float
        Average of the E_X weighted by the given permeabilities (the textbook
        formula) or conductances.
    chord_mV : float or None
        sum g E / sum g, when conductances are given.
    current_unit : str
        "uA/cm^2" when currents are absolute, "relative" when permeabilities
        are ratios.
    pump_ratio : float or None
        Coupling ratio r of an electrogenic Na/K pump (3/2), when asked for.
    pumped_mV : float or None
        The zero-current potential with the pump's current, every permeant ion
        included: the pump extrudes the Na+ that leaks in, its net current is
        -(1 - 1/r) I_Na (:func:`nernst.equilibrium.pumped_weights`).
    pump_share_mV : float or None
        The pump's electrogenic share: ``pumped_mV - rest_mV`` (same ions, same
        permeabilities), the one definition used by rest, story, steady and scenarios.
    mullins_noda_mV : float or None
        The Mullins & Noda (1963) closed form, Na+ and K+ only (equal to
        ``pumped_mV`` when they are the only permeant ions); with permeabilities only.
    mullins_noda_leaves_out : tuple of str
        The permeant ions the closed form leaves out (e.g. ("Cl",)).
    na_k_ghk_mV : float or None
        The GHK potential of Na+ and K+ alone: ``mullins_noda_mV - na_k_ghk_mV``
        is the closed form's share.
    charge_balance_mM : dict
        sum z c of the listed ions inside and outside (non-zero means ions the
        spec does not list must balance the charge).
    """

    temperature_c: float
    mode: str
    rest_mV: float
    ghk_mV: float
    weighted_mV: float
    chord_mV: float | None
    current_unit: str
    ions: tuple[IonRest, ...]
    charge_balance_mM: dict = field(default_factory=dict)
    mullins_noda_mV: float | None = None
    pump_ratio: float | None = None
    pumped_mV: float | None = None
    pump_share_mV: float | None = None
    mullins_noda_leaves_out: tuple = ()
    na_k_ghk_mV: float | None = None
    name: str | None = None
    #: What balances the listed ions' charge (the spec's ``[unlisted]`` note), while it still does
    #: (a changed table no longer adds up with it).
    unlisted_note: str | None = None

    @property
    def ghk_minus_weighted_mV(self) -> float:
        """How far the textbook weighted average is from the GHK potential."""
        return self.ghk_mV - self.weighted_mV

    def ion(self, symbol: str) -> IonRest:
        for i in self.ions:
            if i.symbol.lower() == symbol.lower():
                return i
        raise InvalidParameter("ion", symbol, "is not in this report")

    def as_dict(self) -> dict:
        """JSON-ready dict (the ``nernst rest --json`` contract)."""
        out = {
            "name": self.name,
            "temperature_c": self.temperature_c,
            "mode": self.mode,
            "rest_mV": self.rest_mV,
            "ghk_mV": self.ghk_mV,
            "weighted_mV": self.weighted_mV,
            "ghk_minus_weighted_mV": self.ghk_minus_weighted_mV,
        }
        if self.chord_mV is not None:
            out["chord_mV"] = self.chord_mV
        if self.pump_ratio is not None:
            out["pump_ratio"] = self.pump_ratio
            out["pumped_mV"] = self.pumped_mV
            out["pump_share_mV"] = self.pump_share_mV
            out["mullins_noda_mV"] = self.mullins_noda_mV
            out["mullins_noda_leaves_out"] = list(self.mullins_noda_leaves_out)
            out["na_k_ghk_mV"] = self.na_k_ghk_mV
        out["current_unit"] = self.current_unit
        out["charge_balance_mM"] = dict(self.charge_balance_mM)
        out["ions"] = {}
        for i in self.ions:
            d = asdict(i)
            sym = d.pop("symbol")
            out["ions"][sym] = d
        return out


def _f(x) -> float:
    return float(x)


def _equivalent_ghk(g, ci, co, z, t, v_start, tol_mV=1e-10, max_iter=200):
    """GHK permeabilities equivalent to ohmic conductances, and their zero-current potential.

    A leak conductance measured at rest is a slope conductance there, so each
    P_X is chosen so that the GHK current's slope dI_X/dV at the GHK resting
    potential V equals g_X.  V and the P_X depend on each other; they are found
    by fixed-point iteration from the chord potential.
    """

    v = v_start
    for _ in range(max_iter):
        p = [_f(eq.permeability_from_conductance(gi, a, b, zi, t, voltage_mV=v)) for gi, a, b, zi in zip(g, ci, co, z)]
        v_new = _f(eq.zero_current_potential(ci, co, z, p, t))
        if abs(v_new - v) < tol_mV:
            return p, v_new
        v = v_new
    raise SolverError("GHK potential equivalent to the given conductances did not converge")


def resting_state(spec: CellSpec, pump_ratio: float | None = None, temperature_c: float | None = None) -> RestReport:
    """Compute the resting report of *spec*.

    Parameters
    ----------
    spec : CellSpec
        From :func:`nernst.presets.load_preset` or :func:`nernst.config.load_config`.
    pump_ratio : float, optional
        Coupling ratio r of an electrogenic Na/K pump (3/2 for the Na/K-ATPase);
        adds the Mullins-Noda potential (needs permeant Na and K).
    temperature_c : float, optional
        Overrides the spec's temperature.

    Returns
    -------
    RestReport

    Examples
    --------
    >>> from nernst.presets import load_preset
    >>> rep = resting_state(load_preset("mammalian_neuron"))
    >>> round(rep.ghk_mV, 1), round(rep.ion("K").equilibrium_mV, 1)
    (-64.9, -89.1)
    """
    if not isinstance(spec, CellSpec):
        raise InvalidParameter("spec", spec, "must be a CellSpec (from load_preset or load_config)")
    t = spec.temperature_c if temperature_c is None else float(temperature_c)

    check_temperature(t)
    if pump_ratio is not None:
        pump_ratio = float(check_positive(pump_ratio, "pump_ratio", ""))
        if not 1e-3 <= pump_ratio <= 1e3:  # Na+ out per K+ in: 3/2 for the Na/K-ATPase
            raise InvalidParameter("pump_ratio", pump_ratio, "must be a coupling ratio from 0.001 to 1000 "
                                   "(Na+ out per K+ in; 1.5 for 3Na:2K)")
    ions = spec.ions
    permeant = [i for i in ions if i.permeant]
    if not permeant:
        raise InvalidParameter("ions", InvalidParameter.NO_VALUE, "no permeant ion")
    e_all = {
        i.symbol: (_f(eq.nernst(i.inside_mM, i.outside_mM, i.valence, t)) if i.inside_mM > 0 and i.outside_mM > 0 else None)
        for i in ions
    }
    mode = spec.mode
    ci = [i.inside_mM for i in permeant]
    co = [i.outside_mM for i in permeant]
    z = [i.valence for i in permeant]
    e_perm = [e_all[i.symbol] for i in permeant]

    if mode == "conductance":
        g = [i.conductance or 0.0 for i in permeant]
        chord = _f(eq.chord_potential(e_perm, g))
        weighted = chord
        p, ghk = _equivalent_ghk(g, ci, co, z, t, chord)
        rest = chord
        currents = {i.symbol: (i.conductance or 0.0) * (rest - e_all[i.symbol]) for i in permeant}
        perm_out = dict(zip([i.symbol for i in permeant], p))
        unit = "uA/cm^2"
    else:
        p = [i.permeability or 0.0 for i in permeant]
        ghk = _f(eq.zero_current_potential(ci, co, z, p, t))
        weighted = _f(eq.weighted_average_potential(e_perm, p))
        chord = None
        rest = ghk
        currents = {
            i.symbol: _f(eq.ghk_current(rest, i.inside_mM, i.outside_mM, i.valence, pi, t))
            for i, pi in zip(permeant, p)
        }
        perm_out = {i.symbol: i.permeability for i in permeant}
        unit = "uA/cm^2" if spec.permeability_unit == "cm/s" else "relative"

    total = sum(abs(c) for c in currents.values())
    rows = []
    for i in ions:
        e = e_all[i.symbol]
        cur = currents.get(i.symbol, 0.0)
        rows.append(
            IonRest(
                symbol=i.symbol,
                valence=i.valence,
                inside_mM=i.inside_mM,
                outside_mM=i.outside_mM,
                permeability=perm_out.get(i.symbol, i.permeability),
                conductance=i.conductance,
                equilibrium_mV=e,
                driving_force_mV=None if e is None else rest - e,
                current=cur,
                current_share=cur / total if total > 0 else 0.0,
            )
        )
    balance = {
        "inside": sum(i.valence * i.inside_mM for i in ions),
        "outside": sum(i.valence * i.outside_mM for i in ions),
    }
    un = spec.unlisted or {}
    adds_up = all(abs(balance[side] + un.get(f"{side}_charge_mM", 0.0)) <= 1e-3 for side in ("inside", "outside"))
    unlisted_note = un.get("note") if adds_up else None

    mn = pumped = share = na_k = None
    left_out = ()
    if pump_ratio is not None:
        if not (spec.has_ion("Na") and spec.has_ion("K")):
            raise InvalidParameter("pump_ratio", pump_ratio, "the pump needs Na and K in the cell")
        na, k = spec.ion("Na"), spec.ion("K")
        if not (na.permeant and k.permeant):
            raise InvalidParameter("pump_ratio", pump_ratio, "the pump's share needs permeant Na and K")
        syms = [i.symbol for i in permeant]
        # one definition: the zero-current potential with the pump's current minus without it
        if mode == "conductance":
            pumped = _f(eq.chord_potential(e_perm, eq.pumped_weights(g, syms, pump_ratio)))
        else:
            pumped = _f(eq.zero_current_potential(ci, co, z, eq.pumped_weights(p, syms, pump_ratio), t))
        share = pumped - rest
        if mode == "permeability":  # the closed form is a GHK result: shown beside GHK only
            args = (na.inside_mM, na.outside_mM, k.inside_mM, k.outside_mM, na.permeability, k.permeability)
            mn = _f(eq.mullins_noda_potential(*args, ratio=pump_ratio, temperature_c=t))
            na_k = _f(eq.mullins_noda_potential(*args, ratio=1.0, temperature_c=t))
            left_out = tuple(s for s in syms if s not in ("Na", "K"))

    for v in (ghk, weighted, rest):
        if not math.isfinite(v):
            raise InvalidParameter("ions", InvalidParameter.NO_VALUE, "the resting potential is not finite for these values")
    return RestReport(
        temperature_c=t,
        mode=mode,
        rest_mV=rest,
        ghk_mV=ghk,
        weighted_mV=weighted,
        chord_mV=chord,
        current_unit=unit,
        ions=tuple(rows),
        charge_balance_mM=balance,
        mullins_noda_mV=mn,
        pump_ratio=None if pump_ratio is None else float(pump_ratio),
        pumped_mV=pumped,
        pump_share_mV=share,
        mullins_noda_leaves_out=left_out,
        na_k_ghk_mV=na_k,
        unlisted_note=unlisted_note,
        name=spec.name,
    )

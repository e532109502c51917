"""Electrodes as mechanisms: a current injection and a voltage clamp, each carried by one ion.

They enter a cell through the protocol events ``inject`` and ``clamp`` (:mod:`nernst.model.protocols`);
the ions they move are counted like any other flux.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import Mechanism, MembraneState, Param, current_to_flux, register

#: Type codes in the compiled pump-leak kernel.
INJECT_CODE, CLAMP_CODE = 7, 8

__all__ = ["CurrentInjection", "VoltageClamp"]


@register
@dataclass(frozen=True)
class CurrentInjection(Mechanism):
    """A constant current through an electrode, carried by one ion.

    Parameters
    ----------
    ion : str
        The carrier (K+ for a KCl- or K-gluconate-filled pipette).
    current_uA_cm2 : float
        Injected current per membrane area, uA/cm^2; positive depolarizes
        (positive charge into the cell).
    """

    ion: str
    current_uA_cm2: float
    kind = "injection"
    source = "an electrode"
    params = (Param("ion", "ion", doc="the carrier"),
              Param("current_uA_cm2", "current", lo=-1e6, hi=1e6, rate=True,
                    doc="injected current per membrane area; positive depolarizes"))

    @property
    def label(self):
        return f"injected ({self.ion})"

    def flux(self, st: MembraneState) -> dict:
        # injected inward current = negative outward current
        return {self.ion: current_to_flux(-self.current_uA_cm2, st.valence[self.ion])}

    def compiled_row(self, index):
        return INJECT_CODE, (index[self.ion],), (self.current_uA_cm2,)


@register
@dataclass(frozen=True)
class VoltageClamp(Mechanism):
    """A voltage-clamp amplifier: a high-gain current source that holds V at *voltage_mV*.

    Its current is I = g (V - V_command), carried by one ion (the pipette's main
    cation, K+ by default).  With the default gain g = 1000 mS/cm^2 (a time
    constant C_m/g of 1 us at 1 uF/cm^2) V stays within I_membrane/g of the
    command (0.001 mV per uA/cm^2 of membrane current with the default gain);
    the ions it injects are counted like any other.

    Parameters
    ----------
    ion : str
        Carrier of the clamp current.
    voltage_mV : float
        Command potential.
    conductance_mS_cm2 : float
        Clamp gain.
    """

    ion: str
    voltage_mV: float
    conductance_mS_cm2: float = 1000.0
    kind = "clamp"
    source = "a voltage-clamp amplifier (Cole 1949; Hodgkin, Huxley & Katz 1952)"
    params = (Param("ion", "ion", doc="carrier of the clamp current"),
              Param("voltage_mV", "voltage", lo=-1000.0, hi=1000.0, doc="command potential"),
              Param("conductance_mS_cm2", "conductance", lo=0.0, lo_open=True, hi=1e8, rate=True, doc="clamp gain"))

    @property
    def label(self):
        return f"clamp ({self.ion})"

    def flux(self, st: MembraneState) -> dict:
        return {self.ion: current_to_flux(self.conductance_mS_cm2 * (st.v - self.voltage_mV), st.valence[self.ion])}

    def compiled_row(self, index):
        return CLAMP_CODE, (index[self.ion],), (self.conductance_mS_cm2, self.voltage_mV)

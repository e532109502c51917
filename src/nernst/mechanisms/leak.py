"""Leak channels: always open, one ion each, in two forms.

* :class:`GHKLeak` - constant-field (Goldman-Hodgkin-Katz) flux with a
  permeability in cm/s (Goldman 1943; Hodgkin & Katz 1949).
* :class:`OhmicLeak` - I = g (V - E_X) with a conductance in mS/cm^2 (the
  form of Hodgkin & Huxley 1952 and of Kay 2017 / Keener & Sneyd).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..physics.equilibrium import bern
from .base import Mechanism, MembraneState, Param, current_to_flux, register

#: Type codes of these leaks in the compiled pump-leak kernel.
LEAK_CODE, GHK_CODE = 0, 1

__all__ = ["GHKLeak", "OhmicLeak"]


@register
@dataclass(frozen=True)
class GHKLeak(Mechanism):
    """GHK leak of one ion.

    Parameters
    ----------
    ion : str
        Species symbol.
    permeability_cm_s : float
        Permeability, cm/s (>= 0).
    """

    ion: str
    permeability_cm_s: float
    kind = "ghk_leak"
    source = "Goldman 1943, J Gen Physiol 27:37; Hodgkin & Katz 1949, J Physiol 108:37"
    params = (Param("ion", "ion", doc="the ion that leaks"),
              Param("permeability_cm_s", "permeability", lo=0.0, hi=1e6, rate=True, doc="permeability P"))

    @property
    def label(self):
        return f"{self.ion} leak (GHK)"

    def flux(self, st: MembraneState) -> dict:
        z = st.valence[self.ion]
        s = z * st.v / st.vt
        ci, co = st.inside[self.ion], st.outside[self.ion]
        # pmol/(cm^2 s) with P in cm/s and c in mM: 1e6 P (ci b(s) - co b(-s))
        return {self.ion: 1e6 * self.permeability_cm_s * (ci * bern(s) - co * bern(-s))}

    def compiled_row(self, index):
        return GHK_CODE, (index[self.ion],), (self.permeability_cm_s,)


@register
@dataclass(frozen=True)
class OhmicLeak(Mechanism):
    """Ohmic leak of one ion: I = g (V - E_X).

    Parameters
    ----------
    ion : str
        Species symbol.
    conductance_mS_cm2 : float
        Conductance, mS/cm^2 (>= 0).
    """

    ion: str
    conductance_mS_cm2: float
    kind = "leak"
    source = "Hodgkin & Huxley 1952, J Physiol 117:500 (ohmic leak); Keener & Sneyd, Mathematical Physiology, ch. 2"
    params = (Param("ion", "ion", doc="the ion that leaks"),
              Param("conductance_mS_cm2", "conductance", lo=0.0, hi=1e8, rate=True, doc="conductance g"))

    @property
    def label(self):
        return f"{self.ion} leak"

    def flux(self, st: MembraneState) -> dict:
        current = self.conductance_mS_cm2 * (st.v - st.reversal(self.ion))  # uA/cm^2
        return {self.ion: current_to_flux(current, st.valence[self.ion])}

    def compiled_row(self, index):
        return LEAK_CODE, (index[self.ion],), (self.conductance_mS_cm2,)

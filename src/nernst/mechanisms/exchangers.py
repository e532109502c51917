"""Calcium extrusion: the Na/Ca exchanger and the plasma-membrane Ca-ATPase.

* NCX, 3 Na+ in : 1 Ca2+ out per cycle, one net charge in.  Linear
  thermodynamic (reversal-potential) form: I_NCX = g (V - E_NCX) with
  E_NCX = 3 E_Na - 2 E_Ca (Blaustein & Lederer 1999, Physiol Rev 79:763); the
  exchanger runs forward (Ca out) while V < E_NCX.
* PMCA: Michaelis-Menten Ca2+ extrusion, J = J_max [Ca]i / ([Ca]i + K_m)
  (Carafoli 1991, Physiol Rev 71:129; K_m of a few hundred nM).  Counted here as
  moving two charges per Ca2+ (the H+ it takes in is buffered and not tracked).
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import UA_PER_CM2_TO_PMOL, Mechanism, MembraneState, Param, register

#: Type codes in the compiled pump-leak kernel.
NCX_CODE, PMCA_CODE = 5, 6

__all__ = ["NCX", "PMCA"]


@register
@dataclass(frozen=True)
class NCX(Mechanism):
    """Na/Ca exchanger, 3 Na+ : 1 Ca2+.

    Parameters
    ----------
    conductance_mS_cm2 : float
        g_NCX (>= 0); outward current I = g (V - (3 E_Na - 2 E_Ca)).
    """

    conductance_mS_cm2: float
    kind = "ncx"
    source = "Blaustein & Lederer 1999, Physiol Rev 79:763 (E_NCX = 3 E_Na - 2 E_Ca)"
    params = (Param("conductance_mS_cm2", "conductance", lo=0.0, hi=1e8, rate=True,
                    doc="g_NCX: outward current g (V - (3 E_Na - 2 E_Ca))"),)
    moves = ("Na", "Ca")

    @property
    def label(self):
        return "Na/Ca exchanger"

    def flux(self, st: MembraneState) -> dict:
        e_ncx = 3.0 * st.reversal("Na") - 2.0 * st.reversal("Ca")
        current = self.conductance_mS_cm2 * (st.v - e_ncx)  # outward, uA/cm^2
        forward = -current * UA_PER_CM2_TO_PMOL  # cycles per cm^2 per s moving Ca out
        return {"Ca": forward, "Na": -3.0 * forward}

    def compiled_row(self, index):
        return NCX_CODE, (index["Na"], index["Ca"]), (self.conductance_mS_cm2,)


@register
@dataclass(frozen=True)
class PMCA(Mechanism):
    """Plasma-membrane Ca2+-ATPase.

    Parameters
    ----------
    current_uA_cm2 : float
        Maximal outward current 2 F J_max, uA/cm^2 (>= 0).
    km_mM : float
        Half-saturating [Ca]i, mM (default 2e-4 mM = 200 nM).
    """

    current_uA_cm2: float
    km_mM: float = 2e-4
    kind = "pmca"
    source = "Carafoli 1991, Physiol Rev 71:129 (Michaelis-Menten Ca extrusion)"
    params = (Param("current_uA_cm2", "current", lo=0.0, hi=1e6, rate=True, doc="maximal outward current 2 F J_max"),
              Param("km_mM", "concentration", lo=0.0, lo_open=True, hi=1e5, doc="half-saturating [Ca]i",
                    source="Carafoli 1991 (a few hundred nM)"))
    moves = ("Ca",)

    @property
    def label(self):
        return "PMCA"

    def flux(self, st: MembraneState) -> dict:
        ca = st.inside["Ca"]
        jmax = self.current_uA_cm2 * UA_PER_CM2_TO_PMOL / 2.0
        return {"Ca": jmax * ca / (ca + self.km_mM)}

    def compiled_row(self, index):
        return PMCA_CODE, (index["Ca"],), (self.current_uA_cm2, self.km_mM)

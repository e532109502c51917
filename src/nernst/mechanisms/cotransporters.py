"""Electroneutral cation-chloride cotransporters in their linear-thermodynamic form.

The flux is proportional to the free energy that drives one cycle (the
logarithm of the product of concentration ratios), which makes the
transporter stop exactly at its thermodynamic equilibrium.

* KCC2: one K+ and one Cl- out per cycle (Payne 1997; form of Duesterwald et al.
  2018, eLife 7:e39575): J_out = g (E_Cl - E_K) / F, i.e.
  U ln([K]i[Cl]i / ([K]o[Cl]o)) with U = g (RT/F) / F.
* NKCC1: one Na+, one K+ and two Cl- in per cycle (Russell 2000, Physiol Rev
  80:211): J_in = U ln([Na]o[K]o[Cl]o^2 / ([Na]i[K]i[Cl]i^2)).

Both take a "conductance" g in mS/cm^2 as their rate constant, so that g times
a driving potential (mV) is a current-equivalent density (uA/cm^2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import UA_PER_CM2_TO_PMOL, Mechanism, MembraneState, Param, register

#: Type codes in the compiled pump-leak kernel.
KCC2_CODE, NKCC1_CODE = 3, 4

__all__ = ["KCC2", "NKCC1"]


@register
@dataclass(frozen=True)
class KCC2(Mechanism):
    """K-Cl cotransporter 2 (K+ and Cl- out).

    Parameters
    ----------
    conductance_mS_cm2 : float
        Rate constant g_KCC2 (>= 0); flux = g (E_Cl - E_K) / F outward.
    """

    conductance_mS_cm2: float
    kind = "kcc2"
    source = "Duesterwald et al. 2018, eLife 7:e39575 (linear thermodynamic form)"
    params = (Param("conductance_mS_cm2", "conductance", lo=0.0, hi=1e8, rate=True,
                    doc="rate constant g: outward flux g (E_Cl - E_K) / F"),)
    moves = ("K", "Cl")

    @property
    def label(self):
        return "KCC2"

    def flux(self, st: MembraneState) -> dict:
        drive = st.vt * np.log(st.inside["K"] * st.inside["Cl"] / (st.outside["K"] * st.outside["Cl"]))  # E_Cl - E_K
        j = self.conductance_mS_cm2 * drive * UA_PER_CM2_TO_PMOL
        return {"K": j, "Cl": j}

    def compiled_row(self, index):
        return KCC2_CODE, (index["K"], index["Cl"]), (self.conductance_mS_cm2,)


@register
@dataclass(frozen=True)
class NKCC1(Mechanism):
    """Na-K-2Cl cotransporter 1 (one Na+, one K+, two Cl- in).

    Parameters
    ----------
    conductance_mS_cm2 : float
        Rate constant (>= 0); inward cycle flux = g (RT/F) ln(...) / F.
    """

    conductance_mS_cm2: float
    kind = "nkcc1"
    source = "Russell 2000, Physiol Rev 80:211; linear thermodynamic form as for KCC2 (Duesterwald et al. 2018)"
    params = (Param("conductance_mS_cm2", "conductance", lo=0.0, hi=1e8, rate=True,
                    doc="rate constant g: inward cycle flux g (RT/F) ln(...) / F"),)
    moves = ("Na", "K", "Cl")

    @property
    def label(self):
        return "NKCC1"

    def flux(self, st: MembraneState) -> dict:
        i, o = st.inside, st.outside
        drive = st.vt * np.log(o["Na"] * o["K"] * o["Cl"] ** 2 / (i["Na"] * i["K"] * i["Cl"] ** 2))
        j_in = self.conductance_mS_cm2 * drive * UA_PER_CM2_TO_PMOL
        return {"Na": -j_in, "K": -j_in, "Cl": -2.0 * j_in}

    def compiled_row(self, index):
        return NKCC1_CODE, (index["Na"], index["K"], index["Cl"]), (self.conductance_mS_cm2,)

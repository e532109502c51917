"""The inward-rectifier K+ channel of astrocytes (Kir4.1), instantaneous, in the form of Halnes et al. 2013.

Kir channels pass K+ more easily into the cell than out of it, and their conductance grows with the
square root of the external K+ (Hagiwara & Takahashi 1974, J Membr Biol 18:61; Sakmann & Trube 1984,
J Physiol 347:641).  In astrocytes they take up the K+ that neurons release (Kofuji & Newman 2004,
Neuroscience 129:1045).  The current, outward positive and carried by K+, is

    I_Kir = g f(V, [K]o) (V - E_K),

    f = sqrt([K]o / K_ref)
        * (1 + exp(18.5/42.4)) / (1 + exp((V - E_K + 18.5)/42.4))
        * (1 + exp(-(118.6 + E_K,ref)/44.1)) / (1 + exp(-(118.6 + V)/44.1))

with V and the reversal potentials in mV (Halnes et al. 2013, PLoS Comput Biol 9:e1003386; the constants
of its published code, ModelDB 151945).  f is 1 at the reference state (V = E_K = E_K,ref and
[K]o = K_ref), so ``conductance_mS_cm2`` is the conductance there.  The gating is taken as instantaneous:
Kir channels open and close in about a millisecond, faster than the ion shifts this cell follows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import Mechanism, MembraneState, Param, current_to_flux, register

__all__ = ["Kir"]

_SOURCE = "Halnes et al. 2013, PLoS Comput Biol 9:e1003386 (ModelDB 151945)"


@register
@dataclass(frozen=True)
class Kir(Mechanism):
    """Inward-rectifier K+ channel (astrocytic Kir4.1), instantaneous.

    Parameters
    ----------
    conductance_mS_cm2 : float
        g, the conductance at the reference state, mS/cm^2 (16.96 S/m^2 = 1.696 mS/cm^2 in Halnes et al. 2013).
    k_out_ref_mM : float
        K_ref, the external K+ at which the square-root factor is 1, mM.
    e_k_ref_mV : float
        E_K,ref, the K+ reversal potential at the reference state, mV (-89.34 mV: E_K of 3.082 mM
        outside and 99.959 mM inside at 298 K, Halnes et al. 2013).
    """

    conductance_mS_cm2: float = 1.696
    k_out_ref_mM: float = 3.082
    e_k_ref_mV: float = -89.34
    kind = "kir"
    source = "Kir4.1 of astrocytes: " + _SOURCE + "; sqrt([K]o) law: Hagiwara & Takahashi 1974, Sakmann & Trube 1984"
    params = (
        Param("conductance_mS_cm2", "conductance", lo=0.0, hi=1e8, rate=True,
              doc="conductance g at the reference state", source=_SOURCE),
        Param("k_out_ref_mM", "concentration", lo=0.0, lo_open=True, hi=1e5,
              doc="[K]o at which the sqrt([K]o) factor is 1", source=_SOURCE),
        Param("e_k_ref_mV", "voltage", lo=-1000.0, hi=1000.0,
              doc="E_K at the reference state", source=_SOURCE + " (3.082 / 99.959 mM at 298 K)"),
    )
    moves = ("K",)

    @property
    def label(self):
        return "Kir (K+ inward rectifier)"

    def gating(self, st: MembraneState):
        """The factor f(V, [K]o) (1 at the reference state)."""
        dv = st.v - st.reversal("K")
        with np.errstate(over="ignore"):  # far from rest a factor tends to 0, correctly
            rectify = (1.0 + math.exp(18.5 / 42.4)) / (1.0 + np.exp((dv + 18.5) / 42.4))
            block = (1.0 + math.exp(-(118.6 + self.e_k_ref_mV) / 44.1)) / (1.0 + np.exp(-(118.6 + st.v) / 44.1))
        return np.sqrt(st.outside["K"] / self.k_out_ref_mM) * rectify * block

    def current(self, st: MembraneState):
        """Outward Kir current, uA/cm^2."""
        return self.conductance_mS_cm2 * self.gating(st) * (st.v - st.reversal("K"))

    def flux(self, st: MembraneState) -> dict:
        return {"K": current_to_flux(self.current(st), st.valence["K"])}

"""The Na/K-ATPase: 3 Na+ out and 2 K+ in per cycle, one net charge out.

Rate laws (``form``), each as a net outward pump current density I_p in uA/cm^2
(cycle rate = I_p / F per unit net charge):

* ``"constant"``: I_p = ``current_uA_cm2`` (Keener & Sneyd, Mathematical
  Physiology, 2nd ed., ch. 2; Kay 2017, Front Cell Dev Biol 5:41).
* ``"cubic"``: I_p = ``current_uA_cm2`` ([Na]i/[Na]o)^3 (Duesterwald et al.
  2018, eLife 7:e39575, after Keener & Sneyd).
* ``"saturating"``: I_p = ``current_uA_cm2`` * [Na]i^n/([Na]i^n + K_Na^n)
  * [K]o^m/([K]o^m + K_K^m), Hill kinetics in internal Na+ and external K+
  (Hubel & Dahlem 2014, PLoS Comput Biol 10:e1003941, with n = 1.5, m = 1;
  Saetra et al. 2020 use sigmoids with K_Na = 25 mM and K_K = 3.5 mM).

Optionally the rate is multiplied by the voltage factor of Luo & Rudy (1994,
Circ Res 74:1071): f(V) = 1 / (1 + 0.1245 exp(-0.1 V/(RT/F)) + 0.0365 sigma exp(-V/(RT/F))),
sigma = (exp([Na]o/67.3) - 1)/7.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameter
from .base import UA_PER_CM2_TO_PMOL, Mechanism, MembraneState, Param, register

__all__ = ["NaKPump"]

_FORMS = ("constant", "cubic", "saturating")
#: Type code in the compiled pump-leak kernel.
PUMP_CODE = 2


@register
@dataclass(frozen=True)
class NaKPump(Mechanism):
    """Na/K-ATPase.

    Parameters
    ----------
    current_uA_cm2 : float
        Net outward pump current at full rate, uA/cm^2 (>= 0).
    form : {"constant", "cubic", "saturating"}
        Rate law (see the module docstring).
    k_na_mM, k_k_mM : float
        Half-activation constants of the saturating form, mM.
    hill_na, hill_k : float
        Hill coefficients of the saturating form.
    na_per_cycle, k_per_cycle : int
        Stoichiometry (3 and 2); the net charge per cycle is their difference.
    voltage_dependent : bool
        Multiply by the Luo-Rudy voltage factor.
    """

    current_uA_cm2: float
    form: str = "constant"
    k_na_mM: float = 10.0
    k_k_mM: float = 1.5
    hill_na: float = 1.5
    hill_k: float = 1.0
    na_per_cycle: int = 3
    k_per_cycle: int = 2
    voltage_dependent: bool = False
    kind = "nak_pump"
    source = "Skou 1957; constant: Keener & Sneyd / Kay 2017; cubic: Duesterwald et al. 2018; saturating: Hubel & Dahlem 2014"
    params = (
        Param("current_uA_cm2", "current", lo=0.0, hi=1e6, rate=True, doc="net outward pump current at full rate"),
        Param("form", "choice", choices=_FORMS, doc="rate law"),
        Param("k_na_mM", "concentration", lo=0.0, lo_open=True, hi=1e5, doc="half-activation [Na]i (saturating form)",
              source="Hubel & Dahlem 2014"),
        Param("k_k_mM", "concentration", lo=0.0, lo_open=True, hi=1e5, doc="half-activation [K]o (saturating form)",
              source="Hubel & Dahlem 2014"),
        Param("hill_na", "number", lo=0.0, lo_open=True, hi=1e6, doc="Hill coefficient in [Na]i",
              source="Hubel & Dahlem 2014"),
        Param("hill_k", "number", lo=0.0, lo_open=True, hi=1e6, doc="Hill coefficient in [K]o",
              source="Hubel & Dahlem 2014"),
        Param("na_per_cycle", "count", lo=0, hi=100, doc="Na+ out per cycle", source="Skou 1957; Post & Jolly 1957"),
        Param("k_per_cycle", "count", lo=0, hi=100, doc="K+ in per cycle", source="Skou 1957; Post & Jolly 1957"),
        Param("voltage_dependent", "flag", doc="multiply by the Luo-Rudy voltage factor"),
    )
    moves = ("Na", "K")

    def check(self):
        if self.na_per_cycle == self.k_per_cycle:
            raise InvalidParameter(f"{self.kind}.na_per_cycle", self.na_per_cycle,
                                   "must differ from k_per_cycle (the pump current is their difference)")

    @property
    def label(self):
        return f"Na/K pump ({self.form})"

    @property
    def net_charge(self) -> int:
        return self.na_per_cycle - self.k_per_cycle

    def current(self, st: MembraneState):
        """Net outward pump current, uA/cm^2."""
        i = self.current_uA_cm2
        if self.form == "cubic":
            i = i * (st.inside["Na"] / st.outside["Na"]) ** 3
        elif self.form == "saturating":
            na = st.inside["Na"] ** self.hill_na
            ko = st.outside["K"] ** self.hill_k
            i = i * na / (na + self.k_na_mM ** self.hill_na) * ko / (ko + self.k_k_mM ** self.hill_k)
        if self.voltage_dependent:
            u = st.v / st.vt
            with np.errstate(over="ignore"):  # extreme V or [Na]o: the factor tends to 0, correctly
                sigma = (np.exp(st.outside["Na"] / 67.3) - 1.0) / 7.0
                i = i / (1.0 + 0.1245 * np.exp(-0.1 * u) + 0.0365 * sigma * np.exp(-u))
        return i

    def flux(self, st: MembraneState) -> dict:
        cycles = self.current(st) * UA_PER_CM2_TO_PMOL / self.net_charge  # pmol/cm^2/s
        return {"Na": self.na_per_cycle * cycles, "K": -self.k_per_cycle * cycles}

    def compiled_row(self, index):
        return PUMP_CODE, (index["Na"], index["K"]), (
            self.current_uA_cm2, float(_FORMS.index(self.form)), self.k_na_mM, self.k_k_mM, self.hill_na, self.hill_k,
            float(self.na_per_cycle * 100 + self.k_per_cycle), 1.0 if self.voltage_dependent else 0.0)

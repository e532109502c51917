"""The living cell: a charge- and mass-conserving pump-leak model.

State: the amount of every transported species inside (and, with a finite
extracellular space, outside) and the cell volume.  The membrane potential is
not a state variable: it follows from the net charge inside over the membrane
capacitance (the charge-difference method; Fraser & Huang 2004, Kay 2017),

    V = F (sum_s z_s N_s + z_X N_X) / (C_m A),

so charge is conserved by construction and V can never drift away from the ions
that make it.  Mechanisms (:mod:`nernst.mechanisms`) give outward flux densities;
water follows the osmotic gradient through a finite water permeability, or
instantly, or not at all (a rigid cell).

Internal units: amounts in amol (1e-18 mol = 1 mM * 1 um^3, so N = c W
numerically), volumes in um^3, areas in um^2, time in seconds (cell dynamics
run for minutes to hours), potentials in mV, flux densities in pmol/(cm^2 s).

References
----------
Fraser JA, Huang CLH (2004) A quantitative analysis of cell volume and resting
potential determination and regulation in excitable cells. J Physiol 559:459-478.
Kay AR (2017) How cells can control their size by pumping ions. Front Cell Dev
Biol 5:41.
Tosteson DC, Hoffman JF (1960) Regulation of cell volume by active cation
transport in high and low potassium sheep red cells. J Gen Physiol 44:169-194.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..physics.constants import FARADAY, thermal_voltage_mV
from ..errors import InvalidParameter
from ..physics.membrane import Geometry
from ..mechanisms.base import Mechanism, MembraneState
from .._core.validation import check_positive, check_temperature

__all__ = ["Impermeant", "CellModel", "CellState", "WATER_MOLAR_VOLUME_CM3_MOL", "MAX_INITIAL_VOLTAGE_MV",
           "BATH_CHARGE_TOLERANCE_MM"]

#: Partial molar volume of water, cm^3/mol (18.0; 18.07 at 25 degC from 18.015 g/mol
#: over 0.997 g/cm^3).  Converts an osmotic water permeability P_f to volume flow.
WATER_MOLAR_VOLUME_CM3_MOL = 18.0

#: An initial state whose net charge would make |V| larger than this is refused
#: (it means the concentrations do not balance their charges).  Membranes break
#: down (electroporate) at a few hundred mV (Weaver & Chizmadzhev 1996,
#: Bioelectrochem Bioenerg 41:135), so no cell starts beyond it.
MAX_INITIAL_VOLTAGE_MV = 300.0

#: Largest net charge a bath may carry, mM (sum z c of its ions and impermeants).
#: Bulk solutions are electroneutral to about 1e-5 of their ionic strength; 1 uM
#: leaves room for published concentrations rounded to three decimals.
BATH_CHARGE_TOLERANCE_MM = 1e-3

# V [mV] = V_PER_CHARGE * F * sum(z N [amol]) / (C_m [uF/cm^2] A [um^2]):
# 1e3 mV/V * 1e-18 mol/amol / (1e-6 F/uF * 1e-8 cm^2/um^2) = 0.1
V_PER_CHARGE = 0.1
# dN/dt [amol/s] = -J [pmol/cm^2/s] * A [um^2] * 1e-8 cm^2/um^2 * 1e-12 mol/pmol * 1e18 amol/mol
FLUX_TO_RATE = 1e-2
# dW/dt [um^3/s] = P_f [cm/s] * A [um^2] * v_w [cm^3/mol] * dOsm [mM]:
# 1e4 um/cm * 1e-6 mol/cm^3 per mM = 1e-2
WATER_FACTOR = 1e-2

WATER_MODES = ("flux", "instant", "rigid")


@dataclass(frozen=True)
class Impermeant:
    """A species that cannot cross the membrane (proteins, metabolites, nucleic acids).

    Attributes
    ----------
    concentration_mM : float
        Initial concentration inside (particles, for osmolarity).
    valence : float
        Mean charge per particle (e.g. -1, or -0.85 in Duesterwald et al. 2018).
    """

    concentration_mM: float
    valence: float


@dataclass(frozen=True)
class CellModel:
    """A pump-leak cell: geometry, solutions, impermeants, mechanisms, water.

    Parameters
    ----------
    geometry : Geometry
        Initial shape; the membrane area stays fixed when the volume changes
        (membrane reserve), the volume is a state variable.
    inside : dict of str to float
        Initial inside concentrations of the transported ions, mM.
    outside : dict of str to float
        Bath concentrations of the same ions, mM (and initial ones with a finite
        extracellular space).
    valence : dict of str to float
        Valence of every ion in ``inside``.
    impermeant_inside : dict of str to Impermeant
        Impermeant species inside (amounts fixed).
    impermeant_outside : dict of str to Impermeant
        Impermeant species outside (osmotically active; they balance charge there).
    mechanisms : tuple of Mechanism
    capacitance_uF_cm2 : float
    temperature_c : float
    water : {"flux", "instant", "rigid"}
        Finite water permeability, instantaneous osmotic balance, or fixed volume.
    water_permeability_cm_s : float
        Osmotic water permeability P_f (for ``water="flux"``).
    extracellular_volume_ratio : float or None
        None: an infinite bath.  Otherwise the extracellular volume as a multiple
        of the initial cell volume: a closed system in which every amount is conserved.
    name, title, source : str or None
    """

    geometry: Geometry
    inside: dict
    outside: dict
    valence: dict
    impermeant_inside: dict = field(default_factory=dict)
    impermeant_outside: dict = field(default_factory=dict)
    mechanisms: tuple = ()
    capacitance_uF_cm2: float = 1.0
    temperature_c: float = 37.0
    water: str = "flux"
    water_permeability_cm_s: float = 1e-3
    extracellular_volume_ratio: float | None = None
    name: str | None = None
    title: str | None = None
    source: str | None = None

    def __post_init__(self):
        if not isinstance(self.geometry, Geometry):
            raise InvalidParameter("geometry", self.geometry, "must come from nernst.membrane.sphere() or cylinder()")
        if set(self.inside) != set(self.outside):
            missing = sorted(set(self.inside) ^ set(self.outside))
            raise InvalidParameter("outside", missing, "inside and outside must list the same ions")
        for s in self.inside:
            if s not in self.valence:
                raise InvalidParameter(f"valence.{s}", None, "is missing")
            check_positive(self.inside[s], f"inside.{s}", "mM")
            check_positive(self.outside[s], f"outside.{s}", "mM")
        for m in self.mechanisms:
            if not isinstance(m, Mechanism):
                raise InvalidParameter("mechanisms", m, "must be nernst.mechanisms objects")
            for s in m.species:
                if s not in self.inside:
                    raise InvalidParameter(f"mechanisms.{m.kind}", s, f"moves {s}, which the cell does not list")
        if self.water not in WATER_MODES:
            raise InvalidParameter("water", self.water, f"must be one of {', '.join(WATER_MODES)}")
        check_positive(self.capacitance_uF_cm2, "capacitance_uF_cm2", "uF/cm^2")
        check_positive(self.water_permeability_cm_s, "water_permeability_cm_s", "cm/s")
        check_temperature(self.temperature_c)
        if self.extracellular_volume_ratio is not None:
            check_positive(self.extracellular_volume_ratio, "extracellular_volume_ratio", "")
        self.check_bath_neutral()

    def bath_charge_mM(self, outside: dict | None = None) -> float:
        """Net charge of the bath, mM: sum z c over its ions and impermeant species."""
        out = self.outside if outside is None else outside
        q = sum(self.valence[s] * out[s] for s in self.inside)
        return float(q + sum(imp.valence * imp.concentration_mM for imp in self.impermeant_outside.values()))

    def check_bath_neutral(self, outside: dict | None = None, field: str = "outside") -> None:
        """Refuse a bath that is not electroneutral, naming the imbalance and its parts.

        A solution carries no net charge (its excess is ~1e-5 of its ionic strength,
        held on the membrane capacitor); a table of concentrations that does not balance
        is a typo or an ion left out, not a bath.
        """
        out = self.outside if outside is None else outside
        q = self.bath_charge_mM(out)
        if abs(q) <= BATH_CHARGE_TOLERANCE_MM:
            return
        parts = [f"{self.valence[s] * out[s]:+.4g} {s}" for s in self.inside]
        parts += [f"{imp.valence * imp.concentration_mM:+.4g} {k}" for k, imp in self.impermeant_outside.items()]
        raise InvalidParameter(
            field, InvalidParameter.NO_VALUE,
            f"the bath carries a net charge of {q:+.4g} mM ({', '.join(parts)} mM of charge); a solution is "
            "electroneutral: balance it with a counter-ion (outside = \"balance\" for one ion) or an impermeant "
            "species outside",
        )

    # ------------------------------------------------------------------ derived
    @property
    def species(self) -> tuple[str, ...]:
        """Transported ions, in a fixed order (the order of the state vector)."""
        return tuple(self.inside)

    @property
    def finite_bath(self) -> bool:
        return self.extracellular_volume_ratio is not None

    @property
    def area_um2(self) -> float:
        return self.geometry.area_um2

    @property
    def vt(self) -> float:
        return float(thermal_voltage_mV(self.temperature_c))

    def replace(self, **changes) -> "CellModel":
        return replace(self, **changes)

    def with_mechanisms(self, mechanisms) -> "CellModel":
        return replace(self, mechanisms=tuple(mechanisms))

    # ------------------------------------------------------------ initial state
    def initial_state(self, voltage_mV: float | None = None) -> "CellState":
        """The state at t = 0 from the initial concentrations.

        The net charge of the initial concentrations sets V.  With *voltage_mV*
        the impermeant amount inside (the first impermeant species) is adjusted
        by the tiny amount needed to start at that voltage (a few uM).  An
        initial state whose charge imbalance would give |V| > 1000 mV is refused,
        with the voltage it would give: concentrations must balance their charges.
        """
        w = self.geometry.volume_um3
        n_in = np.array([self.inside[s] * w for s in self.species])
        x_in = {k: imp.concentration_mM * w for k, imp in self.impermeant_inside.items()}
        if voltage_mV is not None:
            if not self.impermeant_inside:
                raise InvalidParameter("initial.voltage_mV", voltage_mV, "needs an impermeant species inside to adjust")
            key = next(iter(self.impermeant_inside))
            z_x = self.impermeant_inside[key].valence
            target = voltage_mV * self.capacitance_uF_cm2 * self.area_um2 / (V_PER_CHARGE * FARADAY)
            other = self._charge(n_in, x_in, exclude=key)
            x_in[key] = (target - other) / z_x
            if x_in[key] < 0:
                raise InvalidParameter("initial.voltage_mV", voltage_mV, f"cannot be reached by adjusting {key}")
        if self.finite_bath:
            w_out = self.extracellular_volume_ratio * w
            n_out = np.array([self.outside[s] * w_out for s in self.species])
        else:
            w_out, n_out = None, None
        st = CellState(self, n_in, w, x_in, n_out, w_out)
        v = st.voltage_mV
        if not abs(v) <= MAX_INITIAL_VOLTAGE_MV:
            excess = self._charge(n_in, x_in) / w
            raise InvalidParameter(
                "inside", InvalidParameter.NO_VALUE,
                f"the initial concentrations carry a net charge of {excess:+.4g} mM, which would make "
                f"V = {v:+.4g} mV (beyond +-{MAX_INITIAL_VOLTAGE_MV:g} mV); a real cell adds ions with their "
                "counter-ions (balance the charges, e.g. with the impermeant species: inside = \"balance\")",
            )
        return st

    def _charge(self, n_in, x_in, exclude=None) -> float:
        q = float(sum(self.valence[s] * n for s, n in zip(self.species, n_in)))
        q += sum(self.impermeant_inside[k].valence * n for k, n in x_in.items() if k != exclude)
        return q

    # --------------------------------------------------------------- the physics
    def outside_osmolarity(self, st: "CellState"):
        osm = sum(st.outside_mM[s] for s in self.species)
        return osm + sum(imp.concentration_mM for imp in self.impermeant_outside.values()) * st.outside_dilution

    def membrane_state(self, v, c_in: dict, c_out: dict) -> MembraneState:
        return MembraneState(v=v, inside=c_in, outside=c_out, vt=self.vt, valence=self.valence)

    def fluxes(self, st: "CellState", mechanisms=None, voltage_mV=None) -> dict:
        """Outward flux density of every species, summed over mechanisms, pmol/(cm^2 s).

        *voltage_mV* overrides the voltage of the state's charge (for Jacobians).
        """
        v = st.voltage_mV if voltage_mV is None else voltage_mV
        ms = self.membrane_state(v, st.inside_mM, st.outside_mM)
        total = {s: 0.0 for s in self.species}
        for m in self.mechanisms if mechanisms is None else mechanisms:
            for s, j in m.flux(ms).items():
                total[s] = total[s] + j
        return total

    def currents(self, st: "CellState") -> dict:
        """Net outward current of each mechanism, uA/cm^2 (I = sum z F J)."""
        ms = self.membrane_state(st.voltage_mV, st.inside_mM, st.outside_mM)
        out = {}
        for m in self.mechanisms:
            i = sum(self.valence[s] * j for s, j in m.flux(ms).items()) / (1e6 / FARADAY)
            out[m.label] = out.get(m.label, 0.0) + i
        return out


@dataclass
class CellState:
    """Amounts and volumes at one moment (mutable working object; not a spec).

    Attributes
    ----------
    model : CellModel
    n_in : ndarray
        Amount of each transported species inside, amol (order of ``model.species``).
    volume_um3 : float
    impermeant_in : dict
        Amount of each impermeant species inside, amol (constant in time).
    n_out, volume_out_um3 : ndarray, float or None
        Extracellular amounts and volume when the bath is finite.
    """

    model: CellModel
    n_in: np.ndarray
    volume_um3: float
    impermeant_in: dict
    n_out: np.ndarray | None = None
    volume_out_um3: float | None = None

    @property
    def inside_mM(self) -> dict:
        return {s: n / self.volume_um3 for s, n in zip(self.model.species, self.n_in)}

    @property
    def outside_mM(self) -> dict:
        if self.n_out is None:
            return dict(self.model.outside)
        return {s: n / self.volume_out_um3 for s, n in zip(self.model.species, self.n_out)}

    @property
    def outside_dilution(self) -> float:
        """Initial / current extracellular volume (1 for an infinite bath)."""
        if self.volume_out_um3 is None:
            return 1.0
        w0 = self.model.extracellular_volume_ratio * self.model.geometry.volume_um3
        return w0 / self.volume_out_um3

    @property
    def impermeant_mM(self) -> dict:
        return {k: n / self.volume_um3 for k, n in self.impermeant_in.items()}

    @property
    def charge_amol(self) -> float:
        """Net charge inside in elementary-charge amol (sum z N)."""
        return self.model._charge(self.n_in, self.impermeant_in)

    @property
    def voltage_mV(self) -> float:
        m = self.model
        return V_PER_CHARGE * FARADAY * self.charge_amol / (m.capacitance_uF_cm2 * m.area_um2)

    @property
    def inside_osmolarity(self) -> float:
        return (float(np.sum(self.n_in)) + sum(self.impermeant_in.values())) / self.volume_um3

    @property
    def equilibrium_mV(self) -> dict:
        vt = self.model.vt
        ci, co = self.inside_mM, self.outside_mM
        return {s: vt / self.model.valence[s] * float(np.log(co[s] / ci[s])) for s in self.model.species}

# the names these had before they were shared across sub-packages
_V_PER_CHARGE = V_PER_CHARGE
_FLUX_TO_RATE = FLUX_TO_RATE
_WATER_FACTOR = WATER_FACTOR

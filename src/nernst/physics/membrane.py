"""The membrane as a capacitor: geometry, charge, and how few ions must cross.

Q = C_m A dV;  n = Q / (|z| e);  d[X]i = n / (N_A * volume).

Units: lengths in um, areas in cm^2, volumes in litres, capacitance in
uF/cm^2, voltages in mV, concentrations in mM, currents in A (nA in the report).

References
----------
The worked cardiomyocyte example (cylinder 100 um long, 5 um radius,
2 uF/cm^2, 100 mV in 2 ms: 3.3 nA, 4.12e7 ions, 8.71 uM of Na+, 0.058 % of 15 mM)
is from the encyclopedia article "Membrane potential" (Wikipedia), which follows
Hille (2001) and Nicholls et al. (From Neuron to Brain).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .constants import AVOGADRO, ELEMENTARY_CHARGE, FARADAY
from ..errors import InvalidParameter
from .._core.validation import check_finite, check_length, check_positive, check_valence, finite_result

__all__ = ["Geometry", "sphere", "cylinder", "ChargeReport", "charge_to_move", "potential_from_excess_charge"]

_UM2_TO_CM2 = 1e-8  # 1 um^2 = 1e-8 cm^2
_UM3_TO_L = 1e-15  # 1 um^3 = 1e-15 L (1 fL)


@dataclass(frozen=True)
class Geometry:
    """Surface area and volume of a cell compartment.

    Attributes
    ----------
    shape : str
        "sphere" or "cylinder".
    area_um2, volume_um3 : float
        Membrane area (um^2) and enclosed volume (um^3).
    """

    shape: str
    area_um2: float
    volume_um3: float
    #: The dimensions it was made from (radius_um, and length_um and ends for a cylinder), for configs.
    dimensions: dict = field(default=None, compare=False, hash=False, repr=False)

    @property
    def area_cm2(self) -> float:
        """Area in cm^2."""
        return self.area_um2 * _UM2_TO_CM2

    @property
    def volume_L(self) -> float:
        """Volume in litres."""
        return self.volume_um3 * _UM3_TO_L

    @property
    def surface_to_volume_per_um(self) -> float:
        """Area / volume, 1/um."""
        return self.area_um2 / self.volume_um3


def sphere(radius_um: float) -> Geometry:
    """A spherical cell of the given radius (um).

    Examples
    --------
    >>> g = sphere(5.0)
    >>> round(g.area_um2, 2), round(g.volume_um3, 2)
    (314.16, 523.6)
    """
    r = float(check_length(radius_um, "radius"))
    return Geometry("sphere", 4.0 * np.pi * r * r, 4.0 / 3.0 * np.pi * r**3, {"radius_um": r})


def cylinder(length_um: float, radius_um: float, ends: bool = True) -> Geometry:
    """A cylinder of given length and radius (um); *ends* adds the two end discs.

    Examples
    --------
    The encyclopedia's cardiomyocyte, 100 um long, 5 um radius, ends included:

    >>> g = cylinder(100.0, 5.0)
    >>> f"{g.area_cm2:.3g} cm^2, {g.volume_L:.3g} L"
    '3.3e-05 cm^2, 7.85e-12 L'
    """
    length = float(check_length(length_um, "length"))
    r = float(check_length(radius_um, "radius"))
    area = 2.0 * np.pi * r * length + (2.0 * np.pi * r * r if ends else 0.0)
    return Geometry("cylinder", area, np.pi * r * r * length,
                    {"radius_um": r, "length_um": length, "ends": bool(ends)})


@dataclass(frozen=True)
class ChargeReport:
    """How much charge, how many ions, and what concentration change a dV needs.

    Attributes
    ----------
    area_cm2, volume_L : float
        Geometry.
    capacitance_F : float
        Whole-cell capacitance C_m A, farads.
    delta_mV : float
        Voltage change.
    charge_C : float
        |Q| = C_m A |dV|, coulombs.
    ions : float
        Number of ions of valence z carrying that charge: |Q| / (|z| e).
    concentration_change_mM : float
        Change of the intracellular concentration of that ion, mM.
    fraction_of_pool : float or None
        concentration_change / intracellular concentration (None if no
        concentration was given).
    current_A : float or None
        Capacitive current C_m A dV/dt for the given duration (None if none).
    ions_per_um2 : float
        Ions per um^2 of membrane.
    """

    area_cm2: float
    volume_L: float
    capacitance_F: float
    delta_mV: float
    valence: float
    charge_C: float
    ions: float
    concentration_change_mM: float
    fraction_of_pool: float | None
    current_A: float | None
    ions_per_um2: float

    def as_dict(self) -> dict:
        return asdict(self)


def charge_to_move(
    geometry: Geometry,
    capacitance_uF_cm2: float = 1.0,
    delta_mV: float = 100.0,
    valence: float = 1,
    concentration_mM: float | None = None,
    duration_ms: float | None = None,
) -> ChargeReport:
    """Charge, ions and concentration change needed to move V by *delta_mV*.

    Parameters
    ----------
    geometry : Geometry
        From :func:`sphere` or :func:`cylinder`.
    capacitance_uF_cm2 : float
        Specific membrane capacitance (about 1 uF/cm^2 for a lipid bilayer;
        about 2 in cardiomyocytes with T-tubules).
    delta_mV : float
        Voltage change (sign is ignored for the counts).
    valence : float
        Valence of the ion that carries the charge.
    concentration_mM : float, optional
        Its intracellular concentration, to express the change as a fraction.
    duration_ms : float, optional
        Time over which dV happens, to compute the capacitive current.

    Examples
    --------
    >>> rep = charge_to_move(cylinder(100.0, 5.0), 2.0, 100.0, 1, 15.0, 2.0)
    >>> f"{rep.current_A:.2g} A, {rep.ions:.3g} ions, {rep.concentration_change_mM * 1e3:.3g} uM"
    '3.3e-09 A, 4.12e+07 ions, 8.71 uM'
    >>> f"{rep.fraction_of_pool:.2%}"
    '0.06%'
    """
    if not isinstance(geometry, Geometry):
        raise InvalidParameter("geometry", geometry, "must come from nernst.membrane.sphere() or cylinder()")
    cm = float(check_positive(capacitance_uF_cm2, "capacitance", "uF/cm^2"))
    dv = float(check_finite(delta_mV, "delta"))
    if abs(dv) > 1e6:
        raise InvalidParameter("delta", dv, "must be between -1e6 and 1e6 mV")
    z = float(check_valence(valence))
    cap_F = cm * 1e-6 * geometry.area_cm2
    q = cap_F * abs(dv) * 1e-3
    n = q / (abs(z) * ELEMENTARY_CHARGE)
    dc_mM = n / AVOGADRO / geometry.volume_L * 1e3
    frac = None
    if concentration_mM is not None:
        c = float(check_positive(concentration_mM, "concentration", "mM"))
        frac = dc_mM / c
    current = None
    if duration_ms is not None:
        dt = float(check_positive(duration_ms, "duration", "ms"))
        current = cap_F * (abs(dv) * 1e-3) / (dt * 1e-3)
    for value in (q, n, dc_mM, frac, current):
        if value is not None:
            finite_result(value, "geometry/capacitance/delta/concentration/duration")
    return ChargeReport(
        area_cm2=geometry.area_cm2,
        volume_L=geometry.volume_L,
        capacitance_F=cap_F,
        delta_mV=dv,
        valence=z,
        charge_C=q,
        ions=n,
        concentration_change_mM=dc_mM,
        fraction_of_pool=frac,
        current_A=current,
        ions_per_um2=n / geometry.area_um2,
    )


def potential_from_excess_charge(
    geometry: Geometry,
    excess_mM: float,
    capacitance_uF_cm2: float = 1.0,
    valence: float = 1,
) -> float:
    """Membrane potential (mV) made by an unbalanced excess of ions inside.

    V = z F c_excess * volume / (C_m A).  This is what "adding organic anions
    without counter-cations" would do: even 1 uM of unbalanced charge in a
    10 um cell gives tens of mV, and 1 mM gives tens of volts, which is why bulk
    solutions are electroneutral and real cells add anions together with
    cations.

    Parameters
    ----------
    geometry : Geometry
    excess_mM : float
        Concentration of unbalanced ions inside, mM (sign: more of them inside).
    capacitance_uF_cm2 : float
        Specific membrane capacitance.
    valence : float
        Their valence (negative for anions, giving a negative V).

    Examples
    --------
    >>> round(potential_from_excess_charge(sphere(10.0), 1e-3, 1.0, -1))   # 1 uM of anions
    -32
    """
    if not isinstance(geometry, Geometry):
        raise InvalidParameter("geometry", geometry, "must come from nernst.membrane.sphere() or cylinder()")
    c = float(check_finite(excess_mM, "excess"))
    cm = float(check_positive(capacitance_uF_cm2, "capacitance", "uF/cm^2"))
    z = float(check_valence(valence))
    if abs(c) > 1e5:
        raise InvalidParameter("excess", c, "must be between -1e5 and 1e5 mM")
    q = z * FARADAY * c * geometry.volume_L  # C (mM = mmol/L -> mol/L is 1e-3, times 1e3 mV/V)
    return finite_result(q / (cm * 1e-6 * geometry.area_cm2), "geometry/excess/capacitance")

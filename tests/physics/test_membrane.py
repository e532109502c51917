"""The membrane as a capacitor (PHYSICS.md section 3): geometry, charge, ion counts.

Q = C_m A dV,  n = Q / (|z| e),  dc = n / (N_A * volume).
References are analytic (math.pi, scipy.constants) or the worked cardiomyocyte
example of the Wikipedia article "Membrane potential" quoted in PHYSICS.md s.3.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from scipy import constants as sc

from nernst import InvalidParameter
from nernst.membrane import ChargeReport, Geometry, charge_to_move, cylinder, sphere

E = sc.e  # C (exact, 2019 SI)
N_A = sc.N_A  # 1/mol (exact, 2019 SI)


# ---------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("r", [0.5, 5.0, 238.0])
def test_sphere_area_and_volume(r):
    g = sphere(r)
    assert g.shape == "sphere"
    # A = 4 pi r^2, V = 4/3 pi r^3 (analytic), rel 1e-14.
    assert g.area_um2 == pytest.approx(4 * math.pi * r**2, rel=1e-14)
    assert g.volume_um3 == pytest.approx(4 / 3 * math.pi * r**3, rel=1e-14)
    # Unit conversions: 1 um^2 = 1e-8 cm^2, 1 um^3 = 1e-15 L.
    assert g.area_cm2 == pytest.approx(4 * math.pi * r**2 * 1e-8, rel=1e-14)
    assert g.volume_L == pytest.approx(4 / 3 * math.pi * r**3 * 1e-15, rel=1e-14)
    # A/V = 3/r for a sphere.
    assert g.surface_to_volume_per_um == pytest.approx(3.0 / r, rel=1e-14)


def test_sphere_docstring_values():
    g = sphere(5.0)
    # 4 pi 25 = 314.159..., 4/3 pi 125 = 523.599... um^2/um^3 (by hand), abs 5e-3.
    assert g.area_um2 == pytest.approx(314.16, abs=5e-3)
    assert g.volume_um3 == pytest.approx(523.60, abs=5e-3)


@pytest.mark.parametrize("length, r", [(100.0, 5.0), (1.0, 10.0), (1e4, 0.25)])
def test_cylinder_area_and_volume(length, r):
    with_ends = cylinder(length, r)
    without = cylinder(length, r, ends=False)
    assert with_ends.shape == without.shape == "cylinder"
    # Lateral 2 pi r L plus two end discs 2 pi r^2 (analytic), rel 1e-14.
    assert with_ends.area_um2 == pytest.approx(2 * math.pi * r * length + 2 * math.pi * r * r, rel=1e-14)
    assert without.area_um2 == pytest.approx(2 * math.pi * r * length, rel=1e-14)
    # The volume pi r^2 L does not depend on the ends.
    assert with_ends.volume_um3 == pytest.approx(math.pi * r * r * length, rel=1e-14)
    assert without.volume_um3 == with_ends.volume_um3
    # Open cylinder: A/V = 2/r.
    assert without.surface_to_volume_per_um == pytest.approx(2.0 / r, rel=1e-14)


@pytest.mark.parametrize(
    "make, field",
    [
        (lambda: sphere(0.0), "radius"),
        (lambda: sphere(-1.0), "radius"),
        (lambda: sphere(float("nan")), "radius"),
        (lambda: sphere("5"), "radius"),
        (lambda: cylinder(100.0, 0.0), "radius"),
        (lambda: cylinder(0.0, 5.0), "length"),
        (lambda: cylinder(-100.0, 5.0), "length"),
        (lambda: cylinder(float("inf"), 5.0), "length"),
    ],
)
def test_geometry_errors(make, field):
    with pytest.raises(InvalidParameter) as info:
        make()
    assert info.value.field == field
    assert str(info.value).startswith(field + ":")


# ---------------------------------------------------------------------------
# The encyclopedia cardiomyocyte (PHYSICS.md s.3)
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cardiomyocyte() -> ChargeReport:
    # Cylinder 100 um x 5 um radius with ends, C_m = 2 uF/cm^2, 100 mV in 2 ms, Na+ 15 mM.
    return charge_to_move(cylinder(100.0, 5.0), capacitance_uF_cm2=2.0, delta_mV=100.0, valence=1,
                          concentration_mM=15.0, duration_ms=2.0)


def test_cardiomyocyte_quoted_values(cardiomyocyte):
    rep = cardiomyocyte
    # Wikipedia "Membrane potential" (PHYSICS.md s.3), tolerance half a unit of the last quoted digit:
    assert rep.area_cm2 * 1e-4 == pytest.approx(3.30e-9, abs=0.005e-9)  # area 3.30e-9 m^2
    assert rep.volume_L == pytest.approx(7.85e-12, abs=0.005e-12)  # volume 7.85e-12 L
    assert rep.current_A == pytest.approx(3.3e-9, abs=0.05e-9)  # I = 3.3 nA
    assert rep.ions == pytest.approx(4.12e7, abs=0.005e7)  # 4.12e7 ions
    assert rep.concentration_change_mM * 1e3 == pytest.approx(8.71, abs=0.005)  # 8.71 uM
    assert rep.fraction_of_pool * 100 == pytest.approx(0.058, abs=0.0005)  # 0.058 % of 15 mM


def test_cardiomyocyte_analytic(cardiomyocyte):
    rep = cardiomyocyte
    area_cm2 = (2 * math.pi * 5.0 * 100.0 + 2 * math.pi * 25.0) * 1e-8  # 1050 pi um^2
    vol_L = math.pi * 25.0 * 100.0 * 1e-15
    cap_F = 2e-6 * area_cm2  # 2 uF/cm^2
    q = cap_F * 0.1  # 100 mV
    n = q / E
    dc_mM = n / N_A / vol_L * 1e3
    # Independent analytic values with scipy.constants: rel 1e-12.
    assert rep.capacitance_F == pytest.approx(cap_F, rel=1e-12)
    assert rep.charge_C == pytest.approx(q, rel=1e-12)
    assert rep.ions == pytest.approx(n, rel=1e-12)
    assert rep.concentration_change_mM == pytest.approx(dc_mM, rel=1e-12)
    assert rep.fraction_of_pool == pytest.approx(dc_mM / 15.0, rel=1e-12)
    assert rep.current_A == pytest.approx(q / 2e-3, rel=1e-12)  # C dV/dt over 2 ms
    assert rep.ions_per_um2 == pytest.approx(n / (area_cm2 * 1e8), rel=1e-12)
    assert rep.delta_mV == 100.0 and rep.valence == 1.0


def test_report_as_dict_round_trips(cardiomyocyte):
    d = cardiomyocyte.as_dict()
    assert set(d) == {f.name for f in dataclasses.fields(ChargeReport)}
    assert d["ions"] == cardiomyocyte.ions


# ---------------------------------------------------------------------------
# Ions per area, valence, sign, electroneutrality
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("geom", [sphere(5.0), cylinder(100.0, 5.0), cylinder(10.0, 1.0, ends=False), sphere(100.0)])
def test_ions_per_um2_at_1uF_100mV(geom):
    rep = charge_to_move(geom, 1.0, 100.0, 1)
    # PHYSICS.md s.3: "At 1 uF/cm^2, 100 mV is about 6,240 monovalent ions per um^2"
    # (quoted to 3 significant digits: abs 5).
    assert rep.ions_per_um2 == pytest.approx(6240.0, abs=5.0)
    # Analytic: 1e-6 F/cm^2 * 1e-8 cm^2/um^2 * 0.1 V / e = 6241.51, independent of geometry; rel 1e-12.
    assert rep.ions_per_um2 == pytest.approx(1e-6 * 1e-8 * 0.1 / E, rel=1e-12)


def test_divalent_ions_halve_the_count():
    g = sphere(10.0)
    mono = charge_to_move(g, 1.0, 50.0, 1, concentration_mM=1.0)
    di = charge_to_move(g, 1.0, 50.0, 2, concentration_mM=1.0)
    # n = Q / (|z| e): z = 2 carries twice the charge per ion (rel 1e-14).
    assert di.ions == pytest.approx(mono.ions / 2, rel=1e-14)
    assert di.concentration_change_mM == pytest.approx(mono.concentration_change_mM / 2, rel=1e-14)
    assert di.ions_per_um2 == pytest.approx(mono.ions_per_um2 / 2, rel=1e-14)
    # The charge is the same.
    assert di.charge_C == pytest.approx(mono.charge_C, rel=1e-14)
    # Anions count by |z|: Cl- as many as K+.
    assert charge_to_move(g, 1.0, 50.0, -1).ions == pytest.approx(mono.ions, rel=1e-14)


def test_negative_delta_gives_same_counts():
    g = sphere(5.0)
    up = charge_to_move(g, 1.0, 30.0, 1)
    down = charge_to_move(g, 1.0, -30.0, 1)
    assert down.ions == pytest.approx(up.ions, rel=1e-14)
    assert down.charge_C == pytest.approx(up.charge_C, rel=1e-14)
    assert down.delta_mV == -30.0  # the sign is kept in the report


def test_counts_are_linear_in_capacitance_and_voltage():
    g = cylinder(50.0, 2.0)
    base = charge_to_move(g, 1.0, 10.0, 1)
    # Q = C_m A dV: doubling C_m or dV doubles everything (rel 1e-14).
    assert charge_to_move(g, 2.0, 10.0, 1).ions == pytest.approx(2 * base.ions, rel=1e-14)
    assert charge_to_move(g, 1.0, 20.0, 1).ions == pytest.approx(2 * base.ions, rel=1e-14)


def test_bulk_stays_electroneutral():
    # PHYSICS.md s.3: bulk solutions are electroneutral to ~1e-5.  Sphere r = 5 um,
    # 1 uF/cm^2, 100 mV carried by K+ at 140 mM: dc/c = (C_m A dV / e) / (N_A V c)
    # = C_m dV 3 / (r e N_A c) = 4.4e-5 (by hand, rel 1e-12).
    rep = charge_to_move(sphere(5.0), 1.0, 100.0, 1, concentration_mM=140.0)
    ref = (1e-6 * 4 * math.pi * 25e-8 * 0.1 / E) / (N_A * 4 / 3 * math.pi * 125e-15) * 1e3 / 140.0
    assert rep.fraction_of_pool == pytest.approx(ref, rel=1e-12)
    assert 1e-5 < rep.fraction_of_pool < 1e-4


def test_optional_outputs_absent_when_not_asked():
    rep = charge_to_move(sphere(5.0))
    assert rep.fraction_of_pool is None
    assert rep.current_A is None
    # Defaults: 1 uF/cm^2, 100 mV, z = 1 (signature), so 6241.5 ions/um^2 (rel 1e-12).
    assert rep.ions_per_um2 == pytest.approx(1e-6 * 1e-8 * 0.1 / E, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(capacitance_uF_cm2=-1.0), "capacitance"),
        (dict(capacitance_uF_cm2=0.0), "capacitance"),
        (dict(valence=0), "valence"),
        (dict(valence=float("nan")), "valence"),
        (dict(delta_mV=float("nan")), "delta"),
        (dict(concentration_mM=0.0), "concentration"),
        (dict(concentration_mM=-15.0), "concentration"),
        (dict(duration_ms=0.0), "duration"),
        (dict(duration_ms=-2.0), "duration"),
    ],
)
def test_charge_to_move_errors(kwargs, field):
    with pytest.raises(InvalidParameter) as info:
        charge_to_move(sphere(5.0), **kwargs)
    assert info.value.field == field


def test_charge_to_move_needs_a_geometry():
    with pytest.raises(InvalidParameter) as info:
        charge_to_move({"area_um2": 100.0, "volume_um3": 100.0})
    assert info.value.field == "geometry"
    # A Geometry built by hand is accepted (it is the documented type).
    rep = charge_to_move(Geometry("sphere", 100.0, 1000.0), 1.0, 100.0, 1)
    assert rep.ions == pytest.approx(1e-6 * 100.0 * 1e-8 * 0.1 / E, rel=1e-12)


# ---------------------------------------------------------------------------
# Unbalanced charge (PHYSICS.md s.3: "say so instead of hiding it")
# ---------------------------------------------------------------------------

def test_potential_from_excess_charge_hand_value():
    from nernst.membrane import potential_from_excess_charge

    g = sphere(10.0)
    # 1 uM of unbalanced monovalent anions in a 10 um sphere at 1 uF/cm^2, by hand:
    # n = c N_A vol, Q = z e n, V = Q / (C_m A)  ->  -32.16 mV (rel 1e-12 with scipy constants).
    vol_L = 4 / 3 * math.pi * 1000.0 * 1e-15
    area_cm2 = 4 * math.pi * 100.0 * 1e-8
    ref_mV = 1e3 * (-1 * E * 1e-6 * N_A * vol_L) / (1e-6 * area_cm2)
    v = potential_from_excess_charge(g, 1e-3, 1.0, -1)
    assert v == pytest.approx(ref_mV, rel=1e-12)
    assert v == pytest.approx(-32.0, abs=0.5)  # docstring: "1 uM ... gives tens of mV" (-32)
    # 1 mM unbalanced: tens of volts (absurd), i.e. 1000 x the above (linear), rel 1e-12.
    assert potential_from_excess_charge(g, 1.0, 1.0, -1) == pytest.approx(1e3 * ref_mV, rel=1e-12)


@pytest.mark.parametrize("geom, cm, dv, z", [(sphere(5.0), 1.0, 100.0, 1), (cylinder(100.0, 5.0), 2.0, 30.0, 2)])
def test_potential_from_excess_charge_inverts_charge_to_move(geom, cm, dv, z):
    from nernst.membrane import potential_from_excess_charge

    # The concentration change charge_to_move needs for dV, put back as excess charge,
    # gives dV again (Q = C_m A dV both ways), rel 1e-12.
    rep = charge_to_move(geom, cm, dv, z)
    assert potential_from_excess_charge(geom, rep.concentration_change_mM, cm, z) == pytest.approx(dv, rel=1e-12)

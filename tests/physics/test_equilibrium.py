"""Equilibrium physics: Nernst, GHK current, zero-current potential, weighted
averages, Mullins-Noda pump potential and Gibbs-Donnan equilibrium.

Every reference value is computed here independently of nernst (math.log,
math.exp, scipy.constants) or taken from the literature quoted in
/work/shared/PHYSICS.md; source and tolerance sit next to each assertion.
"""

from __future__ import annotations

import cmath
import math

import numpy as np
import pytest
from scipy import constants as sc

import nernst
from nernst import (
    InvalidParameter,
    chord_potential,
    current_share,
    donnan_equilibrium,
    driving_force,
    ghk_conductance_at_reversal,
    ghk_current,
    ghk_current_slope,
    ghk_flux,
    ghk_voltage,
    mullins_noda_potential,
    permeability_from_conductance,
    pump_contribution,
    weighted_average_potential,
    zero_current_potential,
)
from support.refs import nernst_ref
from support.refs import rt_over_f_mV as vt

F = sc.physical_constants["Faraday constant"][0]  # C/mol, CODATA 2018 via scipy
R = sc.R  # J/(mol K)



def ghk_textbook(v_mV, ci, co, z, p, t=37.0):
    """I = P z^2 (F^2 V / RT) (ci - co exp(-zFV/RT)) / (1 - exp(-zFV/RT)).

    Literally as in PHYSICS.md section 2 (Goldman 1943; Hodgkin & Katz 1949),
    V in volts, P in cm/s, c in mM: the result is in uA/cm^2 (unit factor 1).
    Works for complex V too (cmath), for complex-step derivatives.
    """
    T = t + 273.15
    v = v_mV * 1e-3
    e = cmath.exp(-z * F * v / (R * T))
    out = p * z**2 * F**2 * v / (R * T) * (ci - co * e) / (1 - e)
    return out if isinstance(v_mV, complex) else out.real


def ghk_voltage_ref(ions, t):
    """Monovalent GHK voltage equation by hand. ions: (ci, co, z, P)."""
    num = sum(p * (co if z > 0 else ci) for ci, co, z, p in ions)
    den = sum(p * (ci if z > 0 else co) for ci, co, z, p in ions)
    return vt(t) * math.log(num / den)


# Cell presets (PHYSICS.md section 6): typical mammalian neuron, 37 degC.
MAMMAL = dict(K=(140.0, 5.0, 1), Na=(15.0, 145.0, 1), Cl=(10.0, 110.0, -1), Ca=(1e-4, 2.0, 2))


# ===========================================================================
# Nernst
# ===========================================================================

@pytest.mark.parametrize(
    "ci, co, z, literature_mV",
    [
        (140.0, 5.0, 1, -89.1),  # E_K, mammalian neuron (PHYSICS.md s.6: "about -89")
        (15.0, 145.0, 1, 60.6),  # E_Na (hand: 26.7267 ln(145/15) = +60.63; PHYSICS.md "about +61")
        (1e-4, 2.0, 2, 132.3),  # E_Ca (PHYSICS.md s.6: "about +132")
        (10.0, 110.0, -1, -64.1),  # E_Cl
    ],
)
def test_nernst_mammalian_neuron(ci, co, z, literature_mV):
    e = nernst.nernst(ci, co, z, 37.0)
    assert isinstance(e, float)
    # Hand computation with math.log and scipy constants: rel 1e-12 (rounding only).
    assert e == pytest.approx(nernst_ref(ci, co, z, 37.0), rel=1e-12)
    # Literature value quoted to 0.1 mV: tolerance 0.05 mV.
    assert e == pytest.approx(literature_mV, abs=0.05)


def test_nernst_decade_rule_at_37():
    # 10-fold ratio, z = 1, 37 degC: (RT/F) ln 10 = 61.54 mV ("61.5 mV per decade").
    e = nernst.nernst(1.0, 10.0, 1, 37.0)
    assert e == pytest.approx(vt(37.0) * math.log(10.0), rel=1e-12)
    assert e == pytest.approx(61.5, abs=0.05)


def test_nernst_default_temperature_is_37():
    assert nernst.nernst(140.0, 5.0, 1) == pytest.approx(nernst_ref(140.0, 5.0, 1, 37.0), rel=1e-12)


def test_nernst_temperature_dependence():
    # Squid K at 6.3 degC (HH 1952 temperature), 400/20 mM: by hand, rel 1e-12.
    assert nernst.nernst(400.0, 20.0, 1, 6.3) == pytest.approx(nernst_ref(400.0, 20.0, 1, 6.3), rel=1e-12)


def test_nernst_equal_concentrations_give_zero():
    # ln(1) = 0 exactly.
    assert nernst.nernst(42.0, 42.0, 2, 20.0) == 0.0


def test_nernst_swap_inside_outside_flips_sign():
    a = nernst.nernst(140.0, 5.0, 1, 37.0)
    b = nernst.nernst(5.0, 140.0, 1, 37.0)
    # ln(x) = -ln(1/x): equal magnitude to rounding (rel 1e-14).
    assert b == pytest.approx(-a, rel=1e-14)


def test_nernst_valence_sign_flips_sign():
    a = nernst.nernst(10.0, 110.0, 1, 37.0)
    b = nernst.nernst(10.0, 110.0, -1, 37.0)
    assert b == pytest.approx(-a, rel=1e-14)


def test_nernst_divalent_is_half_of_monovalent():
    # E(z=2) = E(z=1) / 2 by the formula.
    assert nernst.nernst(1e-4, 2.0, 2) == pytest.approx(nernst.nernst(1e-4, 2.0, 1) / 2, rel=1e-14)


def test_nernst_broadcasts_over_a_large_grid():
    rng = np.random.default_rng(1)
    ci = 10 ** rng.uniform(-4, 3, size=100_000)
    co = 10 ** rng.uniform(-4, 3, size=100_000)
    z = rng.choice([-2.0, -1.0, 1.0, 2.0], size=100_000)
    temps = rng.uniform(0.0, 40.0, size=100_000)
    grid = nernst.nernst(ci, co, z, temps)
    assert isinstance(grid, np.ndarray) and grid.shape == (100_000,)
    for i in (0, 1, 17, 4242, 99_999):
        # Same as the scalar call (exact-ish, rel 1e-14) and as the hand formula (rel 1e-12).
        assert grid[i] == pytest.approx(nernst.nernst(float(ci[i]), float(co[i]), float(z[i]), float(temps[i])), rel=1e-14)
        assert grid[i] == pytest.approx(nernst_ref(ci[i], co[i], z[i], temps[i]), rel=1e-12, abs=1e-12)


def test_nernst_broadcasts_row_against_column():
    ci = np.array([1.0, 10.0, 100.0])
    co = np.array([[5.0], [50.0]])
    out = nernst.nernst(ci, co, 1, 20.0)
    assert out.shape == (2, 3)
    for r in range(2):
        for c in range(3):
            assert out[r, c] == pytest.approx(nernst_ref(ci[c], co[r, 0], 1, 20.0), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(c_in=0.0, c_out=5.0, valence=1), "inside"),
        (dict(c_in=-1.0, c_out=5.0, valence=1), "inside"),
        (dict(c_in=float("nan"), c_out=5.0, valence=1), "inside"),
        (dict(c_in=float("inf"), c_out=5.0, valence=1), "inside"),
        (dict(c_in="140", c_out=5.0, valence=1), "inside"),
        (dict(c_in=[140.0, 0.0], c_out=5.0, valence=1), "inside"),
        (dict(c_in=140.0, c_out=0.0, valence=1), "outside"),
        (dict(c_in=140.0, c_out=-5.0, valence=1), "outside"),
        (dict(c_in=140.0, c_out=float("nan"), valence=1), "outside"),
        (dict(c_in=140.0, c_out=float("-inf"), valence=1), "outside"),
        (dict(c_in=140.0, c_out="five", valence=1), "outside"),
        (dict(c_in=140.0, c_out=5.0, valence=0), "valence"),
        (dict(c_in=140.0, c_out=5.0, valence=0.0), "valence"),
        (dict(c_in=140.0, c_out=5.0, valence=float("nan")), "valence"),
        (dict(c_in=140.0, c_out=5.0, valence="1"), "valence"),
        (dict(c_in=140.0, c_out=5.0, valence=1, temperature_c=-273.15), "temperature_c"),
        (dict(c_in=140.0, c_out=5.0, valence=1, temperature_c=-400.0), "temperature_c"),
        (dict(c_in=140.0, c_out=5.0, valence=1, temperature_c=float("nan")), "temperature_c"),
        (dict(c_in=140.0, c_out=5.0, valence=1, temperature_c="37"), "temperature_c"),
    ],
)
def test_nernst_rejects_bad_input_naming_the_field(kwargs, field):
    with pytest.raises(InvalidParameter) as info:
        nernst.nernst(**kwargs)
    assert info.value.field == field
    assert str(info.value).startswith(field + ":")
    # One error hierarchy: also a NernstError and a ValueError (errors.py).
    assert isinstance(info.value, nernst.NernstError) and isinstance(info.value, ValueError)


# ===========================================================================
# GHK current, flux, slope
# ===========================================================================

P = 1e-6  # cm/s, a typical K permeability


@pytest.mark.parametrize("ci, co, z", [(140.0, 5.0, 1), (15.0, 145.0, 1), (10.0, 110.0, -1), (1e-4, 2.0, 2)])
def test_ghk_current_at_zero_voltage_is_PzF_dc(ci, co, z):
    # Limit V -> 0: I = P z F (ci - co) (PHYSICS.md s.2), uA/cm^2 with P cm/s, c mM; rel 1e-14.
    assert ghk_current(0.0, ci, co, z, P) == pytest.approx(P * z * F * (ci - co), rel=1e-14)


def test_ghk_current_docstring_value():
    # P z F (ci - co) = 1e-6 * 96485.33212 * 135 = 13.02552 uA/cm^2 (by hand).
    assert ghk_current(0.0, 140.0, 5.0, 1, 1e-6) == pytest.approx(13.0255198, abs=1e-7)


@pytest.mark.parametrize("ci, co, z", [(140.0, 5.0, 1), (10.0, 110.0, -1), (1e-4, 2.0, 2), (50.0, 5.0, -0.85)])
def test_ghk_current_continuous_through_zero(ci, co, z):
    t = 37.0
    i0 = P * z * F * (ci - co)  # the V -> 0 limit
    # dI/dV at 0: b(s) = s/(1-e^-s) has b'(0) = 1/2, so I'(0) = P z F (z/vt) (ci + co)/2.
    slope0 = P * z * F * (z / vt(t)) * (ci + co) / 2.0
    for v in (1e-9, -1e-9):
        # At |V| = 1e-9 mV the first-order change is ~1e-11 relative: limit within 1e-9 rel.
        assert ghk_current(v, ci, co, z, P, t) == pytest.approx(i0, rel=1e-9)
    for v in (1e-6, -1e-6, 1e-9, -1e-9):
        # At |V| = 1e-6 mV the true current differs from the limit by ~2e-8 relative
        # (slope * V), so compare with the first-order Taylor expansion instead; the
        # second-order term is ~1e-13 relative: tolerance rel 1e-12.
        assert ghk_current(v, ci, co, z, P, t) == pytest.approx(i0 + slope0 * v, rel=1e-12)


@pytest.mark.parametrize("ci, co, z", [(140.0, 5.0, 1), (15.0, 145.0, 1), (10.0, 110.0, -1), (1e-4, 2.0, 2), (3.0, 1.0, 3)])
def test_ghk_current_vanishes_at_reversal(ci, co, z):
    e = nernst_ref(ci, co, z, 37.0)
    i = ghk_current(e, ci, co, z, P, 37.0)
    # Zero to 1e-12 relative to the scale P |z| F max(c) of the two terms.
    assert abs(i) < 1e-12 * P * abs(z) * F * max(ci, co)


def test_ghk_current_signs():
    # K with ci > co at V = 0: outward (positive) current, outward flux.
    assert ghk_current(0.0, 140.0, 5.0, 1, P) > 0
    assert ghk_flux(0.0, 140.0, 5.0, 1, P) > 0
    # Na with ci < co at V = 0: inward (negative).
    assert ghk_current(0.0, 15.0, 145.0, 1, P) < 0
    # Cl with ci < co at V = 0: Cl enters (negative flux) which is an outward current.
    assert ghk_current(0.0, 10.0, 110.0, -1, P) > 0
    assert ghk_flux(0.0, 10.0, 110.0, -1, P) < 0
    # Above E_K (-89 mV) the K current is outward, below it inward.
    assert ghk_current(-80.0, 140.0, 5.0, 1, P) > 0
    assert ghk_current(-100.0, 140.0, 5.0, 1, P) < 0


@pytest.mark.parametrize("v", [-150.0, -60.0, -5.0, 3.0, 40.0, 120.0])
@pytest.mark.parametrize(
    "ci, co, z, t",
    [(140.0, 5.0, 1, 37.0), (10.0, 110.0, -1, 37.0), (1e-4, 2.0, 2, 37.0), (400.0, 20.0, 1, 6.3), (5.0, 50.0, -0.85, 20.0)],
)
def test_ghk_current_matches_textbook_formula(v, ci, co, z, t):
    ref = ghk_textbook(v, ci, co, z, P, t)
    # Textbook formula evaluated with exp directly, |V| >= 3 mV (no 0/0); none of these V
    # is within 2 mV of E_X, so the textbook form has no catastrophic cancellation: rel 1e-12.
    assert ghk_current(v, ci, co, z, P, t) == pytest.approx(ref, rel=1e-12)


def test_ghk_current_no_overflow_at_extreme_voltage():
    with np.errstate(all="raise"):
        i = ghk_current(np.array([-1000.0, 1000.0]), 1e-4, 2.0, 2, P, 37.0)
    assert np.all(np.isfinite(i))
    # Far from 0 the current is dominated by one side: at -1000 mV (s = -74.8)
    # I -> P z F s co (inward Ca, i.e. -2 * 1000/vt * P z F * co), rel 1e-12
    # (the neglected term is exp(-74.8) ~ 3e-33 relative).
    s = 2 * -1000.0 / vt(37.0)
    assert i[0] == pytest.approx(P * 2 * F * s * 2.0, rel=1e-12)
    # At +1000 mV: I -> P z F s ci.
    assert i[1] == pytest.approx(P * 2 * F * (-s) * 1e-4, rel=1e-12)


def test_ghk_current_no_overflow_beyond_exp_range():
    # |zFV/RT| > 709 would overflow a naive exp: with z = 2 and V = +-10 V.
    with np.errstate(over="raise", invalid="raise"):
        i = ghk_current(np.array([-1e4, 1e4]), 1e-4, 2.0, 2, P, 37.0)
    assert np.all(np.isfinite(i))
    s = 2 * 1e4 / vt(37.0)  # 748
    # Asymptotes I = -P z F s co and I = P z F s ci, rel 1e-12.
    assert i[0] == pytest.approx(-P * 2 * F * s * 2.0, rel=1e-12)
    assert i[1] == pytest.approx(P * 2 * F * s * 1e-4, rel=1e-12)


@pytest.mark.parametrize("v", [-120.0, -1e-7, 0.0, 2.0, 55.0])
@pytest.mark.parametrize("ci, co, z", [(140.0, 5.0, 1), (10.0, 110.0, -1), (1e-4, 2.0, 2)])
def test_ghk_flux_is_current_over_zF(v, ci, co, z):
    # J = I / (z F): I in uA/cm^2 = 1e-6 A/cm^2, so J [pmol/(cm^2 s)] = 1e-6 I/(zF) * 1e12 = 1e6 I/(zF); rel 1e-13.
    i = ghk_current(v, ci, co, z, P)
    assert ghk_flux(v, ci, co, z, P) == pytest.approx(i / (z * F) * 1e6, rel=1e-13)


def test_ghk_flux_at_zero_is_P_dc():
    # J = P (ci - co): 1e-6 cm/s * 135 mM = 1e-6 * 135e-6 mol/(cm^2 s) = 135 pmol/(cm^2 s).
    assert ghk_flux(0.0, 140.0, 5.0, 1, 1e-6) == pytest.approx(135.0, rel=1e-14)


@pytest.mark.parametrize("v", [-150.0, -89.0, -30.0, -2.0, 2.0, 2.68, 2.69, 30.0, 90.0])
@pytest.mark.parametrize("ci, co, z", [(140.0, 5.0, 1), (10.0, 110.0, -1), (1e-4, 2.0, 2), (20.0, 5.0, -0.85)])
def test_ghk_current_slope_matches_complex_step_derivative(v, ci, co, z):
    # Complex-step derivative of the textbook formula: Im f(V + ih)/h, exact to
    # rounding (no subtractive cancellation), so rel 1e-10.  V = 2.68/2.69 mV put
    # s = zV/vt on both sides of 0.1 for z = 1 (series / direct branch).
    h = 1e-20
    ref = ghk_textbook(complex(v, h), ci, co, z, P).imag / h
    assert ghk_current_slope(v, ci, co, z, P) == pytest.approx(ref, rel=1e-10)


@pytest.mark.parametrize("v", [-80.0, -1e-3, 0.0, 1.0, 40.0])
def test_ghk_current_slope_matches_central_difference(v):
    # Central finite difference, h = 1e-3 mV: truncation ~ (h/vt)^2 ~ 1e-9 relative,
    # rounding ~ 1e-16 I/h ~ 1e-11 relative to the slope: rel 1e-7.
    h = 1e-3
    args = (140.0, 5.0, 1, P)
    fd = (ghk_current(v + h, *args) - ghk_current(v - h, *args)) / (2 * h)
    assert ghk_current_slope(v, *args) == pytest.approx(fd, rel=1e-7)


def test_ghk_current_slope_at_zero():
    # I'(0) = P z^2 F / vt (ci + co)/2 (b'(0) = 1/2): rel 1e-13.
    ci, co, z = 140.0, 5.0, 1
    assert ghk_current_slope(0.0, ci, co, z, P) == pytest.approx(P * z * z * F / vt(37.0) * (ci + co) / 2, rel=1e-13)


def test_ghk_current_slope_is_positive():
    v = np.linspace(-300.0, 300.0, 601)
    for ci, co, z in [(140.0, 5.0, 1), (10.0, 110.0, -1), (1e-4, 2.0, 2)]:
        assert np.all(ghk_current_slope(v, ci, co, z, P) > 0)


@pytest.mark.parametrize("ci, co, z", [(140.0, 5.0, 1), (15.0, 145.0, 1), (10.0, 110.0, -1), (1e-4, 2.0, 2)])
def test_conductance_at_reversal_equals_slope_at_reversal(ci, co, z):
    e = nernst_ref(ci, co, z, 37.0)
    g = ghk_conductance_at_reversal(ci, co, z, P, 37.0)
    # Same quantity computed two ways: rel 1e-10.
    assert g == pytest.approx(ghk_current_slope(e, ci, co, z, P, 37.0), rel=1e-10)
    # Independent: P z^2 (F/vt) ci co ln(co/ci) / (co - ci) (Hille 2001 ch. 14), rel 1e-12.
    ref = P * z * z * F / vt(37.0) * ci * co * math.log(co / ci) / (co - ci)
    assert g == pytest.approx(ref, rel=1e-12)


def test_conductance_at_reversal_equal_concentrations():
    # ci = co = c: log mean = c, so g = P z^2 F c / vt (the slope at V = 0 = E_X); rel 1e-13.
    g = ghk_conductance_at_reversal(100.0, 100.0, 1, P, 20.0)
    assert g == pytest.approx(P * F * 100.0 / vt(20.0), rel=1e-13)


@pytest.mark.parametrize("ci, co, z", [(140.0, 5.0, 1), (10.0, 110.0, -1), (1e-4, 2.0, 2)])
def test_permeability_from_conductance_inverts(ci, co, z):
    g = ghk_conductance_at_reversal(ci, co, z, 3.7e-7, 25.0)
    assert permeability_from_conductance(g, ci, co, z, 25.0) == pytest.approx(3.7e-7, rel=1e-13)
    # And a given conductance maps back to itself.
    p = permeability_from_conductance(0.3, ci, co, z, 25.0)
    assert ghk_conductance_at_reversal(ci, co, z, p, 25.0) == pytest.approx(0.3, rel=1e-13)


@pytest.mark.parametrize("v", [-70.0, 0.0, 25.0])
def test_permeability_from_conductance_at_a_voltage(v):
    # With voltage_mV the slope is taken at that voltage: P(g, V) gives slope g at V (rel 1e-12).
    p = permeability_from_conductance(0.05, 140.0, 5.0, 1, 37.0, voltage_mV=v)
    assert ghk_current_slope(v, 140.0, 5.0, 1, p, 37.0) == pytest.approx(0.05, rel=1e-12)


@pytest.mark.parametrize(
    "args, field",
    [
        ((float("nan"), 140.0, 5.0, 1, P), "voltage_mV"),
        ((0.0, -1.0, 5.0, 1, P), "inside"),
        ((0.0, 140.0, -5.0, 1, P), "outside"),
        ((0.0, 140.0, 5.0, 0, P), "valence"),
        ((0.0, 140.0, 5.0, 1, -P), "permeability"),
    ],
)
def test_ghk_current_rejects_bad_input(args, field):
    for fn in (ghk_current, ghk_flux, ghk_current_slope):
        with pytest.raises(InvalidParameter) as info:
            fn(*args)
        assert info.value.field == field


def test_ghk_current_allows_one_side_zero():
    # [X]o = 0: I = P z F s ci / (1 - e^-s), finite; at V=0: P z F ci. rel 1e-14.
    assert ghk_current(0.0, 140.0, 0.0, 1, P) == pytest.approx(P * F * 140.0, rel=1e-14)


# ===========================================================================
# Zero-current (resting) potential
# ===========================================================================

def test_squid_hodgkin_katz_1949():
    # Hodgkin & Katz 1949, squid axon, P_K:P_Na:P_Cl = 1:0.04:0.45, K 400/20, Na 50/440,
    # Cl 52/560 mM, 20 degC (PHYSICS.md s.6).
    ions = [(400.0, 20.0, 1, 1.0), (50.0, 440.0, 1, 0.04), (52.0, 560.0, -1, 0.45)]
    ref = ghk_voltage_ref(ions, 20.0)  # = 25.2617 ln(61/654) = -59.927 mV by hand
    ci, co, z, p = map(list, zip(*ions))
    for method in ("auto", "closed", "root"):
        v = zero_current_potential(ci, co, z, p, 20.0, method=method)
        # Hand computation: abs 1e-8 mV (root is iterated to 1e-10 mV).
        assert v == pytest.approx(ref, abs=1e-8)
    assert ghk_voltage(ci, co, z, p, 20.0) == pytest.approx(ref, abs=1e-10)
    # Literature "about -60 mV" (PHYSICS.md s.6): within 0.1 mV of -59.9.
    assert ref == pytest.approx(-59.93, abs=0.01)
    assert v == pytest.approx(-59.9, abs=0.1)


def test_mammalian_neuron_resting_potential():
    # Typical mammalian neuron, 37 degC, 1:0.05:0.45 (PHYSICS.md s.6): "about -65 mV".
    ions = [(140.0, 5.0, 1, 1.0), (15.0, 145.0, 1, 0.05), (10.0, 110.0, -1, 0.45)]
    ref = ghk_voltage_ref(ions, 37.0)  # 26.7267 ln(16.75/190.25) = -64.944 mV by hand
    ci, co, z, p = map(list, zip(*ions))
    v = zero_current_potential(ci, co, z, p, 37.0)
    assert v == pytest.approx(ref, abs=1e-10)
    assert v == pytest.approx(-65.0, abs=0.1)  # PHYSICS.md s.6, quoted to ~0.1 mV


@pytest.mark.parametrize(
    "p_ca_over_p_k, ca_o, k_i, t",
    [(1.0, 2.0, 140.0, 37.0), (0.1, 10.0, 100.0, 20.0), (1000.0, 1.0, 150.0, 37.0), (1e-3, 2.0, 140.0, 6.3), (5.0, 50.0, 10.0, 25.0)],
)
def test_bi_ionic_k_ca_closed_form(p_ca_over_p_k, ca_o, k_i, t):
    # K only inside, Ca only outside (PHYSICS.md s.2):
    # V = (RT/F) ln(-1/2 + sqrt(1/4 + 4 P_Ca [Ca]o / (P_K [K]i))).
    ref = vt(t) * math.log(-0.5 + math.sqrt(0.25 + 4 * p_ca_over_p_k * ca_o / k_i))
    for method in ("closed", "root", "auto"):
        v = zero_current_potential([k_i, 0.0], [0.0, ca_o], [1, 2], [1.0, p_ca_over_p_k], t, method=method)
        assert v == pytest.approx(ref, abs=1e-8)  # tol 1e-8 mV (brief)


def test_bi_ionic_p_ca_small_uses_stable_root():
    # For 4 P_Ca Ca_o/(P_K K_i) = x << 1 the root is V = vt ln(x - x^2 + ...) ;
    # x = 4e-12: -1/2 + sqrt(1/4 + x) loses digits, so use the series x - x^2 + 2x^3 (rel 1e-10).
    x = 4e-12
    ref = vt(37.0) * math.log(x - x * x + 2 * x**3)
    v = zero_current_potential([1.0, 0.0], [0.0, 1e-12], [1, 2], [1.0, 1.0], 37.0, method="closed")
    assert v == pytest.approx(ref, rel=1e-10)


@pytest.mark.parametrize(
    "ions",
    [
        # K, Na and a hypothetical trivalent cation (La3+) at 37 degC.
        [(140.0, 5.0, 1, 1.0), (15.0, 145.0, 1, 0.05), (1e-3, 1.0, 3, 0.2)],
        # Mammalian set plus a mean-valence -0.85 anion (Duesterwald 2018 z_X).
        [(140.0, 5.0, 1, 1.0), (15.0, 145.0, 1, 0.05), (10.0, 110.0, -1, 0.45), (120.0, 10.0, -0.85, 0.3)],
        # Divalent and trivalent together.
        [(140.0, 5.0, 1, 1.0), (1e-4, 2.0, 2, 1.0), (1e-4, 2.0, 3, 0.5), (10.0, 110.0, -1, 0.45)],
    ],
)
def test_zero_current_general_valences_zero_total_current(ions):
    ci, co, z, p = map(list, zip(*ions))
    v = zero_current_potential(ci, co, z, p, 37.0)
    assert abs(v) > 1e-3  # keeps the textbook formula away from 0/0
    currents = [ghk_textbook(v, a, b, zz, pp, 37.0) for a, b, zz, pp in ions]
    # Sum of independently evaluated GHK currents vanishes: |sum I| < 1e-9 sum |I| (brief).
    assert abs(sum(currents)) < 1e-9 * sum(abs(c) for c in currents)
    # And the root lies between the extreme Nernst potentials.
    es = [nernst_ref(a, b, zz, 37.0) for a, b, zz, _ in ions]
    assert min(es) < v < max(es)
    with pytest.raises(InvalidParameter) as info:
        zero_current_potential(ci, co, z, p, 37.0, method="closed")
    assert info.value.field == "method"


def test_one_permeant_ion_gives_its_nernst_potential():
    ci, co, z = [140.0, 15.0, 10.0, 1e-4], [5.0, 145.0, 110.0, 2.0], [1, 1, -1, 2]
    for k in range(4):
        p = [0.0] * 4
        p[k] = 1.0
        for method in ("closed", "root"):
            v = zero_current_potential(ci, co, z, p, 37.0, method=method)
            assert v == pytest.approx(nernst_ref(ci[k], co[k], z[k], 37.0), abs=1e-8)


def test_permeability_scale_invariance():
    ci, co, z = [140.0, 15.0, 10.0, 1e-4], [5.0, 145.0, 110.0, 2.0], [1, 1, -1, 2]
    p = [1.0, 0.05, 0.45, 0.3]
    v1 = zero_current_potential(ci, co, z, p, 37.0)
    for k in (1e-9, 3.0, 1e6):
        # Only ratios matter (GHK): identical to 1e-9 mV.
        assert zero_current_potential(ci, co, z, [k * x for x in p], 37.0) == pytest.approx(v1, abs=1e-9)


def test_ghk_voltage_equals_zero_current_potential_for_monovalent():
    ci, co, z = [140.0, 15.0, 10.0, 5.0], [5.0, 145.0, 110.0, 30.0], [1, 1, -1, -1]
    p = [1.0, 0.05, 0.45, 0.2]
    ref = ghk_voltage_ref(list(zip(ci, co, z, p)), 30.0)
    assert ghk_voltage(ci, co, z, p, 30.0) == pytest.approx(ref, abs=1e-10)
    assert zero_current_potential(ci, co, z, p, 30.0, method="root") == pytest.approx(ref, abs=1e-8)
    assert zero_current_potential(ci, co, z, p, 30.0) == pytest.approx(ref, abs=1e-10)


def test_ghk_voltage_rejects_divalent():
    with pytest.raises(InvalidParameter) as info:
        ghk_voltage([140.0, 1e-4], [5.0, 2.0], [1, 2], [1.0, 1.0])
    assert info.value.field == "valence"


def test_zero_current_potential_array_grid_matches_loop():
    # Broadcast P_Na over a grid (column) and temperature (row), both methods.
    pna = np.array([0.0, 0.01, 0.05, 0.2, 1.0])[:, None]
    temps = np.array([6.3, 20.0, 37.0])
    ci, co, z = [140.0, 15.0, 10.0, 1e-4], [5.0, 145.0, 110.0, 2.0], [1, 1, -1, 2]
    for method in ("closed", "root"):
        grid = zero_current_potential(ci, co, z, [1.0, pna, 0.45, 0.1], temps, method=method)
        assert grid.shape == (5, 3)
        for i in range(5):
            for j in range(3):
                one = zero_current_potential(ci, co, z, [1.0, float(pna[i, 0]), 0.45, 0.1], float(temps[j]), method=method)
                assert grid[i, j] == pytest.approx(one, abs=1e-9)
    # Root and closed agree over the grid (both valid for +-1, +-2): abs 1e-8 mV.
    np.testing.assert_allclose(
        zero_current_potential(ci, co, z, [1.0, pna, 0.45, 0.1], temps, method="root"),
        zero_current_potential(ci, co, z, [1.0, pna, 0.45, 0.1], temps, method="closed"),
        rtol=0, atol=1e-8,
    )


def test_zero_current_root_array_with_non_integer_valence_matches_loop():
    # Root method (z = -0.85 forces it) on an array: converged points are dropped from
    # the working set, so check every element against a scalar call (abs 1e-9 mV).
    ko = np.array([1.0, 3.0, 5.0, 20.0, 80.0, 140.0])
    ci, co, z = [140.0, 15.0, 120.0], [ko, 145.0, 10.0], [1, 1, -0.85]
    grid = zero_current_potential(ci, co, z, [1.0, 0.05, 0.3], 37.0)
    for i, k in enumerate(ko):
        one = zero_current_potential(ci, [float(k), 145.0, 10.0], z, [1.0, 0.05, 0.3], 37.0)
        assert grid[i] == pytest.approx(one, abs=1e-9)
        currents = [ghk_textbook(one, a, b, zz, pp) for a, b, zz, pp in
                    zip(ci, [float(k), 145.0, 10.0], z, [1.0, 0.05, 0.3])]
        assert abs(sum(currents)) < 1e-9 * sum(abs(c) for c in currents)


@pytest.mark.parametrize(
    "ci, co, z, p",
    [
        ([140.0], [0.0], [1], [1.0]),  # only K, none outside: no inward current possible
        ([0.0], [5.0], [1], [1.0]),  # only K, none inside: no outward current possible
        ([140.0, 15.0], [0.0, 145.0], [1, 1], [1.0, 0.0]),  # Na present but impermeant
        ([140.0, 15.0], [5.0, 145.0], [1, 1], [0.0, 0.0]),  # nothing permeant
        ([0.0, 10.0], [5.0, 0.0], [1, -1], [1.0, 1.0]),  # K in and Cl out both carry inward current only
    ],
)
def test_zero_current_requires_current_both_ways(ci, co, z, p):
    for fn in (zero_current_potential, ghk_voltage):
        with pytest.raises(InvalidParameter):
            fn(ci, co, z, p, 37.0)


@pytest.mark.parametrize(
    "args, field",
    [
        (([140.0, 15.0], [5.0], [1, 1], [1.0, 0.05]), "outside"),
        (([140.0, 15.0], [5.0, 145.0], [1], [1.0, 0.05]), "valence"),
        (([140.0, 15.0], [5.0, 145.0], [1, 1], [1.0]), "permeability"),
        (([], [], [], []), "ions"),
        ((140.0, 5.0, 1, 1.0), "inside"),  # not a sequence
        (([140.0, 15.0], [5.0, 145.0], [1, 0], [1.0, 0.05]), "valence[1]"),
        (([140.0, -15.0], [5.0, 145.0], [1, 1], [1.0, 0.05]), "inside[1]"),
        (([140.0, 15.0], [5.0, 145.0], [1, 1], [1.0, -0.05]), "permeability[1]"),
    ],
)
def test_zero_current_rejects_bad_lists(args, field):
    with pytest.raises(InvalidParameter) as info:
        zero_current_potential(*args)
    assert info.value.field == field


def test_zero_current_rejects_bad_method_and_temperature():
    args = ([140.0, 15.0], [5.0, 145.0], [1, 1], [1.0, 0.05])
    with pytest.raises(InvalidParameter) as info:
        zero_current_potential(*args, method="newton")
    assert info.value.field == "method"
    with pytest.raises(InvalidParameter) as info:
        zero_current_potential(*args, method="closed", temperature_c=-274.0)
    assert info.value.field == "temperature_c"
    with pytest.raises(InvalidParameter) as info:
        zero_current_potential([140.0, 1.0], [5.0, 2.0], [1, 3], [1.0, 1.0], method="closed")
    assert info.value.field == "method"


# ===========================================================================
# Weighted average, chord conductance, driving force, current share
# ===========================================================================

def test_weighted_average_encyclopedia_example():
    # Wikipedia "Membrane potential": E_K = -80, E_Na = +60, P_Na = 5 % of P_K:
    # (-80 * 1 + 60 * 0.05) / 1.05 = -77 / 1.05 = -73.333 mV (by hand), rel 1e-14.
    v = weighted_average_potential([-80.0, 60.0], [1.0, 0.05])
    assert v == pytest.approx(-77.0 / 1.05, rel=1e-14)
    assert v == pytest.approx(-73.33, abs=0.005)


def test_weighted_average_differs_from_ghk():
    # The permeability-weighted average is not the GHK potential (PHYSICS.md s.2):
    # with E_K = -80 and E_Na = +60 at 37 degC, 1:0.05, the GHK voltage equation gives
    # a different number (computed here by hand from concentrations giving those E's).
    ci_k, co_k = 100.0, 100.0 * math.exp(-80.0 / vt(37.0))
    ci_na, co_na = 10.0, 10.0 * math.exp(60.0 / vt(37.0))
    ghk_ref = ghk_voltage_ref([(ci_k, co_k, 1, 1.0), (ci_na, co_na, 1, 0.05)], 37.0)
    ghk = ghk_voltage([ci_k, ci_na], [co_k, co_na], [1, 1], [1.0, 0.05], 37.0)
    assert ghk == pytest.approx(ghk_ref, abs=1e-10)  # hand GHK voltage equation
    wa = weighted_average_potential([nernst.nernst(ci_k, co_k, 1), nernst.nernst(ci_na, co_na, 1)], [1.0, 0.05])
    # The same E's and permeability ratio give -73.3 mV (weighted) but about -62.4 mV (GHK):
    # the weighted average is ~11 mV more negative here (both by hand above; abs 1e-9 mV).
    assert wa - ghk == pytest.approx(-77.0 / 1.05 - ghk_ref, abs=1e-9)
    assert wa - ghk < -5.0


def test_chord_potential_equals_weighted_average_with_conductances():
    e, g = [-77.0, 50.0, -54.387], [36.0, 120.0 * 0.0005, 0.3]
    # Hand: sum g E / sum g, rel 1e-14.
    ref = sum(gi * ei for gi, ei in zip(g, e)) / sum(g)
    assert chord_potential(e, g) == pytest.approx(ref, rel=1e-14)
    assert weighted_average_potential(e, g) == pytest.approx(ref, rel=1e-14)


def test_chord_potential_docstring_example():
    # (1 * -77 + 0.1 * 50) / 1.1 = -72/1.1 = -65.4545 mV by hand.
    assert chord_potential([-77.0, 50.0], [1.0, 0.1]) == pytest.approx(-72.0 / 1.1, rel=1e-14)


@pytest.mark.parametrize("ip", [0.5, -0.3, 2.0])
def test_chord_potential_pump_shift(ip):
    e, g = [-89.0, 60.6, -64.1], [0.3, 0.01, 0.2]
    v0 = chord_potential(e, g)
    v1 = chord_potential(e, g, pump_current_uA_cm2=ip)
    # Outward pump current I_p shifts V by -I_p / sum g (PHYSICS.md s.2), rel 1e-12.
    assert v1 - v0 == pytest.approx(-ip / sum(g), rel=1e-12)


def test_chord_potential_broadcasts():
    gk = np.array([0.1, 1.0, 10.0])
    v = chord_potential([-90.0, 60.0], [gk, 1.0])
    np.testing.assert_allclose(v, (-90.0 * gk + 60.0) / (gk + 1.0), rtol=1e-14)


def test_weighted_average_and_chord_errors():
    with pytest.raises(InvalidParameter) as info:
        weighted_average_potential([-80.0, 60.0], [0.0, 0.0])
    assert info.value.field == "weights"
    with pytest.raises(InvalidParameter) as info:
        weighted_average_potential([-80.0, 60.0], [1.0])
    assert info.value.field == "weights"
    with pytest.raises(InvalidParameter) as info:
        weighted_average_potential([-80.0, 60.0], [1.0, -0.05])
    assert info.value.field == "weights[1]"
    with pytest.raises(InvalidParameter) as info:
        chord_potential([-80.0, float("nan")], [1.0, 1.0])
    assert info.value.field == "potentials[1]"
    with pytest.raises(InvalidParameter) as info:
        chord_potential([-80.0, 60.0], [0.0, 0.0])
    assert info.value.field == "conductances"


def test_driving_force():
    # V - E_X: -65 - (-89.06) = +24.06 (outward K current), -65 - 60.63 = -125.63 (inward Na).
    assert driving_force(-65.0, -89.06) == pytest.approx(24.06, abs=1e-12)
    assert driving_force(-65.0, 60.63) == pytest.approx(-125.63, abs=1e-12)
    np.testing.assert_allclose(driving_force(np.array([-70.0, 0.0]), -90.0), [20.0, 90.0], atol=1e-12)
    with pytest.raises(InvalidParameter) as info:
        driving_force(float("inf"), 0.0)
    assert info.value.field == "voltage_mV"


def test_current_share_simple():
    # [3, -1]: sum |I| = 4 -> [0.75, -0.25] by hand.
    np.testing.assert_allclose(current_share([3.0, -1.0]), [0.75, -0.25], rtol=1e-15)


def test_current_share_at_zero_current_potential():
    ions = [(140.0, 5.0, 1, 1e-6), (15.0, 145.0, 1, 5e-8), (10.0, 110.0, -1, 4.5e-7), (1e-4, 2.0, 2, 1e-7)]
    ci, co, z, p = map(list, zip(*ions))
    v = zero_current_potential(ci, co, z, p, 37.0)
    currents = [ghk_current(v, a, b, zz, pp) for a, b, zz, pp in ions]
    share = current_share(currents)
    # At rest the shares sum to 0 (abs 1e-9; Newton/closed-form root to ~1e-12 mV)
    assert abs(float(np.sum(share))) < 1e-9
    # and their magnitudes sum to 1 (definition; rel 1e-14).
    assert float(np.sum(np.abs(share))) == pytest.approx(1.0, rel=1e-14)
    # K carries outward current, Na and Ca inward (signs of V - E_X).
    assert share[0] > 0 and share[1] < 0 and share[3] < 0


# ===========================================================================
# Mullins-Noda electrogenic pump potential
# ===========================================================================

NA_I, NA_O, K_I, K_O = 15.0, 145.0, 140.0, 5.0  # mammalian neuron (PHYSICS.md s.6)


def mn_ref(r, pna, pk, t=37.0, nai=NA_I, nao=NA_O, ki=K_I, ko=K_O):
    """Mullins & Noda 1963 by hand: V = vt ln((r PK Ko + PNa Nao)/(r PK Ki + PNa Nai))."""
    return vt(t) * math.log((r * pk * ko + pna * nao) / (r * pk * ki + pna * nai))


def test_mullins_noda_r1_is_two_ion_ghk():
    v = mullins_noda_potential(NA_I, NA_O, K_I, K_O, 0.05, 1.0, ratio=1.0)
    ghk = ghk_voltage([K_I, NA_I], [K_O, NA_O], [1, 1], [1.0, 0.05], 37.0)
    assert v == pytest.approx(ghk, abs=1e-12)
    # Hand: 26.7267 ln(12.25/140.75) = -65.25 mV, abs 1e-10.
    assert v == pytest.approx(mn_ref(1.0, 0.05, 1.0), abs=1e-10)


def test_mullins_noda_r15_mammalian():
    v = mullins_noda_potential(NA_I, NA_O, K_I, K_O, 0.05, 1.0)  # default r = 3/2
    assert v == pytest.approx(mn_ref(1.5, 0.05, 1.0), abs=1e-10)
    dv = pump_contribution(NA_I, NA_O, K_I, K_O, 0.05, 1.0)
    # Exact difference by hand: vt ln(14.75/210.75) - vt ln(12.25/140.75) = -5.83 mV (abs 1e-10).
    ref = vt(37.0) * (math.log(14.75 / 210.75) - math.log(12.25 / 140.75))
    assert dv == pytest.approx(ref, abs=1e-10)
    assert dv == pytest.approx(-5.83, abs=0.01)
    # "a few mV, not tens" (PHYSICS.md s.2): between -10 and 0 mV.
    assert -10.0 < dv < 0.0
    # pump_contribution = MN(1.5) - MN(1).
    assert dv == pytest.approx(v - mullins_noda_potential(NA_I, NA_O, K_I, K_O, 0.05, 1.0, ratio=1.0), abs=1e-12)


def test_mullins_noda_squid_difference():
    # Squid 20 degC, P_Na/P_K = 0.04: exact difference by hand, abs 1e-10 mV.
    args = dict(nai=50.0, nao=440.0, ki=400.0, ko=20.0, t=20.0)
    ref = mn_ref(1.5, 0.04, 1.0, **args) - mn_ref(1.0, 0.04, 1.0, **args)
    dv = pump_contribution(50.0, 440.0, 400.0, 20.0, 0.04, 1.0, ratio=1.5, temperature_c=20.0)
    assert dv == pytest.approx(ref, abs=1e-10)
    assert -10.0 < dv < 0.0


def test_mullins_noda_without_sodium_permeability_is_e_k():
    # P_Na = 0: r cancels and V = E_K (rel 1e-13).
    v = mullins_noda_potential(NA_I, NA_O, K_I, K_O, 0.0, 1.0, ratio=1.5)
    assert v == pytest.approx(nernst_ref(K_I, K_O, 1), rel=1e-13)


def test_mullins_noda_errors():
    with pytest.raises(InvalidParameter) as info:
        mullins_noda_potential(NA_I, NA_O, K_I, K_O, 0.0, 0.0)
    assert info.value.field in ("p_k", "p_na")
    with pytest.raises(InvalidParameter) as info:
        mullins_noda_potential(0.0, NA_O, K_I, K_O, 0.05, 1.0)
    assert info.value.field == "na_in"
    with pytest.raises(InvalidParameter) as info:
        mullins_noda_potential(NA_I, NA_O, K_I, K_O, 0.05, 1.0, ratio=0.0)
    assert info.value.field == "ratio"


# ===========================================================================
# Gibbs-Donnan equilibrium
# ===========================================================================

def donnan_kcl_ref(ko, clo, x):
    """K/Cl with x mM of a monovalent impermeant anion inside, by hand.

    [K]i [Cl]i = [K]o [Cl]o and [K]i = [Cl]i + x  =>  Cl^2 + x Cl - Ko Clo = 0,
    positive root written stably: Cl = 2 Ko Clo / (x + sqrt(x^2 + 4 Ko Clo)).
    """
    cli = 2 * ko * clo / (x + math.sqrt(x * x + 4 * ko * clo))
    return cli + x, cli


@pytest.mark.parametrize("ko, clo, x, t", [(5.0, 110.0, 100.0, 37.0), (120.0, 120.0, 100.0, 20.0), (3.0, 150.0, 1.0, 37.0)])
def test_donnan_kcl_monovalent_anion(ko, clo, x, t):
    st = donnan_equilibrium([ko, clo], [1, -1], x, -1, t)
    ki_ref, cli_ref = donnan_kcl_ref(ko, clo, x)
    ki, cli = (float(c) for c in st.inside_mM)
    # Quadratic solved by hand: rel 1e-12.
    assert ki == pytest.approx(ki_ref, rel=1e-12)
    assert cli == pytest.approx(cli_ref, rel=1e-12)
    # Donnan ratio [K]i[Cl]i = [K]o[Cl]o, and electroneutrality [K]i = [Cl]i + x (rel 1e-12).
    assert ki * cli == pytest.approx(ko * clo, rel=1e-12)
    assert ki == pytest.approx(cli + x, rel=1e-12)
    # V = (RT/F) ln(Ko/Ki), abs 1e-10 mV; same from Cl: -(RT/F) ln(Clo/Cli).
    assert st.potential_mV == pytest.approx(vt(t) * math.log(ko / ki_ref), abs=1e-10)
    assert st.potential_mV == pytest.approx(-vt(t) * math.log(clo / cli_ref), abs=1e-10)
    # Osmotic excess: (Ki + Cli + x) - (Ko + Clo), rel 1e-12.
    assert st.osmotic_excess_mOsm == pytest.approx(ki_ref + cli_ref + x - ko - clo, rel=1e-12)


def test_donnan_docstring_example():
    # 5/110 outside, 100 mM anion: Cl_i = 5.227, K_i = 105.227, V = -81.43 mV (docstring, by hand).
    st = donnan_equilibrium([5.0, 110.0], [1, -1], 100.0, -1, 37.0)
    assert st.potential_mV == pytest.approx(-81.43, abs=0.005)


def test_donnan_without_impermeant_is_flat():
    # x = 0 and an electroneutral KCl bath: inside = outside, V = 0 (abs 1e-12 mV).
    st = donnan_equilibrium([120.0, 120.0], [1, -1], 0.0, -1, 37.0)
    assert st.potential_mV == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(st.inside_mM, [120.0, 120.0], rtol=1e-14)


@pytest.mark.parametrize(
    "co, z, x, zx",
    [
        ([5.0, 140.0, 120.0, 2.0], [1, 1, -1, 2], 100.0, -1.0),  # K, Na, Cl, Ca with monovalent X
        ([3.5, 145.0, 119.0, 1.2], [1, 1, -1, 2], 29.5, -0.85),  # Duesterwald 2018 bath + Ca, z_X = -0.85
        ([4.0, 110.0, 1.0, 1.5], [1, -1, -2, 2], 60.0, -1.5),  # with a divalent anion
        ([5.0, 10.0], [1, -1], 40.0, 1.0),  # positive impermeant species
    ],
)
def test_donnan_general_with_divalent_ion(co, z, x, zx):
    t = 37.0
    st = donnan_equilibrium(co, z, x, zx, t)
    v = st.potential_mV
    ci = [float(c) for c in st.inside_mM]
    for cin, cout, zz in zip(ci, co, z):
        # Every permeant ion at its own Nernst potential with the one V: abs 1e-9 mV.
        assert nernst_ref(cin, cout, zz, t) == pytest.approx(v, abs=1e-9)
        # Equivalently [X]i = [X]o exp(-zFV/RT): rel 1e-11.
        assert cin == pytest.approx(cout * math.exp(-zz * v / vt(t)), rel=1e-11)
    # Inside electroneutrality: sum z c + z_X x = 0 to 1e-9 relative to the charges present.
    charge = sum(zz * cin for zz, cin in zip(z, ci)) + zx * x
    scale = sum(abs(zz * cin) for zz, cin in zip(z, ci)) + abs(zx * x)
    assert abs(charge) < 1e-9 * scale
    # Osmotic excess (ideal): inside total minus outside total, rel 1e-12.
    assert st.osmotic_excess_mOsm == pytest.approx(sum(ci) + x - sum(co), rel=1e-12)


@pytest.mark.parametrize("c, x", [(150.0, 100.0), (10.0, 1.0), (1.0, 1000.0), (300.0, 1e-3)])
def test_donnan_osmotic_excess_positive(c, x):
    # Electroneutral KCl bath c, x mM monovalent anion inside: Ki Cli = c^2, Ki - Cli = x, so
    # excess = sqrt(x^2 + 4c^2) + x - 2c > 0: a Donnan cell swells without a pump
    # (PHYSICS.md s.2; Tosteson & Hoffman 1960).  Hand formula, rearranged to avoid the
    # cancellation in sqrt(...) - 2c when x << c; rel 1e-9 (the code's own subtraction
    # of totals loses digits when the excess is tiny next to 2c).
    st = donnan_equilibrium([c, c], [1, -1], x, -1, 37.0)
    ref = x * x / (math.sqrt(x * x + 4 * c * c) + 2 * c) + x  # = sqrt(x^2+4c^2) - 2c + x, stable
    assert st.osmotic_excess_mOsm > 0
    assert st.osmotic_excess_mOsm == pytest.approx(ref, rel=1e-9)


def test_donnan_array_input():
    x = np.array([0.0, 50.0, 100.0])
    st = donnan_equilibrium([5.0, 110.0], [1, -1], x, -1, 37.0)
    assert np.shape(st.potential_mV) == (3,)
    assert st.inside_mM.shape == (2, 3)
    for i, xi in enumerate(x):
        ki, _ = donnan_kcl_ref(5.0, 110.0, xi)
        assert st.potential_mV[i] == pytest.approx(vt(37.0) * math.log(5.0 / ki), abs=1e-10)


def test_donnan_errors():
    # Fixed charge that the permeant ions cannot balance: the error may be reported
    # against the valences or the impermeant species (both are part of the cause).
    with pytest.raises(InvalidParameter) as info:
        donnan_equilibrium([110.0], [-1], 100.0, -1)  # negative X, no permeant cation
    assert info.value.field in ("valence", "impermeant")
    with pytest.raises(InvalidParameter) as info:
        donnan_equilibrium([5.0], [1], 100.0, 1)  # positive X, no permeant anion
    assert info.value.field in ("valence", "impermeant")
    with pytest.raises(InvalidParameter) as info:
        donnan_equilibrium([5.0, 0.0], [1, -1], 100.0, -1)
    assert info.value.field == "outside[1]"
    with pytest.raises(InvalidParameter) as info:
        donnan_equilibrium([5.0, 110.0], [1, -1], -1.0, -1)
    assert info.value.field == "impermeant"
    with pytest.raises(InvalidParameter) as info:
        donnan_equilibrium([5.0, 110.0], [1, -1], 100.0, 0)
    assert info.value.field == "impermeant_valence"
    with pytest.raises(InvalidParameter) as info:
        donnan_equilibrium([5.0, 110.0], [1], 100.0, -1)
    assert info.value.field == "valence"


def test_donnan_without_any_balancing_charge_is_an_error():
    # Inside electroneutrality with only K+ permeant and x = 0 needs [K]i = 0, i.e.
    # V = +infinity: no finite Donnan state exists (PHYSICS.md s.3: "say so instead of
    # hiding it").  Expected: a NernstError (InvalidParameter or SolverError).
    # (Reported while these tests were written: the first version returned V = 4.3e61 mV.)
    for co, z, x, zx in [([5.0], [1], 0.0, -1), ([110.0], [-1], 0.0, 1), ([5.0, 2.0], [1, 2], 0.0, -1)]:
        with pytest.raises(nernst.NernstError):
            donnan_equilibrium(co, z, x, zx, 37.0)


# ===========================================================================
# One error hierarchy (errors.py: "Every user-facing problem is a NernstError")
# ===========================================================================

@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: current_share([]), id="current_share-empty"),
        pytest.param(lambda: weighted_average_potential([], []), id="weighted_average-empty"),
        pytest.param(lambda: chord_potential([], []), id="chord-empty"),
        pytest.param(lambda: current_share(5.0), id="current_share-not-a-sequence"),
        pytest.param(lambda: nernst.nernst([1.0, 2.0], [1.0, 2.0, 3.0], 1), id="nernst-shape-mismatch"),
        pytest.param(lambda: ghk_current([-60.0, 0.0], [140.0, 100.0, 50.0], 5.0, 1, P), id="ghk-shape-mismatch"),
        pytest.param(lambda: zero_current_potential([140.0, 15.0], [5.0, 145.0], [[1, 2], 1], [1.0, 0.05]),
                     id="zero_current-array-valence"),
        pytest.param(lambda: donnan_equilibrium([[5.0, 6.0], [110.0, 100.0, 90.0]], [1, -1], 100.0, -1),
                     id="donnan-shape-mismatch"),
    ],
)
def test_malformed_input_raises_invalid_parameter(call):
    with pytest.raises(InvalidParameter):
        call()


def test_the_one_newton_iteration_finds_analytic_roots_both_ways():
    # the safeguarded Newton shared by the zero-current potential and the Donnan equilibrium:
    # cube roots (increasing) and arctan(c - x) (decreasing, where plain Newton from far away diverges)
    from nernst.physics.equilibrium import _monotone_root

    a = np.array([1e-6, 0.5, 8.0, 1e6])
    r = _monotone_root(lambda x, i: (x**3 - a[i], 3 * x**2), np.full(4, -1.0), np.full(4, 200.0),
                       increasing=True, atol=1e-13)
    np.testing.assert_allclose(r, np.cbrt(a), rtol=1e-12)
    c = np.array([-30.0, 0.0, 45.0])
    r = _monotone_root(lambda x, i: (np.arctan(c[i] - x), -1.0 / (1.0 + (c[i] - x) ** 2)),
                       np.full(3, -100.0), np.full(3, 100.0), increasing=False, atol=1e-13)
    np.testing.assert_allclose(r, c, atol=1e-12)

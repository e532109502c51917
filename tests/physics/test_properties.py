"""Property tests (hypothesis) of the equilibrium physics (DESIGN.md, Testing strategy).

Each property is a theorem of the physics in PHYSICS.md section 2, checked on
random physiological-to-extreme inputs; references are computed here with
math and scipy.constants, never with the function under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import constants as sc

import nernst
from nernst import (
    chord_potential,
    current_share,
    donnan_equilibrium,
    ghk_conductance_at_reversal,
    ghk_current,
    ghk_current_slope,
    ghk_voltage,
    zero_current_potential,
)
from support.refs import nernst_ref
from support.refs import rt_over_f_mV as vt

F = sc.physical_constants["Faraday constant"][0]
R = sc.R

SETTINGS = settings(max_examples=200, deadline=None)



# Concentrations log-uniform over 1e-5 .. 1e3 mM (free Ca to saturated salts).
conc = st.floats(min_value=-5.0, max_value=3.0).map(lambda e: 10.0**e)
# Relative permeabilities 1e-4 .. 1e2.
perm = st.floats(min_value=-4.0, max_value=2.0).map(lambda e: 10.0**e)
temp = st.floats(min_value=0.0, max_value=45.0)
valence_any = st.sampled_from([-2.0, -1.0, -0.85, 0.5, 1.0, 2.0, 3.0])
valence_int = st.sampled_from([-2.0, -1.0, 1.0, 2.0])
valence_mono = st.sampled_from([-1.0, 1.0])


def ion(valences):
    return st.tuples(conc, conc, valences, perm)


def ion_sets(valences, min_size=1, max_size=5):
    return st.lists(ion(valences), min_size=min_size, max_size=max_size)


def unzip(ions):
    ci, co, z, p = (list(col) for col in zip(*ions))
    return ci, co, z, p


# ---------------------------------------------------------------------------
# Nernst
# ---------------------------------------------------------------------------

@SETTINGS
@given(ci=conc, co=conc, z=valence_any, t=temp)
def test_nernst_matches_hand_formula(ci, co, z, t):
    # E = (RT/zF) ln(co/ci): rel 1e-12 (abs 1e-12 mV when E ~ 0).
    assert nernst.nernst(ci, co, z, t) == pytest.approx(nernst_ref(ci, co, z, t), rel=1e-12, abs=1e-12)


@SETTINGS
@given(ci=conc, co=conc, z=valence_any, t=temp)
def test_nernst_sign_symmetry(ci, co, z, t):
    e = nernst.nernst(ci, co, z, t)
    # Swapping inside and outside flips the sign (ln(1/x) = -ln x): abs 1e-12 mV.
    assert nernst.nernst(co, ci, z, t) == pytest.approx(-e, rel=1e-14, abs=1e-12)
    # z -> -z flips the sign: rel 1e-14.
    assert nernst.nernst(ci, co, -z, t) == pytest.approx(-e, rel=1e-14, abs=1e-12)


# ---------------------------------------------------------------------------
# GHK current
# ---------------------------------------------------------------------------

@SETTINGS
@given(v=st.floats(min_value=-300.0, max_value=300.0), ci=conc, co=conc, z=valence_any, t=temp)
def test_ghk_current_sign_is_sign_of_driving_force(v, ci, co, z, t):
    # Outward positive for any charge: I_X has the sign of V - E_X (PHYSICS.md s.2).
    e = nernst_ref(ci, co, z, t)
    assume(abs(v - e) > 1e-6)
    i = ghk_current(v, ci, co, z, 1e-6, t)
    assert math.copysign(1.0, i) == math.copysign(1.0, v - e)
    assert i != 0.0


@SETTINGS
@given(v=st.floats(min_value=-500.0, max_value=500.0), ci=conc, co=conc, z=valence_any, t=temp)
def test_ghk_slope_nonnegative_and_matches_difference(v, ci, co, z, t):
    args = (ci, co, z, 1e-6, t)
    g = ghk_current_slope(v, *args)
    assert g > 0  # the GHK current is strictly increasing in V
    # Central difference with h = 1e-4 vt/|z|: truncation ~ (|z|h/vt)^2 ~ 1e-8 of g at most
    # (allowed 1e-7 g); rounding ~ eps |I| / h (allowed 1e-14 |I| / h, eps = 2.2e-16).
    h = 1e-4 * vt(t) / abs(z)
    fd = (ghk_current(v + h, *args) - ghk_current(v - h, *args)) / (2 * h)
    scale = abs(ghk_current(v, *args)) / h * 1e-14
    assert abs(g - fd) <= 1e-7 * g + scale


@SETTINGS
@given(ci=conc, co=conc, z=valence_any, t=temp, p=perm)
def test_ghk_current_vanishes_at_nernst_potential(ci, co, z, t, p):
    e = nernst_ref(ci, co, z, t)
    i = ghk_current(e, ci, co, z, p * 1e-6, t)
    # |I(E_X)| small next to the one-sided scale P |z| F max(c) (the two terms that cancel
    # are at most that times |s| ~ |ln(co/ci)|, so allow rel 1e-13 per unit of |s|).
    s = abs(math.log(co / ci))
    assert abs(i) <= 1e-13 * (1 + s) * p * 1e-6 * abs(z) * F * max(ci, co)


@SETTINGS
@given(ci=conc, co=conc, z=valence_int, t=temp)
def test_conductance_at_reversal_is_slope_at_reversal(ci, co, z, t):
    e = nernst_ref(ci, co, z, t)
    g = ghk_conductance_at_reversal(ci, co, z, 1e-6, t)
    assert g == pytest.approx(ghk_current_slope(e, ci, co, z, 1e-6, t), rel=1e-9)


# ---------------------------------------------------------------------------
# Zero-current potential
# ---------------------------------------------------------------------------

@SETTINGS
@given(ions=ion_sets(valence_int, 1, 5), t=temp)
def test_closed_form_equals_root(ions, t):
    ci, co, z, p = unzip(ions)
    closed = zero_current_potential(ci, co, z, p, t, method="closed")
    root = zero_current_potential(ci, co, z, p, t, method="root")
    # Two independent algorithms (quadratic in exp(-FV/RT) vs safeguarded Newton): 1e-8 mV.
    assert closed == pytest.approx(root, abs=1e-8)


@SETTINGS
@given(ions=ion_sets(valence_any, 1, 5), t=temp, k=st.floats(min_value=-6.0, max_value=6.0).map(lambda e: 10.0**e))
def test_zero_current_potential_properties(ions, t, k):
    # Several theorems checked on the same random ion set (one hypothesis run keeps the
    # suite fast): bounds, vanishing total current, scale invariance, shares, chord form.
    ci, co, z, p = unzip(ions)
    v = zero_current_potential(ci, co, z, p, t)
    es = [nernst_ref(a, b, zz, t) for a, b, zz, _ in ions]

    # (1) Each I_X has the sign of V - E_X, so the zero of the sum lies in
    # [min E_X, max E_X] (DESIGN.md property); 1e-8 mV slack for the root tolerance.
    assert min(es) - 1e-8 <= v <= max(es) + 1e-8

    # (2) The summed GHK currents vanish: |sum I| < 1e-9 sum |I| (brief); when every ion
    # sits at one reversal sum |I| ~ 0, so also allow 1e-12 of the one-sided scale.
    currents = [ghk_current(v, a, b, zz, pp * 1e-6, t) for a, b, zz, pp in ions]
    total_abs = sum(abs(c) for c in currents)
    scale = sum(pp * 1e-6 * abs(zz) * F * max(a, b) for a, b, zz, pp in ions)
    assert abs(sum(currents)) <= 1e-9 * total_abs + 1e-12 * scale

    # (3) Only permeability ratios matter: multiplying all P by k gives the same V (1e-8 mV).
    assert zero_current_potential(ci, co, z, [k * x for x in p], t) == pytest.approx(v, abs=1e-8)

    # (4) Current shares I_X / sum |I_X| sum to 0 at rest and their magnitudes to 1,
    # unless every current is rounding noise (all ions at one reversal).
    if total_abs > 1e-3 * scale:
        share = current_share(currents)
        # residual <= 1e-9 sum|I| + 1e-12 scale  =>  |sum share| < 1e-8
        assert abs(float(np.sum(share))) < 1e-8
        assert float(np.sum(np.abs(share))) == pytest.approx(1.0, rel=1e-12)

    # (5) Chord form: with chord conductances g_X = I_X(V0)/(V0 - E_X) the
    # chord-conductance equation returns V0 exactly (sum g_X (V0 - E_X) = sum I_X = 0).
    if len(ions) >= 2 and all(abs(v - e) > 1e-3 for e in es):
        g = [i / (v - e) for i, e in zip(currents, es)]
        assert all(gi >= 0 for gi in g)
        # Residual 1e-9 sum|I| over sum g (>= sum|I| / max|V0 - E|): abs 1e-6 mV.
        assert chord_potential(es, g) == pytest.approx(v, abs=1e-6)


@SETTINGS
@given(ions=ion_sets(valence_any, 2, 5), k=st.integers(min_value=0, max_value=4), t=temp)
def test_single_permeant_ion_gives_nernst(ions, k, t):
    k = k % len(ions)
    ci, co, z, p = unzip(ions)
    p = [0.0] * len(ions)
    p[k] = 1.0
    v = zero_current_potential(ci, co, z, p, t)
    # GHK with one permeant ion is exactly Nernst (PHYSICS.md s.2; DESIGN.md properties): 1e-8 mV.
    assert v == pytest.approx(nernst_ref(ci[k], co[k], z[k], t), abs=1e-8)


@SETTINGS
@given(ions=ion_sets(valence_mono, 1, 5), t=temp)
def test_ghk_voltage_equation_for_monovalent(ions, t):
    ci, co, z, p = unzip(ions)
    num = sum(pp * (b if zz > 0 else a) for a, b, zz, pp in ions)
    den = sum(pp * (a if zz > 0 else b) for a, b, zz, pp in ions)
    ref = vt(t) * math.log(num / den)  # GHK voltage equation by hand
    assert ghk_voltage(ci, co, z, p, t) == pytest.approx(ref, abs=1e-10)
    # (method="root" on monovalent sets is covered by test_closed_form_equals_root.)
    assert zero_current_potential(ci, co, z, p, t) == pytest.approx(ref, abs=1e-10)


@SETTINGS
@given(
    ki=conc,
    ca_o=conc,
    ratio=st.floats(min_value=-4.0, max_value=4.0).map(lambda e: 10.0**e),
    t=temp,
)
def test_bi_ionic_closed_form(ki, ca_o, ratio, t):
    # PHYSICS.md s.2: V = (RT/F) ln(-1/2 + sqrt(1/4 + 4 P_Ca [Ca]o / (P_K [K]i)));
    # written as 2q / (1 + sqrt(1 + 4q)) with q = 4 P_Ca Ca_o / (P_K K_i) to avoid cancellation.
    q = 4 * ratio * ca_o / ki
    ref = vt(t) * math.log(2 * q / (1 + math.sqrt(1 + 4 * q)))
    for method in ("closed", "root"):
        v = zero_current_potential([ki, 0.0], [0.0, ca_o], [1, 2], [1.0, ratio], t, method=method)
        assert v == pytest.approx(ref, abs=1e-8)


# ---------------------------------------------------------------------------
# Gibbs-Donnan
# ---------------------------------------------------------------------------

@SETTINGS
@given(
    co=st.lists(st.floats(min_value=-2.0, max_value=2.5).map(lambda e: 10.0**e), min_size=2, max_size=4),
    zs=st.lists(valence_int, min_size=2, max_size=4),
    # 0, or at least validation.MIN_CONCENTRATION_MM (1e-15 mM): smaller non-zero values are rejected
    x=st.one_of(st.just(0.0), st.floats(min_value=1e-12, max_value=300.0)),
    zx=st.sampled_from([-2.0, -1.0, -0.85, 1.0]),
    t=temp,
)
def test_donnan_nernst_and_electroneutrality(co, zs, x, zx, t):
    n = min(len(co), len(zs))
    co, zs = co[:n], zs[:n]
    # Need ions able to balance the fixed charge; with x = 0 need both signs.
    assume(any(z > 0 for z in zs) and any(z < 0 for z in zs))
    state = donnan_equilibrium(co, zs, x, zx, t)
    v = state.potential_mV
    ci = [float(c) for c in state.inside_mM]
    for a, b, z in zip(ci, co, zs):
        # Every permeant ion at Nernst equilibrium with the common V: abs 1e-8 mV.
        assert nernst_ref(a, b, z, t) == pytest.approx(v, abs=1e-8)
    charge = sum(z * a for z, a in zip(zs, ci)) + zx * x
    scale = sum(abs(z * a) for z, a in zip(zs, ci)) + abs(zx * x)
    assert abs(charge) <= 1e-9 * scale  # inside electroneutral


@SETTINGS
@given(c=st.floats(min_value=-1.0, max_value=3.0).map(lambda e: 10.0**e), x=st.floats(min_value=1e-2, max_value=500.0))
def test_donnan_cell_swells_without_pump(c, x):
    # Electroneutral KCl bath c, x mM impermeant monovalent anion: excess osmolarity
    # sqrt(x^2 + 4c^2) - 2c + x > 0 (Tosteson & Hoffman 1960; PHYSICS.md s.2).
    state = donnan_equilibrium([c, c], [1, -1], x, -1, 37.0)
    ref = x * x / (math.sqrt(x * x + 4 * c * c) + 2 * c) + x
    assert state.osmotic_excess_mOsm > 0
    assert state.osmotic_excess_mOsm == pytest.approx(ref, rel=1e-9)

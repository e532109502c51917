"""Compiled pump-leak kernels against the Python reference (mechanism flux methods).

Every mechanism type is evaluated both ways on random states; the compiled
right-hand side, Jacobian, simulation and steady state must match the Python
ones to rounding (1e-12 relative on fluxes, 1e-9 mV on V).
"""

import numpy as np
import pytest

from nernst import kernels
from nernst.cell import CellModel, Impermeant
from nernst.cellkernels import compile_model, fluxes
from nernst.dynamics import _Layout, pack, simulate, steady_state
from nernst.mechanisms import KCC2, NCX, NKCC1, PMCA, GHKLeak, NaKPump, OhmicLeak
from nernst.membrane import sphere
from nernst.protocols import CurrentInjection

pytestmark = pytest.mark.skipif(not kernels.available(), reason="Numba not available")

ALL = (
    OhmicLeak("Na", 0.02), OhmicLeak("K", 0.3), GHKLeak("Cl", 2e-6), GHKLeak("Ca", 1e-9),
    NaKPump(1.0, form="constant"), NaKPump(500.0, form="cubic"), NaKPump(2.0, form="saturating"),
    NaKPump(1.5, form="saturating", voltage_dependent=True), KCC2(0.05), NKCC1(0.01), NCX(0.005), PMCA(0.2),
    CurrentInjection("K", 0.3),
)


def model(mechs=ALL, water="flux", ratio=None):
    return CellModel(
        geometry=sphere(6.0), inside={"Na": 12.0, "K": 130.0, "Cl": 8.0, "Ca": 1e-4},
        outside={"Na": 145.0, "K": 4.0, "Cl": 152.0, "Ca": 1.5}, valence={"Na": 1, "K": 1, "Cl": -1, "Ca": 2},
        impermeant_inside={"X": Impermeant(134.0 + 2e-4, -1.0)}, mechanisms=tuple(mechs), temperature_c=34.0,
        water=water, water_permeability_cm_s=1e-3, extracellular_volume_ratio=ratio,
    )


@pytest.mark.parametrize("mech", ALL, ids=lambda m: m.label)
def test_compiled_flux_equals_python_flux(mech):
    m = model((mech,))
    cc = compile_model(m, m.initial_state())
    rng = np.random.default_rng(5)
    for _ in range(20):
        ci = {"Na": rng.uniform(5, 50), "K": rng.uniform(50, 150), "Cl": rng.uniform(3, 40), "Ca": rng.uniform(1e-5, 1e-2)}
        v = rng.uniform(-120, 40)
        ref = mech.flux(m.membrane_state(v, ci, dict(m.outside)))
        out = np.zeros(4)
        fluxes(v, np.array([ci[s] for s in m.species]), cc.co, cc.z, cc.vt, cc.mtype, cc.mion, cc.mpar, out)
        for i, s in enumerate(m.species):
            assert out[i] == pytest.approx(float(ref.get(s, 0.0)), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("water", ["flux", "instant", "rigid"])
@pytest.mark.parametrize("ratio", [None, 0.3])
def test_compiled_rhs_and_jacobian_equal_python(water, ratio):
    m = model(water=water, ratio=ratio)
    st = m.initial_state()
    lay = _Layout(m, st)
    ref = _Layout(m, st, compiled=False)
    y = pack(st)
    y[:4] *= np.array([1.01, 0.99, 1.02, 1.5])  # away from any balance
    np.testing.assert_allclose(lay.rhs_compiled(0.0, y), ref.rhs(0.0, y), rtol=1e-11, atol=1e-12)
    # both are forward differences of the same function: equal to the FD noise (V is a
    # difference of large charges), checked per column relative to the column's size
    jc, jp = lay.jac_compiled(0.0, y), ref.jac(0.0, y)
    scale = np.maximum(np.max(np.abs(jp), axis=0), 1e-12)
    assert np.max(np.abs(jc - jp) / scale) < 1e-5


MILD = (OhmicLeak("Na", 0.02), OhmicLeak("K", 0.3), GHKLeak("Cl", 2e-6), NaKPump(2.0, form="saturating"),
        KCC2(0.05), NKCC1(0.005), GHKLeak("Ca", 1e-8), NCX(0.005), CurrentInjection("K", 0.1))


def test_compiled_simulation_equals_python_simulation():
    m = model(MILD)
    a = simulate(m, 600.0, n_points=7, compiled=True, rtol=1e-10)
    b = simulate(m, 600.0, n_points=7, compiled=False, rtol=1e-10)
    np.testing.assert_allclose(a.voltage_mV, b.voltage_mV, atol=1e-6)


def test_compiled_newton_equals_python_newton():
    m = model(mechs=(OhmicLeak("Na", 0.02), OhmicLeak("K", 0.3), GHKLeak("Cl", 2e-6), NaKPump(2.0, form="saturating"),
                     KCC2(0.05), GHKLeak("Ca", 1e-9), NCX(0.005)))
    a = steady_state(m, compiled=True)
    b = steady_state(m, compiled=False)
    assert a.voltage_mV == pytest.approx(b.voltage_mV, abs=1e-9)
    for s in m.species:
        assert a.inside_mM[s] == pytest.approx(b.inside_mM[s], rel=1e-9)

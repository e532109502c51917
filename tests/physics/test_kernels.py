"""The compiled (Numba) zero-current root against its pure-NumPy reference.

Both solve sum_X I_X(V) = 0 for GHK currents; they share no code, so agreement
to 1e-9 mV on random inputs is a real check of each.  Reference for the
valences +-1/+-2 cases: the closed form (Spangler 1972), tolerance 1e-9 mV.
"""

import numpy as np
import pytest

import nernst
from nernst import kernels

pytestmark = pytest.mark.skipif(not kernels.available(), reason="Numba not available")


def _random_sets(rng, n, valences):
    k = len(valences)
    ci = [rng.uniform(1e-3, 500.0, n) for _ in range(k)]
    co = [rng.uniform(1e-3, 500.0, n) for _ in range(k)]
    p = [rng.uniform(0.0, 1.0, n) + 1e-6 for _ in range(k)]
    return ci, co, p


@pytest.mark.parametrize("valences", [[1, 1, -1], [1, 1, -1, 2], [2, -2, 1], [3, -1], [1, -0.85, 2, -3]])
def test_compiled_root_equals_numpy_root(valences):
    rng = np.random.default_rng(7)
    ci, co, p = _random_sets(rng, 5000, valences)
    t = rng.uniform(0.0, 40.0, 5000)
    v_nb = nernst.zero_current_potential(ci, co, valences, p, t, method="root", backend="jit")
    v_np = nernst.zero_current_potential(ci, co, valences, p, t, method="root", backend="numpy")
    # Same equation, independent code: 1e-9 mV (both iterate to 1e-10 mV).
    np.testing.assert_allclose(v_nb, v_np, rtol=0, atol=1e-9)


@pytest.mark.parametrize("valences", [[1, 1, -1], [1, 1, -1, 2], [2, -2, 1, -1]])
def test_compiled_root_equals_closed_form(valences):
    rng = np.random.default_rng(11)
    ci, co, p = _random_sets(rng, 5000, valences)
    v_nb = nernst.zero_current_potential(ci, co, valences, p, 37.0, method="root", backend="jit")
    v_cf = nernst.zero_current_potential(ci, co, valences, p, 37.0, method="closed")
    np.testing.assert_allclose(v_nb, v_cf, rtol=0, atol=1e-9)


def test_compiled_root_bi_ionic_with_zero_concentrations():
    # K only inside, Ca only outside (PHYSICS.md section 2):
    # V = (RT/F) ln(-1/2 + sqrt(1/4 + 4 P_Ca [Ca]o / (P_K [K]i))); 1e-9 mV.
    import math

    from scipy.constants import R, physical_constants

    F = physical_constants["Faraday constant"][0]
    ki = np.linspace(50.0, 400.0, 5000)
    v = nernst.zero_current_potential([ki, 0.0], [0.0, 10.0], [1, 2], [1.0, 0.5], 20.0, method="root",
                                      backend="jit")
    vt = 1e3 * R * (20.0 + 273.15) / F
    ref = np.array([vt * math.log(-0.5 + math.sqrt(0.25 + 4 * 0.5 * 10.0 / (1.0 * x))) for x in ki])
    np.testing.assert_allclose(v, ref, rtol=0, atol=1e-9)


def test_compiled_root_rejects_impossible_balance():
    # Only a cation inside and nothing that can carry inward current: no finite root.
    ci = np.full(5000, 100.0)
    with pytest.raises(nernst.InvalidParameter, match="both directions"):
        nernst.zero_current_potential([ci], [0.0], [3], [1.0], method="root", backend="jit")


def test_auto_backend_uses_numpy_for_small_inputs_and_agrees():
    v_small = nernst.zero_current_potential([140, 15], [5, 145], [1, 3], [1, 0.05], method="root")
    v_big = nernst.zero_current_potential([140, 15], [np.full(5000, 5.0), 145], [1, 3], [1, 0.05], method="root")
    assert isinstance(v_small, float)
    np.testing.assert_allclose(v_big, v_small, rtol=0, atol=1e-9)


def test_threshold_constant_matches():
    from nernst import equilibrium

    assert equilibrium._MIN_COMPILED_SIZE == kernels.MIN_COMPILED_SIZE


def test_numba_is_the_earlier_name_of_jit():
    # one backend word across the package ("aot", "jit", "numpy"); "numba" is accepted for one release
    rng = np.random.default_rng(3)
    ci, co, p = _random_sets(rng, 5000, [1, 1, -1])
    a = nernst.zero_current_potential(ci, co, [1, 1, -1], p, 37.0, method="root", backend="jit")
    b = nernst.zero_current_potential(ci, co, [1, 1, -1], p, 37.0, method="root", backend="numba")
    np.testing.assert_array_equal(a, b)
    with pytest.raises(nernst.InvalidParameter, match="'jit'"):
        nernst.zero_current_potential(ci, co, [1, 1, -1], p, 37.0, method="root", backend="gpu")

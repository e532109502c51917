"""The engine never changes its inputs (DESIGN.md: a simulation never mutates its input).

zero_current_potential accumulates sums in place to save memory traffic; these
tests make sure it only ever overwrites arrays it created itself.
"""

import numpy as np
import pytest

import nernst


@pytest.mark.parametrize("valences", [[1, 1, -1], [1, 1, -1, 2], [1, 3]])
@pytest.mark.parametrize("method", ["auto", "root"])
def test_zero_current_potential_leaves_inputs_alone(valences, method):
    rng = np.random.default_rng(3)
    n = len(valences)
    ci = [rng.uniform(1, 100, 5000) for _ in range(n)]
    co = [rng.uniform(1, 100, 5000) for _ in range(n)]
    p = [rng.uniform(0.01, 1, 5000) for _ in range(n)]
    t = rng.uniform(0, 40, 5000)
    copies = [a.copy() for a in ci + co + p + [t]]
    nernst.zero_current_potential(ci, co, valences, p, t, method=method)
    for before, after in zip(copies, ci + co + p + [t]):
        np.testing.assert_array_equal(before, after)


def test_scalar_and_array_mixtures_give_the_same_as_a_loop():
    # In-place accumulation must broadcast like the plain formula: check a 2-D grid
    # (K_o along one axis, P_Na along the other) against point-by-point calls.
    ko = np.linspace(2.0, 20.0, 7)[:, None]
    pna = np.linspace(0.01, 0.2, 5)[None, :]
    grid = nernst.zero_current_potential([140.0, 15.0, 10.0], [ko, 145.0, 110.0], [1, 1, -1], [1.0, pna, 0.45])
    assert grid.shape == (7, 5)
    for i in range(7):
        for j in range(5):
            ref = nernst.zero_current_potential([140.0, 15.0, 10.0], [float(ko[i, 0]), 145.0, 110.0], [1, 1, -1],
                                                [1.0, float(pna[0, j]), 0.45])
            assert grid[i, j] == pytest.approx(ref, abs=1e-12)

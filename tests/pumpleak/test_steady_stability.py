"""Steady states that are cells: physiological checks, convergence and stability (eigenvalues of the
Jacobian on the reduced system, conserved quantities removed)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from nernst.cell import CellModel, CellState, Impermeant
from nernst.cellconfig import cell_from_dict
from nernst.constants import FARADAY, thermal_voltage_mV
from nernst.dynamics import _finish, _moved_species, simulate, stability, start_state, steady_state
from nernst.errors import SolverError
from nernst.mechanisms import KCC2, OhmicLeak
from nernst.membrane import sphere
from nernst.presets import shipped_cell_data


def test_one_ion_rigid_cell_eigenvalue_is_analytic():
    # One K+ leak (g) in a rigid cell: dN/dt = -(A g / F)(V(N) - E_K(N)), V = F (N + z_X N_X)/(C A),
    # E_K = VT ln(K_o W / N), so lambda = -(A g / F)(F/(C A) + VT/N) = -g/C - g A VT / (F N).
    g, c_m, r = 0.3, 1.0, 5.0
    m = CellModel(geometry=sphere(r), inside={"K": 140.0}, outside={"K": 5.0}, valence={"K": 1},
                  impermeant_inside={"X": Impermeant(140.0, -1.0)}, impermeant_outside={"A": Impermeant(5.0, -1.0)},
                  mechanisms=(OhmicLeak("K", g),), capacitance_uF_cm2=c_m, temperature_c=37.0, water="rigid")
    ss = steady_state(m)
    area_m2 = m.area_um2 * 1e-12
    n_mol = ss.state.n_in[0] * 1e-18
    vt_v = thermal_voltage_mV(37.0) * 1e-3
    g_si, c_si = g * 10.0, c_m * 1e-2  # S/m^2, F/m^2
    lam = -g_si / c_si - g_si * area_m2 * vt_v / (FARADAY * n_mol)
    assert ss.max_eigenvalue_per_s == pytest.approx(lam, rel=1e-6)
    assert ss.stable and ss.slowest_time_constant_s == pytest.approx(-1 / lam, rel=1e-6)


def test_slowest_eigenvalue_is_the_decay_rate_of_a_disturbance():
    # kay2017 (Kay 2017): disturb the steady state by 1 mM of NaCl inside (neutral), integrate, and fit the
    # late decay of V - V_ss: its rate is the largest eigenvalue (2 % tolerance: the fit window still
    # holds a trace of the next mode).
    cfg = cell_from_dict(copy.deepcopy(shipped_cell_data("kay2017")), name="kay2017")
    model = cfg.model.with_mechanisms(cfg.model.mechanisms)
    ss = steady_state(model, initial=model.initial_state())
    st = ss.state
    w = st.volume_um3
    n = st.n_in.copy()
    n[model.species.index("Na")] += 1.0 * w
    n[model.species.index("Cl")] += 1.0 * w
    tr = simulate(model, 4000.0, initial=CellState(model, n, w, dict(st.impermeant_in)),
                  t_eval=np.linspace(0, 4000.0, 401))
    dv = np.abs(tr.voltage_mV - ss.voltage_mV)
    i0, i1 = np.searchsorted(tr.t_s, [2000.0, 3000.0])
    rate = math.log(dv[i1] / dv[i0]) / (tr.t_s[i1] - tr.t_s[i0])
    assert ss.stable
    assert rate == pytest.approx(ss.max_eigenvalue_per_s, rel=0.02)


def test_conserved_combination_is_removed_from_the_stability():
    # KCC2 alone moves K+ and Cl- together: N_K - N_Cl is conserved, so the full Jacobian has an
    # eigenvalue at exactly 0 (a line of steady states).  Removed, the one left is the trace of the Jacobian.
    k_o, cl_o, k_i = 5.0, 120.0, 140.0
    cl_i = k_o * cl_o / k_i  # E_K = E_Cl: KCC2 at equilibrium
    m = CellModel(geometry=sphere(5.0), inside={"K": k_i, "Cl": cl_i}, outside={"K": k_o, "Cl": cl_o},
                  valence={"K": 1, "Cl": -1}, impermeant_inside={"X": Impermeant(k_i - cl_i, -1.0)},
                  impermeant_outside={"B": Impermeant(cl_o - k_o, 1.0)},
                  mechanisms=(KCC2(0.02),), temperature_c=37.0, water="rigid")
    st = m.initial_state()
    from nernst.dynamics import _Layout, pack

    lay = _Layout(m, st)
    jac = lay.jac(0.0, pack(st))[:2, :2]
    full = np.linalg.eigvals(jac)
    assert np.min(np.abs(full)) < 1e-9 * np.max(np.abs(full))
    ev, lam = stability(m, st)
    assert ev.size == 1 and lam < 0
    assert lam == pytest.approx(np.trace(jac), rel=1e-6)
    # found from KCC2's stoichiometry (K+ and Cl- out together), not from round-off: at equilibrium its flux
    # is 0 at any V, and the concentration probes move [K]i [Cl]i
    from nernst.dynamics import _BASIS_CACHE, _stoichiometric_basis

    _BASIS_CACHE.clear()
    basis = _stoichiometric_basis(m, st)
    assert basis.shape == (2, 1)
    np.testing.assert_allclose(np.abs(basis[:, 0]), [2 ** -0.5, 2 ** -0.5], atol=1e-12)


@pytest.mark.parametrize("water", ["flux", "instant"])
def test_reduced_eigenvalues_are_the_nonzero_ones_of_the_full_jacobian_with_a_finite_bath(water):
    # A closed extracellular space conserves every ion's total: the reduced system (inside amounts, minus the
    # outside ones' columns, and the volume) keeps exactly the eigenvalues of the full Jacobian that are not 0.
    from nernst.dynamics import _Layout, pack

    data = copy.deepcopy(shipped_cell_data("duesterwald2018"))
    data["bath"] = {"volume_ratio": 0.5}
    data["water"]["mode"] = water
    cfg = cell_from_dict(data)
    tr = simulate(cfg.model, 200.0, n_points=3)
    st = tr.final
    lay = _Layout(cfg.model, st)
    full = np.linalg.eigvals(lay.jac(0.0, pack(st)))
    ev, lam = stability(cfg.model, st)
    nonzero = np.sort_complex(full[np.abs(full) > 1e-9 * np.max(np.abs(full))])
    np.testing.assert_allclose(np.sort_complex(ev), nonzero, rtol=1e-5)
    assert lam < 0


def test_every_shipped_cell_has_a_stable_steady_state():
    for name in ("kay2017", "duesterwald2018", "mullins_noda", "story_neuron"):
        cfg = cell_from_dict(copy.deepcopy(shipped_cell_data(name)), name=name)
        ss = steady_state(cfg.model, initial=start_state(cfg))
        assert ss.stable and ss.max_eigenvalue_per_s < 0, name
        d = ss.as_dict()
        assert d["stable"] is True and d["max_eigenvalue_per_s"] == ss.max_eigenvalue_per_s


def test_a_point_that_has_not_converged_is_not_reported():
    # A Newton point a little off the root: the flux residual is far above the tolerance, so it is refused.
    cfg = cell_from_dict(copy.deepcopy(shipped_cell_data("kay2017")), name="kay2017")
    model, st0 = cfg.model, start_state(cfg)
    ss = steady_state(model, initial=st0)
    x = np.concatenate([np.log([ss.inside_mM[s] for s in model.species]),
                        [np.log(ss.state.volume_um3), ss.voltage_mV]])
    x[0] += 1e-3  # [Na]i 0.1 % off
    with pytest.raises(SolverError, match="did not converge"):
        _finish(model, x, st0, _moved_species(model), "newton", 1)


def test_steady_json_and_table_report_stability(capsys):
    from nernst.cli import main

    assert main(["steady", "duesterwald2018", "--json"]) == 0
    import json

    d = json.loads(capsys.readouterr().out)
    assert d["stable"] is True and d["max_eigenvalue_per_s"] < 0 and d["slowest_time_constant_s"] > 0
    assert main(["steady", "duesterwald2018"]) == 0
    out = capsys.readouterr().out
    assert "stable: the slowest disturbance decays with a time constant of" in out

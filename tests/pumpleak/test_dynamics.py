"""The pump-leak cell: analytic steady states, conservation, solver agreement, protocols.

References are analytic solutions derived in the comments (independent of the
code's Newton solver and ODE integrator) or published relations (Mullins &
Noda 1963; Gibbs-Donnan).
"""

import math

import numpy as np
import pytest
from scipy.constants import physical_constants

from nernst.cell import CellModel, Impermeant
from nernst.dynamics import simulate, steady_state
from nernst.equilibrium import donnan_equilibrium, mullins_noda_potential
from nernst.errors import InvalidParameter, SolverError
from nernst.mechanisms import KCC2, NKCC1, GHKLeak, NaKPump, OhmicLeak
from nernst.membrane import sphere
from nernst.protocols import AddInside, Protocol, Scale, SetOutside
from support.refs import rt_over_f_mV as vt

F = physical_constants["Faraday constant"][0]



def kay_like(ip=0.5, t=25.0, water="flux", ratio=None, gna=0.01, gk=0.3, gcl=0.2):
    return CellModel(
        geometry=sphere(5.0),
        inside={"Na": 10.0, "K": 140.0, "Cl": 10.0},
        outside={"Na": 147.0, "K": 3.0, "Cl": 150.0},
        valence={"Na": 1, "K": 1, "Cl": -1},
        impermeant_inside={"X": Impermeant(140.0, -1.0)},
        mechanisms=(OhmicLeak("Na", gna), OhmicLeak("K", gk), OhmicLeak("Cl", gcl), NaKPump(ip)),
        capacitance_uF_cm2=1.0, temperature_c=t, water=water, water_permeability_cm_s=2e-4,
        extracellular_volume_ratio=ratio,
    )


def analytic_constant_pump(ip, gna, gk, t, nao=147.0, ko=3.0, clo=150.0):
    """Steady state of ohmic Na/K/Cl leaks + a constant 3:2 pump, z_X = -1, osmotic balance.

    Na balance: g_Na (V - E_Na) = -3 I_p  ->  E_Na = V + 3 I_p / g_Na
    K balance:  g_K (V - E_K) = 2 I_p     ->  E_K = V - 2 I_p / g_K
    Cl passive: E_Cl = V.
    Electroneutrality Na + K - Cl - X = 0 and osmotic balance Na + K + Cl + X = 300 = osm_o
    give Na + K = osm_o / 2, so with u = exp(-V/VT):
      u (Na_o exp(-3 I_p/(g_Na VT)) + K_o exp(2 I_p/(g_K VT))) = osm_o / 2.
    (The capacitor's charge is ~1e-5 of the concentrations and is neglected here;
    it shifts V by < 1e-3 mV.)
    """
    v_t = vt(t)
    osm = nao + ko + clo
    u = (osm / 2) / (nao * math.exp(-3 * ip / (gna * v_t)) + ko * math.exp(2 * ip / (gk * v_t)))
    v = -v_t * math.log(u)
    na = nao * math.exp(-(v + 3 * ip / gna) / v_t)
    k = ko * math.exp(-(v - 2 * ip / gk) / v_t)
    cl = clo * math.exp(v / v_t)
    return v, na, k, cl


@pytest.mark.parametrize("ip, t", [(0.5, 25.0), (0.2, 37.0), (1.0, 20.0)])
def test_constant_pump_steady_state_matches_analytic(ip, t):
    v, na, k, cl = analytic_constant_pump(ip, 0.01, 0.3, t)
    ss = steady_state(kay_like(ip=ip, t=t))
    # tolerance: 2e-3 mV / 1e-4 relative (the analytic solution neglects the capacitor charge)
    assert ss.voltage_mV == pytest.approx(v, abs=2e-3)
    assert ss.inside_mM["Na"] == pytest.approx(na, rel=1e-4)
    assert ss.inside_mM["K"] == pytest.approx(k, rel=1e-4)
    assert ss.inside_mM["Cl"] == pytest.approx(cl, rel=1e-4)


def test_kay_constant_pump_rests_near_minus_94_mV_at_25C():
    # PHYSICS.md section 4: the Kay 2017 / Keener & Sneyd constant-pump cell rests at about -94 mV.
    ss = steady_state(kay_like())
    assert ss.voltage_mV == pytest.approx(-94.1, abs=0.2)


@pytest.mark.parametrize("water", ["flux", "instant", "rigid"])
def test_long_time_ode_limit_equals_steady_state(water):
    # Issue 3: the steady-state solver and the long-time ODE limit agree to 0.01 mV.
    m = kay_like(water=water)
    ss = steady_state(m)
    tr = simulate(m, 2e5, n_points=3, rtol=1e-10)
    assert tr.voltage_mV[-1] == pytest.approx(ss.voltage_mV, abs=0.01)
    for s in m.species:
        assert tr.inside_mM[s][-1] == pytest.approx(ss.inside_mM[s], rel=1e-5)
    assert tr.volume_rel[-1] == pytest.approx(ss.volume_rel, rel=1e-5)


def test_mullins_noda_limit_with_ghk_leaks():
    # GHK leaks of Na and K and a 3:2 pump: at steady state J_Na / J_K = -3/2, which is the
    # Mullins-Noda (1963) equation, V = VT ln((r P_K K_o + P_Na Na_o)/(r P_K K_i + P_Na Na_i)),
    # r = 1.5, evaluated at the steady-state concentrations.  Tolerance 1e-6 mV.
    m = CellModel(
        geometry=sphere(10.0), inside={"Na": 15.0, "K": 140.0}, outside={"Na": 145.0, "K": 5.0},
        valence={"Na": 1, "K": 1}, impermeant_inside={"X": Impermeant(155.0, -1.0)},
        impermeant_outside={"A": Impermeant(150.0, -1.0)},
        mechanisms=(GHKLeak("Na", 5e-8), GHKLeak("K", 1e-6), NaKPump(1.0, form="saturating")), temperature_c=37.0,
        water="rigid",
    )
    ss = steady_state(m)
    ci = ss.inside_mM
    v_mn = mullins_noda_potential(ci["Na"], 145.0, ci["K"], 5.0, 5e-8, 1e-6, 1.5, 37.0)
    assert ss.voltage_mV == pytest.approx(v_mn, abs=1e-6)


def test_charge_and_amounts_conserved_over_24_hours_closed_system():
    # Issue 3: over 24 h in a closed system, total charge and every amount change by < 1e-9 relative.
    tr = simulate(kay_like(ratio=0.5), 86400.0, n_points=50)
    c = tr.conservation()
    assert c["charge_rel_error"] < 1e-9
    assert max(c["amount_rel_error"].values()) < 1e-9


def test_infinite_bath_bookkeeping_conserves_too():
    # With an infinite bath the cumulative efflux is tracked: N_in + N_out stays constant.
    tr = simulate(kay_like(), 86400.0, n_points=50)
    c = tr.conservation()
    assert c["charge_rel_error"] < 1e-9 and max(c["amount_rel_error"].values()) < 1e-9


def test_voltage_always_equals_charge_over_capacitance():
    # Charge-difference method: V = F sum(z N) / (C_m A) at every output time (1e-9 mV).
    m = kay_like()
    tr = simulate(m, 600.0, n_points=20)
    w = tr.volume_um3
    for k in range(tr.t_s.size):
        q = sum(m.valence[s] * tr.inside_mM[s][k] * w[k] for s in m.species) - tr.impermeant_mM["X"][k] * w[k]
        # C [F] = 1e-6 uF/cm^2 * A [um^2] * 1e-8; Q [C] = F q [amol] 1e-18; V = Q/C in mV
        v = 1e3 * F * q * 1e-18 / (m.capacitance_uF_cm2 * 1e-6 * m.area_um2 * 1e-8)
        assert tr.voltage_mV[k] == pytest.approx(v, abs=1e-9)


def test_volume_follows_osmolarity_at_steady_state():
    # With water flux, the steady state is isosmotic: sum of inside concentrations = 300 mM.
    ss = steady_state(kay_like())
    inside = sum(ss.inside_mM.values()) + ss.state.impermeant_mM["X"]
    assert inside == pytest.approx(300.0, rel=1e-9)


def test_donnan_cell_without_pump_rigid_volume_reaches_gibbs_donnan():
    # No pump, rigid volume: the leaks bring K and Cl to a common Nernst potential (Gibbs-Donnan).
    # Na impermeant here (no Na leak), so K/Cl against X inside: compare with donnan_equilibrium.
    m = CellModel(
        geometry=sphere(5.0), inside={"K": 100.0, "Cl": 10.0}, outside={"K": 5.0, "Cl": 110.0},
        valence={"K": 1, "Cl": -1}, impermeant_inside={"X": Impermeant(90.0, -1.0)},
        impermeant_outside={"B": Impermeant(105.0, 1.0)},  # impermeant cations (Na here) balance the bath
        mechanisms=(OhmicLeak("K", 0.3), OhmicLeak("Cl", 0.2)), temperature_c=37.0, water="rigid",
    )
    ss = steady_state(m)
    ref = donnan_equilibrium([5.0, 110.0], [1, -1], 90.0, -1, 37.0)
    # donnan_equilibrium assumes exact electroneutrality; the cell holds the capacitor's
    # charge, C_m A V / (F W) ~ 5 uM here, which shifts V by ~1e-3 mV: tolerance 0.01 mV.
    assert ss.voltage_mV == pytest.approx(ref.potential_mV, abs=0.01)
    assert ss.inside_mM["K"] == pytest.approx(float(ref.inside_mM[0]), rel=1e-4)


def test_donnan_cell_without_pump_swells_without_bound():
    # With water flux and no pump there is no finite steady state (Tosteson & Hoffman 1960).
    m = kay_like(ip=0.0)
    with pytest.raises(SolverError, match="swells"):
        steady_state(m)


def test_unbalanced_initial_charge_shows_the_absurd_voltage():
    # 10 mM of anions without counter-ions in a 5 um sphere: V = F c r / (3 C_m)
    # (c = 10 mol/m^3, r = 5e-6 m, C_m = 1e-2 F/m^2) = -160.8 V.  The error must say so (1 %).
    m = kay_like().replace(impermeant_inside={"X": Impermeant(150.0, -1.0)})
    with pytest.raises(InvalidParameter, match="would make V") as info:
        m.initial_state()
    expected_mV = -F * 10.0 * 5e-6 / (3 * 1e-2) * 1e3
    shown = float(str(info.value).split("V = ")[1].split(" mV")[0])
    assert shown == pytest.approx(expected_mV, rel=0.01)


def test_pump_block_depolarizes_and_swells():
    m = kay_like()
    ss = steady_state(m)
    tr = simulate(m, 3600.0, initial=ss.state, protocol=Protocol((Scale(60.0, "nak_pump", 0.0),)), n_points=50)
    assert tr.voltage_mV[-1] > ss.voltage_mV + 20
    assert tr.volume_rel[-1] > 1.0
    assert tr.events == [(60.0, "nak_pump blocked")]


def test_hyperkalemia_substituting_na_depolarizes_and_keeps_bath_isosmotic():
    m = kay_like()
    ss = steady_state(m)
    ev = SetOutside(10.0, "K", 10.0, substitute="Na")
    tr = simulate(m, 3600.0, initial=ss.state, protocol=Protocol((ev,)), n_points=20)
    assert tr.model.outside["K"] == 10.0 and tr.model.outside["Na"] == 140.0
    assert sum(tr.model.outside.values()) == pytest.approx(300.0)
    assert tr.voltage_mV[-1] > ss.voltage_mV + 5


def test_adding_anions_with_counter_cations_keeps_v_physiological():
    m = kay_like()
    ss = steady_state(m)
    tr = simulate(m, 600.0, initial=ss.state, protocol=Protocol((AddInside(10.0, "X", 5.0, -1.0, "K"),)), n_points=20)
    assert np.all(np.abs(tr.voltage_mV) < 150)



def test_adding_a_new_impermeant_species_is_recorded_from_the_event_on():
    # A species the cell did not have (Y) appears at the event: 0 mM before it, and afterwards its amount
    # (concentration x volume) stays what was added, 5 mM x the volume at the event (impermeant: no flux).
    m = kay_like()
    ss = steady_state(m)
    tr = simulate(m, 600.0, initial=ss.state, protocol=Protocol((AddInside(100.0, "Y", 5.0, -1.0, "K"),)),
                  n_points=61)
    assert set(tr.impermeant_mM) == set(ss.state.impermeant_in) | {"Y"}
    before, after = tr.t_s < 100.0, tr.t_s >= 100.0
    assert np.all(tr.impermeant_mM["Y"][before] == 0.0)
    w_event = tr.volume_um3[np.flatnonzero(after)[0]]
    amount = tr.impermeant_mM["Y"][after] * tr.volume_um3[after]
    np.testing.assert_allclose(amount, 5.0 * w_event, rtol=1e-12)

def test_kcc2_lowers_chloride_below_the_passive_level():
    # Without KCC2, Cl is passive: E_Cl = V.  With KCC2 (K-Cl out) E_Cl < V.
    base = kay_like()
    without = steady_state(base)
    assert without.equilibrium_mV["Cl"] == pytest.approx(without.voltage_mV, abs=1e-6)
    withk = steady_state(base.with_mechanisms(list(base.mechanisms) + [KCC2(0.2)]))
    assert withk.equilibrium_mV["Cl"] < withk.voltage_mV - 1.0


def test_nkcc1_raises_chloride_above_the_passive_level():
    base = kay_like()
    ss = steady_state(base.with_mechanisms(list(base.mechanisms) + [NKCC1(0.005)]))
    assert ss.equilibrium_mV["Cl"] > ss.voltage_mV + 1.0


def test_steady_state_refuses_closed_system():
    with pytest.raises(InvalidParameter, match="infinite bath"):
        steady_state(kay_like(ratio=1.0))


def test_batch_steady_states_equal_single_solves():
    from nernst.dynamics import steady_states

    models = [kay_like(ip=ip, gna=g) for ip in (0.3, 0.5, 0.8) for g in (0.005, 0.01, 0.02)]
    batch = steady_states(models)
    for m, b in zip(models, batch):
        s = steady_state(m)
        assert b.voltage_mV == pytest.approx(s.voltage_mV, abs=1e-9)
        # and each against the analytic constant-pump solution (2e-3 mV, see above)
        ip = m.mechanisms[3].current_uA_cm2
        gna = m.mechanisms[0].conductance_mS_cm2
        assert b.voltage_mV == pytest.approx(analytic_constant_pump(ip, gna, 0.3, 25.0)[0], abs=2e-3)


def test_voltage_clamp_holds_v_and_its_current_balances_the_membrane():
    # Clamp at -40 mV: V stays within I_mem / g_clamp of the command (I_mem ~ 20 uA/cm^2 here,
    # g_clamp 1000 mS/cm^2: 0.02 mV),
    # and when released the cell returns to its rest (the amounts moved by the clamp are counted).
    from nernst.protocols import Clamp

    m = kay_like()
    ss = steady_state(m)
    prot = Protocol((Clamp(10.0, -40.0, "K"), Clamp(70.0, None, "K")))
    tr = simulate(m, 3000.0, initial=ss.state, protocol=prot, n_points=301)
    held = (tr.t_s > 11.0) & (tr.t_s < 69.0)
    assert np.all(np.abs(tr.voltage_mV[held] + 40.0) < 0.05)
    assert tr.voltage_mV[-1] == pytest.approx(ss.voltage_mV, abs=0.5)
    c = tr.conservation()
    assert c["charge_rel_error"] < 1e-9

"""The astrocytic inward rectifier (Kir4.1) of Halnes et al. 2013, as a mechanism of the conserving cell.

Reference: Halnes G, Ostby I, Pettersen KH, Omholt SW, Einevoll GT (2013) PLoS Comput Biol 9:e1003386; the
constants of its published code (ModelDB 151945): I = g f (V - E_K), with
f = sqrt([K]o/K_ref) (1 + e^(18.5/42.4)) / (1 + e^((V - E_K + 18.5)/42.4))
    (1 + e^(-(118.6 + E_K,ref)/44.1)) / (1 + e^(-(118.6 + V)/44.1)), g = 16.96 S/m^2 = 1.696 mS/cm^2,
K_ref = 3.082 mM, E_K,ref from 3.082 / 99.959 mM at 298 K.  The reference below is written from those
equations with scipy.constants only.
"""

import math
import textwrap

import numpy as np
import pytest
from support.cli import assert_one_line_error, run_exe, strict_json
from support.refs import F, nernst_ref, rt_over_f_mV

from nernst.config.cell import load_cell
from nernst.mechanisms import REGISTRY
from nernst.mechanisms.base import MembraneState
from nernst.mechanisms.kir import Kir
from nernst.solvers.pumpleak import start_state

T_C = 298.0 - 273.15  # Halnes et al. 2013 ran at 298 K
VALENCE = {"K": 1}


def kir_ref_current(v, k_in, k_out, t_c=T_C, g=1.696, k_ref=3.082, ek_ref=None):
    """uA/cm^2, outward, from the published equations."""
    if ek_ref is None:
        ek_ref = nernst_ref(99.959, 3.082, 1, T_C)
    ek = nernst_ref(k_in, k_out, 1, t_c)
    f = (math.sqrt(k_out / k_ref) * (1 + math.exp(18.5 / 42.4)) / (1 + math.exp((v - ek + 18.5) / 42.4))
         * (1 + math.exp(-(118.6 + ek_ref) / 44.1)) / (1 + math.exp(-(118.6 + v) / 44.1)))
    return g * f * (v - ek)


def state(v, k_in, k_out, t_c=T_C):
    return MembraneState(v=v, inside={"K": k_in}, outside={"K": k_out}, vt=rt_over_f_mV(t_c), valence=VALENCE)


def test_kir_is_registered_with_its_source():
    assert REGISTRY["kir"] is Kir and "Halnes" in Kir.source and Kir().species == ("K",)


def test_the_default_reference_potential_is_e_k_of_the_published_concentrations():
    # E_K of 3.082 mM outside / 99.959 mM inside at 298 K, to the 0.01 mV the default is given to
    assert Kir().e_k_ref_mV == pytest.approx(nernst_ref(99.959, 3.082, 1, T_C), abs=0.005)


def test_the_factor_is_one_at_the_reference_state():
    k = Kir(e_k_ref_mV=nernst_ref(99.959, 3.082, 1, T_C))
    ek = k.e_k_ref_mV
    assert float(k.gating(state(ek, 99.959, 3.082))) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_current_and_flux_equal_the_published_equations(seed):
    rng = np.random.default_rng(seed)
    k = Kir()
    for _ in range(50):
        v, ki, ko, t = rng.uniform(-150, 40), rng.uniform(60, 160), rng.uniform(1, 40), rng.uniform(20, 40)
        ref = kir_ref_current(v, ki, ko, t, ek_ref=k.e_k_ref_mV)
        st = state(v, ki, ko, t)
        assert float(k.current(st)) == pytest.approx(ref, rel=1e-12, abs=1e-15)
        # flux = I / (z F), in pmol/(cm^2 s): 1 uA/cm^2 = 1e-6 A/cm^2 -> 1e-6 / F mol -> * 1e12 pmol
        assert float(k.flux(st)["K"]) == pytest.approx(ref * 1e6 / F, rel=1e-12, abs=1e-15)


def test_conductance_grows_with_the_square_root_of_external_k():
    # same V and same E_K (inside and outside both x4): only the sqrt([K]o) factor changes, by exactly 2
    k = Kir()
    a, b = k.current(state(-70.0, 100.0, 3.0)), k.current(state(-70.0, 400.0, 12.0))
    assert float(b / a) == pytest.approx(2.0, rel=1e-12)


def test_it_rectifies_inward():
    # the chord conductance I/(V - E_K) falls as V rises through E_K: more current in than out for the
    # same driving force (the rectification of Hagiwara & Takahashi 1974).  (Far below E_K, past about
    # -120 mV, the second factor of the form lowers it again.)
    k, ki, ko = Kir(), 99.959, 3.082
    ek = nernst_ref(ki, ko, 1, T_C)
    dv = np.array([-10.0, 10.0, 30.0, 60.0])
    chord = np.array([float(k.current(state(ek + d, ki, ko))) / d for d in dv])
    assert np.all(chord > 0) and np.all(np.diff(chord) < 0)
    assert k.current(state(ek - 30, ki, ko)) < -k.current(state(ek + 30, ki, ko)) < 0


GLIA = textwrap.dedent("""
    title = "Astrocyte-like cell with Kir4.1"
    temperature_c = 24.85
    [geometry]
    shape = "sphere"
    radius_um = 5
    [ions.Na]
    inside = 15
    outside = 145
    [ions.K]
    inside = 100
    outside = 3
    [ions.Cl]
    inside = 5
    outside = 148
    [impermeant.X]
    inside = "balance"
    valence = -1
    [water]
    mode = "rigid"
    [[mechanisms]]
    kind = "kir"
    conductance_mS_cm2 = "16.96 S/m^2"
    [[mechanisms]]
    kind = "leak"
    ion = "Na"
    conductance_mS_cm2 = 0.005
    [[mechanisms]]
    kind = "leak"
    ion = "Cl"
    conductance_mS_cm2 = 0.05
    [[mechanisms]]
    kind = "nak_pump"
    form = "saturating"
    current_uA_cm2 = 2.0
    [initial]
    steady = true
    [run]
    duration_s = 60
    """)


def test_a_cell_config_reads_kir_from_its_declaration(tmp_path):
    p = tmp_path / "glia.toml"
    p.write_text(GLIA)
    cfg = load_cell(p)
    (kir,) = [m for m in cfg.model.mechanisms if m.kind == "kir"]
    assert kir.conductance_mS_cm2 == pytest.approx(1.696, rel=1e-12)  # 16.96 S/m^2 (Halnes et al. 2013)
    # steady state: Kir carries out exactly the K+ the pump brings in (2 per cycle), to solver tolerance
    st = start_state(cfg)
    ms = cfg.model.membrane_state(st.voltage_mV, st.inside_mM, st.outside_mM)
    pump = [m for m in cfg.model.mechanisms if m.kind == "nak_pump"][0]
    assert kir.flux(ms)["K"] == pytest.approx(-pump.flux(ms)["K"], rel=1e-6)
    # Kir is the cell's only K+ path and its largest conductance: V sits within a few mV of E_K, above it
    ek = nernst_ref(st.inside_mM["K"], st.outside_mM["K"], 1, 24.85)
    assert 0 < st.voltage_mV - ek < 5


def test_a_bad_kir_value_is_one_line_naming_the_field(tmp_path):
    p = tmp_path / "glia.toml"
    p.write_text(GLIA.replace('conductance_mS_cm2 = "16.96 S/m^2"', "k_out_ref_mM = 0"))
    r = run_exe("steady", p, timeout=300)
    line = assert_one_line_error(r.returncode, r.stdout, r.stderr)
    assert "mechanisms[0].k_out_ref_mM" in line and "> 0" in line


def test_a_cell_with_kir_runs_on_the_python_path_and_conserves(tmp_path):
    from nernst.solvers.kernels.pumpleak import compile_model

    p = tmp_path / "glia.toml"
    p.write_text(GLIA)
    cfg = load_cell(p)
    assert compile_model(cfg.model, cfg.model.initial_state()) is None  # no kernel branch: the Python path
    r = run_exe("simulate", p, "--json", timeout=300)
    assert r.returncode == 0, r.stderr
    out = strict_json(r.stdout)
    assert out["warnings"] == []
    # charge and every amount are conserved through the run (cell + bath): the run's own report, at rounding
    cons = out["conservation"]
    assert abs(cons["charge_rel_error"]) < 1e-12
    assert set(cons["amount_rel_error"]) == {"Na", "K", "Cl"}
    assert all(abs(e) < 1e-12 for e in cons["amount_rel_error"].values())


def test_a_sweep_sees_every_declared_parameter_even_one_written_with_a_unit(tmp_path):
    from nernst.sweep import model_parameters

    p = tmp_path / "glia.toml"
    p.write_text(GLIA)  # conductance_mS_cm2 = "16.96 S/m^2"; k_out_ref_mM and e_k_ref_mV left at their default
    params = model_parameters("steady", str(p))
    assert params["mechanisms.kir.conductance_mS_cm2"] == pytest.approx(1.696, rel=1e-12)
    assert params["mechanisms.kir.k_out_ref_mM"] == Kir().k_out_ref_mM
    assert params["mechanisms[0].e_k_ref_mV"] == Kir().e_k_ref_mV
    assert params["mechanisms.nak_pump.k_na_mM"] == 10.0  # the pump's default, declared
    # a swept value is the value the cell runs with: the same steady V as the config changed by hand
    from nernst.sweep import run_sweep, sweep_from_dict

    sw = sweep_from_dict({"model": "steady", "cell": str(p), "outputs": ["v_rest_mV"],
                          "axes": [{"parameter": "mechanisms.kir.k_out_ref_mM", "values": [6.0]}]})
    v = float(run_sweep(sw).dataset["v_rest_mV"].values.ravel()[0])
    by_hand = start_state(load_cell(p, ["mechanisms[0].k_out_ref_mM=6"]))
    assert v == pytest.approx(by_hand.voltage_mV, abs=1e-9)

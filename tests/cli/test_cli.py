"""The ``nernst`` command line: JSON contracts, numbers, units, plots, errors.

Most tests call ``nernst.cli.main(argv)`` in-process (fast) and read stdout and
stderr with ``capsys``; a few run the installed console script (and
``python -m nernst``) in a subprocess to prove the entry points work.

Every reference number is computed here independently of nernst, from
``math.log`` and ``scipy.constants`` (CODATA 2018), or taken from the sources
quoted in /work/shared/PHYSICS.md; source and tolerance sit next to each
assertion.  The contract pinned here is the one of the CLI issue:

* ``equilibrium --json``: ion, valence, inside_mM, outside_mM, temperature_c, equilibrium_mV (and potential_mV, its earlier name)
* ``rest --json``: temperature_c, ghk_mV, weighted_mV, (chord_mV), ions{...}
* ``charge --json``: area_cm2, volume_L, charge_C, ions, concentration_change_mM, fraction_of_pool
* ``presets --json``: [{name, description, source, ...}], every name works with ``rest --preset``
* every bad input: exit code 2 and ONE line on stderr naming the field; never a traceback.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from scipy import constants as sc

from nernst.cli import main
from support.cli import NERNST_EXE, run_exe
from support.refs import nernst_ref as nernst_mV

# --- independent references (CODATA 2018 through scipy.constants) -------------
R = sc.R  # J/(mol K)
F = sc.physical_constants["Faraday constant"][0]  # C/mol
E_CHARGE = sc.e  # C
N_A = sc.N_A  # 1/mol
ZERO_C = sc.zero_Celsius  # 273.15 K



def ghk_monovalent_mV(ions: dict, t_c: float) -> float:
    """GHK voltage equation for monovalent ions (PHYSICS.md section 2):
    V = (RT/F) ln((sum_cat P[C]o + sum_an P[A]i) / (sum_cat P[C]i + sum_an P[A]o))."""
    num = den = 0.0
    for z, ci, co, p in ions.values():
        assert abs(z) == 1
        if z > 0:
            num += p * co
            den += p * ci
        else:
            num += p * ci
            den += p * co
    return 1e3 * R * (t_c + ZERO_C) / F * math.log(num / den)


# The mammalian neuron preset as PHYSICS.md section 6 gives it (Purves Table 2.1;
# P_K:P_Na:P_Cl = 1:0.05:0.45; Ca listed without a permeability).
NEURON = {"K": (1, 140.0, 5.0, 1.0), "Na": (1, 15.0, 145.0, 0.05), "Cl": (-1, 10.0, 110.0, 0.45)}
NEURON_CA = (2, 1e-4, 2.0)


# --- helpers -------------------------------------------------------------------
def cli(capsys, *args: str):
    """Run main(args) in-process; return (exit code, stdout, stderr)."""
    capsys.readouterr()  # drop anything printed before
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def cli_json(capsys, *args: str):
    rc, out, err = cli(capsys, *args, "--json")
    assert rc == 0, err
    assert err == ""
    return json.loads(out)


def assert_usage_error(rc: int, out: str, err: str, field: str) -> str:
    """Exit code 2, exactly one non-empty line on stderr, naming *field*, no traceback."""
    assert rc == 2, (rc, out, err)
    assert "Traceback" not in out + err
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    line = err.strip()
    assert line, "empty error line"
    assert field in line, f"{field!r} not named in {line!r}"
    assert "internal error" not in line, line
    return line


def write(tmp_path: Path, text: str, name: str = "cell.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p



# =============================================================================
# equilibrium
# =============================================================================
EQ_KEYS = {"ion", "valence", "inside_mM", "outside_mM", "temperature_c", "equilibrium_mV", "potential_mV"}


def test_equilibrium_json_potassium_at_37(capsys):
    d = cli_json(capsys, "equilibrium", "--ion", "K", "--inside", "140", "--outside", "5")
    assert EQ_KEYS <= d.keys()
    assert d["ion"] == "K" and d["valence"] == 1
    assert d["inside_mM"] == 140 and d["outside_mM"] == 5 and d["temperature_c"] == 37
    # (RT/F) ln(5/140) at 310.15 K = -89.0587 mV; PHYSICS.md section 6 quotes "E_K about -89".
    # Same constants on both sides, so only rounding separates them: rel 1e-9.
    assert d["potential_mV"] == pytest.approx(nernst_mV(140, 5, 1, 37), rel=1e-9)
    assert d["potential_mV"] == pytest.approx(-89.06, abs=0.005)  # the issue's -89.06 mV
    assert d["equilibrium_mV"] == d["potential_mV"]  # the glossary's name; potential_mV kept one release


@pytest.mark.parametrize(
    "ion, c_in, c_out, z, literature, tol",
    [
        # PHYSICS.md section 6, typical mammalian neuron at 37 degC: E_Na about +61, E_Ca about +132 mV.
        ("Na", 15, 145, 1, 61.0, 1.0),
        ("Ca", 1e-4, 2, 2, 132.0, 1.0),
        # Cl- 10/110: z = -1, about -64 mV; Mg, H, HCO3 carry their textbook valences.
        ("Cl", 10, 110, -1, -64.1, 0.1),
        ("Mg", 0.5, 1, 2, None, None),
        ("H", 6.3e-5, 4e-5, 1, None, None),
        ("HCO3", 12, 24, -1, None, None),
    ],
)
def test_equilibrium_known_ions(capsys, ion, c_in, c_out, z, literature, tol):
    d = cli_json(capsys, "equilibrium", "--ion", ion, "--inside", repr(c_in), "--outside", repr(c_out))
    assert d["valence"] == z
    assert d["potential_mV"] == pytest.approx(nernst_mV(c_in, c_out, z, 37), rel=1e-9)
    if literature is not None:
        assert d["potential_mV"] == pytest.approx(literature, abs=tol)


def test_equilibrium_symbols_are_case_insensitive(capsys):
    d = cli_json(capsys, "equilibrium", "--ion", "k", "--inside", "140", "--outside", "5")
    assert d["valence"] == 1
    assert d["potential_mV"] == pytest.approx(nernst_mV(140, 5, 1, 37), rel=1e-9)


def test_equilibrium_unknown_ion_with_valence(capsys):
    # A divalent anion such as SO4 2-: any symbol works once --valence is given.
    d = cli_json(capsys, "equilibrium", "--ion", "SO4", "--valence", "-2", "--inside", "2", "--outside", "20",
                 "--temperature", "20")
    assert d["ion"] == "SO4" and d["valence"] == -2 and d["temperature_c"] == 20
    assert d["potential_mV"] == pytest.approx(nernst_mV(2, 20, -2, 20), rel=1e-9)


def test_equilibrium_explicit_valence_overrides_the_known_one(capsys):
    d = cli_json(capsys, "equilibrium", "--ion", "Ca", "--valence", "1", "--inside", "1e-4", "--outside", "2")
    assert d["valence"] == 1
    assert d["potential_mV"] == pytest.approx(nernst_mV(1e-4, 2, 1, 37), rel=1e-9)


def test_equilibrium_temperature_option(capsys):
    # RT/F = 25.2617 mV at 20 degC (PHYSICS.md section 1): E_K(400/20, squid) = 25.2617 ln(1/20).
    d = cli_json(capsys, "equilibrium", "--ion", "K", "--inside", "400", "--outside", "20", "--temperature", "20")
    assert d["temperature_c"] == 20
    assert d["potential_mV"] == pytest.approx(25.2617 * math.log(20 / 400), abs=1e-3)


@pytest.mark.parametrize(
    "option, text, value_mM",
    [
        ("--inside", "100 nM", 1e-4),
        ("--inside", "0.1 uM", 1e-4),
        ("--inside", "0.1 µM", 1e-4),
        ("--inside", "1e-7 M", 1e-4),
        ("--inside", "100nM", 1e-4),
        ("--outside", "2 mM", 2.0),
        ("--outside", "0.002 M", 2.0),
        ("--outside", "2 mmol/L", 2.0),
        ("--outside", "2 mol/m^3", 2.0),  # 1 mM = 1 mol/m^3
    ],
)
def test_equilibrium_concentration_units(capsys, option, text, value_mM):
    args = {"--inside": "1e-4", "--outside": "2"}
    args[option] = text
    d = cli_json(capsys, "equilibrium", "--ion", "Ca", "--inside", args["--inside"], "--outside", args["--outside"])
    key = "inside_mM" if option == "--inside" else "outside_mM"
    assert d[key] == pytest.approx(value_mM, rel=1e-12)
    assert d["potential_mV"] == pytest.approx(nernst_mV(1e-4, 2, 2, 37), rel=1e-9)


@pytest.mark.parametrize("text", ["310.15 K", "310.15 kelvin", "37 degC", "37 °C", "98.6 degF"])
def test_equilibrium_temperature_units(capsys, text):
    d = cli_json(capsys, "equilibrium", "--ion", "K", "--inside", "140", "--outside", "5", "--temperature", text)
    # 310.15 K = 37 degC exactly; 98.6 degF = 37 degC (to float rounding).
    assert d["temperature_c"] == pytest.approx(37.0, abs=1e-9)
    assert d["potential_mV"] == pytest.approx(nernst_mV(140, 5, 1, 37), rel=1e-9)


def test_equilibrium_human_output(capsys):
    rc, out, err = cli(capsys, "equilibrium", "--ion", "K", "--inside", "140", "--outside", "5")
    assert rc == 0 and err == ""
    assert "-89.06 mV" in out
    assert "K+" in out and "37" in out and "140" in out


def test_equilibrium_human_output_unknown_ion(capsys):
    rc, out, err = cli(capsys, "equilibrium", "--ion", "SO4", "--valence", "-2", "--inside", "2", "--outside", "20")
    assert rc == 0 and err == ""
    assert f"{nernst_mV(2, 20, -2, 37):.2f} mV" in out
    assert "SO4" in out


# =============================================================================
# rest
# =============================================================================
REST_KEYS = {"temperature_c", "ghk_mV", "weighted_mV", "ions"}
ION_KEYS = {"valence", "inside_mM", "outside_mM", "permeability", "equilibrium_mV", "driving_force_mV", "current_share"}


def test_rest_preset_mammalian_neuron_json(capsys):
    d = cli_json(capsys, "rest", "--preset", "mammalian_neuron")
    assert REST_KEYS <= d.keys()
    assert d["temperature_c"] == 37
    assert set(d["ions"]) >= {"K", "Na", "Cl", "Ca"}
    for sym, row in d["ions"].items():
        assert ION_KEYS <= row.keys(), sym
    # GHK voltage equation with 1:0.05:0.45 (PHYSICS.md section 6: "GHK about -65 mV").
    ghk = ghk_monovalent_mV(NEURON, 37)
    assert d["ghk_mV"] == pytest.approx(ghk, abs=1e-6)  # root-finder vs closed form: 1 nV
    assert d["ghk_mV"] == pytest.approx(-65.0, abs=0.5)
    # weighted_mV = sum P E / sum P over the permeant ions (the textbook formula).
    e = {s: nernst_mV(ci, co, z, 37) for s, (z, ci, co, _) in NEURON.items()}
    weighted = sum(NEURON[s][3] * e[s] for s in NEURON) / sum(NEURON[s][3] for s in NEURON)
    assert d["weighted_mV"] == pytest.approx(weighted, rel=1e-9)
    for s, (z, ci, co, p) in NEURON.items():
        row = d["ions"][s]
        assert row["valence"] == z and row["inside_mM"] == ci and row["outside_mM"] == co
        assert row["permeability"] == pytest.approx(p)
        assert row["equilibrium_mV"] == pytest.approx(e[s], rel=1e-9)
        assert row["driving_force_mV"] == pytest.approx(d["ghk_mV"] - e[s], abs=1e-6)
    # E_Ca about +132 mV (PHYSICS.md section 6); no permeability: no current.
    z, ci, co = NEURON_CA
    assert d["ions"]["Ca"]["equilibrium_mV"] == pytest.approx(nernst_mV(ci, co, z, 37), rel=1e-9)
    assert d["ions"]["Ca"]["current_share"] == 0
    # Current shares: net current zero at rest, shares are I_X / sum |I_X|.
    shares = [r["current_share"] for r in d["ions"].values()]
    assert sum(shares) == pytest.approx(0.0, abs=1e-9)
    assert sum(abs(s) for s in shares) == pytest.approx(1.0, abs=1e-9)
    assert d["ions"]["K"]["current_share"] > 0 > d["ions"]["Na"]["current_share"]  # K out, Na in
    assert "chord_mV" not in d  # permeabilities, not conductances


def test_rest_temperature_override(capsys):
    d = cli_json(capsys, "rest", "--preset", "mammalian_neuron", "--temperature", "20")
    assert d["temperature_c"] == 20
    assert d["ghk_mV"] == pytest.approx(ghk_monovalent_mV(NEURON, 20), abs=1e-6)
    assert d["ions"]["K"]["equilibrium_mV"] == pytest.approx(nernst_mV(140, 5, 1, 20), rel=1e-9)


def test_rest_temperature_override_in_kelvin(capsys):
    d = cli_json(capsys, "rest", "--preset", "mammalian_neuron", "--temperature", "293.15 K")
    assert d["temperature_c"] == pytest.approx(20.0, abs=1e-9)
    assert d["ghk_mV"] == pytest.approx(ghk_monovalent_mV(NEURON, 20), abs=1e-6)


def test_rest_default_is_mammalian_neuron(capsys):
    assert cli_json(capsys, "rest") == cli_json(capsys, "rest", "--preset", "mammalian_neuron")


def test_rest_config_permeabilities(capsys, tmp_path):
    cfg = write(tmp_path, """
temperature_c = 20          # the squid table of Kandel et al. (PHYSICS.md section 6)

[ions.K]
inside = 400
outside = 20
permeability = 1.0

[ions.Na]
inside = "50 mM"
outside = "0.44 M"
permeability = 0.04

[ions.Cl]
inside = 52
outside = 560
permeability = 0.45

[ions.A]                      # impermeant organic anion: needs its valence
inside = 385
outside = 0
valence = -1
""")
    d = cli_json(capsys, "rest", "--config", cfg)
    ions = {"K": (1, 400.0, 20.0, 1.0), "Na": (1, 50.0, 440.0, 0.04), "Cl": (-1, 52.0, 560.0, 0.45)}
    # Hodgkin & Katz ratios 1:0.04:0.45 at 20 degC: "about -60 mV" (PHYSICS.md section 6).
    assert d["ghk_mV"] == pytest.approx(ghk_monovalent_mV(ions, 20), abs=1e-6)
    assert d["ghk_mV"] == pytest.approx(-60, abs=3)
    assert d["ions"]["Na"]["outside_mM"] == pytest.approx(440.0)
    assert d["ions"]["A"]["valence"] == -1
    assert d["ions"]["A"]["current_share"] == 0
    assert "chord_mV" not in d


def test_rest_config_temperature_with_unit(capsys, tmp_path):
    cfg = write(tmp_path, 'temperature_c = "310.15 K"\n[ions.K]\ninside = 140\noutside = 5\npermeability = 1\n')
    d = cli_json(capsys, "rest", "--config", cfg)
    assert d["temperature_c"] == pytest.approx(37.0, abs=1e-9)
    # One permeant ion: the zero-current potential is its Nernst potential.
    assert d["ghk_mV"] == pytest.approx(nernst_mV(140, 5, 1, 37), abs=1e-6)
    assert d["weighted_mV"] == pytest.approx(nernst_mV(140, 5, 1, 37), rel=1e-9)


CONDUCTANCE_CFG = """
temperature_c = 6.3
# Squid-axon concentrations (PHYSICS.md section 6) with the resting conductances
# of Hodgkin & Huxley 1952 at -65 mV (g_K n^4 = 0.367, g_Na m^3 h = 0.011 mS/cm^2), and their leak 0.3 given to Cl.
[ions.K]
inside = 400
outside = 20
conductance = 0.367

[ions.Na]
inside = 50
outside = 440
conductance = "0.011 mS/cm^2"

[ions.Cl]
inside = 52
outside = 560
conductance = 0.3
"""


def test_rest_config_conductances_chord(capsys, tmp_path):
    d = cli_json(capsys, "rest", "--config", write(tmp_path, CONDUCTANCE_CFG))
    g = {"K": 0.367, "Na": 0.011, "Cl": 0.3}
    e = {"K": nernst_mV(400, 20, 1, 6.3), "Na": nernst_mV(50, 440, 1, 6.3), "Cl": nernst_mV(52, 560, -1, 6.3)}
    chord = sum(g[s] * e[s] for s in g) / sum(g.values())  # V = sum g E / sum g (PHYSICS.md section 2)
    assert "chord_mV" in d
    assert d["chord_mV"] == pytest.approx(chord, rel=1e-9)
    # With conductances given, the weighted average is the conductance-weighted one: the chord.
    assert d["weighted_mV"] == pytest.approx(chord, rel=1e-9)
    for s in g:
        assert d["ions"][s]["equilibrium_mV"] == pytest.approx(e[s], rel=1e-9)
        assert d["ions"][s]["driving_force_mV"] == pytest.approx(chord - e[s], abs=1e-9)
    # Ohmic currents g (V - E) sum to zero at the chord potential; shares follow them.
    cur = {s: g[s] * (chord - e[s]) for s in g}
    total = sum(abs(c) for c in cur.values())
    for s in g:
        assert d["ions"][s]["current_share"] == pytest.approx(cur[s] / total, abs=1e-9)
    assert math.isfinite(d["ghk_mV"])


def test_rest_human_output(capsys):
    rc, out, err = cli(capsys, "rest", "--preset", "mammalian_neuron")
    assert rc == 0 and err == ""
    ghk = ghk_monovalent_mV(NEURON, 37)
    e = {s: nernst_mV(ci, co, z, 37) for s, (z, ci, co, _) in NEURON.items()}
    weighted = sum(NEURON[s][3] * e[s] for s in NEURON) / sum(NEURON[s][3] for s in NEURON)
    assert f"{ghk:.2f} mV" in out  # -64.94
    assert f"{weighted:.2f} mV" in out  # -76.58
    assert f"{e['K']:.1f}" in out and f"{e['Na']:.1f}" in out  # -89.1, 60.6
    for sym in ("K", "Na", "Cl", "Ca"):
        assert sym in out
    assert "GHK" in out


def test_rest_human_output_conductance_shows_chord(capsys, tmp_path):
    rc, out, err = cli(capsys, "rest", "--config", write(tmp_path, CONDUCTANCE_CFG))
    assert rc == 0 and err == ""
    g = {"K": 0.367, "Na": 0.011, "Cl": 0.3}
    e = {"K": nernst_mV(400, 20, 1, 6.3), "Na": nernst_mV(50, 440, 1, 6.3), "Cl": nernst_mV(52, 560, -1, 6.3)}
    chord = sum(g[s] * e[s] for s in g) / sum(g.values())
    assert "chord" in out
    assert f"{chord:.2f} mV" in out


def test_rest_pump_ratio(capsys):
    d = cli_json(capsys, "rest", "--preset", "mammalian_neuron", "--pump-ratio", "1.5")
    # Mullins & Noda 1963 (PHYSICS.md section 2), Na and K only, r = 3/2:
    # V = (RT/F) ln((r P_K K_o + P_Na Na_o) / (r P_K K_i + P_Na Na_i)).
    vt = 1e3 * R * (37 + ZERO_C) / F
    r, pk, pna = 1.5, 1.0, 0.05
    mn = vt * math.log((r * pk * 5 + pna * 145) / (r * pk * 140 + pna * 15))
    assert d["mullins_noda_mV"] == pytest.approx(mn, abs=1e-6)
    assert d["mullins_noda_leaves_out"] == ["Cl"]
    # With Cl- permeant too, the zero-current condition with the pump's current -(1 - 1/r) I_Na is the GHK
    # voltage equation with P_Na / r (monovalent ions: closed form), and the numbers add up: GHK + share.
    pumped = vt * math.log((pk * 5 + pna / r * 145 + 0.45 * 10) / (pk * 140 + pna / r * 15 + 0.45 * 110))
    assert d["pumped_mV"] == pytest.approx(pumped, abs=1e-9)
    assert d["ghk_mV"] + d["pump_share_mV"] == pytest.approx(d["pumped_mV"], abs=1e-12)
    # "a few mV, not tens" (Mullins & Noda 1963)
    assert -10 < d["pump_share_mV"] < 0


# --- plots --------------------------------------------------------------------
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_rest_plot_png(capsys, tmp_path):
    out_png = tmp_path / "out.png"
    rc, out, err = cli(capsys, "rest", "--preset", "mammalian_neuron", "--plot", out_png)
    assert rc == 0, err
    assert out_png.is_file() and out_png.stat().st_size > 1000
    assert out_png.read_bytes()[:8] == PNG_MAGIC
    assert str(out_png) in out  # the human output says where the figure went


def test_rest_plot_png_with_json(capsys, tmp_path):
    out_png = tmp_path / "fig.png"
    d = cli_json(capsys, "rest", "--preset", "mammalian_neuron", "--plot", out_png)
    assert "ghk_mV" in d
    assert out_png.read_bytes()[:8] == PNG_MAGIC


def test_rest_plot_svg(capsys, tmp_path):
    out_svg = tmp_path / "fig.svg"
    rc, _, err = cli(capsys, "rest", "--preset", "mammalian_neuron", "--plot", out_svg)
    assert rc == 0, err
    assert b"<svg" in out_svg.read_bytes()[:2000]


@pytest.mark.parametrize("name", ["out.txt", "out", "out.png.txt", "out.jpeg"])
def test_rest_plot_wrong_suffix_is_an_error(capsys, tmp_path, name):
    target = tmp_path / name
    rc, out, err = cli(capsys, "rest", "--preset", "mammalian_neuron", "--plot", target)
    assert_usage_error(rc, out, err, "--plot")
    assert not target.exists()


def test_rest_plot_missing_folder_is_an_error(capsys, tmp_path):
    rc, out, err = cli(capsys, "rest", "--preset", "mammalian_neuron", "--plot", tmp_path / "nope" / "out.png")
    assert_usage_error(rc, out, err, "--plot")


# =============================================================================
# presets
# =============================================================================
def test_presets_json_and_every_name_works_with_rest(capsys):
    rows = cli_json(capsys, "presets")
    assert isinstance(rows, list) and rows
    names = [r["name"] for r in rows]
    assert "mammalian_neuron" in names
    assert len(names) == len(set(names))
    for r in rows:
        assert {"name", "description", "source"} <= r.keys()
        assert isinstance(r["description"], str) and r["description"].strip(), r["name"]
        assert isinstance(r["source"], str) and r["source"].strip(), r["name"]
    for name in names:
        d = cli_json(capsys, "rest", "--preset", name)
        assert REST_KEYS <= d.keys(), name
        assert math.isfinite(d["ghk_mV"]) and math.isfinite(d["weighted_mV"]), name
        # A resting potential between the extreme equilibrium potentials of the permeant ions.
        e = [row["equilibrium_mV"] for row in d["ions"].values()
             if row["equilibrium_mV"] is not None and row["current_share"] != 0]
        if e:
            assert min(e) - 1e-6 <= d["ghk_mV"] <= max(e) + 1e-6, name
        rc, out, err = cli(capsys, "rest", "--preset", name)  # and the human table
        assert rc == 0 and err == "", (name, err)
        assert f"{d['ghk_mV']:.2f} mV" in out, name


def test_presets_human_output(capsys):
    rc, out, err = cli(capsys, "presets")
    assert rc == 0 and err == ""
    assert "mammalian_neuron" in out


def test_unknown_preset_lists_the_choices(capsys):
    rc, out, err = cli(capsys, "rest", "--preset", "no_such_cell")
    line = assert_usage_error(rc, out, err, "preset")
    assert "mammalian_neuron" in line


# =============================================================================
# charge (PHYSICS.md section 3)
# =============================================================================
CHARGE_KEYS = {"area_cm2", "volume_L", "charge_C", "ions", "concentration_change_mM", "fraction_of_pool"}


def test_charge_encyclopedia_cardiomyocyte(capsys):
    """Wikipedia "Membrane potential" worked example (PHYSICS.md section 3): cylinder
    L = 100 um, r = 5 um, ends included, 2 uF/cm^2, 100 mV: 4.12e7 ions, 8.71 uM,
    0.058 % of 15 mM."""
    d = cli_json(capsys, "charge", "--shape", "cylinder", "--length", "100", "--radius", "5",
                 "--capacitance", "2", "--delta", "100", "--concentration", "15")
    assert CHARGE_KEYS <= d.keys()
    # Independent geometry: A = 2 pi r L + 2 pi r^2 (um^2 -> cm^2: 1e-8), V = pi r^2 L (um^3 -> L: 1e-15).
    area_cm2 = (2 * math.pi * 5 * 100 + 2 * math.pi * 5**2) * 1e-8
    vol_L = math.pi * 5**2 * 100 * 1e-15
    q = 2e-6 * area_cm2 * 0.100  # C = C_m A dV
    n = q / E_CHARGE
    dc_mM = n / N_A / vol_L * 1e3
    assert d["area_cm2"] == pytest.approx(area_cm2, rel=1e-12)  # 3.30e-5 cm^2 = 3.30e-9 m^2
    assert d["volume_L"] == pytest.approx(vol_L, rel=1e-12)  # 7.85e-12 L
    assert d["charge_C"] == pytest.approx(q, rel=1e-12)
    assert d["ions"] == pytest.approx(n, rel=1e-12)
    assert d["concentration_change_mM"] == pytest.approx(dc_mM, rel=1e-12)
    assert d["fraction_of_pool"] == pytest.approx(dc_mM / 15, rel=1e-12)
    # The published, 3-significant-figure numbers (rounding tolerance: half a unit in the last digit).
    assert d["area_cm2"] == pytest.approx(3.30e-5, abs=0.005e-5)
    assert d["volume_L"] == pytest.approx(7.85e-12, abs=0.005e-12)
    assert d["ions"] == pytest.approx(4.12e7, abs=0.005e7)
    assert d["concentration_change_mM"] * 1e3 == pytest.approx(8.71, abs=0.005)  # uM
    assert d["fraction_of_pool"] * 100 == pytest.approx(0.058, abs=0.0005)  # percent


def test_charge_encyclopedia_current(capsys):
    # Same example, 100 mV in 2 ms: I = C dV/dt = 3.3 nA (PHYSICS.md section 3).
    d = cli_json(capsys, "charge", "--length", "100", "--radius", "5", "--capacitance", "2",
                 "--delta", "100", "--duration", "2")
    assert d["current_A"] * 1e9 == pytest.approx(3.3, abs=0.05)


def test_charge_human_output(capsys):
    rc, out, err = cli(capsys, "charge", "--shape", "cylinder", "--length", "100", "--radius", "5",
                       "--capacitance", "2", "--delta", "100", "--concentration", "15", "--duration", "2")
    assert rc == 0 and err == ""
    assert "4.12e+07 ions" in out
    assert "8.71 uM" in out
    assert "0.058%" in out
    assert "3.3 nA" in out


def test_charge_units_in_options(capsys):
    # 0.1 mm = 100 um, 5e-6 m = 5 um, 0.02 F/m^2 = 2 uF/cm^2, 0.1 V = 100 mV, 0.015 M = 15 mM.
    plain = cli_json(capsys, "charge", "--length", "100", "--radius", "5", "--capacitance", "2",
                     "--delta", "100", "--concentration", "15")
    units = cli_json(capsys, "charge", "--length", "0.1 mm", "--radius", "5e-6 m", "--capacitance", "0.02 F/m^2",
                     "--delta", "0.1 V", "--concentration", "0.015 M")
    for key in CHARGE_KEYS:
        assert units[key] == pytest.approx(plain[key], rel=1e-9), key


def test_charge_no_ends(capsys):
    d = cli_json(capsys, "charge", "--length", "100", "--radius", "5", "--no-ends", "--capacitance", "1", "--delta", "100")
    area_cm2 = 2 * math.pi * 5 * 100 * 1e-8  # lateral surface only
    assert d["area_cm2"] == pytest.approx(area_cm2, rel=1e-12)
    assert d["ions"] == pytest.approx(1e-6 * area_cm2 * 0.1 / E_CHARGE, rel=1e-12)
    assert d["fraction_of_pool"] is None  # no --concentration given


def test_charge_sphere_and_ions_per_area(capsys):
    # At 1 uF/cm^2, 100 mV is about 6,240 monovalent ions per um^2 (PHYSICS.md section 3):
    # 1e-6 F/cm^2 * 1e-8 cm^2/um^2 * 0.1 V / e = 6241.5 per um^2.
    d = cli_json(capsys, "charge", "--shape", "sphere", "--radius", "10", "--capacitance", "1", "--delta", "100")
    area_um2 = 4 * math.pi * 10**2
    assert d["area_cm2"] == pytest.approx(area_um2 * 1e-8, rel=1e-12)
    assert d["volume_L"] == pytest.approx(4 / 3 * math.pi * 10**3 * 1e-15, rel=1e-12)
    assert d["ions"] / area_um2 == pytest.approx(6241.5, abs=0.5)


def test_charge_valence_halves_the_ions(capsys):
    base = ["charge", "--length", "100", "--radius", "5", "--capacitance", "2", "--delta", "100"]
    one = cli_json(capsys, *base)
    two = cli_json(capsys, *base, "--valence", "2")
    minus = cli_json(capsys, *base, "--valence", "-2")
    assert two["ions"] == pytest.approx(one["ions"] / 2, rel=1e-12)
    assert minus["ions"] == pytest.approx(one["ions"] / 2, rel=1e-12)
    assert two["charge_C"] == pytest.approx(one["charge_C"], rel=1e-12)


# =============================================================================
# help, bare command
# =============================================================================
def test_help_and_bare_command(capsys):
    for args in ([], ["--help"]):
        rc, out, err = cli(capsys, *args)
        assert rc == 0 and err == ""
        for cmd in ("equilibrium", "rest", "presets", "charge"):
            assert cmd in out


@pytest.mark.parametrize("cmd", ["equilibrium", "rest", "presets", "charge", "compare", "ghk", "donnan"])
def test_command_help(capsys, cmd):
    rc, out, err = cli(capsys, cmd, "--help")
    assert rc == 0 and err == ""
    assert "--json" in out


# =============================================================================
# bad input: exit 2, one line naming the field
# =============================================================================
EQ = ["equilibrium", "--ion", "K"]


@pytest.mark.parametrize(
    "args, field",
    [
        (EQ + ["--inside", "0", "--outside", "5"], "--inside"),  # zero concentration
        (EQ + ["--inside", "140", "--outside", "-5"], "--outside"),  # negative
        (EQ + ["--inside", "-0.0", "--outside", "5"], "--inside"),
        (EQ + ["--inside", "nan", "--outside", "5"], "--inside"),  # NaN
        (EQ + ["--inside", "NaN", "--outside", "5"], "--inside"),
        (EQ + ["--inside", "140", "--outside", "inf"], "--outside"),
        (EQ + ["--inside", "140", "--outside", "-inf"], "--outside"),
        (EQ + ["--inside", "1e999", "--outside", "5"], "--inside"),  # overflows to inf while parsing
        (EQ + ["--inside", "abc", "--outside", "5"], "--inside"),  # not a number
        (EQ + ["--inside", "", "--outside", "5"], "--inside"),
        (EQ + ["--inside", "140", "--outside", "five"], "--outside"),
        (EQ + ["--inside", "140 mV", "--outside", "5"], "--inside"),  # wrong unit
        (EQ + ["--inside", "140", "--outside", "5 K"], "--outside"),
        (EQ + ["--inside", "140", "--outside", "5 furlongs"], "--outside"),  # unknown unit
        (EQ + ["--inside", "140", "--outside", "5 mM; rm -rf /"], "--outside"),
        (EQ + ["--inside", "140", "--outside", "5", "--valence", "0"], "--valence"),  # valence 0
        (EQ + ["--inside", "140", "--outside", "5", "--valence", "nan"], "--valence"),
        (EQ + ["--inside", "140", "--outside", "5", "--valence", "two"], "--valence"),
        (EQ + ["--inside", "140", "--outside", "5", "--temperature", "-273.15"], "--temperature"),  # absolute zero
        (EQ + ["--inside", "140", "--outside", "5", "--temperature", "-300"], "--temperature"),
        (EQ + ["--inside", "140", "--outside", "5", "--temperature", "0 K"], "--temperature"),
        (EQ + ["--inside", "140", "--outside", "5", "--temperature", "-5 K"], "--temperature"),
        (EQ + ["--inside", "140", "--outside", "5", "--temperature", "37 mV"], "--temperature"),
        (EQ + ["--inside", "140", "--outside", "5", "--temperature", "warm"], "--temperature"),
        (["equilibrium", "--ion", "Xx", "--inside", "1", "--outside", "2"], "--ion"),  # unknown ion, no valence
        (["equilibrium", "--ion", "", "--inside", "1", "--outside", "2"], "--ion"),
        (["equilibrium", "--inside", "1", "--outside", "2"], "--ion"),  # missing option
        (EQ + ["--outside", "2"], "--inside"),
        (EQ + ["--inside", "1"], "--outside"),
        (EQ + ["--inside"], "--inside"),  # option without its value
        (EQ + ["--inside", "1", "--outside", "2", "--bogus"], "--bogus"),  # unknown option
        (["rest", "--preset", "mammalian_neuron", "--temperature", "-274"], "--temperature"),
        (["rest", "--preset", "mammalian_neuron", "--temperature", "nan"], "--temperature"),
        (["rest", "--preset", "mammalian_neuron", "--pump-ratio", "0"], "--pump-ratio"),
        (["rest", "--preset", "mammalian_neuron", "--pump-ratio", "-1.5"], "--pump-ratio"),
        (["rest", "--preset", "mammalian_neuron", "--pump-ratio", "3:2"], "--pump-ratio"),
        (["rest", "--preset", "no_such_cell"], "preset"),
        (["rest", "--preset", "mammalian_neuron", "--config", "x.toml"], "--preset"),  # both
        (["rest", "--config", "/nonexistent/dir/cell.toml"], "config"),  # missing file
        (["charge", "--radius", "5"], "--length"),  # cylinder without length
        (["charge", "--shape", "sphere", "--radius", "5", "--length", "3"], "--length"),
        (["charge", "--shape", "cube", "--radius", "5"], "--shape"),
        (["charge", "--length", "100", "--radius", "0"], "--radius"),
        (["charge", "--length", "-100", "--radius", "5"], "--length"),
        (["charge", "--length", "100", "--radius", "5 mV"], "--radius"),
        (["charge", "--length", "100 mM", "--radius", "5"], "--length"),
        (["charge", "--length", "100", "--radius", "5", "--capacitance", "0"], "--capacitance"),
        (["charge", "--length", "100", "--radius", "5", "--capacitance", "2 mV"], "--capacitance"),
        (["charge", "--length", "100", "--radius", "5", "--delta", "nan"], "--delta"),
        (["charge", "--length", "100", "--radius", "5", "--delta", "100 mM"], "--delta"),
        (["charge", "--length", "100", "--radius", "5", "--valence", "0"], "--valence"),
        (["charge", "--length", "100", "--radius", "5", "--concentration", "0"], "--concentration"),
        (["charge", "--length", "100", "--radius", "5", "--concentration", "15 mV"], "--concentration"),
        (["charge", "--length", "100", "--radius", "5", "--duration", "-2"], "--duration"),
        (["presets", "--bogus"], "--bogus"),
    ],
)
def test_bad_options_exit_2_with_one_line_naming_the_field(capsys, args, field):
    rc, out, err = cli(capsys, *args)
    assert_usage_error(rc, out, err, field)


def test_unknown_command(capsys):
    rc, out, err = cli(capsys, "equilibrum")
    assert_usage_error(rc, out, err, "equilibrum")


GOOD_K = "[ions.K]\ninside = 140\noutside = 5\npermeability = 1\n"


@pytest.mark.parametrize(
    "text, field",
    [
        ("[ions.K]\ninside = 140\noutside = 0\npermeability = 1\n", "ions.K.outside"),  # zero, permeant
        ("[ions.K]\ninside = 140\noutside = -5\npermeability = 1\n", "ions.K.outside"),
        ("[ions.K]\ninside = nan\noutside = 5\npermeability = 1\n", "ions.K.inside"),
        ("[ions.K]\ninside = inf\noutside = 5\npermeability = 1\n", "ions.K.inside"),
        ('[ions.K]\ninside = "lots"\noutside = 5\npermeability = 1\n', "ions.K.inside"),
        ('[ions.K]\ninside = "140 mV"\noutside = 5\npermeability = 1\n', "ions.K.inside"),  # wrong unit
        ("[ions.K]\ninside = true\noutside = 5\npermeability = 1\n", "ions.K.inside"),
        ("[ions.K]\ninside = [140]\noutside = 5\npermeability = 1\n", "ions.K.inside"),
        ("[ions.K]\ninside = 140\npermeability = 1\n", "ions.K.outside"),  # missing key
        ("[ions.K]\ninside = 140\noutside = 5\npermeability = -1\n", "ions.K.permeability"),
        ('[ions.K]\ninside = 140\noutside = 5\npermeability = "1 mV"\n', "ions.K.permeability"),
        ("[ions.K]\ninside = 140\noutside = 5\nconductance = -0.3\n", "ions.K.conductance"),
        ("[ions.K]\ninside = 140\noutside = 5\npermeability = 1\nconductance = 1\n", "ions.K"),
        ("[ions.K]\ninside = 140\noutside = 5\npermeability = 1\ncolour = 'red'\n", "ions.K.colour"),  # unknown key
        ("colour = 'red'\n" + GOOD_K, "colour"),
        ("[ions.X]\ninside = 1\noutside = 2\npermeability = 1\n", "ions.X"),  # unknown ion, no valence
        ("[ions.X]\ninside = 1\noutside = 2\npermeability = 1\nvalence = 0\n", "ions.X.valence"),
        ("[ions.X]\ninside = 1\noutside = 2\npermeability = 1\nvalence = nan\n", "ions.X.valence"),
        ('[ions.X]\ninside = 1\noutside = 2\npermeability = 1\nvalence = "-1"\n', "ions.X.valence"),
        ("temperature_c = -300\n" + GOOD_K, "temperature_c"),  # below absolute zero
        ("temperature_c = -273.15\n" + GOOD_K, "temperature_c"),
        ('temperature_c = "0 K"\n' + GOOD_K, "temperature_c"),
        ("temperature_c = nan\n" + GOOD_K, "temperature_c"),
        ('temperature_c = "hot"\n' + GOOD_K, "temperature_c"),
        ('temperature_c = "37 mM"\n' + GOOD_K, "temperature_c"),
        ("temperature_c = 37\n", "ions"),  # no ions at all
        ("", "ions"),  # empty file
        ("[ions]\n", "ions"),
        ("[ions.K]\ninside = 140\noutside = 5\n", "ions"),  # nothing permeant
        ("ions = 5\n", "ions"),
        ("[ions.K\ninside = 140\n", "config"),  # malformed TOML
        ("[ions.K]\ninside = \n", "config"),
        ("[ions.K]\ninside = 140\ninside = 150\n", "config"),  # duplicate key
        ("temperature_c = 37 degC\n" + GOOD_K, "config"),  # unquoted unit: a TOML syntax error
    ],
    ids=lambda v: v if "\n" not in v else f"toml-{zlib.crc32(v.encode()):08x}",  # stable across xdist workers
)
def test_bad_config_exit_2_with_one_line_naming_the_key(capsys, tmp_path, text, field):
    rc, out, err = cli(capsys, "rest", "--config", write(tmp_path, text))
    assert_usage_error(rc, out, err, field)


def test_config_not_utf8(capsys, tmp_path):
    p = tmp_path / "junk.toml"
    p.write_bytes(b"\xff\xfe\x00\x01binary junk\x80\x81")
    rc, out, err = cli(capsys, "rest", "--config", p)
    assert_usage_error(rc, out, err, "config")


def test_config_is_a_directory(capsys, tmp_path):
    rc, out, err = cli(capsys, "rest", "--config", tmp_path)
    assert_usage_error(rc, out, err, "config")


# =============================================================================
# the real console entry points (subprocess)
# =============================================================================
def test_console_script_equilibrium_json():
    assert NERNST_EXE.is_file(), f"console script not installed next to {sys.executable}"
    p = run_exe("equilibrium", "--ion", "K", "--inside", "140", "--outside", "5", "--json")
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    d = json.loads(p.stdout)
    assert d["potential_mV"] == pytest.approx(nernst_mV(140, 5, 1, 37), rel=1e-9)


def test_console_script_bad_input_one_line():
    p = run_exe("equilibrium", "--ion", "K", "--inside", "0", "--outside", "5")
    assert p.returncode == 2
    assert p.stdout == ""
    assert "Traceback" not in p.stderr
    assert p.stderr.count("\n") == 1 and "--inside" in p.stderr


def test_python_dash_m_rest_config(tmp_path):
    cfg = write(tmp_path, CONDUCTANCE_CFG)
    p = run_exe("rest", "--config", str(cfg), "--json", module=True)
    assert p.returncode == 0, p.stderr
    g = {"K": 0.367, "Na": 0.011, "Cl": 0.3}
    e = {"K": nernst_mV(400, 20, 1, 6.3), "Na": nernst_mV(50, 440, 1, 6.3), "Cl": nernst_mV(52, 560, -1, 6.3)}
    assert json.loads(p.stdout)["chord_mV"] == pytest.approx(sum(g[s] * e[s] for s in g) / sum(g.values()), rel=1e-9)


def test_console_script_broken_pipe_is_quiet():
    # `nernst presets --json | head -c 10`: the reader goes away; no traceback.
    p = subprocess.run(f"'{NERNST_EXE}' presets --json | head -c 10", shell=True, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in p.stderr


# =============================================================================
# regressions: bugs found while writing these tests, now fixed (the reason strings
# say what used to happen).  No RuntimeWarning filter: warnings must not leak.
# =============================================================================


# was: "BUG: concentrations whose ratio under/overflows float64 give E = -inf mV with exit 0 " "(human output) or an 'internal error' line that names no field (--json)",
@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_bug_extreme_concentration_ratio(capsys, json_flag):
    rc, out, err = cli(capsys, *EQ, "--inside", "1e308", "--outside", "1e-308", *json_flag)
    line = assert_usage_error(rc, out, err, "--")
    assert "--inside" in line or "--outside" in line


# was: "BUG: --temperature 1e308 makes RT/F overflow: E = -inf mV printed with exit 0",
def test_bug_huge_temperature(capsys):
    rc, out, err = cli(capsys, *EQ, "--inside", "140", "--outside", "5", "--temperature", "1e308")
    assert_usage_error(rc, out, err, "--temperature")


# was: "BUG: charge --radius 1e-300 / 1e300: ZeroDivisionError / OverflowError reach main(), " "exit 1 'internal error' instead of exit 2 naming --radius",
@pytest.mark.parametrize("radius", ["1e-300", "1e300"])
def test_bug_charge_extreme_radius(capsys, radius):
    rc, out, err = cli(capsys, "charge", "--shape", "sphere", "--radius", radius, "--json")
    assert_usage_error(rc, out, err, "--radius")


# was: "BUG: charge --delta 1e308 prints 'inf ions' with exit 0, and with --json an " "'internal error: a non-finite number reached the output' that names no field",
@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_bug_charge_huge_delta(capsys, json_flag):
    rc, out, err = cli(capsys, "charge", "--shape", "sphere", "--radius", "5", "--delta", "1e308", *json_flag)
    assert_usage_error(rc, out, err, "--delta")


# was: "BUG: rest --pump-ratio 1e308 prints 'nan mV' with exit 0; with --json the real process " "writes numpy RuntimeWarnings (4 more lines) to stderr before the error line",
def test_bug_huge_pump_ratio_subprocess():
    p = run_exe("rest", "--preset", "mammalian_neuron", "--pump-ratio", "1e308", "--json")
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "--pump-ratio" in p.stderr, p.stderr


# was: "BUG: deeply nested TOML (x = [[[[...]]]]) raises RecursionError in tomllib, " "exit 1 'internal error' instead of exit 2 'config: ...'",
def test_bug_deeply_nested_config(capsys, tmp_path):
    cfg = write(tmp_path, "x = " + "[" * 5000 + "]" * 5000 + "\n" + GOOD_K)
    rc, out, err = cli(capsys, "rest", "--config", cfg)
    assert_usage_error(rc, out, err, "config")


# was: "BUG: config values that overflow inside the engine are reported under internal names " "('potentials[0]', 'voltage_mV', 'zero-current potential') instead of the config key",
@pytest.mark.parametrize(
    "text, field",
    [
        ("[ions.K]\ninside = 1e308\noutside = 1e-308\npermeability = 1\n", "ions.K"),
        ("[ions.K]\ninside = 1e-320\noutside = 5\npermeability = 1\n", "ions.K.inside"),
        ("[ions.K]\ninside = 140\noutside = 5\npermeability = 1e308\n"
         "[ions.Na]\ninside = 15\noutside = 145\npermeability = 1e308\n", "permeability"),
        ("[ions.K]\ninside = 140\noutside = 5\npermeability = 1\nvalence = 1e-308\n", "ions.K.valence"),
    ],
    ids=["ratio-1e616", "inside-1e-320", "permeability-1e308", "valence-1e-308"],
)
def test_bug_config_overflow_names_internal_fields(capsys, tmp_path, text, field):
    rc, out, err = cli(capsys, "rest", "--config", write(tmp_path, text))
    assert_usage_error(rc, out, err, field)


# was: "BUG (design question): [ions.k] and [ions.K] are both accepted as potassium, so the " "same ion is listed twice (with possibly different concentrations) and counted twice; " "the donnan command rejects a symbol 'given twice'",
def test_bug_same_ion_twice_with_different_case(capsys, tmp_path):
    cfg = write(tmp_path, "[ions.k]\ninside = 100\noutside = 5\npermeability = 1\n" + GOOD_K)
    rc, out, err = cli(capsys, "rest", "--config", cfg)
    assert_usage_error(rc, out, err, "ions.")

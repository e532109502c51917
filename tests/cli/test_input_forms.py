"""Input as people type it: ion notation with charges, temperatures in kelvin by mistake."""

from __future__ import annotations

import json

import pytest

from nernst.cli import main
from nernst.errors import InvalidParameter
from nernst.ions import parse_ion, resolve_valence


@pytest.mark.parametrize("text, symbol, z", [
    ("K+", "K", 1), ("k+", "K", 1), ("Na+", "Na", 1), ("Cl-", "Cl", -1), ("Cl−", "Cl", -1), ("Ca2+", "Ca", 2),
    ("Ca++", "Ca", 2), ("Ca²⁺", "Ca", 2), ("Mg2+", "Mg", 2), ("HCO3-", "HCO3", -1), ("Li+", "Li", 1),
    ("La3+", "La", 3), ("K", "K", None),
    # a digit of a formula is not a charge: NH4+ is ammonium (+1), not "NH" with +4; such ions need a valence
    ("NH4+", "NH4", None), ("H2PO4-", "H2PO4", None),
])
def test_ion_notation(text, symbol, z):
    assert parse_ion(text) == (symbol, None if z is None else float(z))


def test_charge_that_contradicts_the_ion_is_refused():
    with pytest.raises(InvalidParameter) as exc:
        resolve_valence("Ca+")
    assert "calcium is Ca2+" in exc.value.reason


@pytest.mark.parametrize("ion", ["K+", "Ca2+", "Ca++", "Cl-"])
def test_cli_takes_charged_symbols_and_gives_the_same_number(capsys, ion):
    plain = ion.rstrip("+-2")
    assert main(["equilibrium", "--ion", plain, "--inside", "10", "--outside", "100", "--json"]) == 0
    a = json.loads(capsys.readouterr().out)
    assert main(["equilibrium", "--ion", ion, "--inside", "10", "--outside", "100", "--json"]) == 0
    b = json.loads(capsys.readouterr().out)
    assert a == b


def test_a_bare_temperature_above_100_is_refused_with_a_kelvin_hint(capsys):
    # Before: 310 was taken as 310 degC and gave E_K = -167 mV.
    assert main(["equilibrium", "--ion", "K", "--inside", "140", "--outside", "5", "--temperature", "310"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 310 K" in err and err.count("\n") == 1
    # with the unit it works: 310 K = 36.85 degC, E_K = -89.02 mV (RT/F ln(5/140), CODATA 2018; 0.01 mV)
    assert main(["equilibrium", "--ion", "K", "--inside", "140", "--outside", "5", "--temperature", "310 K",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["potential_mV"] == pytest.approx(-89.02, abs=0.01)


def test_a_config_temperature_in_kelvin_is_refused_with_the_hint(tmp_path, capsys):
    p = tmp_path / "cell.toml"
    p.write_text("temperature_c = 310\n[ions.K]\ninside = 140\noutside = 5\npermeability = 1\n")
    assert main(["rest", "--config", str(p)]) == 2
    assert "did you mean 310 K" in capsys.readouterr().err


def test_a_polyatomic_ion_needs_its_valence_and_gets_the_right_potential(capsys):
    # Before: "NH4+" was read as NH with charge +4 (E = 15.39 mV instead of 61.5 mV at 37 degC, 1 -> 10 mM)
    assert main(["equilibrium", "--ion", "NH4+", "--inside", "1", "--outside", "10"]) == 2
    assert "give its valence" in capsys.readouterr().err
    assert main(["equilibrium", "--ion", "NH4+", "--valence", "1", "--inside", "1", "--outside", "10"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("E(NH4+) = 61.54 mV")  # RT/F ln 10 at 37 degC = 61.54 mV

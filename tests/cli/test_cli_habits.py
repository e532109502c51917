"""Habits users expect of a command line: --version, show a shipped file, --set KEY=VALUE, a base to start from."""

from __future__ import annotations

import json
import tomllib

import pytest

from nernst.cli import main
from nernst.presets import load_preset
from nernst.rest import resting_state


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    from importlib.metadata import version

    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"nernst {version('nernst')}"


@pytest.mark.parametrize("what, name", [("presets", "mammalian_neuron"), ("cells", "kay2017")])
def test_show_prints_the_toml_to_start_from(capsys, tmp_path, what, name):
    code, out, _ = run(capsys, what, "show", name)
    assert code == 0
    data = tomllib.loads(out)  # valid TOML, the shipped file itself
    assert data["title"]
    p = tmp_path / "mine.toml"
    p.write_text(out)
    cmd = ["rest", "--config", str(p), "--json"] if what == "presets" else ["steady", str(p), "--json"]
    code, out2, err = run(capsys, *cmd)
    assert code == 0, err


def test_show_errors_are_one_line(capsys):
    for argv, field in ((["presets", "show"], "NAME"), (["presets", "list"], "ACTION"), (["cells", "show", "x"], "NAME")):
        code, _, err = run(capsys, *argv)
        assert code == 2 and err.startswith(f"nernst: error: {field}:") and err.count("\n") == 1


def test_set_changes_the_preset_like_the_api(capsys):
    # the example: K_o 10 mM and P_Na 0.025 on the mammalian neuron
    code, out, _ = run(capsys, "rest", "--preset", "mammalian_neuron", "--set", "ions.K.outside=10",
                       "--set", "ions.Na.permeability=0.025", "--json")
    assert code == 0
    d = json.loads(out)
    spec = load_preset("mammalian_neuron").with_ion("K", outside_mM=10.0).with_ion("Na", permeability=0.025)
    assert d["ghk_mV"] == pytest.approx(resting_state(spec).ghk_mV, abs=1e-12)


def test_set_accepts_units_and_drops_the_published_value(capsys):
    code, out, _ = run(capsys, "rest", "--preset", "mammalian_neuron", "--set", "temperature_c=310.15 K")
    assert code == 0 and "(36.9999" not in out and "37 degC" in out
    assert "published resting potential" not in out  # -65 mV is for the preset's own numbers


def test_set_on_cells_and_errors_name_the_key(capsys):
    code, out, _ = run(capsys, "steady", "kay2017", "--set", "mechanisms.nak_pump.current_uA_cm2=0.4", "--json")
    assert code == 0
    base = json.loads(run(capsys, "steady", "kay2017", "--json")[1])
    assert json.loads(out)["vm_mV"] != pytest.approx(base["vm_mV"], abs=0.1)
    code, _, err = run(capsys, "steady", "kay2017", "--set", "ions.K.outsde=7")
    assert code == 2 and "ions.K.outsde: unknown key" in err
    code, _, err = run(capsys, "steady", "kay2017", "--set", "mechanisms.leak.conductance_mS_cm2=1")
    assert code == 2 and "names 3 mechanisms of kind leak" in err
    code, _, err = run(capsys, "steady", "kay2017", "--set", "oops")
    assert code == 2 and "--set: must look like KEY=VALUE" in err
    # a bath change alone is refused; with the counter-ion named it runs
    code, _, err = run(capsys, "steady", "kay2017", "--set", "ions.K.outside=6")
    assert code == 2 and "net charge" in err
    code, _, err = run(capsys, "steady", "kay2017", "--set", "ions.K.outside=6", "--set", "ions.Na.outside=balance")
    assert code == 0, err


def test_set_on_story_simulate_and_sweep_bases(capsys, tmp_path):
    code, _, err = run(capsys, "story", "--set", "mechanisms.kcc2.conductance_mS_cm2=0.04", "--json")
    assert code == 0, err
    code, _, err = run(capsys, "simulate", "kay2017", "--duration", "100", "--set", "geometry.radius_um=8", "--json")
    assert code == 0, err
    sw = tmp_path / "s.toml"
    sw.write_text('model = "rest"\npreset = "mammalian_neuron"\noutputs = ["v_rest_mV"]\n'
                  '[[axes]]\nparameter = "ions.Na.permeability"\nvalues = [0.05]\n')
    code, out, err = run(capsys, "sweep", str(sw), "--set", "ions.K.outside=10", "--json")
    assert code == 0, err
    v = json.loads(out)["outputs"]["v_rest_mV"]["min"]
    assert v == pytest.approx(resting_state(load_preset("mammalian_neuron").with_ion("K", outside_mM=10.0)).ghk_mV,
                              abs=1e-9)


def test_rest_config_may_start_from_a_preset(capsys, tmp_path):
    p = tmp_path / "mine.toml"
    p.write_text('base = "mammalian_neuron"\n[ions.K]\noutside = 10\n')
    code, out, err = run(capsys, "rest", "--config", str(p), "--json")
    assert code == 0, err
    ref = resting_state(load_preset("mammalian_neuron").with_ion("K", outside_mM=10.0)).ghk_mV
    assert json.loads(out)["ghk_mV"] == pytest.approx(ref, abs=1e-12)


def test_a_config_for_the_other_command_is_named_as_such(capsys):
    from nernst.presets import _cell_files, _files

    code, _, err = run(capsys, "steady", str(_files()["mammalian_neuron"]))
    assert code == 2 and "is an ion table for 'nernst rest'" in err
    code, _, err = run(capsys, "rest", "--config", str(_cell_files()["kay2017"]))
    assert code == 2 and "is a cell config for 'nernst steady'" in err


def test_units_in_brackets_survive_the_terminal(capsys):
    # Before: Rich took "[mV]" and "[mM]" for markup and printed "v_rest_mV ," without units.
    code, out, _ = run(capsys, "sweep", str(__import__("pathlib").Path(__file__).parents[2] / "docs/sweeps/k_na_rest.toml"), "--parameters")
    assert code == 0 and "v_rest_mV [mV]" in out and "ions.K.outside = 5 [mM]" in out

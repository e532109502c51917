"""One name for one quantity (docs/glossary.md): the renamed keys and arguments, with the old ones kept
for one release.  The old key must carry the same value as the new one, so a script written against
either reads the same number."""

import numpy as np
import pytest
from support.cli import run_exe, strict_json

import nernst


@pytest.mark.parametrize("args, where", [
    (("spike", "--current", "10", "--duration", "20"), ("parameters",)),
    (("clamp", "--to", "0"), ()),
    (("cable", "--length", "10", "--duration", "5"), ()),
    (("spike", "--current", "10", "--duration", "20", "--ions"), ()),
])
def test_temperature_is_temperature_c_with_the_old_key_as_an_alias(args, where):
    r = run_exe(*args, "--json", timeout=300)
    assert r.returncode == 0, r.stderr
    d = strict_json(r.stdout)
    for key in where:
        d = d[key]
    assert d["temperature_c"] == d["temperature_C"] and np.isfinite(d["temperature_c"])


def test_spike_ions_concentrations_are_keyed_by_ion_like_every_cell_output():
    r = run_exe("spike", "--current", "10", "--duration", "20", "--ions", "--json", timeout=300)
    d = strict_json(r.stdout)
    assert set(d["inside_mM"]) == set(d["outside_mM"]) == set(d["equilibrium_mV"]) == {"Na", "K"}
    assert d["inside_mM"]["Na"] == d["na_in_mM"] and d["inside_mM"]["K"] == d["k_in_mM"]
    assert d["equilibrium_mV"]["Na"] == d["e_na_mV"] and d["equilibrium_mV"]["K"] == d["e_k_mV"]
    # the reversal follows the concentrations it is keyed with (Nernst at the run's temperature); the
    # engine records it with the concentrations of the last step, which differ by one step's change
    # (~1e-8 mM, ~1e-8 mV): 1e-6 mV
    na_end = d["inside_mM"]["Na"][-1]
    assert d["equilibrium_mV"]["Na"][-1] == pytest.approx(
        float(nernst.nernst(na_end, d["outside_mM"]["Na"], 1, d["temperature_c"])), abs=1e-6)


@pytest.mark.parametrize("call", [
    lambda **kw: nernst.simulate_hh(10.0, 20.0, **kw).params,
    lambda **kw: nernst.voltage_clamp([0.0], [5.0], **kw)["params"],
    lambda **kw: nernst.simulate_hh_ions(10.0, 5.0, **kw).params,
])
def test_temperature_c_is_the_argument_and_temperature_its_earlier_name(call):
    assert call(temperature_c=18.5).temperature_c == 18.5
    assert call(temperature=18.5).temperature_c == 18.5
    with pytest.raises(nernst.InvalidParameter, match="not both"):
        call(temperature_c=18.5, temperature=18.5)

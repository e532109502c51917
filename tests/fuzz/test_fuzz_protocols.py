"""Fuzzing the protocols of `nernst simulate`: any mix of events ends in a result or one clean line.

A protocol is a list of timed events (scale, remove, add, set_outside, add_inside, inject, clamp) on a
shipped cell.  The generator mixes valid and invalid values for every key of every event (times before,
at and after the end of the run; species that are new, existing or a permeant ion's name; counter-ions
of either sign; factors, currents and voltages at and past their limits; unknown actions and keys).
The contract is the CLI's (tests/fuzz/test_fuzz_cli.py): exit code 0 or 2, never the catch-all "internal
error", never a traceback; a run that succeeds prints finite numbers only.

Seeded and bounded: a fixed number of short runs (each simulates at most 20 s of cell time).
"""

from __future__ import annotations

import random
import zlib

import pytest

from test_fuzz_cli import check_contract, invoke

SEED = 20261203
RESULT_WARNING = r"warning: .+"  # a result printed with its caveat (an event after the end of the run)
N_CASES = 60

# (mostly valid, invalid): a value is drawn from the second list one time in fifteen, so that a case with
# three events is often valid as a whole and the runs themselves are fuzzed too.
TIMES = ([0, 0.5, 1, 5, 9.999, 10, 20, 25, 1e9], [-1, 1e10, "5", True])
MECHANISMS = (["nak_pump", "leak:Na", "leak:K", "leak:Cl", "leak", "kcc2"], ["bogus", "", 5])
ACTIONS = (["scale", "remove", "add", "set_outside", "add_inside", "inject", "clamp"], ["explode", "", None])
IONS = (["Na", "K", "Cl"], ["Ca", "X", "", 1])
MM = ([0, 1, 5, 20, 150, 1e5], [1e6, -1, "5", float("inf"), float("nan")])
VALENCES = ([-2, -1, 1, 2, 0.5, 100], [0, 101, "1"])
SPECIES = (["X", "Y", "glutamate"], ["Na", "K", "", 3])
FACTORS = ([0, 0.5, 1, 2, 1e6], [1e7, -1, float("nan")])
CURRENTS = ([0, 0.5, -0.5, 5, 1e6], [1e7, float("-inf")])
VOLTAGES = ([-70, -90, 0, 40, 1000], [1001, float("nan")])
RELEASE = ([True, False], ["yes"])
MECHANISM_TABLES = ([
    {"kind": "leak", "ion": "Na", "conductance_mS_cm2": 0.01},
    {"kind": "kcc2", "rate": 0.2},
    {"kind": "leak", "ion": "Ca", "conductance_mS_cm2": 0.01},
    {"kind": "nak_pump", "form": "constant", "current_uA_cm2": 0.5},
], [{"kind": "bogus"}, "leak"])


def _pick(rng: random.Random, pools):
    good, bad = pools
    return rng.choice(bad if rng.random() < 1 / 15 else good)


def _toml(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items()) + " }"
    return str(v)


def _event(rng: random.Random) -> dict:
    action = _pick(rng, ACTIONS)
    ev = {"at_s": _pick(rng, TIMES)}
    if action is not None:
        ev["action"] = action
    keys = {"scale": {"mechanism": MECHANISMS, "factor": FACTORS},
            "remove": {"mechanism": MECHANISMS},
            "add": {"mechanism": MECHANISM_TABLES},
            "set_outside": {"ion": IONS, "mM": MM, "substitute": IONS},
            "add_inside": {"species": SPECIES, "mM": MM, "valence": VALENCES, "counter_ion": IONS},
            "inject": {"ion": IONS, "current_uA_cm2": CURRENTS},
            "clamp": {"voltage_mV": VOLTAGES, "ion": IONS, "release": RELEASE}}.get(action, {})
    for key, pool in keys.items():
        if rng.random() < 0.85:  # sometimes a key is left out
            ev[key] = _pick(rng, pool)
    if rng.random() < 0.02:
        ev["colour"] = "red"  # an unknown key
    return ev


def random_protocol_config(rng: random.Random) -> str:
    base = rng.choice(["kay2017", "kay2017", "duesterwald2018", "mullins_noda"])
    lines = [f'base = "{base}"', "[run]", f"duration_s = {rng.choice([10, 20])}"]
    for _ in range(rng.randint(1, 3)):
        lines.append("[[protocol]]")
        lines += [f"{k} = {_toml(v)}" for k, v in _event(rng).items()]
    return "\n".join(lines) + "\n"


CASES = [random_protocol_config(random.Random(SEED + i)) for i in range(N_CASES)]


@pytest.mark.parametrize("text", CASES, ids=[f"proto{i:03d}-{zlib.crc32(t.encode()):08x}" for i, t in
                                            enumerate(CASES)])
def test_random_protocol_gives_a_result_or_one_clean_line(tmp_path, text):
    path = tmp_path / "p.toml"
    path.write_text(text)
    argv = ["simulate", str(path), "--json"]
    rc, out, err = invoke(argv)
    check_contract(argv, rc, out, err, ok_stderr=RESULT_WARNING)


def test_the_protocol_fuzz_reaches_runs_and_refusals():
    """The generator is not all-invalid or all-valid: both outcomes occur in the first cases (checked
    without simulating: loading decides most refusals)."""
    from nernst.cellconfig import cell_from_dict
    from nernst.errors import NernstError
    import tomllib

    loaded = refused = 0
    for text in CASES:
        try:
            cell_from_dict(tomllib.loads(text))
            loaded += 1
        except NernstError:
            refused += 1
    assert loaded >= 5 and refused >= 5, (loaded, refused)

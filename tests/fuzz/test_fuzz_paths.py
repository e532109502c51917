"""Fuzzing the file names the command line reads and writes: a bad path is one line before any work.

Every option or argument that names a file (``--config``, a cell config, a sweep file, ``--plot``,
``--out``, ``--csv``, ``--verify``) gets paths a file system refuses: names over its 255-byte limit,
folders that do not exist or are files, paths over 4096 bytes, unwritable places (``/proc``), folders
where a file belongs, wrong endings, devices.  The contract is the CLI's (tests/fuzz/test_fuzz_cli.py):
exit code 2 and exactly one line ``nernst: error: ...`` naming the option, never the catch-all
"internal error", never a traceback, and no work started (the case fails within the checks; a run that
started would write its figure).

Cases are hand-built for every slot plus a seeded random mix of several bad paths in one call.
"""

from __future__ import annotations

import os
import random
import zlib
from pathlib import Path

import pytest

from test_fuzz_cli import check_contract, invoke

SEED = 20261203

SWEEP = """\
model = "rest"
preset = "mammalian_neuron"
outputs = ["v_rest_mV"]
[[axes]]
parameter = "ions.K.outside"
start = 2
stop = 20
num = 5
"""


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """A working folder with a valid sweep file, a sweep store, a plain file and a folder."""
    d = tmp_path_factory.mktemp("paths")
    (d / "s.toml").write_text(SWEEP)
    (d / "plain.txt").write_text("not a folder")
    for suffix in (".png", ".svg", ".pdf", ".csv", ".nc", ".zarr", ".toml"):
        (d / ("folder" + suffix)).mkdir()
    rc, _, err = invoke(["sweep", str(d / "s.toml"), "--out", str(d / "ok.zarr")])
    assert rc == 0, err
    old = os.getcwd()
    os.chdir(d)
    yield d
    os.chdir(old)


# Paths nobody can write, for a file with ending *suffix* (the slot's own, so that only the path is wrong).
def bad_outputs(suffix):
    return [
        "a" * 300 + suffix,                                  # a name over 255 bytes
        "d" * 300 + "/x" + suffix,                           # a folder name over 255 bytes
        ("b" * 200 + "/") * 25 + "x" + suffix,               # a path over 4096 bytes
        "nodir/x" + suffix,                                  # a folder that does not exist
        "plain.txt/x" + suffix,                              # a file used as a folder
        "/proc/x" + suffix,                                  # a folder nobody can write into
        "/dev/null/x" + suffix,
        "no\nsuch/x" + suffix,                               # a newline in a name
        "folder" + suffix,                                   # a folder where the file belongs
        "x.wrongending",
        "",
    ]


def bad_inputs():
    return [
        "a" * 300 + ".toml",
        ("b" * 200 + "/") * 25 + "x.toml",
        "nodir/x.toml",
        "plain.txt/x.toml",
        "folder.toml",
        "/dev/zero",                                         # a device, not a file
        "/proc/self/mem",                                    # cannot be read as a file
        "no\nsuch.toml",
    ]


# (command with a placeholder, the slot's name in the message, the ending of its files)
SLOTS = [
    (["rest", "--preset", "mammalian_neuron", "--plot", "{}"], "--plot", ".png"),
    (["compare", "--plot", "{}"], "--plot", ".svg"),
    (["ghk", "--ion", "Na", "--inside", "15", "--outside", "145", "--plot", "{}"], "--plot", ".pdf"),
    (["spike", "--current", "10", "--duration", "20", "--plot", "{}"], "--plot", ".png"),
    (["spike", "--current", "10", "--duration", "20", "--out", "{}"], "--out", ".nc"),
    (["clamp", "--plot", "{}"], "--plot", ".png"),
    (["cable", "--out", "{}"], "--out", ".csv"),
    (["cable", "--plot", "{}"], "--plot", ".png"),
    (["simulate", "kay2017", "--out", "{}"], "--out", ".nc"),
    (["simulate", "kay2017", "--plot", "{}"], "--plot", ".png"),
    (["sweep", "s.toml", "--plot", "{}"], "--plot", ".png"),
    (["sweep", "s.toml", "--csv", "{}"], "--csv", ".csv"),
    (["sweep", "s.toml", "--out", "{}"], "--out", ".zarr"),
]
INPUT_SLOTS = [
    (["rest", "--config", "{}"], "config"),
    (["steady", "{}"], "config"),
    (["simulate", "{}"], "config"),
    (["story", "--preset", "{}"], "config"),
    (["sweep", "{}"], "sweep"),
    (["sweep", "--verify", "{}"], "--verify"),
]
FOLDER_SLOTS = [(["story", "--plot", "{}"], "--plot")]


def fill(template, value):
    return [value if a == "{}" else a for a in template]


HAND = ([(fill(t, p), f) for t, f, suffix in SLOTS for p in bad_outputs(suffix)]
        + [(fill(t, p), f) for t, f in INPUT_SLOTS for p in bad_inputs()]
        + [(fill(t, p), f) for t, f in FOLDER_SLOTS
           for p in ["a" * 300, "nodir/deeper", "plain.txt", "/proc/x", ("b" * 200 + "/") * 25 + "x"]])


MULTI = [(["sweep", "s.toml", "--plot", "{}", "--csv", "{}", "--out", "{}"], (".png", ".csv", ".zarr")),
         (["spike", "--current", "10", "--duration", "20", "--plot", "{}", "--out", "{}"], (".svg", ".csv")),
         (["simulate", "kay2017", "--plot", "{}", "--out", "{}"], (".pdf", ".nc")),
         (["cable", "--plot", "{}", "--out", "{}"], (".png", ".nc"))]


def random_case(rng: random.Random) -> list:
    """Several bad paths in one call: whichever is checked first, the call fails cleanly."""
    template, suffixes = rng.choice(MULTI)
    values = iter([rng.choice(bad_outputs(s)) for s in suffixes])
    return [next(values) if a == "{}" else a for a in template]


def _random_cases(n):
    rng = random.Random(SEED)
    return [random_case(rng) for _ in range(n)]


RANDOM = _random_cases(60)


def _id(prefix, i, argv):
    return f"{prefix}{i:03d}-{zlib.crc32(repr(argv).encode()):08x}"


@pytest.mark.parametrize("argv, field", HAND, ids=[_id("path", i, a) for i, (a, _) in enumerate(HAND)])
def test_bad_path_is_one_line_naming_the_option(place, argv, field):
    rc, out, err = invoke(argv)
    check_contract(argv, rc, out, err, expect_error=True)
    assert err.startswith(f"nernst: error: {field}:"), err
    assert not Path("x.png").exists()


@pytest.mark.parametrize("argv", RANDOM, ids=[_id("mix", i, a) for i, a in enumerate(RANDOM)])
def test_several_bad_paths_in_one_call(place, argv):
    rc, out, err = invoke(argv)
    check_contract(argv, rc, out, err, expect_error=True)


def test_the_fuzz_covers_every_file_slot():
    assert len(HAND) + len(RANDOM) >= 200
    commands = {a[0] for a, _ in HAND}
    assert {"rest", "compare", "ghk", "spike", "clamp", "cable", "simulate", "steady", "story", "sweep"} <= commands

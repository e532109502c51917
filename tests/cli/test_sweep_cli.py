"""``nernst sweep FILE.toml`` on the command line.

Contract (sweep issue), pinned here:

* exit 0 with a summary table; ``--json`` prints the summary (points, outputs
  with their ranges, computed/reused/failed counts) as strict JSON;
* ``--plot`` draws a line (1 axis), a heatmap (2 axes) or a tornado
  (sensitivity); ``--csv`` writes one row per point;
* a bad sweep file: exit code 2 and ONE line on stderr starting
  "nernst: error:" and naming the field (or the flag: --resume, --yes, --out);
* a sweep killed with SIGKILL half-way leaves a store that ``--resume``
  completes, reusing the finished blocks, with the numbers of a clean run;
* ``--workers 2`` (a local dask cluster) gives the numbers of the local run.

Most tests call ``nernst.cli.main(argv)`` in-process; the kill and the dask
run use the console script in a subprocess.  Bugs found while writing this file
were strict xfails whose reason started with "BUG:"; the one fixed (an empty
stderr line before a run error) stays as a regression test.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import math
import os
import signal
import subprocess
import time
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from nernst.cli import main
from nernst.config import spec_from_dict
from nernst.constants import thermal_voltage_mV
from nernst.rest import resting_state
from nernst.sweep import load_sweep, open_sweep, run_sweep
from support.cli import NERNST_EXE, assert_one_line_error, run_exe, strict_json

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

REST_2D = """\
title = "V_rest vs K_o"
model = "rest"
preset = "mammalian_neuron"
outputs = ["v_rest_mV", "E_K_mV"]
chunk = 10            # points per task/block
[[axes]]
parameter = "ions.K.outside"
name = "K_o"
start = 1
stop = 100
num = 50
scale = "log"
[[axes]]
parameter = "ions.Na.permeability"
values = [0.01, 0.05]
"""

REST_1D = """\
model = "rest"
preset = "mammalian_neuron"
outputs = ["v_rest_mV"]
[[axes]]
parameter = "ions.K.outside"
name = "K_o"
start = 1
stop = 100
num = 30
scale = "log"
"""

SENS = """\
model = "rest"
preset = "mammalian_neuron"
outputs = ["v_rest_mV"]
[sensitivity]
parameters = ["ions.K.outside", "ions.Na.permeability", "temperature_c"]
step = 0.01
span = 0.1
"""

STEADY = """\
model = "steady"
cell = "kay2017"
chunk = 2
outputs = ["v_rest_mV", "K_in_mM", "volume_rel"]
[[axes]]
parameter = "mechanisms.leak.K.conductance_mS_cm2"
name = "g_K"
values = [0.2, 0.3, 0.45]
[[axes]]
parameter = "mechanisms.nak_pump.current_uA_cm2"
name = "pump"
values = [0.25, 0.5, 1.0]
"""

# 40 blocks of 100 HH patches for 250 ms: about a second of compute on one core
SPIKE_LONG = """\
model = "spike"
chunk = 100
outputs = ["spike_count", "first_spike_ms"]
[fixed]
duration_ms = 250.0
[[axes]]
parameter = "current_uA_cm2"
name = "I"
start = 0
stop = 20
num = 4000
"""


# --- helpers -------------------------------------------------------------------
def invoke(*argv):
    """main(argv) in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()



def run_json(*argv):
    """Run with --json: exit 0, strict JSON on stdout; on stderr at most the notes naming written files
    (the progress bar goes to stderr only on a terminal)."""
    rc, out, err = invoke(*argv, "--json")
    assert rc == 0, (argv, rc, err)
    for line in err.splitlines():
        assert line.startswith("nernst: ") and " written to " in line, err
    return strict_json(out)



def last_error_line(rc: int, out: str, err: str) -> str:
    """Exit 2, nothing on stdout, and the last stderr line is the error."""
    where = f"rc={rc} stdout={out[-300:]!r} stderr={err[-600:]!r}"
    assert rc == 2 and out == "" and "Traceback" not in err, where
    line = err.strip().splitlines()[-1]
    assert line.startswith("nernst: error: "), where
    return line


def store_values(path, outputs):
    ds = open_sweep(path)
    assert ds.attrs["complete"] == 1
    return {o: np.asarray(ds[o].values, dtype=np.float64) for o in outputs}


def assert_bitwise(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for o in a:
        x, y = np.ascontiguousarray(a[o]), np.ascontiguousarray(b[o])
        assert x.shape == y.shape, o
        nx, ny = np.isnan(x), np.isnan(y)
        assert np.array_equal(nx, ny), o
        assert x[~nx].tobytes() == y[~ny].tobytes(), f"{o}: not bit-identical"


@pytest.fixture
def files(tmp_path):
    """Write the sweep files into tmp_path; returns name -> path."""
    out = {}
    for name, text in {"rest2d": REST_2D, "rest1d": REST_1D, "sens": SENS, "steady": STEADY,
                       "spike": SPIKE_LONG}.items():
        p = tmp_path / f"{name}.toml"
        p.write_text(text)
        out[name] = p
    return out


# =============================================================================
# runs
# =============================================================================
def test_summary_table(files):
    rc, out, err = invoke("sweep", files["rest2d"])
    assert rc == 0, err
    head = out.splitlines()[0]
    assert head.startswith("V_rest vs K_o: rest model of mammalian_neuron")
    assert "K_o 50 x ions.Na.permeability 2" in head and "100 points in 10 blocks" in head
    assert "100 computed, 0 reused from the store, 0 failed" in out
    rows = [ln for ln in out.splitlines() if "v_rest_mV" in ln or "E_K_mV" in ln]
    assert len(rows) == 2 and all("mV" in r for r in rows)
    # E_K at K_o = 1 mM (37 degC, K_i 140): (RT/F) ln(1/140) = -132.1 mV, the table's min to 4 digits
    e_min = thermal_voltage_mV(37.0) * math.log(1 / 140)
    assert f"{e_min:.4g}" in next(r for r in rows if "E_K_mV" in r)


def test_json_summary_matches_the_python_result(files):
    d = run_json("sweep", files["rest2d"])
    assert d["points"] == 100 and d["tasks"] == 10 and d["dims"] == {"K_o": 50, "ions.Na.permeability": 2}
    assert (d["computed_points"], d["reused_points"], d["failed_points"]) == (100, 0, 0)
    assert (d["model"], d["base"], d["method"], d["backend"]) == ("rest", "mammalian_neuron", "grid", "local")
    assert set(d["outputs"]) == {"v_rest_mV", "E_K_mV"}
    ref = run_sweep(load_sweep(files["rest2d"]))
    for o in ("v_rest_mV", "E_K_mV"):
        v = np.asarray(ref.dataset[o].values)
        st = d["outputs"][o]
        # JSON floats round-trip exactly: the same numbers as the Python API
        assert (st["unit"], st["finite"], st["nan"]) == ("mV", 100, 0)
        assert (st["min"], st["median"], st["max"]) == (v.min(), float(np.median(v)), v.max())
    # E_K over 1-100 mM at 37 degC: (RT/F) ln(K_o/140), rel 1e-12
    vt = thermal_voltage_mV(37.0)
    assert d["outputs"]["E_K_mV"]["min"] == pytest.approx(vt * math.log(1 / 140), rel=1e-12)
    assert d["outputs"]["E_K_mV"]["max"] == pytest.approx(vt * math.log(100 / 140), rel=1e-12)


@pytest.mark.parametrize("which", ["rest1d", "rest2d", "sens"])
def test_plot_writes_a_png(which, files, tmp_path):
    fig = tmp_path / f"{which}.png"
    rc, out, err = invoke("sweep", files[which], "--plot", fig, "--json")
    assert rc == 0, err
    assert err == f"nernst: figure written to {fig}\n"
    d = strict_json(out)
    data = fig.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 5000
    if which == "sens":
        rows = d["sensitivity"]["v_rest_mV"]
        assert d["points"] == 13
        # each bar is V_rest at the parameter -/+ 10 %: resting_state of the changed preset (1e-9 mV), and the
        # rows are ranked by the bar's length (the tornado's order)
        base = tomllib.loads((resources.files("nernst.config") / "data" / "presets" / "mammalian_neuron.toml").read_text())
        swings = {}
        for r in rows:
            ends = []
            for f in (0.9, 1.1):
                data = copy.deepcopy(base)
                if r["parameter"] == "temperature_c":
                    data["temperature_c"] = base["temperature_c"] * f
                else:
                    _, ion, key = r["parameter"].split(".")
                    data["ions"][ion][key] = base["ions"][ion][key] * f
                ends.append(resting_state(spec_from_dict(data)).ghk_mV)
            assert (r["low"], r["high"]) == (pytest.approx(ends[0], abs=1e-9), pytest.approx(ends[1], abs=1e-9))
            swings[r["parameter"]] = abs(ends[1] - ends[0])
        assert [r["parameter"] for r in rows] == sorted(swings, key=swings.get, reverse=True)
        assert set(swings) == {"ions.K.outside", "ions.Na.permeability", "temperature_c"}


def test_plot_of_a_named_output(files, tmp_path):
    fig = tmp_path / "ek.png"
    rc, out, err = invoke("sweep", files["rest2d"], "--plot", fig, "--output", "E_K_mV")
    assert rc == 0, err
    assert fig.read_bytes()[:8] == PNG_MAGIC


def test_csv_has_one_row_per_point(files, tmp_path):
    table = tmp_path / "t.csv"
    d = run_json("sweep", files["rest2d"], "--csv", table)
    with table.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == d["points"] == 100
    assert {"K_o", "ions.Na.permeability", "v_rest_mV", "E_K_mV"} <= set(rows[0])
    ref = run_sweep(load_sweep(files["rest2d"])).dataset
    for r in rows[:: 17]:
        ko, pna = float(r["K_o"]), float(r["ions.Na.permeability"])
        # the CSV carries the numbers at full precision: rel 1e-12
        assert float(r["v_rest_mV"]) == pytest.approx(
            float(ref["v_rest_mV"].sel({"K_o": ko, "ions.Na.permeability": pna})), rel=1e-12)


# =============================================================================
# errors
# =============================================================================
BAD_FILES = {
    "unknown parameter": (REST_1D.replace('"ions.K.outside"', '"ions.K.outsde"'), "axes[0].parameter"),
    "unknown output": (REST_1D.replace('["v_rest_mV"]', '["v_rest_mV", "E_Q_mV"]'), "outputs"),
    "empty axis": (REST_1D.replace("num = 30", "num = 0"), "axes[0].num"),
    "empty values": ('model = "rest"\n[[axes]]\nparameter = "ions.K.outside"\nvalues = []\n', "axes[0].values"),
    "unknown model": (REST_1D.replace('model = "rest"', 'model = "resting"'), "model"),
    "unknown key": ("colour = 'red'\n" + REST_1D, "colour"),
    "negative concentration": ('model = "rest"\n[[axes]]\nparameter = "ions.K.outside"\nvalues = [5, -1]\n',
                               "axes[0].values"),
    "log scale from 0": (REST_1D.replace("start = 1", "start = 0"), "axes[0].start"),
    "random without n": ('model = "rest"\n[sampling]\nmethod = "random"\n[[axes]]\nparameter = "ions.K.outside"\n'
                         'low = 1\nhigh = 10\n', "sampling.n"),
    "unknown cell": ('model = "steady"\ncell = "kay2071"\n[[axes]]\nparameter = "temperature_c"\nvalues = [20]\n',
                     "cell"),
    "invalid TOML": ('model = "rest"\n[[axes]\nparameter = "ions.K.outside"\n', "sweep"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_one_line_naming_the_field(case, tmp_path):
    text, field = BAD_FILES[case]
    f = tmp_path / "bad.toml"
    f.write_text(text)
    line = assert_one_line_error(*invoke("sweep", f, "--out", tmp_path / "x.zarr"))
    assert line.startswith(f"nernst: error: {field}:"), line
    assert not (tmp_path / "x.zarr").exists()


def test_missing_file(tmp_path):
    line = assert_one_line_error(*invoke("sweep", tmp_path / "nope.toml"))
    assert line.startswith("nernst: error: sweep: file not found"), line


def test_bad_flags_name_the_flag(files, tmp_path):
    line = assert_one_line_error(*invoke("sweep", files["rest2d"], "--output", "E_Q_mV"))
    assert "--output" in line
    line = assert_one_line_error(*invoke("sweep", files["rest2d"], "--csv", tmp_path / "t.txt"))
    assert "--csv" in line


def _too_big(tmp_path):
    f = tmp_path / "big.toml"
    f.write_text('model = "spike"\n[fixed]\nduration_ms = 1\n[[axes]]\nparameter = "current_uA_cm2"\n'
                 'start = 0\nstop = 20\nnum = 200001\n')  # above the spike model's 200,000-point confirmation
    return f


def _existing_store(files, tmp_path):
    store = tmp_path / "x.zarr"
    run_sweep(load_sweep(files["rest1d"]), out=store)
    return store


RUN_ERRORS = {  # errors run_sweep raises, renamed to the flag the user typed
    "--resume": lambda files, tmp: ["sweep", files["rest2d"], "--resume"],
    "--yes": lambda files, tmp: ["sweep", _too_big(tmp)],
    "--out": lambda files, tmp: ["sweep", files["rest1d"], "--out", _existing_store(files, tmp)],
}


@pytest.mark.parametrize("flag", list(RUN_ERRORS))
def test_run_errors_name_the_flag(flag, files, tmp_path):
    argv = RUN_ERRORS[flag](files, tmp_path)
    line = last_error_line(*invoke(*argv))
    assert line.startswith(f"nernst: error: {flag}:"), line
    # and with --json (no progress bar) it is the only line
    line = assert_one_line_error(*invoke(*argv, "--json"))
    assert line.startswith(f"nernst: error: {flag}:"), line


@pytest.mark.parametrize("flag", list(RUN_ERRORS))
def test_run_errors_are_one_line(flag, files, tmp_path):
    argv = RUN_ERRORS[flag](files, tmp_path)
    assert_one_line_error(*invoke(*argv))


# =============================================================================
# kill -9 and resume; dask workers
# =============================================================================
def _flags_written(store: Path) -> int:
    d = store / "task_done"
    if not d.is_dir():
        return 0
    return sum(1 for n in os.listdir(d) if n.isdigit())


def test_kill_9_mid_sweep_then_resume(files, tmp_path):
    sw = load_sweep(files["spike"])
    assert sw.n_tasks == 40
    store = tmp_path / "x.zarr"
    env = {k: v for k, v in os.environ.items() if k not in ("NERNST_DEBUG", "PYTHONWARNINGS")}
    proc = subprocess.Popen([str(NERNST_EXE), "sweep", str(files["spike"]), "--out", str(store), "--json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 90
    try:
        while _flags_written(store) < 3:
            assert proc.poll() is None, "the sweep ended before it could be killed (make it longer)"
            assert time.monotonic() < deadline, "no block finished in 90 s"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    part = open_sweep(store)
    done = part.attrs["tasks_done"]
    assert part.attrs["complete"] == 0 and 3 <= done < 40, done

    r = run_exe("sweep", files["spike"], "--out", store, "--resume", "--json")
    assert r.returncode == 0, r.stderr
    d = strict_json(r.stdout)
    assert d["reused_points"] == 100 * done > 0
    assert d["computed_points"] == 4000 - d["reused_points"]
    clean = run_sweep(sw)
    assert_bitwise(store_values(store, sw.outputs),
                   {o: np.asarray(clean.dataset[o].values, dtype=np.float64) for o in sw.outputs})


def test_workers_2_gives_the_local_numbers(files, tmp_path):
    local_store, dask_store = tmp_path / "local.zarr", tmp_path / "dask.zarr"
    local = run_json("sweep", files["steady"], "--out", local_store)
    r = run_exe("sweep", files["steady"], "--workers", "2", "--out", dask_store, "--json", timeout=180)
    assert r.returncode == 0, r.stderr
    d = strict_json(r.stdout)
    assert (d["backend"], d["workers"], d["computed_points"]) == ("dask", 2, 9)
    assert local["backend"] == "local"
    assert d["outputs"] == local["outputs"]  # same ranges, to the last bit (JSON floats round-trip)
    outputs = ("v_rest_mV", "K_in_mM", "volume_rel")
    assert_bitwise(store_values(local_store, outputs), store_values(dask_store, outputs))

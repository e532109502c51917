"""Record the ``--json`` output of every command for every shipped preset and cell, or compare with a record.

    .venv/bin/python tools/record_json.py record DIR     # before a change that must not change any result
    .venv/bin/python tools/record_json.py compare DIR    # after: every output identical (timings masked)

One file per command line, named after it.  Wall-clock fields (``wall_time_s``, ``elapsed_s``,
``compute_s``, ``points_per_s``) are masked; everything else, every digit of every number, must match.
Runs in-process through ``nernst.cli.main`` in a scratch folder (a few minutes: every cell is simulated).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VOLATILE = {"wall_time_s", "elapsed_s", "compute_s", "points_per_s"}
PRESETS = sorted(p.stem for p in ROOT.glob("src/nernst/**/presets/*.toml"))
CELLS = sorted(p.stem for p in ROOT.glob("src/nernst/**/cells/*.toml"))
SWEEPS = ["k_na_rest", "kay_pump_steady", "sensitivity_rest", "fi_curve"]


def command_lines() -> list:
    lines = [
        ["equilibrium", "--ion", "K", "--inside", "140", "--outside", "5"],
        ["equilibrium", "--ion", "Ca", "--inside", "0.0001", "--outside", "2", "--temperature", "20"],
        ["presets"], ["cells"], ["compare"],
        ["charge", "--length", "100", "--radius", "5"],
        ["charge", "--shape", "sphere", "--radius", "10", "--delta", "100"],
        ["ghk", "--ion", "Na", "--inside", "15", "--outside", "145"],
        ["donnan", "--outside", "K=5", "--outside", "Cl=110", "--impermeant", "100"],
        ["spike", "--current", "10", "--duration", "50"],
        ["spike", "--current", "10", "--duration", "50", "--ions"],
        ["clamp", "--to", "0", "--to", "-20"], ["clamp", "--iv"],
        ["cable", "--length", "20"], ["cable", "--passive", "--length", "20"],
        ["story"],
    ]
    for p in PRESETS:
        lines += [["rest", "--preset", p], ["rest", "--preset", p, "--pump-ratio", "1.5"]]
    for c in CELLS:
        lines += [["steady", c], ["simulate", c]]
    for s in SWEEPS:
        lines.append(["sweep", str(ROOT / "docs/sweeps" / f"{s}.toml"), "--yes"])
    return [line + ["--json"] for line in lines]


def _masked(obj):
    if isinstance(obj, dict):
        return {k: ("<masked>" if k in VOLATILE else _masked(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_masked(v) for v in obj]
    return obj


def run(argv) -> str:
    from nernst.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    text = out.getvalue()
    try:
        body = json.dumps(_masked(json.loads(text)), indent=1, sort_keys=True)
    except ValueError:
        body = text
    return f"exit {rc}\n{body}\n"


def name(argv) -> str:
    text = " ".join(a if not a.endswith(".toml") else Path(a).stem for a in argv if a != "--json")
    return re.sub(r"[^A-Za-z0-9.=_-]+", "_", text) + ".txt"


def main() -> int:
    mode, folder = sys.argv[1], Path(sys.argv[2]).resolve()
    if mode == "record":
        folder.mkdir(parents=True, exist_ok=True)
    os.chdir(tempfile.mkdtemp(prefix="nernst-record-"))
    differ = 0
    for argv in command_lines():
        got = run(argv)
        path = folder / name(argv)
        if mode == "record":
            path.write_text(got)
        elif not path.exists():
            print(f"NEW     {path.name}")
            differ += 1
        elif path.read_text() != got:
            print(f"DIFFERS {path.name}")
            differ += 1
    print(f"{len(command_lines())} command lines, {differ} differ" if mode == "compare"
          else f"{len(command_lines())} command lines recorded in {folder}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

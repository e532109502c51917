"""An exploratory fuzz of the command line, larger than the test suite's (run by hand; minutes).

    .venv/bin/python tools/fuzz_cli.py [--calls N] [--seed S]

It draws command lines from the test suite's generators (tests/fuzz/test_fuzz_*.py: malformed options,
configs, protocols, file paths) with new seeds, adds random option values for the excitability
commands (spike, clamp, cable) and random sweep files, runs each in-process through ``nernst.cli.main``
and sorts the outcomes: a result (exit 0), a clean error (exit 2, one line) or a contract breach (exit 1
"internal error", a traceback, more than one line).  Breaches are printed with their command line; the
counts end the report.  Everything runs on this machine; nothing is contacted.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))

import test_fuzz_cli as fc  # noqa: E402
import test_fuzz_paths as fp  # noqa: E402
import test_fuzz_protocols as fpr  # noqa: E402

NUMBERS = ["0", "1", "-1", "5", "10", "100", "1e3", "1e6", "1e-6", "0.001", "-0", "nan", "inf", "-inf", "1e999",
           "9" * 400, "", "abc", "5 mV", "5 ms", "5 uA/cm^2", "10 degC", "300 K", "1,5", "0x10", "½", "\x00"]
EXCITABILITY = {
    "spike": ["--current", "--duration", "--dt", "--temperature", "--delay", "--width", "--ramp-to", "--interval",
              "--g-na", "--g-k", "--g-leak", "--e-leak", "--threshold", "--diameter", "--pump"],
    "clamp": ["--to", "--holding", "--step", "--temperature"],
    "cable": ["--diameter", "--length", "--temperature", "--dt", "--duration", "--r-axial", "--g-leak", "--stim-amp",
              "--stim-dur"],
}
FLAGS = {"spike": [["--ions"], ["--stimulus", "ramp"], ["--stimulus", "train"], ["--count", "3"],
                   ["--reversals", "concentrations"], ["--count", "-1"], ["--count", "99999999999"]],
         "clamp": [["--iv"]], "cable": [["--passive"], ["--end", "killed"], ["--end", "infinite"],
                                        ["--method", "backward_euler"], ["--compartments", "3"],
                                        ["--compartments", "0"], ["--compartments", "100000000"]]}
SAFE = {"spike": ["--duration", "20"], "clamp": ["--step", "5"], "cable": ["--length", "5", "--duration", "3"]}


def excitability_argv(rng: random.Random) -> list:
    cmd = rng.choice(sorted(EXCITABILITY))
    argv = [cmd] + SAFE[cmd]
    for opt in rng.sample(EXCITABILITY[cmd], k=rng.randint(1, 3)):
        argv += [opt, rng.choice(NUMBERS)]
    for extra in rng.sample(FLAGS[cmd], k=rng.randint(0, min(2, len(FLAGS[cmd])))):
        argv += extra
    if rng.random() < 0.5:
        argv.append("--json")
    return argv


# what a successful run may print on stderr: its result's warnings, a sweep's progress bar and notes
OK_STDERR = r"(warning: .+|nernst: .+|.*━.*points.*)"

SWEEP_VALUES = ["1", "0", "-1", "1e9", "nan", "inf", '"x"', "true", "[]", "[1, 2]", "{}"]


def sweep_file(rng: random.Random, folder: Path) -> list:
    model = rng.choice(["rest", "steady", "spike", "scenario", "cable", "bogus"])
    base = {"rest": 'preset = "mammalian_neuron"', "steady": 'cell = "kay2017"', "scenario": 'cell = "kay2017"',
            "spike": "", "cable": "", "bogus": ""}[model]
    param = rng.choice(["ions.K.outside", "ions.Na.permeability", "temperature_c", "g_na", "diameter_um",
                        "mechanisms.leak.K.conductance_mS_cm2", "bogus", "ions.K.inside", ""])
    lines = [f'model = "{model}"', base, f"chunk = {rng.choice(['1', '2', '0', '-1', '1e9', '5'])}"]
    if rng.random() < 0.3:
        lines.append(f'method = "{rng.choice(["grid", "list", "random", "lhs", "x"])}"')
        lines.append(f"n = {rng.choice(['3', '0', '-2', '1e12'])}")
    lines += ["[[axes]]", f'parameter = "{param}"']
    if rng.random() < 0.5:
        lines += [f"start = {rng.choice(SWEEP_VALUES)}", f"stop = {rng.choice(SWEEP_VALUES)}",
                  f"num = {rng.choice(['2', '3', '0', '1e9', '-1'])}"]
    else:
        lines.append(f"values = [{rng.choice(['1, 2', '5', '', 'nan', '1, 1'])}]")
    if rng.random() < 0.3:
        lines.append(f'balance = "{rng.choice(["Na", "K", "Cl", "X"])}"')
    path = folder / f"sw{rng.randrange(10**9)}.toml"
    path.write_text("\n".join(lines) + "\n")
    argv = ["sweep", str(path), "--yes"] if rng.random() < 0.1 else ["sweep", str(path)]
    return argv + (["--json"] if rng.random() < 0.5 else [])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=20261203)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="nernst-fuzz-"))
    import os

    os.chdir(folder)
    for p in ("plain.txt",):
        (folder / p).write_text("x")
    for suffix in (".png", ".svg", ".pdf", ".csv", ".nc", ".zarr", ".toml"):
        (folder / ("folder" + suffix)).mkdir()
    (folder / "s.toml").write_text(fp.SWEEP)
    kinds = Counter()
    outcome = Counter()
    breaches = []
    t0 = time.perf_counter()
    for i in range(args.calls):
        kind = rng.choice(["argv", "config", "protocol", "path", "excitability", "sweep"])
        if kind == "argv":
            argv = fc._random_argv(rng)
        elif kind == "config":
            p = fc._write(folder / f"c{i}.toml", fc._random_config(rng))
            argv = ["rest", "--config", str(p)] + (["--json"] if rng.random() < 0.5 else [])
        elif kind == "protocol":
            p = folder / f"p{i}.toml"
            p.write_text(fpr.random_protocol_config(rng))
            argv = ["simulate", str(p)] + (["--json"] if rng.random() < 0.5 else [])
        elif kind == "path":
            argv = fp.random_case(rng)
        elif kind == "excitability":
            argv = excitability_argv(rng)
        else:
            argv = sweep_file(rng, folder)
        kinds[kind] += 1
        rc, out, err = fc.invoke(argv)
        try:
            fc.check_contract(argv, rc, out, err, ok_stderr=OK_STDERR)
        except AssertionError as exc:
            outcome["breach"] += 1
            breaches.append((kind, str(exc).splitlines()[0], argv, err.strip()[-300:]))
            continue
        outcome["result" if rc == 0 else "clean error"] += 1
    wall = time.perf_counter() - t0
    for kind, why, argv, err in breaches[:40]:
        print(f"BREACH [{kind}] {why}\n  argv: {argv!r}\n  stderr: {err!r}")
    print(f"\n{args.calls} calls in {wall:.0f} s (seed {args.seed}): " +
          ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print("outcomes: " + ", ".join(f"{k} {outcome[k]}" for k in ("result", "clean error", "breach")))
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: Hodgkin-Huxley excitability, nernst against NEURON, Jaxley and Brian2.

Every (simulator, workload) pair runs in its own process, all in the same run,
through the one-JSON-line scripts in bench/peers/ (nernst_w.py is nernst's;
README.md there describes the others).  Same model everywhere: HH 1952 squid
membrane at 6.3 degC, EL -54.387 mV, start at -65 mV with gates at steady state,
spike = upward 0 mV crossing.

Workloads (the issue's):
  W1  one HH compartment, 10 uA/cm^2, 1 s at dt 0.025 ms
  W2  10,000 independent HH cells, 0 to 20 uA/cm^2, 100 ms at dt 0.025 ms
  W3  1,000-compartment HH axon (10 mm, 500 um), 0.1 ms pulse, 20 ms at dt 0.01 ms
  P1  the whole `nernst spike --current 10 --duration 1000 --dt 0.025 --json`
      process against NEURON's whole W1 process (neuron_w.py --no-cn)
  MC  W2 with --threads N (default: all cores), for every simulator

Times (time.perf_counter, seconds): run_s = the simulation call only (nernst:
the simulate_hh / simulate_cable call after a tiny warm-up call; NEURON:
continuerun; Jaxley: the 2nd call of the jitted function; Brian2: its C++
network loop); setup_s = script start to the timed call; process_s = the whole
process, measured here around subprocess.run.  Each job runs --repeat times
(P1: --process-repeat times), rounds interleaved; tables show medians.
Ratios are peer / nernst (above 1: nernst is faster).  NEURON runs with
backward Euler (its default, first order) and, in a separate process, with
Crank-Nicolson (secondorder = 2, the scheme nernst uses); nernst and NEURON-CN
give the same numbers at the same dt.

Accuracy: every result is compared with a converged reference, nernst at
dt = 0.001 ms (Crank-Nicolson, second order; nernst at 0.002 ms shows how far
the reference itself can be off, and NEURON-CN at 0.001 ms checks W1 and W3
independently).  W3's reference refines dt only: the 1,000 compartments stay.

Run:  .venv/bin/python bench/excitability.py [--repeat 3] [--process-repeat 7]
      [--peers nernst,neuron,jaxley,brian2] [--workloads W1,W2,W3] [--threads N]
      [--no-reference] [--json] [--save FILE]   (--show FILE: the table of a saved run)
Peers that are not installed are skipped with a note.  Results are recorded,
with the machine, in BENCHMARKS.md.  Benchmarks are not tests: nothing here
asserts a time.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

from common import machine  # bench/common.py, beside this script

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEERS_DIR = os.path.join(HERE, "peers")
ALL_PEERS = ("nernst", "neuron", "jaxley", "brian2")
MODULE = {"nernst": "nernst", "neuron": "neuron", "jaxley": "jaxley", "brian2": "brian2"}
SCHEME = {"nernst": "CN", "neuron": "BE", "neuron-cn": "CN", "jaxley": "BE", "brian2": "exp. Euler"}
REF_DT = 0.001
CHECK_DT = 0.002


def _venv_python(name):
    path = os.path.join(ROOT, name, "bin", "python")
    return path if os.path.exists(path) else None


def pythons(args):
    main_py = _venv_python(".venv") or sys.executable
    peers_py = args.peers_python or _venv_python(".venv-peers")
    return {"nernst": main_py, "neuron": main_py, "jaxley": peers_py, "brian2": peers_py}


def nernst_cli(py):
    cand = os.path.join(os.path.dirname(py), "nernst")
    return cand if os.path.exists(cand) else None


def git_state():
    """Commit of the working tree and whether src/ has uncommitted changes (the code being timed)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, capture_output=True,
                              text=True, cwd=ROOT).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "src"], check=False, capture_output=True,
                               text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return None
    return f"{head}{' + uncommitted changes in src/' if dirty else ''}" if head else None


def run_proc(argv, timeout):
    """Run one process; return (parsed JSON or an error dict, whole-process seconds)."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
        wall = time.perf_counter() - t0
    except Exception as e:  # noqa: BLE001 - report, don't crash
        return {"error": f"{type(e).__name__}: {e}"}, time.perf_counter() - t0
    out = p.stdout.strip()
    try:
        res = json.loads(out)  # a peer's one line, or the CLI's indented JSON
    except ValueError:
        lines = [ln for ln in out.splitlines() if ln.startswith("{")]
        try:
            res = json.loads(lines[-1])
        except (ValueError, IndexError):
            res = {"error": f"no JSON (rc {p.returncode}): {p.stderr.strip()[-300:]}"}
    if p.returncode != 0 and "error" not in res:
        res["error"] = f"rc {p.returncode}: {p.stderr.strip()[-300:]}"
    return res, wall


def available(peer, py):
    """None if *peer* can run, else why not."""
    if py is None or not os.path.exists(py):
        return f"no Python for it ({py or '.venv-peers'} is missing; see bench/peers/README.md)"
    code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({MODULE[peer]!r}) is None)"
    try:
        r = subprocess.run([py, "-c", code], check=False, capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        return f"{py} does not run: {e}"
    if r.returncode:
        return f"{MODULE[peer]} is not installed in {py}"
    return None


# ----------------------------------------------------------------------------- jobs
def make_jobs(args, py, peers, workloads):
    """(label, workload, peer, argv, kind); kind: main, cn (NEURON's secondorder=2 block), cli, mc."""
    jobs = []
    for w in workloads:
        for peer in peers:
            script = os.path.join(PEERS_DIR, f"{peer}_w.py")
            argv = [py[peer], script, "--workload", w]
            if peer == "neuron":
                jobs.append((f"{w} neuron", w, "neuron", argv + ["--no-cn"], "main"))
                if w in ("W1", "W3"):
                    jobs.append((f"{w} neuron-cn", w, "neuron-cn", argv, "cn"))
            else:
                jobs.append((f"{w} {peer}", w, peer, argv, "main"))
        if w == "W2" and args.threads > 1:
            for peer in peers:
                script = os.path.join(PEERS_DIR, f"{peer}_w.py")
                jobs.append((f"W2 {peer} x{args.threads}", w, peer,
                             [py[peer], script, "--workload", w, "--threads", str(args.threads)], "mc"))
    if "W1" in workloads:
        cli = nernst_cli(py["nernst"])
        if cli:
            jobs.append(("P1 nernst spike", "P1", "nernst",
                         [cli, "spike", "--current", "10", "--duration", "1000", "--dt", "0.025", "--json"], "cli"))
    return jobs


def normalize(res, kind):
    """Pull the comparable fields out of one job's JSON."""
    if "error" in res:
        return res
    if kind == "cn":
        cn = dict(res.get("cn", {}))
        if not cn:
            return {"error": "no 'cn' block"}
        cn.update(version=res.get("version"), setup_s=None)
        return cn
    if kind == "cli":
        st = res.get("spike_times_ms", [])
        return {"n_spikes": res.get("spike_count"), "first_spike_ms": st[0] if st else None,
                "last_spike_ms": st[-1] if st else None, "backend": res.get("backend"),
                "rest_mV": res.get("rest_mV"), "run_s": None, "setup_s": None}
    return res


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ----------------------------------------------------------------------------- references
def references(py, workloads, have_neuron, timeout):
    refs = {}
    nscript = os.path.join(PEERS_DIR, "nernst_w.py")
    for w in workloads:
        r = {}
        for dt in (REF_DT, CHECK_DT):
            res, wall = run_proc([py["nernst"], nscript, "--workload", w, "--dt", str(dt)], timeout)
            res["process_s"] = wall
            r[f"nernst_dt{dt:g}"] = res
        if have_neuron and w in ("W1", "W3"):
            res, wall = run_proc([py["neuron"], os.path.join(PEERS_DIR, "neuron_ref.py"), "--workload", w,
                                  "--dt", str(REF_DT)], timeout)
            res["process_s"] = wall
            r[f"neuron_cn_dt{REF_DT:g}"] = res
        refs[w] = r
    return refs


def accuracy(w, res, ref):
    """Differences of one result from the reference (None where not comparable)."""
    if ref is None or "error" in ref or "error" in res:
        return {}
    if w in ("W1", "P1"):
        out = {"d_n_spikes": res["n_spikes"] - ref["n_spikes"]}
        for k in ("first_spike_ms", "last_spike_ms"):
            out["d_" + k] = None if res.get(k) is None else res[k] - ref[k]
        return out
    if w == "W2":
        return {"d_total_spikes": res["total_spikes"] - ref["total_spikes"],
                "rel_total": res["total_spikes"] / ref["total_spikes"] - 1.0,
                "spikes_at_equal": res["spikes_at"] == ref["spikes_at"]}
    return {"d_t_quarter_ms": res["t_quarter_ms"] - ref["t_quarter_ms"],
            "d_t_three_quarter_ms": res["t_three_quarter_ms"] - ref["t_three_quarter_ms"],
            "rel_velocity": res["velocity_m_s"] / ref["velocity_m_s"] - 1.0}


def result_text(w, r):
    if "error" in r:
        return "error: " + r["error"][:80]
    if w in ("W1", "P1"):
        return f"{r['n_spikes']} spikes, first {r['first_spike_ms']:.4f}, last {r['last_spike_ms']:.3f} ms"
    if w == "W2":
        return f"{r['total_spikes']} spikes, at {r['spikes_at']}"
    return (f"t250 {r['t_quarter_ms']:.4f}, t750 {r['t_three_quarter_ms']:.4f} ms, "
            f"{r['velocity_m_s']:.4f} m/s")


def error_text(w, e):
    if not e:
        return ""
    if w in ("W1", "P1"):
        return (f"dn {e['d_n_spikes']:+d}, first {e['d_first_spike_ms']:+.1e}, "
                f"last {e['d_last_spike_ms']:+.2e} ms")
    if w == "W2":
        return f"{e['d_total_spikes']:+d} spikes ({e['rel_total']:+.1e})"
    return (f"t250 {e['d_t_quarter_ms']:+.1e}, t750 {e['d_t_three_quarter_ms']:+.1e} ms, "
            f"v {e['rel_velocity']:+.1e}")


def _num(x):
    """Three significant figures without exponents (1.79e+04 -> 17900)."""
    if x >= 999.5:
        return f"{round(x, 3 - len(str(round(x)))):.0f}"
    return f"{x:.0f}" if x >= 99.95 else f"{x:.3g}"


def scheme_of(peer, workload, res):
    s = SCHEME.get(peer, "")
    if peer == "brian2" and workload == "W3":
        s = "BE cable"  # SpatialNeuron: implicit cable solve, exponential Euler gates
    if peer == "nernst" and res.get("backend"):
        s += f", {res['backend']}"
    return s


# ----------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="processes per job (medians are reported)")
    ap.add_argument("--process-repeat", type=int, default=7,
                    help="processes for the P1 whole-process comparison (nernst spike vs NEURON W1)")
    ap.add_argument("--peers", default=",".join(ALL_PEERS), help="comma list; nernst always runs")
    ap.add_argument("--workloads", default="W1,W2,W3")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                    help="threads for the multi-core W2 rows (1: none)")
    ap.add_argument("--peers-python", default=None, help="Python of the Brian2/Jaxley venv (default .venv-peers)")
    ap.add_argument("--no-reference", action="store_true", help="skip the converged references (about a minute)")
    ap.add_argument("--timeout", type=float, default=900.0, help="per process, s")
    ap.add_argument("--json", action="store_true", help="print the raw data as JSON instead of the table")
    ap.add_argument("--save", default=None, help="also write the raw data as JSON to this file")
    ap.add_argument("--show", default=None, metavar="FILE", help="print the table of a saved run and exit")
    args = ap.parse_args()
    if args.show:
        with open(args.show) as f:
            show(json.load(f))
        return

    workloads = [w for w in args.workloads.split(",") if w]
    bad = [w for w in workloads if w not in ("W1", "W2", "W3")]
    if bad:
        ap.error(f"unknown workloads {bad}")
    wanted = [p for p in args.peers.split(",") if p]
    bad = [p for p in wanted if p not in ALL_PEERS]
    if bad:
        ap.error(f"unknown peers {bad}")
    py = pythons(args)
    notes, peers = [], ["nernst"]
    for p in ALL_PEERS[1:]:
        if p in wanted:
            why = available(p, py[p])
            if why:
                notes.append(f"{p}: skipped ({why})")
            else:
                peers.append(p)
    jobs = make_jobs(args, py, peers, workloads)
    if "W1" in workloads and not nernst_cli(py["nernst"]):
        notes.append("P1: skipped (no `nernst` command beside the Python)")

    started = datetime.datetime.now().astimezone()
    git_start = git_state()
    samples = {j[0]: [] for j in jobs}
    loads = [os.getloadavg()]
    p1 = [j for j in jobs if j[4] == "cli" or j[0] == "W1 neuron"]
    rounds = max(args.repeat, args.process_repeat if p1 else 0)
    for r in range(rounds):
        for label, w, peer, argv, kind in (jobs if r < args.repeat else p1):
            res, wall = run_proc(argv, args.timeout)
            res = normalize(res, kind)
            res["process_s"] = None if kind == "cn" else wall
            samples[label].append(res)
            if not args.json:
                print(f"  round {r + 1}/{rounds} {label:22s} run "
                      f"{'-' if res.get('run_s') is None else format(res['run_s'], '.4f')} s, process "
                      f"{'-' if res['process_s'] is None else format(res['process_s'], '.3f')} s"
                      f"{'  ' + res['error'] if 'error' in res else ''}", file=sys.stderr, flush=True)
        loads.append(os.getloadavg())

    refs = {} if args.no_reference else references(py, workloads, "neuron" in peers, args.timeout)
    loads.append(os.getloadavg())

    # ---- rows
    rows = []
    for label, w, peer, argv, kind in jobs:
        ss = samples[label]
        ok = [s for s in ss if "error" not in s]
        last = ok[-1] if ok else ss[-1]
        threads = args.threads if kind == "mc" else 1
        row = {"label": label, "workload": w, "simulator": peer, "kind": kind, "threads": threads,
               "scheme": scheme_of(peer, w, last), "n": len(ok),
               "run_s": median([s.get("run_s") for s in ok]),
               "run_min_s": min([s["run_s"] for s in ok if s.get("run_s") is not None], default=None),
               "setup_s": median([s.get("setup_s") for s in ok]),
               "process_s": median([s.get("process_s") for s in ok]),
               "process_min_s": min([s["process_s"] for s in ok if s.get("process_s") is not None], default=None),
               "result": last, "error": None if ok else last.get("error")}
        for k in ("version", "backend", "mode", "build_s", "first_run_s", "warmup_s"):
            if k in last:
                row[k] = median([s.get(k) for s in ok]) if k.endswith("_s") else last[k]
        rows.append(row)

    def find(label):
        return next((r for r in rows if r["label"] == label and r["n"]), None)

    for row in rows:
        w = row["workload"]
        base = find(f"W2 nernst x{args.threads}") if row["kind"] == "mc" else find(f"{w} nernst")
        if w == "P1":
            base = None
        if base and row["run_s"] and base["run_s"]:
            row["run_ratio"] = row["run_s"] / base["run_s"]
        if base and row["process_s"] and base["process_s"]:
            row["process_ratio"] = row["process_s"] / base["process_s"]
        ref = refs.get("W1" if w == "P1" else w, {}).get(f"nernst_dt{REF_DT:g}")
        row["accuracy"] = accuracy(w, row["result"], ref) if row["n"] else {}

    # ---- goals
    goals = []

    def goal(name, target, value, met, detail):
        goals.append({"goal": name, "target": target, "value": value, "met": met, "detail": detail})

    nw1, bw1, cw1 = find("W1 nernst"), find("W1 neuron"), find("W1 neuron-cn")
    if nw1 and bw1:
        v = bw1["run_s"] / nw1["run_s"]
        extra = f"; vs NEURON-CN {cw1['run_s'] / nw1['run_s']:.1f}x" if cw1 else ""
        goal("W1 run phase vs NEURON", ">= 10x", v, v >= 10,
             f"NEURON (BE) {bw1['run_s'] * 1e3:.1f} ms / nernst {nw1['run_s'] * 1e3:.2f} ms = {v:.1f}x{extra}")
    cli = find("P1 nernst spike")
    if cli and bw1:
        v = cli["process_s"] / bw1["process_s"]
        goal("W1 whole process (nernst spike) vs NEURON's W1 process", "<= 1.5x", v, v <= 1.5,
             f"nernst spike {cli['process_s']:.3f} s / NEURON {bw1['process_s']:.3f} s = {v:.2f}x "
             f"(medians of {cli['n']} and {bw1['n']})")
    nw2 = find("W2 nernst")
    peers_w2 = [r for r in rows if r["workload"] == "W2" and r["kind"] == "main" and r["simulator"] != "nernst"
                and r["n"]]
    if nw2 and peers_w2:
        fast = min(peers_w2, key=lambda r: r["run_s"])
        v = fast["run_s"] / nw2["run_s"]
        goal("W2 vs the fastest peer", ">= 2x", v, v >= 2,
             f"fastest peer {fast['simulator']} {fast['run_s']:.3f} s / nernst {nw2['run_s']:.3f} s = {v:.2f}x")
    nw3, bw3, cw3 = find("W3 nernst"), find("W3 neuron"), find("W3 neuron-cn")
    if nw3 and bw3:
        v = bw3["run_s"] / nw3["run_s"]
        extra = f"; vs NEURON-CN {cw3['run_s'] / nw3['run_s']:.1f}x" if cw3 else ""
        goal("W3 vs NEURON", ">= 2x", v, v >= 2,
             f"NEURON (BE) {bw3['run_s'] * 1e3:.1f} ms / nernst {nw3['run_s'] * 1e3:.1f} ms = {v:.1f}x{extra}")

    # ---- notes on the references and the scheme
    for w, r in refs.items():
        ref, chk = r.get(f"nernst_dt{REF_DT:g}", {}), r.get(f"nernst_dt{CHECK_DT:g}", {})
        e = accuracy(w, chk, ref)
        if e:
            notes.append(f"{w} reference nernst dt {REF_DT:g}: {result_text(w, ref)}; "
                         f"dt {CHECK_DT:g} differs by {error_text(w, e)}")
        nr = r.get(f"neuron_cn_dt{REF_DT:g}")
        if nr:
            e = accuracy(w, nr, ref)
            notes.append(f"{w} NEURON-CN at dt {REF_DT:g} vs the nernst reference: "
                         + (error_text(w, e) if e else nr.get("error", "?")))
    for w in ("W1", "W3"):
        a, b = find(f"{w} nernst"), find(f"{w} neuron-cn")
        if a and b:
            e = accuracy(w, a["result"], b["result"])
            notes.append(f"{w} nernst vs NEURON-CN at the benchmark dt (same scheme): {error_text(w, e)}")
    if cli:
        notes.append(f"P1 `nernst spike` starts at its resting potential ({cli['result'].get('rest_mV'):.4f} mV), "
                     "not -65 mV, and reports backend " + str(cli["result"].get("backend")))

    result = {"machine": machine(), "git": git_start, "started": started.isoformat(timespec="seconds"),
              "command": " ".join([os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(ROOT)
                                   else sys.executable, os.path.relpath(__file__, ROOT)] + sys.argv[1:]),
              "loadavg": loads, "repeat": args.repeat, "process_repeat": args.process_repeat,
              "threads": args.threads, "rows": rows, "references": refs, "goals": goals, "notes": notes,
              "samples": samples}
    if args.save:
        with open(args.save, "w") as f:
            json.dump(result, f, indent=2, default=float)
    if args.json:
        print(json.dumps(result, indent=2, default=float))
        return
    show(result)


def show(result):
    """Print the table, goals and notes of one run (a dict as --json/--save writes it)."""
    loads, rows, goals, notes = result["loadavg"], result["rows"], result["goals"], result["notes"]
    print(f"machine: {result['machine']}; code: {result.get('git')}")
    print(f"started {result['started']}; load average (1, 5, 15 min) before {tuple(round(x, 2) for x in loads[0])}, "
          f"after {tuple(round(x, 2) for x in loads[-1])}; max 1-min {max(x[0] for x in loads):.2f}")
    hdr = (f"{'job':22s} {'scheme':11s} {'n':>2s} {'run ms':>10s} {'min':>9s} {'setup s':>8s} {'process s':>9s} "
           f"{'run x':>7s} {'proc x':>7s}  {'result':58s} error vs reference")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        f = lambda x, s=1e3: "" if x is None else _num(x * s)
        print(f"{r['label']:22s} {r['scheme']:11s} {r['n']:2d} {f(r['run_s']):>10s} {f(r['run_min_s']):>9s} "
              f"{f(r['setup_s'], 1):>8s} {f(r['process_s'], 1):>9s} {f(r.get('run_ratio'), 1):>7s} "
              f"{f(r.get('process_ratio'), 1):>7s}  {result_text(r['workload'], r['result']):58s} "
              f"{error_text(r['workload'], r['accuracy'])}")
    print("(run x / proc x: this row's median time over nernst's, same workload and thread count)")
    print("goals:")
    for g in goals:
        print(f"  {'MET    ' if g['met'] else 'NOT MET'} {g['goal']} ({g['target']}): {g['detail']}")
    print("notes:")
    for n in notes:
        print(f"  {n}")


if __name__ == "__main__":
    main()

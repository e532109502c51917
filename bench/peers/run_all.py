"""Run every peer script for the chosen workloads, one process each, and print
one JSON line per run with "process_s" (whole-process wall time, measured with
time.perf_counter around subprocess.run) added.

Usage: python bench/peers/run_all.py [--peers neuron,jaxley,brian2] [--workloads W1,W2,W3]
(run from the repo root; any Python works, each peer runs in its own venv).
"""
import argparse, json, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = {"neuron": os.path.join(ROOT, ".venv", "bin", "python"),
      "jaxley": os.path.join(ROOT, ".venv-peers", "bin", "python"),
      "brian2": os.path.join(ROOT, ".venv-peers", "bin", "python")}


def run_one(peer, workload, timeout=900):
    script = os.path.join(ROOT, "bench", "peers", f"{peer}_w.py")
    t0 = time.perf_counter()
    try:
        p = subprocess.run([PY[peer], script, "--workload", workload],
                           capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t0
        lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
        res = json.loads(lines[-1]) if lines else {
            "peer": peer, "workload": workload,
            "error": f"no JSON (rc {p.returncode}): {p.stderr.strip()[-200:]}"}
    except Exception as e:
        wall = time.perf_counter() - t0
        res = {"peer": peer, "workload": workload, "error": f"{type(e).__name__}: {e}"}
    res["process_s"] = wall
    return res


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers", default="neuron,jaxley,brian2")
    ap.add_argument("--workloads", default="W1,W2,W3")
    a = ap.parse_args()
    for peer in a.peers.split(","):
        for w in a.workloads.split(","):
            print(json.dumps(run_one(peer, w)), flush=True)

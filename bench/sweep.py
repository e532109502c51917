"""Benchmark: parameter sweeps (nernst.sweep) in-process, on a process pool and on Dask.

Sections (sizes of the full run; --quick shrinks them for a smoke run):

  R  Rest-model throughput, in-process: the mammalian_neuron preset over a
     1000 x 1000 grid of ions.K.outside (1-20 mM) x ions.Na.permeability
     (0.01-0.1, P_K = 1), one block (10^6 points, one vectorized call).  Cases:
     V_rest only (K, Na, Cl: the GHK voltage equation), all ten outputs, Ca2+
     permeable too (P_Ca 0.01: the quadratic closed form) and a trivalent ion
     added (La3+, P 0.01: no closed form, the compiled Newton root).  Each is
     compared with the raw engine call nernst.zero_current_potential on the
     same 10^6 points (same numbers, checked).
  S  Steady-state scaling: model "steady" on the kay2017 pump-leak cell, a
     100 x 100 grid of the pump current (0.2-1 uA/cm^2) x K_o (1-20 mM), chunk
     100 (100 tasks, one Newton solve per point).  In-process, then on a Dask
     LocalCluster (processes, threads_per_worker=1, as `nernst sweep
     --workers N` makes it) and on the process-pool backend, with 1 and 2
     workers.  Efficiency = t1 / (2 t2).
  O  Per-task overhead: the rest model, 2,000 K_o values cut into 2,000
     one-point tasks (chunk 1), in-process, on the 2-worker LocalCluster and
     on the process pool; overhead per task = (t_backend - t_local) / tasks,
     t_local the same 2,000 tasks in-process.  Also Dask's floor: 2,000 no-op
     tasks submitted and collected the way the dask backend does it.
  F  f-I curve against peers: the spike model, 1,000 currents 0-20 uA/cm^2,
     200 ms at dt 0.025 ms (HH 1952, 6.3 degC), in nernst (the sweep and the
     bare simulate_hh call, and the whole `nernst sweep` process) against the
     same population in NEURON (backward Euler and Crank-Nicolson) and Brian2
     (cpp_standalone, exponential Euler), each in its own process
     (bench/peers/fi_w.py); spike counts compared cell by cell.

Times (time.perf_counter): compute = SweepResult.compute_s (first task
submitted to last result in; for the process pool this includes starting the
pool, which run_sweep does inside that window, so the pool's start-up is also
measured alone with a tiny sweep); call = SweepResult.elapsed_s (the whole
run_sweep call: building the tasks, the result Dataset, the compute).  Cluster
start-up (LocalCluster + Client + workers up) is measured separately and is
not in the Dask compute times.  Every timed case runs --repeat times after one
untimed first call (reported as "first"); tables give medians.

Run:  .venv/bin/python bench/sweep.py [--quick] [--repeat 3] [--peers neuron,brian2]
      [--save FILE] [--json] [--show FILE]
Writes bench/results/sweep.json (--quick: sweep-quick.json).  Results are
recorded, with the machine, in BENCHMARKS.md.  Benchmarks are not tests:
nothing here asserts a time.

Keep the module's top level light: the process pool starts its workers with
"spawn", and every worker imports this file as __mp_main__.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

FULL = {"rest_n": 1000, "steady_n": 100, "overhead_tasks": 2000, "fi_n": 1000, "fi_ms": 200.0}
QUICK = {"rest_n": 200, "steady_n": 20, "overhead_tasks": 200, "fi_n": 100, "fi_ms": 50.0}
FI_DT = 0.025
FI_IMAX = 20.0


def _noop(x):
    return x


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def load():
    return round(os.getloadavg()[0], 2)


def git_state():
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True,
                              cwd=ROOT).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "src"], check=False, capture_output=True, text=True,
                               cwd=ROOT).stdout.strip()
    except OSError:
        return None
    return f"{head}{' + uncommitted changes in src/' if dirty else ''}" if head else None


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')} load {load():.1f}] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- sweep definitions
def rest_grid(n, preset="mammalian_neuron", outputs=("v_rest_mV",), fixed=None):
    d = {"model": "rest", "preset": preset, "chunk": n * n,
         "axes": [{"parameter": "ions.K.outside", "name": "K_out", "start": 1.0, "stop": 20.0, "num": n},
                  {"parameter": "ions.Na.permeability", "name": "P_Na", "start": 0.01, "stop": 0.1, "num": n}]}
    if outputs is not None:
        d["outputs"] = list(outputs)
    if fixed:
        d["fixed"] = dict(fixed)
    return d


def rest_line(n, chunk):
    return {"model": "rest", "preset": "mammalian_neuron", "outputs": ["v_rest_mV"], "chunk": chunk,
            "axes": [{"parameter": "ions.K.outside", "name": "K_out", "start": 1.0, "stop": 20.0, "num": n}]}


def steady_grid(n, chunk):
    return {"model": "steady", "cell": "kay2017", "chunk": chunk, "outputs": ["v_rest_mV", "Na_in_mM", "volume_rel"],
            "axes": [{"parameter": "mechanisms.nak_pump.current_uA_cm2", "name": "I_pump", "start": 0.2, "stop": 1.0,
                      "num": n},
                     {"parameter": "ions.K.outside", "name": "K_out", "start": 1.0, "stop": 20.0, "num": n,
                      "balance": "Na"}]}  # the bath stays neutral: Na+ replaces K+


def fi_sweep(n, duration):
    return {"model": "spike", "chunk": n, "outputs": ["spike_count", "rest_mV"],
            "fixed": {"duration_ms": duration, "dt_ms": FI_DT},
            "axes": [{"parameter": "current_uA_cm2", "name": "I", "start": 0.0, "stop": FI_IMAX, "num": n}]}


def trivalent_preset(folder):
    """mammalian_neuron plus a permeant trivalent ion (La3+): forces the root solver."""
    from nernst.presets import _files

    with open(str(_files()["mammalian_neuron"]), encoding="utf-8") as f:
        text = f.read()
    path = os.path.join(folder, "mammalian_neuron_la3.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n[ions.La]\ninside = 1e-4\noutside = 1\nvalence = 3\npermeability = 0.01\n")
    return path


# ----------------------------------------------------------------------------- timing helpers
def _cpu():
    return time.process_time()


def cpu_now(client=None):
    """CPU seconds so far: this process, its finished children (the pool's workers), Dask's workers and scheduler."""
    import resource

    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"main": time.process_time(), "children": ch.ru_utime + ch.ru_stime}
    if client is not None:
        out["workers"] = sum(client.run(_cpu).values())  # the LocalCluster's scheduler and nannies are in "main"
    return out


def time_sweeps(sw, repeat, warm=True, **kw):
    """Run a sweep (1 untimed first call if warm) then *repeat* timed calls; returns (first, [results]).

    Each result gets .cpu: CPU seconds used during the run_sweep call by this process ("main": for Dask the
    client, and the LocalCluster's scheduler and nannies, which live in this process), by finished child
    processes ("children": the pool's workers) and, on Dask, by the worker processes; and .load: the
    1-minute load average before the call.
    """
    from nernst.sweep import run_sweep

    client = kw.get("client")

    def one():
        ld = load()
        c0 = cpu_now(client)
        r = run_sweep(sw, **kw)
        c1 = cpu_now(client)
        r.cpu = {k: c1[k] - c0[k] for k in c0}
        r.load = ld
        return r

    first = one() if warm else None
    runs = [one() for _ in range(repeat)]
    return first, runs


def summary(first, runs, n_points, n_tasks):
    comp = [r.compute_s for r in runs]
    call = [r.elapsed_s for r in runs]
    out = {"points": n_points, "tasks": n_tasks, "compute_s": med(comp), "call_s": med(call),
           "compute_all_s": comp, "call_all_s": call, "workers": runs[0].workers if runs else None,
           "failed_points": runs[0].failed_points if runs else None}
    if first is not None:
        out.update(first_compute_s=first.compute_s, first_call_s=first.elapsed_s)
    if runs and hasattr(runs[0], "cpu"):
        out["cpu_s"] = {k: med([r.cpu[k] for r in runs]) for k in runs[0].cpu}
        out["cpu_total_s"] = med([sum(r.cpu.values()) for r in runs])
        out["cores_busy"] = out["cpu_total_s"] / out["call_s"] if out["call_s"] else None
        out["load_before"] = [r.load for r in runs]
    out["points_per_s"] = n_points / out["compute_s"] if out["compute_s"] else None
    out["points_per_s_call"] = n_points / out["call_s"] if out["call_s"] else None
    return out


def syscall_ns():
    """Cost of a trivial system call (os.getppid) here, ns (Dask and the pool pay several per task)."""
    n = 100_000
    t0 = time.perf_counter()
    for _ in range(n):
        os.getppid()
    return round((time.perf_counter() - t0) / n * 1e9)


def time_fn(fn, repeat):
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return ts


def start_cluster(workers):
    """A LocalCluster like nernst.sweep._connect makes (processes, 1 thread each, loopback); (client, cluster, s)."""
    import logging

    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=logging.CRITICAL)
    client = Client(cluster)
    client.wait_for_workers(workers)
    return client, cluster, time.perf_counter() - t0


def stop_cluster(client, cluster):
    t0 = time.perf_counter()
    client.close()
    cluster.close()
    return time.perf_counter() - t0


def dask_noop(client, n):
    """n no-op tasks, submitted one by one and collected with as_completed, as the dask backend does."""
    from distributed import as_completed

    t0 = time.perf_counter()
    futs = [client.submit(_noop, i, pure=False) for i in range(n)]
    for f in as_completed(futs):
        f.result()
        f.release()
    return time.perf_counter() - t0


def run_proc(argv, timeout=900):
    t0 = time.perf_counter()
    try:
        p = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except Exception as e:  # noqa: BLE001 - report, don't crash
        return {"error": f"{type(e).__name__}: {e}"}, time.perf_counter() - t0
    wall = time.perf_counter() - t0
    out = p.stdout.strip()
    try:
        res = json.loads(out)
    except ValueError:
        lines = [ln for ln in out.splitlines() if ln.startswith("{")]
        try:
            res = json.loads(lines[-1])
        except (ValueError, IndexError):
            res = {"error": f"no JSON (rc {p.returncode}): {p.stderr.strip()[-300:]}"}
    if p.returncode != 0 and "error" not in res:
        res["error"] = f"rc {p.returncode}: {p.stderr.strip()[-300:]}"
    return res, wall


# ----------------------------------------------------------------------------- R: rest throughput
def bench_rest(cfg, repeat, tmp):
    import numpy as np

    import nernst
    from nernst.sweep import sweep_from_dict

    n = cfg["rest_n"]
    npts = n * n
    k, p = np.meshgrid(np.linspace(1.0, 20.0, n), np.linspace(0.01, 0.1, n), indexing="ij")
    k, p = k.ravel(), p.ravel()
    tri = trivalent_preset(tmp)
    cases = [
        ("K/Na/Cl, V_rest only (closed form)", rest_grid(n),
         lambda: nernst.zero_current_potential([140.0, 15.0, 10.0], [k, 145.0, 110.0], [1, 1, -1],
                                               [1.0, p, 0.45], 37.0)),
        ("K/Na/Cl, all 10 outputs", rest_grid(n, outputs=None), None),
        ("K/Na/Cl/Ca, V_rest (closed form, quadratic)", rest_grid(n, fixed={"ions.Ca.permeability": 0.01}),
         lambda: nernst.zero_current_potential([140.0, 15.0, 10.0, 1e-4], [k, 145.0, 110.0, 2.0], [1, 1, -1, 2],
                                               [1.0, p, 0.45, 0.01], 37.0)),
        ("K/Na/Cl/Ca/La3+, V_rest (root, compiled)", rest_grid(n, preset=tri, fixed={"ions.Ca.permeability": 0.01}),
         lambda: nernst.zero_current_potential([140.0, 15.0, 10.0, 1e-4, 1e-4], [k, 145.0, 110.0, 2.0, 1.0],
                                               [1, 1, -1, 2, 3], [1.0, p, 0.45, 0.01, 0.01], 37.0)),
    ]
    rows = []
    for label, d, engine in cases:
        log(f"R  {label}")
        sw = sweep_from_dict(d)
        first, runs = time_sweeps(sw, repeat, backend="local")
        row = {"section": "R", "case": label, "backend": "local"}
        row.update(summary(first, runs, npts, sw.n_tasks))
        if engine is not None:
            t0 = time.perf_counter()
            v = engine()  # first call (the root loads its compiled kernel here)
            row["engine_first_s"] = time.perf_counter() - t0
            ts = time_fn(engine, max(repeat, 3))
            row["engine_s"] = med(ts)
            row["engine_all_s"] = ts
            row["engine_points_per_s"] = npts / row["engine_s"]
            got = runs[-1].dataset["v_rest_mV"].values.ravel()
            row["max_abs_diff_vs_engine_mV"] = float(np.max(np.abs(got - v)))
            row["sweep_over_engine"] = row["compute_s"] / row["engine_s"]
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------- S + O: backends
def profile_steady(cfg):
    """cProfile of the in-process steady path on a tenth of the grid; fractions of the total."""
    import cProfile
    import io
    import pstats

    from nernst.sweep import run_sweep, sweep_from_dict

    n = cfg["steady_n"]
    d = steady_grid(n, n)
    d["axes"][0]["num"] = max(n // 10, 2)
    sw = sweep_from_dict(d)
    run_sweep(sw, backend="local")
    pr = cProfile.Profile()
    pr.enable()
    run_sweep(sw, backend="local")
    pr.disable()
    st = pstats.Stats(pr)
    total = max(st.total_tt, 1e-12)
    want = {"_config": "sweep.py", "cell_from_dict": "cellconfig.py", "deepcopy": "copy.py",
            "steady_state": "dynamics.py", "steady_newton": "cellkernels.py", "compile_model": "cellkernels.py",
            "initial_state": "cell.py", "_one": "sweep.py"}
    frac = {}
    for (fname, _line, func), (_cc, _nc, _tt, ct, _callers) in st.stats.items():
        if func in want and fname.endswith(want[func]):
            frac[func] = max(frac.get(func, 0.0), ct / total)
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).sort_stats("cumulative").print_stats(18)
    return {"points": sw.n_points, "profiled_s": total, "fraction_of_total": frac, "per_point_s": total / sw.n_points,
            "top_cumulative": buf.getvalue().split("\n", 6)[-1][:4000]}


def bench_backends(cfg, repeat, overhead_repeat):
    import numpy as np

    from nernst.sweep import run_sweep, sweep_from_dict

    n = cfg["steady_n"]
    sw_s = sweep_from_dict(steady_grid(n, n))
    big = max(n * n // 20, 1)  # 20 tasks of 500 points: fewer, longer tasks for Dask
    sw_sb = sweep_from_dict(steady_grid(n, big))
    m = cfg["overhead_tasks"]
    sw_o = sweep_from_dict(rest_line(m, 1))
    sw_o1 = sweep_from_dict(rest_line(m, m))
    tiny_s = sweep_from_dict(steady_grid(2, 1))  # 4 one-point tasks: the pool's start-up
    tiny_r = sweep_from_dict(rest_line(4, 1))
    rows, extra = [], {}

    def row(section, case, backend, workers, first, runs, sw, **more):
        r = {"section": section, "case": case, "backend": backend, "n_workers": workers}
        r.update(summary(first, runs, sw.n_points, sw.n_tasks))
        r.update(more)
        rows.append(r)
        return r

    ref = {}
    log("S  steady, local")
    first, runs = time_sweeps(sw_s, repeat, backend="local")
    row("S", "steady 10^4" if n == 100 else f"steady {n}x{n}", "local", 1, first, runs, sw_s)
    ref["steady"] = runs[-1].dataset["v_rest_mV"].values
    log("O  rest chunk 1, local")
    first, runs = time_sweeps(sw_o, repeat, backend="local")
    row("O", f"rest, {m} one-point tasks", "local", 1, first, runs, sw_o)
    ref["rest"] = runs[-1].dataset["v_rest_mV"].values
    first, runs = time_sweeps(sw_o1, repeat, backend="local")
    row("O", f"rest, same {m} points as 1 task", "local", 1, first, runs, sw_o1)

    def same(res, key):
        return bool(np.array_equal(res.dataset["v_rest_mV"].values, ref[key], equal_nan=True))

    # ---- Dask LocalCluster, 1 and 2 workers
    for w in (1, 2):
        log(f"S  dask, {w} worker(s): starting the cluster")
        client, cluster, t_start = start_cluster(w)
        extra[f"dask_start_s_w{w}"] = t_start
        cold, runs = time_sweeps(sw_s, repeat, backend="dask", client=client)
        row("S", "steady", "dask", w, cold, runs, sw_s, cluster_start_s=t_start,
            identical_to_local=all(same(r, "steady") for r in runs))
        log(f"S  dask, {w} worker(s): chunk {big}")
        _, runs = time_sweeps(sw_sb, overhead_repeat, warm=False, backend="dask", client=client)
        row("S", f"steady, chunk {big}", "dask", w, None, runs, sw_sb,
            identical_to_local=all(same(r, "steady") for r in runs))
        if w == 2:
            log(f"O  dask, {w} workers: {m} no-op tasks and the rest sweep in {m} tasks")
            noop = [dask_noop(client, m)]  # one run: a reference, not the measurement
            rows.append({"section": "O", "case": f"dask floor: {m} no-op tasks", "backend": "dask", "n_workers": w,
                         "tasks": m, "points": 0, "compute_s": med(noop), "compute_all_s": noop, "call_s": None})
            run_sweep(tiny_r, backend="dask", client=client)  # workers import the rest model's code
            _, runs = time_sweeps(sw_o, overhead_repeat, warm=False, backend="dask", client=client)
            row("O", f"rest, {m} one-point tasks", "dask", w, None, runs, sw_o,
                identical_to_local=all(same(r, "rest") for r in runs))
        extra[f"dask_stop_s_w{w}"] = stop_cluster(client, cluster)
    log("S  dask, run_sweep(workers=2): its own cluster, started and stopped inside the call")
    own = run_sweep(sw_s, backend="dask", workers=2)
    row("S", "steady, own LocalCluster (workers=2; call includes start/stop)", "dask", 2, None, [own], sw_s)

    # ---- process pool, 1 and 2 workers (the pool starts inside the compute window)
    for w in (1, 2):
        log(f"S  processes, {w} worker(s)")
        _, tiny = time_sweeps(tiny_s, repeat, warm=False, backend="processes", workers=w)
        start = med([r.compute_s for r in tiny])
        extra[f"pool_start_s_w{w}"] = start
        extra[f"pool_start_all_s_w{w}"] = [r.compute_s for r in tiny]
        _, runs = time_sweeps(sw_s, repeat, warm=False, backend="processes", workers=w)
        r = row("S", "steady", "processes", w, None, runs, sw_s, pool_start_s=start,
                identical_to_local=all(same(x, "steady") for x in runs))
        r["compute_net_s"] = r["compute_s"] - start
        if w == 2:
            log(f"O  processes, {w} workers: rest sweep in {m} tasks")
            _, tiny = time_sweeps(tiny_r, repeat, warm=False, backend="processes", workers=w)
            start_r = med([x.compute_s for x in tiny])
            _, runs = time_sweeps(sw_o, overhead_repeat, warm=False, backend="processes", workers=w)
            r = row("O", f"rest, {m} one-point tasks", "processes", w, None, runs, sw_o, pool_start_s=start_r,
                    identical_to_local=all(same(x, "rest") for x in runs))
            r["compute_net_s"] = r["compute_s"] - start_r
    return rows, extra


# ----------------------------------------------------------------------------- F: f-I against peers
def bench_fi(cfg, repeat, peer_repeat, peers, tmp):
    import numpy as np

    from nernst.excitability import simulate_hh
    from nernst.sweep import sweep_from_dict

    n, dur = cfg["fi_n"], cfg["fi_ms"]
    d = fi_sweep(n, dur)
    sw = sweep_from_dict(d)
    log(f"F  nernst spike sweep, {n} cells x {dur:g} ms")
    first, runs = time_sweeps(sw, repeat, backend="local")
    rows = []
    r = {"section": "F", "case": f"f-I, {n} cells x {dur:g} ms", "backend": "local", "simulator": "nernst sweep",
         "scheme": "CN"}
    r.update(summary(first, runs, n, sw.n_tasks))
    ds = runs[-1].dataset
    counts = ds["spike_count"].values.astype(int)
    rest = float(ds["rest_mV"].values[0])
    r["total_spikes"] = int(counts.sum())
    r["rest_mV"] = rest
    rows.append(r)

    amps = np.linspace(0.0, FI_IMAX, n)
    call = lambda: simulate_hh(amps, duration=dur, dt=FI_DT, record=False)
    direct = call()
    ts = time_fn(call, repeat)
    rows.append({"section": "F", "case": r["case"], "simulator": "nernst simulate_hh", "scheme": "CN",
                 "run_s": med(ts), "run_all_s": ts, "total_spikes": int(np.sum(direct.spike_counts)),
                 "same_counts_as_sweep": bool(np.array_equal(direct.spike_counts, counts))})
    r["run_s"] = r["compute_s"]

    # whole processes, rounds interleaved: the nernst CLI and each peer
    toml = os.path.join(tmp, "fi.toml")
    with open(toml, "w") as f:
        f.write(f'model = "spike"\nchunk = {n}\noutputs = ["spike_count", "rest_mV"]\n'
                f'[fixed]\nduration_ms = {dur!r}\ndt_ms = {FI_DT!r}\n'
                f'[[axes]]\nparameter = "current_uA_cm2"\nname = "I"\nstart = 0.0\nstop = {FI_IMAX!r}\nnum = {n}\n')
    main_py = os.path.join(ROOT, ".venv", "bin", "python")
    main_py = main_py if os.path.exists(main_py) else sys.executable
    cli = os.path.join(os.path.dirname(main_py), "nernst")
    peers_py = os.path.join(ROOT, ".venv-peers", "bin", "python")
    script = os.path.join(HERE, "peers", "fi_w.py")
    jobs, notes = [], []
    if os.path.exists(cli):
        jobs.append(("nernst sweep (CLI)", [cli, "sweep", toml, "--json"]))
    args = ["--n", str(n), "--duration", repr(dur), "--dt", repr(FI_DT), "--imax", repr(FI_IMAX), "--v0", repr(rest)]
    for peer in peers:
        py = main_py if peer == "neuron" else peers_py
        if not os.path.exists(py):
            notes.append(f"{peer}: skipped ({py} is missing; see bench/peers/README.md)")
            continue
        jobs.append((peer, [py, script, "--peer", peer] + args))
    samples = {label: [] for label, _ in jobs}
    for k in range(peer_repeat):
        for label, argv in jobs:
            log(f"F  round {k + 1}/{peer_repeat}: {label}")
            res, wall = run_proc(argv)
            res["process_s"] = wall
            samples[label].append(res)
    for label, _ in jobs:
        ok = [s for s in samples[label] if "error" not in s]
        if not ok:
            notes.append(f"{label}: error: {samples[label][-1].get('error', '?')[:200]}")
            continue
        if label.startswith("nernst"):
            r["process_s"] = med([s["process_s"] for s in ok])
            r["process_all_s"] = [s["process_s"] for s in ok]
            continue
        last = ok[-1]
        blocks = [("", last)] + ([(" (CN)", last["cn"])] if "cn" in last else [])
        for suffix, blk in blocks:
            c = np.asarray(blk["counts"], dtype=int)
            diff = c - counts
            key = "cn" if suffix else None
            run_all = [(s[key] if key else s)["run_s"] for s in ok]
            pr = {"section": "F", "case": r["case"], "simulator": label + suffix,
                  "scheme": blk.get("scheme", last.get("scheme")), "version": last.get("version"),
                  "run_s": med(run_all), "run_all_s": run_all,
                  "process_s": None if suffix else med([s["process_s"] for s in ok]),
                  "setup_s": None if suffix else med([s.get("setup_s") for s in ok]),
                  "build_s": med([s.get("build_s") for s in ok]) if not suffix else None,
                  "total_spikes": int(c.sum()), "cells_differing": int(np.count_nonzero(diff)),
                  "max_abs_count_diff": int(np.max(np.abs(diff))) if diff.size else 0,
                  "differing_at_uA_cm2": [round(float(amps[i]), 4) for i in np.flatnonzero(diff)[:8]],
                  "count_diff_sum": int(diff.sum())}
            rows.append(pr)
    base = r["compute_s"]
    for x in rows:
        if x.get("run_s") and base:
            x["run_over_nernst_sweep"] = x["run_s"] / base
        if x.get("process_s") and r.get("process_s"):
            x["process_over_nernst"] = x["process_s"] / r["process_s"]
    return rows, notes


# ----------------------------------------------------------------------------- derived numbers
def derive(rows, extra):
    def find(section, backend, workers=None, case_start=""):
        for r in rows:
            if (r["section"] == section and r.get("backend") == backend and r.get("case", "").startswith(case_start)
                    and (workers is None or r.get("n_workers") == workers)):
                return r
        return None

    out = {}
    s_local = find("S", "local")
    d1, d2 = find("S", "dask", 1, "steady"), find("S", "dask", 2, "steady")
    p1, p2 = find("S", "processes", 1), find("S", "processes", 2)
    if d1 and d2:
        out["dask_efficiency"] = d1["compute_s"] / (2 * d2["compute_s"])
        out["dask_speedup"] = d1["compute_s"] / d2["compute_s"]
    b1, b2 = find("S", "dask", 1, "steady, chunk"), find("S", "dask", 2, "steady, chunk")
    if b1 and b2:
        out["dask_efficiency_big_chunks"] = b1["compute_s"] / (2 * b2["compute_s"])
    if p1 and p2:
        out["pool_efficiency"] = p1["compute_s"] / (2 * p2["compute_s"])
        out["pool_speedup"] = p1["compute_s"] / p2["compute_s"]
        out["pool_efficiency_net_of_start"] = p1["compute_net_s"] / (2 * p2["compute_net_s"])
    if s_local:
        for r in (d1, d2, b1, b2, p1, p2):
            if r:
                r["vs_local"] = r["compute_s"] / s_local["compute_s"]
        if d2:
            out["dask2_vs_local_speedup"] = s_local["compute_s"] / d2["compute_s"]
        if p2:
            out["pool2_vs_local_speedup"] = s_local["compute_s"] / p2["compute_s"]
    o_local = next((r for r in rows if r["section"] == "O" and r["backend"] == "local" and "one-point" in r["case"]),
                   None)
    o_block = next((r for r in rows if r["section"] == "O" and r["backend"] == "local" and "1 task" in r["case"]), None)
    o_dask = next((r for r in rows if r["section"] == "O" and r["backend"] == "dask" and "one-point" in r["case"]),
                  None)
    o_noop = next((r for r in rows if r["section"] == "O" and "no-op" in r["case"]), None)
    o_pool = next((r for r in rows if r["section"] == "O" and r["backend"] == "processes"), None)
    if o_local:
        m = o_local["tasks"]
        out["local_per_task_s"] = o_local["compute_s"] / m
        if o_block:
            out["local_per_task_minus_one_block_s"] = (o_local["compute_s"] - o_block["compute_s"]) / m
        if o_dask:
            out["dask_overhead_per_task_s"] = (o_dask["compute_s"] - o_local["compute_s"]) / m
            out["dask_per_task_s"] = o_dask["compute_s"] / m
        if o_noop:
            out["dask_noop_per_task_s"] = o_noop["compute_s"] / m
        if o_pool:
            out["pool_per_task_s"] = o_pool["compute_s"] / m
            out["pool_overhead_per_task_s"] = (o_pool["compute_s"] - o_local["compute_s"]) / m
            out["pool_overhead_per_task_net_of_start_s"] = (o_pool["compute_net_s"] - o_local["compute_s"]) / m
    out.update(extra)
    return out


# ----------------------------------------------------------------------------- output
def _t(x):
    if x is None:
        return ""
    if x >= 100:
        return f"{x:.0f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x * 1e3:.1f} ms"


def _rate(x):
    return "" if not x else f"{x:.3g}"


def show(result):
    rows, d = result["rows"], result["derived"]
    print(f"machine: {result['machine']}; code: {result.get('git')}")
    print(f"started {result['started']}; mode {result['mode']}; repeat {result['repeat']}; "
          f"load average (1 min) at section starts/ends {result['loadavg']}")
    print()
    print("| section | case | backend | workers | points | tasks | compute (s) | call (s) | points/s (compute) "
          "| points/s (call) | first call (s) | notes |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["section"] == "F":
            continue
        notes = []
        if r.get("engine_s"):
            notes.append(f"engine {_t(r['engine_s'])} ({_rate(r['engine_points_per_s'])}/s), sweep/engine "
                         f"{r['sweep_over_engine']:.2f}, max |dV| {r['max_abs_diff_vs_engine_mV']:.1e} mV")
        if r.get("cluster_start_s") is not None:
            notes.append(f"cluster start {_t(r['cluster_start_s'])}")
        if r.get("pool_start_s") is not None:
            notes.append(f"pool start {_t(r['pool_start_s'])}, net {_t(r['compute_net_s'])}")
        if r.get("cores_busy") is not None and r["section"] in ("S", "O") and r.get("backend") != "local":
            notes.append(f"CPU {r['cpu_total_s']:.1f} s = {r['cores_busy']:.2f} cores busy")
        if r.get("vs_local"):
            notes.append(f"{r['vs_local']:.2f}x local")
        if r.get("identical_to_local") is not None:
            notes.append("identical to local" if r["identical_to_local"] else "DIFFERS from local")
        first = r.get("first_compute_s")
        print(f"| {r['section']} | {r['case']} | {r.get('backend', '')} | {r.get('n_workers', 1) or 1} | "
              f"{r.get('points', '')} | {r.get('tasks', '')} | {_t(r.get('compute_s'))} | {_t(r.get('call_s'))} | "
              f"{_rate(r.get('points_per_s'))} | {_rate(r.get('points_per_s_call'))} | "
              f"{'' if first is None else _t(first)} | {'; '.join(notes)} |")
    fr = [r for r in rows if r["section"] == "F"]
    if fr:
        print()
        print("| f-I | scheme | run (s) | x nernst sweep | process (s) | x nernst process | total spikes | cells differing "
              "(max diff) |")
        print("|---|---|---|---|---|---|---|---|")
        for r in fr:
            diff = ("" if "cells_differing" not in r else
                    f"{r['cells_differing']} ({r['max_abs_count_diff']}; sum {r['count_diff_sum']:+d})")
            print(f"| {r['simulator']} | {r.get('scheme', '')} | {_t(r.get('run_s'))} | "
                  f"{'' if not r.get('run_over_nernst_sweep') else format(r['run_over_nernst_sweep'], '.1f')} | "
                  f"{_t(r.get('process_s'))} | "
                  f"{'' if not r.get('process_over_nernst') else format(r['process_over_nernst'], '.2f')} | "
                  f"{r.get('total_spikes', '')} | {diff} |")
    print()
    print("derived:")
    for k, v in d.items():
        if isinstance(v, float):
            print(f"  {k}: {v * 1e3:.3f} ms" if k.endswith("_s") and v < 1 else f"  {k}: {v:.3g}")
        elif not isinstance(v, list):
            print(f"  {k}: {v}")
    prof = result.get("profile")
    if prof:
        fr = ", ".join(f"{k} {v:.0%}" for k, v in sorted(prof["fraction_of_total"].items(), key=lambda kv: -kv[1]))
        print(f"profile of the in-process steady path ({prof['points']} points, {prof['per_point_s'] * 1e3:.2f} ms "
              f"per point under cProfile): {fr}")
    for n in result.get("notes", []):
        print(f"note: {n}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run in under a minute")
    ap.add_argument("--repeat", type=int, default=None, help="timed calls per case (default 3; --quick 1)")
    ap.add_argument("--overhead-repeat", type=int, default=None,
                    help="timed calls of the many-task sweeps on dask and the pool (default 2; --quick 1)")
    ap.add_argument("--peer-repeat", type=int, default=None, help="processes per f-I job (default 3; --quick 1)")
    ap.add_argument("--peers", default=None,
                    help="comma list of f-I peers: neuron, brian2, or 'none' (default both; --quick: neuron)")
    ap.add_argument("--sections", default="R,S,F", help="comma list of R, S (includes O), F")
    ap.add_argument("--save", default=None, help="write the raw data here (default bench/results/sweep.json; "
                                                 "--quick: sweep-quick.json)")
    ap.add_argument("--json", action="store_true", help="print the raw data as JSON instead of the tables")
    ap.add_argument("--show", default=None, metavar="FILE", help="print the tables of a saved run and exit")
    args = ap.parse_args()
    if args.show:
        with open(args.show) as f:
            show(json.load(f))
        return
    cfg = QUICK if args.quick else FULL
    repeat = args.repeat or (1 if args.quick else 3)
    orepeat = args.overhead_repeat or (1 if args.quick else 2)
    prepeat = args.peer_repeat or (1 if args.quick else 3)
    peers = args.peers if args.peers is not None else ("neuron" if args.quick else "neuron,brian2")
    peers = [p for p in peers.split(",") if p and p != "none"]
    bad = [p for p in peers if p not in ("neuron", "brian2")]
    if bad:
        ap.error(f"unknown peers {bad}")
    sections = [s for s in args.sections.split(",") if s]

    from common import machine

    started = datetime.datetime.now().astimezone()
    t_all = time.perf_counter()
    loads = [load()]
    rows, extra, notes, prof = [], {}, [], None
    with tempfile.TemporaryDirectory(prefix="nernst_bench_sweep_") as tmp:
        if "R" in sections:
            rows += bench_rest(cfg, max(repeat, 1 if args.quick else 5), tmp)
            loads.append(load())
        if "S" in sections:
            r, extra = bench_backends(cfg, repeat, orepeat)
            rows += r
            loads.append(load())
            log("S  cProfile of the in-process steady path")
            prof = profile_steady(cfg)
        if "F" in sections:
            r, n = bench_fi(cfg, repeat, prepeat, peers, tmp)
            rows += r
            notes += n
            loads.append(load())
    import dask
    import distributed
    import zarr

    mach = machine()
    mach.update(dask=dask.__version__, distributed=distributed.__version__, zarr=zarr.__version__,
                syscall_ns=syscall_ns())
    result = {"machine": mach, "git": git_state(), "started": started.isoformat(timespec="seconds"),
              "mode": "quick" if args.quick else "full", "sizes": cfg, "repeat": repeat, "overhead_repeat": orepeat,
              "peer_repeat": prepeat, "loadavg": loads, "wall_s": time.perf_counter() - t_all,
              "command": " ".join(["bench/sweep.py"] + sys.argv[1:]), "rows": rows,
              "derived": derive(rows, extra), "profile": prof, "notes": notes}
    save = args.save or os.path.join(HERE, "results", "sweep-quick.json" if args.quick else "sweep.json")
    os.makedirs(os.path.dirname(os.path.abspath(save)), exist_ok=True)
    with open(save, "w") as f:
        json.dump(result, f, indent=2, default=float)
    if args.json:
        print(json.dumps(result, indent=2, default=float))
        return
    show(result)
    print(f"(wall {result['wall_s']:.0f} s; raw data in {os.path.relpath(save, ROOT)})")


if __name__ == "__main__":
    main()

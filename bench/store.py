"""Benchmark: the cost of a safe sweep store (lock, per-block checksums, atomic creation, checks on open).

For one rest-model sweep (the mammalian_neuron preset over ions.K.outside x ions.Na.permeability, all
ten outputs) at several block counts, it times (median of --repeat runs, time.perf_counter):

  memory    run_sweep without a store (the floor: the computation and the result Dataset)
  store     run_sweep(out=...): create the store, write every block with its checksum, read it back
  open      open_sweep on the finished store (every block checked against its checksum) and .load()
  verify    nernst.sweepstore.verify_store alone (what `nernst sweep --verify` does)
  resume    run_sweep(out=..., resume=True) on the finished store (nothing to compute: check and reuse)

Run it at two commits to compare (before the checks: open is a lazy xarray.open_zarr plus the flags, and
verify / resume checks do not exist):

    .venv/bin/python bench/store.py [--repeat 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from nernst.sweep import open_sweep, run_sweep, sweep_from_dict

CASES = [  # (points on each axis, points per block): 10^6 points in 1, 100 and 1,000 blocks; 10^4 in 100
    ((1000, 1000), 1_000_000),
    ((1000, 1000), 10_000),
    ((1000, 1000), 1_000),
    ((100, 100), 100),
]


def sweep(shape, chunk):
    return sweep_from_dict({
        "model": "rest", "preset": "mammalian_neuron", "chunk": chunk,
        "axes": [{"parameter": "ions.K.outside", "start": 1, "stop": 20, "num": shape[0]},
                 {"parameter": "ions.Na.permeability", "start": 0.01, "stop": 0.1, "num": shape[1]}]})


def timed(fn, repeat):
    fn()  # a first, untimed call (imports, caches)
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    try:
        from nernst.sweepstore import verify_store
    except ImportError:  # a commit before the checks
        verify_store = None
    tmp = Path(tempfile.mkdtemp(prefix="nernst-bench-store-"))
    rows = []
    for shape, chunk in CASES:
        sw = sweep(shape, chunk)
        path = tmp / "s.zarr"

        def to_store():
            shutil.rmtree(path, ignore_errors=True)
            run_sweep(sw, out=path)

        row = {"points": sw.n_points, "blocks": sw.n_tasks, "outputs": len(sw.outputs),
               "memory_s": timed(lambda: run_sweep(sw), args.repeat),
               "store_s": timed(to_store, args.repeat),
               "open_s": timed(lambda: open_sweep(path).load(), args.repeat),
               "resume_s": timed(lambda: run_sweep(sw, out=path, resume=True), args.repeat)}
        if verify_store is not None:
            row["verify_s"] = timed(lambda: verify_store(path), args.repeat)
        mem = run_sweep(sw).dataset
        disk = open_sweep(path).load()
        for o in sw.outputs:  # the store holds the in-memory numbers, bit for bit
            assert np.asarray(mem[o].values).tobytes() == np.asarray(disk[o].values).tobytes(), o
        rows.append(row)
        print(" ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()), flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": platform.platform(), "python": platform.python_version(),
                                         "rows": rows}, indent=1))


if __name__ == "__main__":
    main()

"""Benchmark: equilibrium physics over a 10^6-point grid.

Times nernst's vectorized zero-current potential (GHK) against the plain NumPy
floor, one vectorized log of the same size, and reports the ratio.  Where the
`neuron` package is installed, NEURON's own nernst() is timed in the same run
(NEURON evaluates it one point at a time from Python, so it is timed on
10^5 points and scaled).

Run:  .venv/bin/python bench/equilibrium.py [--points 1000000] [--repeat 7] [--json]
Results are recorded, with the machine, in BENCHMARKS.md.  Benchmarks are not
tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

import nernst


def timeit(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


from common import machine  # noqa: E402  (bench/common.py, beside this script)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    n = args.points
    rng = np.random.default_rng(1)
    k_out = rng.uniform(1.0, 20.0, n)  # K_o grid, mM
    p_na = rng.uniform(0.01, 0.1, n)  # P_Na/P_K grid

    cases = {}
    floor = timeit(lambda: np.log(k_out), args.repeat)
    cases["numpy_log_floor"] = floor

    # Monovalent K, Na, Cl (closed form: the GHK voltage equation)
    mono = lambda: nernst.zero_current_potential(  # noqa: E731
        [140.0, 15.0, 10.0], [k_out, 145.0, 110.0], [1, 1, -1], [1.0, p_na, 0.45], 37.0)
    cases["ghk_K_Na_Cl_closed"] = timeit(mono, args.repeat)

    # With Ca2+ (closed form: quadratic in exp(-FV/RT))
    div = lambda: nernst.zero_current_potential(  # noqa: E731
        [140.0, 15.0, 10.0, 1e-4], [k_out, 145.0, 110.0, 2.0], [1, 1, -1, 2], [1.0, p_na, 0.45, 0.01], 37.0)
    cases["ghk_K_Na_Cl_Ca_closed"] = timeit(div, args.repeat)

    # Same set by the bracketed Newton root (what any other valence needs):
    # the vectorized NumPy reference and the compiled (Numba) kernel.
    def root(backend):
        return nernst.zero_current_potential(
            [140.0, 15.0, 10.0, 1e-4], [k_out, 145.0, 110.0, 2.0], [1, 1, -1, 2], [1.0, p_na, 0.45, 0.01], 37.0,
            method="root", backend=backend)

    cases["ghk_K_Na_Cl_Ca_root_numpy"] = timeit(lambda: root("numpy"), max(2, args.repeat // 3))
    diff = float(np.max(np.abs(div() - root("numpy"))))
    from nernst import kernels

    if kernels.available():
        t0 = time.perf_counter()
        root("numba")  # first call: compile or load from Numba's cache
        first_call = time.perf_counter() - t0
        cases["ghk_K_Na_Cl_Ca_root_numba"] = timeit(lambda: root("numba"), args.repeat)
        diff = max(diff, float(np.max(np.abs(div() - root("numba")))))
    else:
        first_call = None

    cases["nernst_E_K"] = timeit(lambda: nernst.nernst(140.0, k_out, 1, 37.0), args.repeat)

    peer = None
    try:
        from neuron import h

        h.celsius = 37.0
        m = min(n, 100_000)
        ko = k_out[:m].tolist()

        def neuron_nernst():
            f = h.nernst
            return [f(140.0, x, 1) for x in ko]

        t = timeit(neuron_nernst, 3)
        peer = (t[0] * n / m, t[1] * n / m)
        cases["neuron_nernst_E_K_scaled"] = peer
        ours = np.asarray(nernst.nernst(140.0, k_out[:m], 1, 37.0))
        cases_agree = float(np.max(np.abs(ours - np.asarray(neuron_nernst()))))
    except ImportError:
        cases_agree = None

    f = floor[0]
    rows = []
    for name, (tmin, tmed) in cases.items():
        rows.append({"case": name, "points": n, "min_s": tmin, "median_s": tmed, "ratio_to_log_floor": tmin / f,
                     "points_per_s": n / tmin})
    result = {"machine": machine(), "rows": rows, "closed_vs_root_max_abs_mV": diff,
              "numba_first_call_s": first_call,
              "neuron_vs_nernst_E_K_max_abs_mV": cases_agree}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"machine: {result['machine']}")
    print(f"{'case':32s} {'min (ms)':>10s} {'median (ms)':>12s} {'x log floor':>12s} {'points/s':>12s}")
    for r in rows:
        print(f"{r['case']:32s} {r['min_s'] * 1e3:10.2f} {r['median_s'] * 1e3:12.2f} {r['ratio_to_log_floor']:12.1f} "
              f"{r['points_per_s']:12.3g}")
    print(f"closed form vs root, max |dV| = {diff:.2e} mV")
    if first_call is not None:
        print(f"Numba kernel first call (compile or cache load): {first_call:.2f} s")
    if cases_agree is not None:
        print(f"NEURON nernst() vs nernst.nernst, max |dE| = {cases_agree:.2e} mV")


if __name__ == "__main__":
    main()

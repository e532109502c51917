"""NEURON at a small time step: an independent check of the converged references.

Runs W1 or W3 of the excitability benchmark exactly as `neuron_w.py` builds
them (its `hh_section` and `crossings`), but with `h.secondorder = 2`
(Crank-Nicolson; --secondorder 0: backward Euler) at the time step --dt.
`bench/excitability.py` compares the result with nernst at the same small step: two different codes
that agree there pin down the dt -> 0 limit that the benchmark's accuracy
columns measure against.  Prints one JSON line.
Usage: python neuron_ref.py --workload W1|W3 [--dt 0.001] [--secondorder 2|0]
"""
import time

T0 = time.perf_counter()
import argparse
import json
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", required=True, choices=["W1", "W3"])
    ap.add_argument("--dt", type=float, default=0.001)
    ap.add_argument("--secondorder", type=int, default=2, choices=[0, 2],
                    help="2: Crank-Nicolson (default); 0: backward Euler, NEURON's default")
    a = ap.parse_args()
    out = {"peer": "neuron", "workload": a.workload, "dt_ms": a.dt, "secondorder": a.secondorder}
    try:
        import numpy as np
        from neuron import h
        from neuron_w import crossings, hh_section

        h.load_file("stdrun.hoc")
        out["version"] = h.nrnversion(5)
        h.celsius, h.usetable_hh, h.secondorder, h.dt = 6.3, 0, a.secondorder, a.dt
        if a.workload == "W1":
            sec = hh_section(h, "soma", 10.0, 10.0)
            stim = h.IClamp(sec(0.5))
            stim.delay, stim.dur = 0.0, 1e9
            stim.amp = 10.0 * h.area(0.5, sec=sec) * 1e-5  # uA/cm2 -> nA
            tv, vv = h.Vector().record(h._ref_t), h.Vector().record(sec(0.5)._ref_v)
            tstop = 1000.0
        else:
            nseg, L, d = 1000, 10000.0, 500.0
            sec = hh_section(h, "axon", L, d, nseg)
            sec.Ra = 35.4
            stim = h.IClamp(sec(0.5 / nseg))
            stim.delay, stim.dur, stim.amp = 0.0, 0.1, 2.5 * d ** 1.5
            idx = [int(x // (L / nseg)) for x in (2500.0, 7500.0)]
            tv = h.Vector().record(h._ref_t)
            vr = [h.Vector().record(sec((k + 0.5) / nseg)._ref_v) for k in idx]
            tstop = 20.0
        h.finitialize(-65.0)
        t1 = time.perf_counter()
        h.continuerun(tstop)
        out["run_s"] = time.perf_counter() - t1
        t = np.array(tv)
        if a.workload == "W1":
            sp = crossings(t, np.array(vv))
            out.update(n_spikes=len(sp), first_spike_ms=float(sp[0]), last_spike_ms=float(sp[-1]))
        else:
            tq, t3 = (float(crossings(t, np.array(v))[0]) for v in vr)
            out.update(t_quarter_ms=tq, t_three_quarter_ms=t3, velocity_m_s=5.0 / (t3 - tq), record_idx=idx)
    except Exception as e:  # noqa: BLE001 - report, don't crash
        out["error"] = f"{type(e).__name__}: {e}".splitlines()[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()

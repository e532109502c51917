"""nernst's side of the excitability benchmark (W1, W2, W3), like the peer scripts.

Model: Hodgkin & Huxley (1952) J Physiol 117:500 as in the peers (nernst's
defaults: gNa 120, gK 36, gL 0.3 mS/cm2; ENa 50, EK -77, EL -54.387 mV;
Cm 1 uF/cm2; 6.3 degC), start at -65 mV with the gates at steady state,
spike = upward 0 mV crossing (linearly interpolated, as in the peers).

  W1  simulate_hh(10.0, duration=1000.0, dt=0.025, v0=-65.0)
  W2  simulate_hh(np.linspace(0, 20, 10000), duration=100.0, dt=0.025,
      v0=-65.0, record=False); counts from .spike_counts
  W3  simulate_cable(axon(10000.0, 500.0, 1000), 20.0, 0.01,
      injections=[Injection(Step(2.5*500**1.5, 0.0, 0.1), "axon", 0.0)],
      record=[("axon", 0.25), ("axon", 0.75)], v0=-65.0); velocity from the
      first spikes at compartments 250 and 750 (centres 2505 and 7505 um, the
      peers' choice; CableResult.velocity(2500, 7500) picks 249 and 749 and is
      reported too as velocity_api_m_s)

Integration: nernst's staggered Crank-Nicolson scheme (second order in dt).
Only the public API is used.  setup_s runs from script start (before imports)
up to the timed call and includes one tiny warm-up call of the same function
(it loads the compiled kernels, or compiles them: warmup_s); run_s is the
timed simulate call (`time.perf_counter`); --inner-repeat N adds N more calls
in the same process (run_more_s).  `backend` is result.backend ("aot" = the
ahead-of-time build, the normal one).  --dt overrides the step (for converged
references); --threads N passes threads=N to simulate_hh when it accepts it.
Prints one JSON line.
Usage: python nernst_w.py --workload W1|W2|W3 [--threads N] [--dt DT] [--inner-repeat N]
"""
import time

T0 = time.perf_counter()
import argparse
import inspect
import json

DEFAULT_DT = {"W1": 0.025, "W2": 0.025, "W3": 0.01}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", required=True, choices=["W1", "W2", "W3"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dt", type=float, default=None, help="time step, ms (default: the workload's)")
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--inner-repeat", type=int, default=0, help="extra timed calls in this process")
    a = ap.parse_args()
    dt = DEFAULT_DT[a.workload] if a.dt is None else a.dt
    out = {"peer": "nernst", "workload": a.workload, "threads": a.threads, "dt_ms": dt}
    try:
        import numpy as np

        import nernst
        from nernst.excitability import Injection, simulate_cable, simulate_hh
        from nernst.morphology import axon
        from nernst.stimulus import Step

        out["version"] = nernst.__version__
        out["scheme"] = "Crank-Nicolson (staggered)"
        kw = {"backend": a.backend}
        if a.threads != 1:
            target = simulate_hh if a.workload in ("W1", "W2") else simulate_cable
            if "threads" not in inspect.signature(target).parameters:
                out["error"] = f"{target.__name__} has no threads argument"
                print(json.dumps(out)); return
            kw["threads"] = a.threads

        if a.workload == "W1":
            def call():
                return simulate_hh(10.0, duration=1000.0, dt=dt, v0=-65.0, **kw)

            def warm():
                return simulate_hh(10.0, duration=10 * dt, dt=dt, v0=-65.0, **kw)

            def result(r):
                sp = r.spike_times_ms[0]
                return {"n_spikes": int(r.spike_counts[0]), "first_spike_ms": float(sp[0]),
                        "last_spike_ms": float(sp[-1])}

        elif a.workload == "W2":
            amps = np.linspace(0.0, 20.0, 10000)

            def call():
                return simulate_hh(amps, duration=100.0, dt=dt, v0=-65.0, record=False, **kw)

            def warm():  # enough cells that a threaded path is taken too
                return simulate_hh(amps[::10], duration=10 * dt, dt=dt, v0=-65.0, record=False, **kw)

            def result(r):
                c = np.asarray(r.spike_counts)
                return {"total_spikes": int(c.sum()),
                        "spikes_at": [int(c[k]) for k in (0, 2500, 5000, 7500, 9999)]}

        else:  # W3
            L, d, ncomp = 10000.0, 500.0, 1000
            sections = axon(L, d, ncomp)
            amp = 2.5 * d ** 1.5  # nA
            inj = [Injection(Step(amp, 0.0, 0.1), "axon", 0.0)]
            rec = [("axon", 0.25), ("axon", 0.75)]

            def call():
                return simulate_cable(sections, 20.0, dt, injections=inj, record=rec, v0=-65.0, **kw)

            def warm():
                return simulate_cable(axon(L, d, 10), 10 * dt, dt, injections=inj, v0=-65.0, **kw)

            dx = L / ncomp
            idx = [int(x // dx) for x in (2500.0, 7500.0)]  # the peers' compartments 250, 750

            def result(r):
                tq, t3 = (float(r.first_spike_ms[k]) for k in idx)
                return {"t_quarter_ms": tq, "t_three_quarter_ms": t3,
                        "velocity_m_s": 5.0 / (t3 - tq), "record_idx": idx,
                        "record_x_um": [float(r.tree.x_um[k]) for k in idx], "stim_nA": amp,
                        "recorded_idx": [int(k) for k in r.recorded],
                        "velocity_api_m_s": r.velocity(2500.0, 7500.0)}

        t1 = time.perf_counter()
        warm()
        out["warmup_s"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        res = call()
        out["run_s"] = time.perf_counter() - t2
        out["setup_s"] = t2 - T0
        out["backend"] = res.backend
        more = []
        for _ in range(a.inner_repeat):
            t3 = time.perf_counter()
            call()
            more.append(time.perf_counter() - t3)
        if more:
            out["run_more_s"] = more
        out.update(result(res))
    except Exception as e:  # noqa: BLE001 - report, don't crash
        out["error"] = f"{type(e).__name__}: {e}".splitlines()[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()

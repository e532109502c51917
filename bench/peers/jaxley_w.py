"""Jaxley peer for the excitability benchmark (W1, W2, W3).

Model: Hodgkin & Huxley (1952) J Physiol 117:500, squid giant axon membrane in
the modern convention (rest -65 mV): gNa 120, gK 36, gL 0.3 mS/cm2; ENa 50,
EK -77, EL -54.387 mV; Cm 1 uF/cm2; 6.3 degC (Q10 factor 1).  Jaxley's built-in
`HH` channel has exactly these rate functions (no temperature scaling); only
eLeak is changed from its default -54.3.

  W1  one compartment, 10 uA/cm2 from t=0, 1000 ms, dt 0.025 ms
  W2  10,000 compartments, I = linspace(0, 20, 10000) uA/cm2, 100 ms, dt 0.025
      (jax.vmap over the stimulus of one compartment, spikes counted in-jit)
  W3  1000-compartment branch, L 10 mm, d 500 um, Ri 35.4 ohm cm, 20 ms,
      dt 0.01, 0.1 ms pulse of 2.5*d**1.5 nA into the first compartment

Solver: jaxley's default "bwd_euler" (implicit voltage, exponential gates),
float64, CPU, single thread.  The jitted simulation is called twice:
setup_s includes the JIT compile and the first call (first_run_s); run_s times
the second call.  Prints one JSON line.
Usage: python jaxley_w.py --workload W1|W2|W3 [--threads N]
"""
import time

T0 = time.perf_counter()
import argparse, json, os, sys

ap = argparse.ArgumentParser()
ap.add_argument("--workload", required=True, choices=["W1", "W2", "W3"])
ap.add_argument("--threads", type=int, default=1)
ARGS = ap.parse_args()
os.environ["JAX_PLATFORMS"] = "cpu"
if ARGS.threads == 1:
    os.environ["XLA_FLAGS"] = ("--xla_cpu_multi_thread_eigen=false "
                               "intra_op_parallelism_threads=1")
    os.environ["OMP_NUM_THREADS"] = "1"


def crossings(t, v, thr=0.0):
    """Upward crossings of thr, linearly interpolated in time."""
    import numpy as np
    i = np.nonzero((v[:-1] < thr) & (v[1:] >= thr))[0]
    return t[i] + (thr - v[i]) * (t[i + 1] - t[i]) / (v[i + 1] - v[i])


def hh_module(module, length, radius):
    import jaxley as jx
    from jaxley.channels import HH
    module.set("length", length)  # per compartment, um
    module.set("radius", radius)  # um
    module.set("capacitance", 1.0)
    module.insert(HH())
    module.set("HH_eLeak", -54.387)
    module.set("v", -65.0)
    module.init_states()  # gates at steady state for v = -65
    return module


def main():
    a = ARGS
    out = {"peer": "jaxley", "workload": a.workload, "threads": a.threads}
    try:
        import numpy as np
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        import jaxley as jx
        out["version"] = jx.__version__
        out["jax_version"] = jax.__version__
        out["solver"] = "bwd_euler"

        if a.workload in ("W1", "W2"):
            dt, T = 0.025, (1000.0 if a.workload == "W1" else 100.0)
            nsteps = round(T / dt)
            comp = jx.Compartment()
            hh_module(comp, 10.0, 5.0)
            comp.record("v", verbose=False)
            area_um2 = float(comp.nodes["area"].iloc[0])
            to_nA = area_um2 * 1e-5  # uA/cm2 * um2 -> nA

            def trace(dens):  # constant current density from t = 0
                i = jnp.full((nsteps,), dens * to_nA)
                ds = comp.data_stimulate(i, verbose=False)
                return jx.integrate(comp, data_stimuli=ds, delta_t=dt)[0]

            if a.workload == "W1":
                sim = jax.jit(trace)
                arg = 10.0
            else:
                def count(dens):
                    v = trace(dens)
                    return jnp.sum((v[:-1] < 0.0) & (v[1:] >= 0.0))
                sim = jax.jit(jax.vmap(count))
                arg = jnp.linspace(0.0, 20.0, 10000)
        else:  # W3
            dt, T = 0.01, 20.0
            nsteps = round(T / dt)
            ncomp, L, d = 1000, 10000.0, 500.0
            cell = jx.Cell(jx.Branch(jx.Compartment(), ncomp=ncomp), parents=[-1])
            hh_module(cell, L / ncomp, d / 2)
            cell.set("axial_resistivity", 35.4)
            dx = L / ncomp
            idx = [int(x // dx) for x in (2500.0, 7500.0)]  # ties -> floor(x/dx)
            for k in idx:
                cell.branch(0).comp(k).record("v", verbose=False)
            amp = 2.5 * d ** 1.5
            pulse = jnp.zeros((nsteps,)).at[: round(0.1 / dt)].set(amp)

            def w3(i):
                ds = cell.branch(0).comp(0).data_stimulate(i, verbose=False)
                return jx.integrate(cell, data_stimuli=ds, delta_t=dt)

            sim, arg = jax.jit(w3), pulse

        t1 = time.perf_counter()
        jax.block_until_ready(sim(arg))
        out["first_run_s"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        res = np.asarray(jax.block_until_ready(sim(arg)))
        out["run_s"] = time.perf_counter() - t2
        out["setup_s"] = t2 - T0

        t = np.arange(nsteps + 1) * dt
        if a.workload == "W1":
            sp = crossings(t, res)
            out.update(n_spikes=int(len(sp)), first_spike_ms=float(sp[0]),
                       last_spike_ms=float(sp[-1]))
        elif a.workload == "W2":
            out.update(total_spikes=int(res.sum()),
                       spikes_at=[int(res[k]) for k in (0, 2500, 5000, 7500, 9999)])
        else:
            tq, t3 = (float(crossings(t, v)[0]) for v in res)
            out.update(t_quarter_ms=tq, t_three_quarter_ms=t3,
                       velocity_m_s=5.0 / (t3 - tq), record_idx=idx,
                       record_x_um=[(k + 0.5) * dx for k in idx], stim_nA=amp)
    except Exception as e:  # report, don't crash
        out["error"] = f"{type(e).__name__}: {e}".splitlines()[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()

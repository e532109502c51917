"""Brian2 peer for the excitability benchmark (W1, W2, W3).

Model: Hodgkin & Huxley (1952) J Physiol 117:500, squid giant axon membrane in
the modern convention (rest -65 mV): gNa 120, gK 36, gL 0.3 mS/cm2; ENa 50,
EK -77, EL -54.387 mV; Cm 1 uF/cm2; 6.3 degC (Q10 factor 1); standard HH rate
functions written out below (exprel removes the 0/0 of alpha_m and alpha_n).

  W1  one compartment, 10 uA/cm2 from t=0, 1000 ms, dt 0.025 ms
  W2  NeuronGroup of 10,000, I = linspace(0, 20, 10000) uA/cm2, 100 ms,
      dt 0.025, threshold/refractory 'v > 0*mV', SpikeMonitor counts
  W3  SpatialNeuron Cylinder, 1000 compartments, L 10 mm, d 500 um,
      Ri 35.4 ohm cm, 20 ms, dt 0.01, 0.1 ms pulse of 2.5*d**1.5 nA into
      compartment 0

Integration: exponential_euler.  Mode: cpp_standalone, 1 thread (no OpenMP),
built into a fresh temp dir; falls back to runtime (cython) mode if that fails.
run_s = the C++ network loop time reported by Brian2 (runtime mode: run());
binary_s = wall time of executing the compiled binary; build_s = C++ compile.
Prints one JSON line.  Usage: python brian2_w.py --workload W1|W2|W3 [--threads N]
"""
import time

T0 = time.perf_counter()
import argparse, json, os, shutil, sys, tempfile

os.environ.setdefault("OMP_NUM_THREADS", "1")

MEMBRANE = """
dm/dt = alpha_m*(1-m) - beta_m*m : 1
dh/dt = alpha_h*(1-h) - beta_h*h : 1
dn/dt = alpha_n*(1-n) - beta_n*n : 1
alpha_m = 1/exprel(-(v+40*mV)/(10*mV))/ms : Hz
beta_m = 4*exp(-(v+65*mV)/(18*mV))/ms : Hz
alpha_h = 0.07*exp(-(v+65*mV)/(20*mV))/ms : Hz
beta_h = 1/(1+exp(-(v+35*mV)/(10*mV)))/ms : Hz
alpha_n = 0.1/exprel(-(v+55*mV)/(10*mV))/ms : Hz
beta_n = 0.125*exp(-(v+65*mV)/(80*mV))/ms : Hz
"""
I_MEM = "gNa*m**3*h*(ENa-v) + gK*n**4*(EK-v) + gL*(EL-v)"


def steady(v):
    """HH gate steady states at v (mV)."""
    import numpy as np
    am = 0.1 * (v + 40) / (1 - np.exp(-(v + 40) / 10)); bm = 4 * np.exp(-(v + 65) / 18)
    ah = 0.07 * np.exp(-(v + 65) / 20); bh = 1 / (1 + np.exp(-(v + 35) / 10))
    an = 0.01 * (v + 55) / (1 - np.exp(-(v + 55) / 10)); bn = 0.125 * np.exp(-(v + 65) / 80)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


def crossings(t, v, thr=0.0):
    """Upward crossings of thr, linearly interpolated in time."""
    import numpy as np
    i = np.nonzero((v[:-1] < thr) & (v[1:] >= thr))[0]
    return t[i] + (thr - v[i]) * (t[i + 1] - t[i]) / (v[i + 1] - v[i])


def build(b2, workload):
    """Create the network; return (objects, duration, result function)."""
    import numpy as np
    from brian2 import mV, ms, uA, nA, cm, um, mm, ohm, uF, msiemens
    ns = dict(gNa=120 * msiemens / cm**2, gK=36 * msiemens / cm**2,
              gL=0.3 * msiemens / cm**2, ENa=50 * mV, EK=-77 * mV, EL=-54.387 * mV,
              Cm=1 * uF / cm**2)
    m0, h0, n0 = steady(-65.0)
    if workload in ("W1", "W2"):
        b2.defaultclock.dt = 0.025 * ms
        n = 1 if workload == "W1" else 10000
        eqs = f"dv/dt = (I + {I_MEM})/Cm : volt\nI : amp/meter**2 (constant)\n" + MEMBRANE
        G = b2.NeuronGroup(n, eqs, threshold="v > 0*mV", refractory="v > 0*mV",
                           method="exponential_euler", namespace=ns)
        G.v, G.m, G.h, G.n = -65 * mV, m0, h0, n0
        G.I = (10.0 if n == 1 else np.linspace(0.0, 20.0, n)) * uA / cm**2
        S = b2.SpikeMonitor(G, record=(workload == "W1"))
        objs = [G, S]
        if workload == "W1":
            M = b2.StateMonitor(G, "v", record=0)
            objs.append(M)

            def result():
                sp = crossings(np.asarray(M.t / ms), np.asarray(M.v[0] / mV))
                return {"n_spikes": int(len(sp)), "first_spike_ms": float(sp[0]),
                        "last_spike_ms": float(sp[-1]), "spikemon_n": int(S.num_spikes)}
            return objs, 1000 * ms, result

        def result():
            c = np.asarray(S.count[:])
            return {"total_spikes": int(c.sum()),
                    "spikes_at": [int(c[k]) for k in (0, 2500, 5000, 7500, 9999)]}
        return objs, 100 * ms, result

    # W3
    b2.defaultclock.dt = 0.01 * ms
    ncomp, L, d = 1000, 10.0, 500.0  # mm, um
    amp = 2.5 * d ** 1.5  # nA
    ns["Ipulse"] = amp * nA
    morpho = b2.Cylinder(length=L * mm, diameter=d * um, n=ncomp)
    eqs = (f"Im = {I_MEM} : amp/meter**2\n"
           # (stim_w, not `i == 0`: Brian2 2.9 standalone redeclares `i` here)
           "I = Ipulse*stim_w*int(t < 0.095*ms) : amp (point current)\n"
           "stim_w : 1 (constant)\n" + MEMBRANE)
    N = b2.SpatialNeuron(morphology=morpho, model=eqs, Cm=1 * uF / cm**2,
                         Ri=35.4 * ohm * cm, method="exponential_euler", namespace=ns)
    N.v, N.m, N.h, N.n = -65 * mV, m0, h0, n0
    N.stim_w[0] = 1.0  # pulse into compartment 0 only
    dx = L * 1000 / ncomp
    idx = [int(x // dx) for x in (2500.0, 7500.0)]  # ties -> floor(x/dx)
    M = b2.StateMonitor(N, "v", record=idx)

    def result():
        t = np.asarray(M.t / ms)
        tq, t3 = (float(crossings(t, np.asarray(M.v[j] / mV))[0]) for j in range(2))
        return {"t_quarter_ms": tq, "t_three_quarter_ms": t3,
                "velocity_m_s": 5.0 / (t3 - tq), "record_idx": idx,
                "record_x_um": [(k + 0.5) * dx for k in idx], "stim_nA": amp}
    return [N, M], 20 * ms, result


class stdout_to_stderr:
    """Redirect file descriptor 1 (also of child processes) to stderr."""
    def __enter__(self):
        sys.stdout.flush()
        self.saved = os.dup(1)
        os.dup2(2, 1)

    def __exit__(self, *exc):
        sys.stdout.flush()
        os.dup2(self.saved, 1)
        os.close(self.saved)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", required=True, choices=["W1", "W2", "W3"])
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    out = {"peer": "brian2", "workload": a.workload, "threads": a.threads}
    try:
        import brian2 as b2
        out["version"] = b2.__version__
        out["method"] = "exponential_euler"
    except Exception as e:
        out["error"] = f"import brian2 failed: {e}".splitlines()[0]
        print(json.dumps(out)); return
    b2.prefs.logging.std_redirection = False
    tmp = tempfile.mkdtemp(prefix="brian2_w_")
    try:  # C++ standalone
        b2.set_device("cpp_standalone", build_on_run=False, directory=tmp)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0 if a.threads == 1 else a.threads
        objs, T, result = build(b2, a.workload)
        net = b2.Network(*objs)
        net.run(T)  # generates code only
        t1 = time.perf_counter()
        with stdout_to_stderr():  # keep compiler chatter off our JSON stdout
            b2.device.build(directory=tmp, compile=True, run=False, with_output=False)
        t2 = time.perf_counter()
        out["build_s"] = t2 - t1
        b2.device.run(directory=tmp, with_output=False)
        out["binary_s"] = time.perf_counter() - t2
        out["setup_s"] = t2 - T0
        out["run_s"] = float(b2.device._last_run_time)
        out["mode"] = "cpp_standalone"
        out.update(result())
    except Exception as e:
        err = f"{type(e).__name__}: {e}".splitlines()[0]
        try:  # runtime fallback
            b2.device.reinit(); b2.device.activate()
            b2.set_device("runtime")
            b2.prefs.codegen.target = "cython"
            b2.start_scope()
            objs, T, result = build(b2, a.workload)
            net = b2.Network(*objs)
            t1 = time.perf_counter()
            out["setup_s"] = t1 - T0
            net.run(T)  # includes cython compile on first use
            out["run_s"] = time.perf_counter() - t1
            out["mode"] = f"runtime-cython (standalone failed: {err})"
            out.update(result())
        except Exception as e2:
            out["error"] = f"standalone: {err}; runtime: {type(e2).__name__}: {e2}".splitlines()[0]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

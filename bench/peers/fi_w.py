"""f-I curve peer for the sweep benchmark (bench/sweep.py): NEURON or Brian2.

The population nernst's `spike` sweep model computes: N independent HH 1952
patches (squid membrane, 6.3 degC, gNa 120, gK 36, gL 0.3 mS/cm2, ENa 50,
EK -77, EL -54.387 mV, Cm 1 uF/cm2) under constant currents
linspace(0, IMAX, N) uA/cm2 from t = 0, DURATION ms at DT ms, starting at V0
with the gates at steady state there (bench/sweep.py passes nernst's resting
potential, the sweep model's start), spike = upward 0 mV crossing.  The model
code is the excitability peers' (brian2_w.py, neuron_w.py in this folder).

  neuron  N sections (L = diam = 10 um), IClamp each, NetCon threshold 0 mV;
          backward Euler (its default) and then, in the same process,
          Crank-Nicolson (secondorder = 2, nernst's scheme): "cn" block
  brian2  one NeuronGroup, exponential Euler, cpp_standalone (1 thread),
          threshold/refractory 'v > 0*mV', SpikeMonitor counts

run_s = NEURON's continuerun / Brian2's C++ network loop; setup_s = script
start to the timed call (Brian2: includes the C++ build, build_s).  Prints one
JSON line with the per-cell spike counts.
Usage: python fi_w.py --peer neuron|brian2 [--n 1000] [--imax 20] [--duration 200]
       [--dt 0.025] [--v0 -65]
"""
import time

T0 = time.perf_counter()
import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("OMP_NUM_THREADS", "1")


def run_neuron(a, out):
    import numpy as np
    from neuron import h
    from neuron_w import hh_section

    h.load_file("stdrun.hoc")
    out["version"] = h.nrnversion(5)
    h.celsius = 6.3
    h.usetable_hh = 0
    h.dt = a.dt
    amps = np.linspace(0.0, a.imax, a.n)
    tvec, idvec, keep = h.Vector(), h.Vector(), []
    for i in range(a.n):
        sec = hh_section(h, f"c{i}", 10.0, 10.0)
        stim = h.IClamp(sec(0.5))
        stim.delay, stim.dur = 0.0, 1e9
        stim.amp = amps[i] * h.area(0.5, sec=sec) * 1e-5  # uA/cm2 -> nA
        nc = h.NetCon(sec(0.5)._ref_v, None, sec=sec)
        nc.threshold = 0.0
        nc.record(tvec, idvec, i)
        keep.append((sec, stim, nc))

    def run(order):
        h.secondorder = order
        tvec.resize(0)
        idvec.resize(0)
        h.finitialize(a.v0)
        t1 = time.perf_counter()
        h.continuerun(a.duration)
        dt_run = time.perf_counter() - t1
        h.fadvance()  # NetCon records a crossing one step late: catch those in the last step
        ids = np.array(idvec, dtype=int)[np.array(tvec) <= a.duration + 1e-6]
        return t1, dt_run, np.bincount(ids, minlength=a.n).tolist()

    t1, out["run_s"], out["counts"] = run(0)
    out["setup_s"] = t1 - T0
    out["scheme"] = "BE"
    _, cn_s, cn_counts = run(2)
    out["cn"] = {"run_s": cn_s, "counts": cn_counts, "scheme": "CN"}


def run_brian2(a, out):
    import brian2 as b2
    import numpy as np
    from brian2 import cm, ms, msiemens, mV, uA, uF
    from brian2_w import I_MEM, MEMBRANE, stdout_to_stderr, steady

    out["version"] = b2.__version__
    out["scheme"] = "exp. Euler"
    b2.prefs.logging.std_redirection = False
    tmp = tempfile.mkdtemp(prefix="fi_brian2_")
    try:
        b2.set_device("cpp_standalone", build_on_run=False, directory=tmp)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        b2.defaultclock.dt = a.dt * ms
        ns = {"gNa": 120 * msiemens / cm**2, "gK": 36 * msiemens / cm**2, "gL": 0.3 * msiemens / cm**2,
              "ENa": 50 * mV, "EK": -77 * mV, "EL": -54.387 * mV, "Cm": 1 * uF / cm**2}
        eqs = f"dv/dt = (I + {I_MEM})/Cm : volt\nI : amp/meter**2 (constant)\n" + MEMBRANE
        G = b2.NeuronGroup(a.n, eqs, threshold="v > 0*mV", refractory="v > 0*mV",
                           method="exponential_euler", namespace=ns)
        m0, h0, n0 = steady(a.v0)
        G.v, G.m, G.h, G.n = a.v0 * mV, m0, h0, n0
        G.I = np.linspace(0.0, a.imax, a.n) * uA / cm**2
        S = b2.SpikeMonitor(G, record=False)
        net = b2.Network(G, S)
        net.run(a.duration * ms)  # generates code only
        t1 = time.perf_counter()
        with stdout_to_stderr():
            b2.device.build(directory=tmp, compile=True, run=False, with_output=False)
        t2 = time.perf_counter()
        out["build_s"] = t2 - t1
        b2.device.run(directory=tmp, with_output=False)
        out["binary_s"] = time.perf_counter() - t2
        out["setup_s"] = t2 - T0
        out["run_s"] = float(b2.device._last_run_time)
        out["mode"] = "cpp_standalone"
        out["counts"] = [int(c) for c in np.asarray(S.count[:])]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", required=True, choices=["neuron", "brian2"])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--imax", type=float, default=20.0)
    ap.add_argument("--duration", type=float, default=200.0)
    ap.add_argument("--dt", type=float, default=0.025)
    ap.add_argument("--v0", type=float, default=-65.0)
    a = ap.parse_args()
    out = {"peer": a.peer, "n": a.n, "duration_ms": a.duration, "dt_ms": a.dt, "v0_mV": a.v0}
    try:
        (run_neuron if a.peer == "neuron" else run_brian2)(a, out)
    except Exception as e:  # noqa: BLE001 - report, don't crash
        out["error"] = f"{type(e).__name__}: {e}".splitlines()[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()

"""NEURON peer for the excitability benchmark (W1, W2, W3).

Model: Hodgkin & Huxley (1952) J Physiol 117:500, squid giant axon membrane in
the modern convention (rest -65 mV): gNa 120, gK 36, gL 0.3 mS/cm2; ENa 50,
EK -77, EL -54.387 mV; Cm 1 uF/cm2; 6.3 degC (Q10 factor 1).  NEURON's built-in
`hh` mechanism implements exactly these rate functions; we set el_hh, celsius
and usetable_hh = 0 (rates computed exactly, no lookup tables).

  W1  one compartment, 10 uA/cm2 from t=0, 1000 ms, dt 0.025 ms
  W2  10,000 compartments, I = linspace(0, 20, 10000) uA/cm2, 100 ms, dt 0.025
  W3  1000-segment axon, L 10 mm, d 500 um, Ri 35.4 ohm cm, 20 ms, dt 0.01,
      0.1 ms pulse of 2.5*d**1.5 nA into the first segment

Fixed-step backward Euler (secondorder 0).  Prints one JSON line.
Usage: python neuron_w.py --workload W1|W2|W3 [--threads N] [--no-cn]
"""
import time

T0 = time.perf_counter()
import argparse, json, os, sys

os.environ.setdefault("OMP_NUM_THREADS", "1")


def crossings(t, v, thr=0.0):
    """Upward crossings of thr, linearly interpolated in time."""
    import numpy as np
    i = np.nonzero((v[:-1] < thr) & (v[1:] >= thr))[0]
    return t[i] + (thr - v[i]) * (t[i + 1] - t[i]) / (v[i + 1] - v[i])


def hh_section(h, name, L, diam, nseg=1):
    sec = h.Section(name=name)
    sec.L, sec.diam, sec.nseg, sec.cm = L, diam, nseg, 1.0
    sec.insert("hh")
    for seg in sec:
        seg.gnabar_hh, seg.gkbar_hh, seg.gl_hh = 0.12, 0.036, 0.0003
        seg.el_hh, seg.ena, seg.ek = -54.387, 50.0, -77.0
    return sec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", required=True, choices=["W1", "W2", "W3"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-cn", action="store_true", help="skip secondorder=2 extra run")
    a = ap.parse_args()
    out = {"peer": "neuron", "workload": a.workload}
    try:
        import numpy as np
        from neuron import h
        h.load_file("stdrun.hoc")
        out["version"] = h.nrnversion(5)
        h.celsius = 6.3
        h.usetable_hh = 0
        out["usetable_hh"] = int(h.usetable_hh)
        h.secondorder = 0
        if a.threads > 1:
            h.ParallelContext().nthread(a.threads)
        out["threads"] = a.threads
        keep = []  # keep hoc objects alive

        if a.workload == "W1":
            h.dt, tstop = 0.025, 1000.0
            sec = hh_section(h, "soma", 10.0, 10.0)
            seg = sec(0.5)
            stim = h.IClamp(seg)
            stim.delay, stim.dur = 0.0, 1e9
            stim.amp = 10.0 * h.area(0.5, sec=sec) * 1e-5  # uA/cm2 -> nA
            nc = h.NetCon(seg._ref_v, None, sec=sec)
            nc.threshold = 0.0
            tnc, tv, vv = h.Vector(), h.Vector(), h.Vector()
            nc.record(tnc)
            tv.record(h._ref_t)
            vv.record(seg._ref_v)

            def run():
                h.finitialize(-65.0)
                t1 = time.perf_counter()
                h.continuerun(tstop)
                return t1, time.perf_counter() - t1

            def result():
                sp = crossings(np.array(tv), np.array(vv))
                return {"n_spikes": int(len(sp)), "first_spike_ms": float(sp[0]),
                        "last_spike_ms": float(sp[-1]),
                        "netcon_first_last_ms": [tnc[0], tnc[-1]] if len(tnc) else None,
                        "netcon_n": int(len(tnc))}

        elif a.workload == "W2":
            h.dt, tstop, n = 0.025, 100.0, 10000
            amps = np.linspace(0.0, 20.0, n)
            tvec, idvec = h.Vector(), h.Vector()
            for i in range(n):
                sec = hh_section(h, f"c{i}", 10.0, 10.0)
                stim = h.IClamp(sec(0.5))
                stim.delay, stim.dur = 0.0, 1e9
                stim.amp = amps[i] * h.area(0.5, sec=sec) * 1e-5
                nc = h.NetCon(sec(0.5)._ref_v, None, sec=sec)
                nc.threshold = 0.0
                nc.record(tvec, idvec, i)
                keep.append((sec, stim, nc))

            def run():
                h.finitialize(-65.0)
                t1 = time.perf_counter()
                h.continuerun(tstop)
                return t1, time.perf_counter() - t1

            def result():
                # NetCon sees a crossing one step late (recording the step's end
                # time), so take one more step to catch crossings in (tstop-dt, tstop]
                h.fadvance()
                ids = np.array(idvec, dtype=int)[np.array(tvec) <= tstop + 1e-6]
                counts = np.bincount(ids, minlength=n)
                return {"total_spikes": int(counts.sum()),
                        "spikes_at": [int(counts[k]) for k in (0, 2500, 5000, 7500, 9999)]}

        else:  # W3
            h.dt, tstop = 0.01, 20.0
            nseg, L, d = 1000, 10000.0, 500.0
            sec = hh_section(h, "axon", L, d, nseg)
            sec.Ra = 35.4
            stim = h.IClamp(sec(0.5 / nseg))
            stim.delay, stim.dur, stim.amp = 0.0, 0.1, 2.5 * d ** 1.5
            dx = L / nseg
            # compartment whose centre is nearest x; ties (x on a boundary) go
            # to the compartment starting at x, i.e. index floor(x/dx)
            idx = [int(x // dx) for x in (2500.0, 7500.0)]
            tv = h.Vector().record(h._ref_t)
            vr = [h.Vector().record(sec((k + 0.5) / nseg)._ref_v) for k in idx]

            def run():
                h.finitialize(-65.0)
                t1 = time.perf_counter()
                h.continuerun(tstop)
                return t1, time.perf_counter() - t1

            def result():
                t = np.array(tv)
                tq, t3 = (float(crossings(t, np.array(v))[0]) for v in vr)
                return {"t_quarter_ms": tq, "t_three_quarter_ms": t3,
                        "velocity_m_s": 5.0 / (t3 - tq),  # mm/ms == m/s
                        "record_idx": idx, "record_x_um": [(k + 0.5) * dx for k in idx],
                        "stim_nA": 2.5 * d ** 1.5}

        t1, out["run_s"] = run()
        out["setup_s"] = t1 - T0  # includes h.finitialize
        out["secondorder"] = 0
        out.update(result())
        if a.workload in ("W1", "W3") and not a.no_cn:
            h.secondorder = 2
            cn = {"run_s": run()[1]}
            cn.update(result())
            out["cn"] = cn  # same workload with h.secondorder = 2 (Crank-Nicolson)
            h.secondorder = 0
    except Exception as e:  # report, don't crash
        out["error"] = f"{type(e).__name__}: {e}".splitlines()[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()

"""Action potentials and graded potentials: the Python API of the excitability engine.

* :func:`simulate_hh` - one HH membrane patch (or many independent ones at
  once) under current clamp: steps, ramps, pulse trains.
* :func:`voltage_clamp` and :func:`iv_curve` - the ideal voltage clamp of
  Hodgkin & Huxley's experiments, solved exactly (at a fixed potential each
  gate relaxes exponentially).
* :func:`spike_features` - threshold, peak, width, after-hyperpolarization, rate.
* :func:`simulate_cable` - a cable or a branched neuron (see
  :mod:`nernst.morphology`) with current injections and synapses; conduction
  velocity with :meth:`CableResult.velocity`.

Units: mV, ms, uA/cm^2 (single patches), nA (injections into cables), uS
(synapses), um, degC.  Integration is the staggered Crank-Nicolson scheme in
:mod:`nernst._hhsrc` (second order in dt); kernels and backends in
:mod:`nernst.hhkernels`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from ..errors import InvalidParameter, SolverError
from ..mechanisms.hh import HHParameters, auto_time_step, check_time_step, resting_potential, steady_state
from ..model.stimulus import Ramp, Step, Train, check_waveforms, mean_per_step
from .._core.validation import check_range

__all__ = [
    "SpikeResult", "CableResult", "Injection", "simulate_hh", "voltage_clamp", "iv_curve",
    "spike_features", "firing_rate_hz", "spikes_phrase", "simulate_cable", "step_modes", "simulate_hh_ions", "IonRunResult", "MAX_STEPS", "MAX_WORK",
]

#: Largest number of time steps one run may take (1e8 steps = 2500 s at 0.025 ms).
MAX_STEPS = 100_000_000
#: Largest number of compartment-steps one run may take (about a minute of compute).
MAX_WORK = 5e9
#: Largest number of recorded values kept in memory.
MAX_RECORDED = 50_000_000
#: |V| beyond which a run is declared failed (the compiled rates clip there).
V_LIMIT = 1000.0


_float = check_range


def _steps(duration, dt, n_units=1):
    duration = _float(duration, "duration", 1e-6, 1e9)
    dt = _float(dt, "dt", 1e-6, 10.0)
    if dt > duration:
        raise InvalidParameter("dt", dt, f"must not exceed the duration ({duration:g} ms)")
    n = int(round(duration / dt))
    if abs(n * dt - duration) > 1e-9 * duration:
        n = int(math.ceil(duration / dt))
    if n > MAX_STEPS:
        raise InvalidParameter("duration", duration, f"needs {n:.3g} steps of {dt:g} ms (at most {MAX_STEPS:.0e})")
    if n * n_units > MAX_WORK:
        raise InvalidParameter("duration", duration,
                               f"{n:.3g} steps x {n_units} compartments is more than {MAX_WORK:.0e} (split the run)")
    return duration, dt, n


def _params(params, temperature):
    if params is None:
        params = HHParameters()
    if not isinstance(params, HHParameters):
        raise InvalidParameter("params", params, "must be HHParameters")
    if temperature is not None:
        params = params.at_temperature(_float(temperature, "temperature", -40.0, 60.0))
    return params


def _check_vmax(vmax):
    if not math.isfinite(vmax) or vmax > V_LIMIT:
        raise SolverError(f"the membrane potential left +-{V_LIMIT:g} mV: the stimulus is too strong "
                          f"for an HH membrane (largest |V| {vmax:.3g} mV)")


# ---------------------------------------------------------------------------
# single compartments
# ---------------------------------------------------------------------------

@dataclass
class SpikeResult:
    """Current-clamp run of one or more independent HH patches.

    ``v_mV`` is (time,) for one cell and (time, cell) for several;
    ``gates`` (time, 3) holds m, h, n for a single recorded cell.
    ``spike_times_ms[i]`` are the upward crossings of ``threshold_mV``.
    """

    t_ms: np.ndarray
    v_mV: Optional[np.ndarray]
    spike_times_ms: List[np.ndarray]
    spike_counts: np.ndarray
    params: HHParameters
    rest_mV: float
    amplitudes: np.ndarray
    stimulus: List
    duration_ms: float
    dt_ms: float
    threshold_mV: float
    backend: str
    gates: Optional[np.ndarray] = None
    stimulus_uA_cm2: Optional[np.ndarray] = None  # one cell: the applied current at the recorded times

    @property
    def n_cells(self) -> int:
        return int(self.spike_counts.shape[0])

    def currents(self) -> Dict[str, np.ndarray]:
        """I_Na, I_K, I_L (uA/cm^2, outward positive) of a single recorded cell."""
        if self.gates is None or self.v_mV is None or self.v_mV.ndim != 1:
            raise InvalidParameter("currents", InvalidParameter.NO_VALUE, "need one cell recorded with its gates")
        from ..mechanisms.hh import ionic_currents

        m, h, n = self.gates.T
        i_na, i_k, i_l = ionic_currents(self.v_mV, m, h, n, self.params)
        return {"I_Na": i_na, "I_K": i_k, "I_L": i_l}

    def features(self, cell: Optional[int] = None) -> dict:
        """Spike features of one recorded cell (see :func:`spike_features`); *cell* is required
        when the result holds several."""
        if self.v_mV is None:
            raise InvalidParameter("features", InvalidParameter.NO_VALUE, "the voltage was not recorded")
        if cell is None:
            if self.n_cells > 1:
                raise InvalidParameter("cell", InvalidParameter.NO_VALUE,
                                       f"this result holds {self.n_cells} cells: give features(cell=i), 0 <= i < "
                                       f"{self.n_cells}")
            cell = 0
        if isinstance(cell, bool) or not isinstance(cell, (int, np.integer)) or not 0 <= cell < self.n_cells:
            raise InvalidParameter("cell", cell, f"must be a cell index from 0 to {self.n_cells - 1}")
        v = self.v_mV if self.v_mV.ndim == 1 else self.v_mV[:, cell]
        return spike_features(self.t_ms, v, self.threshold_mV, rest_mV=self.rest_mV)

    def summary(self) -> dict:
        """Plain-Python summary (the CLI's JSON)."""
        out = {
            "model": "Hodgkin-Huxley 1952, single compartment",
            "reversal_source": self.params.reversal_source,
            "parameters": self.params.as_dict(),
            "stimulus": [s.describe("uA/cm^2") for s in self.stimulus] or ["none"],
            "duration_ms": self.duration_ms, "dt_ms": self.dt_ms, "backend": self.backend,
            "threshold_mV": self.threshold_mV,
            "rest_mV": self.rest_mV,
        }
        if self.n_cells == 1:
            out["spike_times_ms"] = [float(t) for t in self.spike_times_ms[0]]
            out["spike_count"] = int(self.spike_counts[0])
            if self.v_mV is not None:
                feats = self.features()
                out["peak_mV"] = feats["max_mV"]
                out["features"] = feats
        else:
            out["amplitudes_uA_cm2"] = [float(a) for a in self.amplitudes]
            out["spike_counts"] = [int(c) for c in self.spike_counts]
            out["rate_hz"] = [firing_rate_hz(t) for t in self.spike_times_ms]
        return out

    def to_dataset(self):
        """xarray Dataset: V (and gates) against time (and cell), spike counts per cell."""
        import xarray as xr

        data = {"spike_count": (("cell",), self.spike_counts)}
        if self.v_mV is not None:
            v = self.v_mV if self.v_mV.ndim == 2 else self.v_mV[:, None]
            data["V"] = (("time", "cell"), v, {"units": "mV"})
        if self.gates is not None:
            for j, g in enumerate("mhn"):
                data[g] = (("time", "cell"), self.gates[:, j:j + 1])
        coords = {"time": ("time", self.t_ms, {"units": "ms"})}
        if self.n_cells > 1:
            coords["I_app"] = ("cell", self.amplitudes, {"units": "uA/cm^2"})
        if self.stimulus_uA_cm2 is not None and self.v_mV is not None:
            data["I_stim"] = (("time",), self.stimulus_uA_cm2, {"units": "uA/cm^2"})
        ds = xr.Dataset(data, coords=coords)
        ds.attrs.update({"model": "Hodgkin-Huxley 1952", "reversal_source": self.params.reversal_source,
                         "temperature_C": self.params.temperature_c, "dt_ms": self.dt_ms,
                         "rest_mV": self.rest_mV})
        return ds


def simulate_hh(current=0.0, duration=100.0, dt=None, params: Optional[HHParameters] = None,
                temperature=None, stimulus=None, v0=None, record: Union[bool, None] = None,
                record_every: int = 1, threshold=0.0, max_spikes=None, backend="auto",
                threads: int = 1) -> SpikeResult:
    """Current clamp of HH membrane patches.

    Parameters
    ----------
    current : float or array_like
        Amplitude(s) in uA/cm^2 of the waveform; an array runs one independent
        cell per value (vectorized, as in a sweep).
    stimulus : Step, Ramp, Train or list, optional
        The waveform, with amplitude 1 meaning "times ``current``".  Default: a
        step from 0 ms to the end (so ``current`` is a constant current).
        Waveforms given with their own amplitudes are used as they are when
        ``current`` is left at 0.
    duration : float
        Simulated time, ms.
    dt : float, optional
        Time step, ms: 0.025, or the membrane's limit 0.1 ms / phi if finer
        (:meth:`HHParameters.max_time_step_ms`); a coarser step is refused.
    params : HHParameters, optional
        The membrane (default HH 1952 at 6.3 degC).
    temperature : float, optional
        degC; rescales the rates with Q10 (and recomputes reversals taken
        from concentrations).
    v0 : float, optional
        Starting potential (default: the resting potential); gates start at
        their steady state there.
    record : bool, optional
        Keep V (and, for one cell, the gates) every ``record_every`` steps;
        default: on for up to 100 cells.
    record_every : int
        Keep every n-th step.
    threshold : float
        Spike detection level, mV (upward crossings).
    max_spikes : int, optional
        Spike times kept per cell (default: as many as the duration allows).
    backend : {"auto", "aot", "jit", "numpy"}
        The compiled kernel (default when available) or its NumPy reference.
    threads : int
        Split many cells over this many threads (the JIT kernel releases
        the GIL); results are identical to a single thread.

    Returns
    -------
    SpikeResult
        ``t_ms``, ``v_mV``, ``spike_times_ms``, ``spike_counts``, ``features(cell)``, ``summary()``.

    >>> r = simulate_hh(10.0, duration=50.0)
    >>> int(r.spike_counts[0]), round(float(r.spike_times_ms[0][0]), 2)
    (4, 1.9)
    """
    params = _params(params, temperature)
    amps = np.atleast_1d(np.asarray(current, dtype=float)) if not isinstance(current, (str, bytes, bool)) else None
    if amps is None or amps.ndim != 1 or amps.size == 0:
        raise InvalidParameter("current", current, "must be a number or a 1-D list of numbers (uA/cm^2)")
    if not np.all(np.isfinite(amps)) or np.any(np.abs(amps) > 1e5):
        raise InvalidParameter("current", current, "must be finite and within +-1e5 uA/cm^2")
    ncell = amps.size
    active = params.g_na + params.g_k > 0
    duration, dt, nsteps = _steps(duration, auto_time_step(params, 0.025, active) if dt is None else dt, ncell)
    check_time_step(dt, params, active=active)
    threshold = _float(threshold, "threshold", -200.0, 200.0)
    waves = check_waveforms(stimulus)
    if waves and np.all(amps == 0.0) and ncell == 1:
        shape = mean_per_step(waves, dt, nsteps)
        amps = np.ones(1)
    elif waves:
        shape = mean_per_step(waves, dt, nsteps)
    else:
        waves = [Step(1.0)]
        shape = np.ones(nsteps)
    stim_desc = waves if not (ncell == 1 and float(amps[0]) != 1.0) else [
        _scaled(w, float(amps[0])) for w in waves]
    if record is None:
        record = ncell <= 100
    if isinstance(record_every, bool) or not isinstance(record_every, (int, np.integer)) or record_every < 1:
        raise InvalidParameter("record_every", record_every, "must be a whole number >= 1")
    n_rec = nsteps // record_every if record else 0
    if n_rec * ncell > MAX_RECORDED:
        raise InvalidParameter("record", True, f"would keep {n_rec * ncell:.3g} values; raise record_every "
                               "or record=False")
    rest = resting_potential(params)
    v_start = rest if v0 is None else _float(v0, "v0", -200.0, 200.0)
    m0, h0, n0 = steady_state(v_start)
    V = np.full(ncell, v_start)
    M, H, N = np.full(ncell, m0), np.full(ncell, h0), np.full(ncell, n0)
    per = [np.full(ncell, x) for x in (params.g_na, params.g_k, params.g_l, params.e_na, params.e_k,
                                       params.e_l, params.c_m, params.phi)]
    rec = np.empty((n_rec + 1, ncell)) if record else np.empty((0, ncell))
    recg = np.empty((n_rec + 1, 3 * ncell)) if record and ncell == 1 else np.empty((0, 3))
    if record:
        rec[0] = V
        if ncell == 1:
            recg[0] = (m0, h0, n0)
    if max_spikes is None:
        max_spikes = int(min(max(16, duration / 2.0 + 2), 100_000))  # HH cannot fire faster than ~500 Hz
    spk = np.zeros((ncell, int(max_spikes)))
    nspk = np.zeros(ncell, dtype=np.int64)
    from .kernels import hh as hhkernels

    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or not 1 <= threads <= 256:
        raise InvalidParameter("threads", threads, "must be a whole number from 1 to 256")
    amps = np.ascontiguousarray(amps)
    shape = np.ascontiguousarray(shape)
    every = record_every if record else 0
    if threads > 1 and ncell >= 2 * 256 and backend in ("auto", "jit") and hhkernels.backend("jit") == "jit":
        used = "jit"
        vmax = _threaded_population(hhkernels, threads, V, M, H, N, per, amps, shape, dt, every, rec, threshold,
                                    spk, nspk)
    else:
        used = hhkernels.backend(backend)
        vmax = hhkernels.population(
            V, M, H, N, *per, amps, shape, dt, 0.0, every, rec[1:], recg[1:] if recg.shape[0] else recg,
            threshold, spk, nspk, backend=backend)
    _check_vmax(vmax)
    times = [spk[i, :min(int(nspk[i]), spk.shape[1])].copy() for i in range(ncell)]
    t = np.arange(n_rec + 1) * dt * record_every if record else np.empty(0)
    v_out = None
    if record:
        v_out = rec[:, 0] if ncell == 1 else rec
    gates = recg.reshape(-1, 3) if record and ncell == 1 else None
    stim_trace = None
    if record and ncell == 1:  # mean current of the step ending at each recorded time (0 at t = 0)
        stim_trace = np.concatenate([[0.0], amps[0] * shape[record_every - 1::record_every][:n_rec]])
    return SpikeResult(t, v_out, times, nspk, params, rest, amps, stim_desc, duration, dt, threshold, used, gates,
                       stim_trace)


def _threaded_population(hhkernels, threads, V, M, H, N, per, amps, shape, dt, every, rec, threshold, spk, nspk):
    """Run contiguous blocks of cells on a thread pool (the JIT kernel is compiled nogil)."""
    from concurrent.futures import ThreadPoolExecutor

    n = V.shape[0]
    edges = np.linspace(0, n, threads + 1).astype(int)
    parts = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sub_rec = np.empty((rec.shape[0] - 1, hi - lo)) if rec.shape[0] else np.empty((0, hi - lo))
        parts.append((lo, hi, sub_rec, np.ascontiguousarray(spk[lo:hi]), np.zeros(hi - lo, dtype=np.int64)))

    def work(part):
        lo, hi, sub_rec, sub_spk, sub_n = part
        return hhkernels.population(
            V[lo:hi], M[lo:hi], H[lo:hi], N[lo:hi], *[p[lo:hi] for p in per], amps[lo:hi], shape, dt, 0.0,
            every, sub_rec, np.empty((0, 3)), threshold, sub_spk, sub_n, backend="jit")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        vmaxes = list(pool.map(work, parts))
    for lo, hi, sub_rec, sub_spk, sub_n in parts:
        if rec.shape[0]:
            rec[1:, lo:hi] = sub_rec
        spk[lo:hi] = sub_spk
        nspk[lo:hi] = sub_n
    return max(vmaxes)


def _scaled(w, a):
    if isinstance(w, Step):
        return Step(w.amplitude * a, w.delay, w.duration)
    if isinstance(w, Ramp):
        return Ramp(w.start * a, w.end * a, w.delay, w.duration)
    return Train(w.amplitude * a, w.width, w.interval, w.count, w.delay)


# ---------------------------------------------------------------------------
# spike features
# ---------------------------------------------------------------------------

def firing_rate_hz(spike_times_ms) -> float:
    """The firing rate, Hz: 1000 / the mean interspike interval (ms).

    One definition for every face.  With fewer than two spikes there is no interval
    and the cell does not fire repetitively: the rate is 0.  (Counting spikes over the
    whole run instead gives a lower number when the first spike comes late: 4 spikes
    in 50 ms at 14.7 ms intervals are 68 Hz, not 80.)
    """
    t = np.asarray(spike_times_ms, dtype=float)
    if t.size < 2:
        return 0.0
    return float(1000.0 / np.mean(np.diff(t)))


def spikes_phrase(features: dict) -> str:
    """Count, duration and rate as one phrase, for every face: '4 spikes in 50 ms, 67.9 Hz (1000 / mean
    interval 14.74 ms)' (the rate only with two spikes or more)."""
    n = features["spike_count"]
    text = f"{n} spike{'s' * (n != 1)} in {features['duration_ms']:g} ms"
    if features.get("isi_ms"):
        text += f", {features['rate_hz']:.1f} Hz (1000 / mean interval {features['isi_ms']:.2f} ms)"
    return text


def spike_features(t_ms, v_mV, threshold_mV=0.0, rest_mV=None, dvdt_threshold=10.0) -> dict:
    """Features of a voltage trace.

    * ``spike_times_ms``: upward crossings of *threshold_mV* (linear interpolation);
    * ``threshold_mV`` (per spike): V where dV/dt first exceeds *dvdt_threshold*
      mV/ms before the crossing (a common operational definition; Sekerli et al.
      2004, IEEE Trans Biomed Eng 51:1665, compare it with others);
    * ``peak_mV``: maximum of each spike; ``width_ms``: full width at half
      height between threshold and peak;
    * ``ahp_mV``: minimum between a spike and the next (or the end) and its depth
      below the spike's threshold;
    * ``rate_hz``: 1000 / the mean interspike interval ``isi_ms`` (0 with fewer
      than two spikes: :func:`firing_rate_hz`); ``duration_ms``: the trace's length.
    """
    t = np.asarray(t_ms, dtype=float)
    v = np.asarray(v_mV, dtype=float)
    if t.ndim != 1 or t.shape != v.shape or t.size < 3:
        raise InvalidParameter("trace", InvalidParameter.NO_VALUE, "need matching 1-D time and voltage of >= 3 points")
    up = np.nonzero((v[:-1] < threshold_mV) & (v[1:] >= threshold_mV))[0]
    down = np.nonzero((v[:-1] >= threshold_mV) & (v[1:] < threshold_mV))[0]
    times = t[up] + (threshold_mV - v[up]) / (v[up + 1] - v[up]) * (t[up + 1] - t[up])
    dvdt = np.gradient(v, t)
    peaks, widths, thr, ahps, ahp_depth = [], [], [], [], []
    for j, i in enumerate(up):
        nxt = up[j + 1] if j + 1 < len(up) else len(v) - 1
        prev = up[j - 1] if j > 0 else 0
        end = down[down > i]
        end = int(end[0]) + 1 if end.size else nxt
        ip = i + int(np.argmax(v[i:end + 1]))
        peaks.append(float(v[ip]))
        # threshold: last point before the crossing where dV/dt rose through the criterion
        seg = dvdt[prev:i + 1]
        below = np.nonzero(seg < dvdt_threshold)[0]
        k = prev + (int(below[-1]) + 1 if below.size else 0)
        k = min(k, i)
        thr.append(float(v[k]))
        half = 0.5 * (v[k] + v[ip])
        rise = np.nonzero((v[k:ip] < half) & (v[k + 1:ip + 1] >= half))[0]
        fall = np.nonzero((v[ip:nxt] >= half) & (v[ip + 1:nxt + 1] < half))[0]
        if rise.size and fall.size:
            a = k + int(rise[-1])
            b = ip + int(fall[0])
            ta = t[a] + (half - v[a]) / (v[a + 1] - v[a]) * (t[a + 1] - t[a])
            tb = t[b] + (half - v[b]) / (v[b + 1] - v[b]) * (t[b + 1] - t[b])
            widths.append(float(tb - ta))
        else:
            widths.append(None)  # the spike is cut off by the end of the trace
        seg_after = v[ip:nxt + 1]
        j = int(np.argmin(seg_after))
        if widths[-1] is None or (j + 1 == seg_after.size and nxt == len(v) - 1):
            ahps.append(None)  # the trace ends before the after-hyperpolarization is over
            ahp_depth.append(None)
        else:
            ahps.append(float(seg_after[j]))
            ahp_depth.append(float(v[k] - seg_after[j]))
    out = {
        "spike_count": int(len(up)),
        "spike_times_ms": [float(x) for x in times],
        "threshold_mV": thr,
        "peak_mV": peaks,
        "width_ms": widths,
        "ahp_mV": ahps,
        "ahp_depth_mV": ahp_depth,
        "rate_hz": firing_rate_hz(times),
        "isi_ms": float(np.mean(np.diff(times))) if len(times) > 1 else None,
        "duration_ms": float(t[-1] - t[0]),
        "max_mV": float(np.max(v)),
        "min_mV": float(np.min(v)),
    }
    if rest_mV is not None:
        out["rest_mV"] = float(rest_mV)
    return out


# ---------------------------------------------------------------------------
# voltage clamp (exact)
# ---------------------------------------------------------------------------

def voltage_clamp(levels_mV, durations_ms, params: Optional[HHParameters] = None, temperature=None,
                  dt=None, holding_mV=None) -> dict:
    """Ideal voltage clamp through a sequence of potentials, solved exactly.

    At a clamped potential each gate relaxes as x(t) = x_inf + (x0 - x_inf)
    exp(-t/tau_x), so no integration error enters.  The membrane starts at
    *holding_mV* (default: rest) with its gates at steady state.  Returns time,
    command potential, gates and I_Na, I_K, I_L (uA/cm^2, outward positive);
    the capacitive transient of an ideal step is a delta function and is left out.
    """
    from ..mechanisms.hh import ionic_currents, rates

    params = _params(params, temperature)
    levels = np.atleast_1d(np.asarray(levels_mV, dtype=float))
    durs = np.atleast_1d(np.asarray(durations_ms, dtype=float))
    if levels.shape != durs.shape or levels.ndim != 1 or levels.size == 0:
        raise InvalidParameter("levels", levels_mV, "need one duration per clamp level")
    if not np.all(np.isfinite(levels)) or np.any(np.abs(levels) > 300):
        raise InvalidParameter("levels", levels_mV, "must be finite and within +-300 mV")
    if not np.all(np.isfinite(durs)) or np.any(durs <= 0) or durs.sum() > 1e6:
        raise InvalidParameter("durations", durations_ms, "must be positive and sum to at most 1e6 ms")
    dt = _float(auto_time_step(params, 0.01) if dt is None else dt, "dt", 1e-5, 100.0)
    # exact at every sample, but the samples must resolve the Na+ current's rise and peak
    check_time_step(dt, params, misses="samples the Na+ current too coarsely to show its peak")
    if durs.sum() / dt > 2e7:
        raise InvalidParameter("dt", dt, "gives more than 2e7 samples")
    hold = resting_potential(params) if holding_mV is None else _float(holding_mV, "holding", -300, 300)
    x = np.array(steady_state(hold), dtype=float)
    ts, vs, gs = [], [], []
    t0 = 0.0
    for lev, dur in zip(levels, durs):
        n = max(int(round(dur / dt)), 1)
        tt = np.linspace(0.0, dur, n + 1)
        am, bm, ah, bh, an, bn = rates(lev)
        a = np.array([am, ah, an])
        s = np.array([am + bm, ah + bh, an + bn]) * params.phi
        xinf = a * params.phi / s
        g = xinf[None, :] + (x - xinf)[None, :] * np.exp(-np.outer(tt, s))
        ts.append(t0 + tt[:-1])
        vs.append(np.full(n, lev))
        gs.append(g[:-1])
        x = g[-1]
        t0 += dur
    ts.append(np.array([t0]))
    vs.append(np.array([levels[-1]]))
    gs.append(x[None, :])
    t = np.concatenate(ts)
    v = np.concatenate(vs)
    g = np.concatenate(gs)
    i_na, i_k, i_l = ionic_currents(v, g[:, 0], g[:, 1], g[:, 2], params)
    return {"t_ms": t, "v_mV": v, "m": g[:, 0], "h": g[:, 1], "n": g[:, 2],
            "I_Na": i_na, "I_K": i_k, "I_L": i_l, "holding_mV": hold, "params": params}


def iv_curve(test_mV=None, holding_mV=None, step_ms=20.0, params: Optional[HHParameters] = None,
             temperature=None, dt=None) -> dict:
    """Current-voltage relations of a clamp series from *holding_mV*.

    For each test potential: the peak (largest magnitude) early Na current, the
    K current at the end of the step (steady state) and the leak.  The Na
    current reverses at E_Na and the K current at E_K: the I-V curves of
    Hodgkin & Huxley (1952) fig. 13-type experiments.
    """
    if test_mV is None:
        test_mV = np.arange(-100.0, 81.0, 5.0)
    test = np.atleast_1d(np.asarray(test_mV, dtype=float))
    if test.ndim != 1 or test.size == 0 or test.size > 2000:
        raise InvalidParameter("test_mV", test_mV, "must be 1 to 2000 potentials")
    peak_na, ss_k, leak = [], [], []
    hold = None
    if dt is None:
        dt = auto_time_step(_params(params, temperature), 0.005)
    for vt in test:
        r = voltage_clamp([vt], [step_ms], params, temperature, dt, holding_mV)
        hold = r["holding_mV"]
        ina = r["I_Na"]
        peak_na.append(float(ina[np.argmax(np.abs(ina))]))
        ss_k.append(float(r["I_K"][-1]))
        leak.append(float(r["I_L"][-1]))
    return {"test_mV": test, "peak_I_Na": np.array(peak_na), "steady_I_K": np.array(ss_k),
            "I_L": np.array(leak), "holding_mV": hold}


# ---------------------------------------------------------------------------
# cables and morphologies
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Injection:
    """A current waveform (amplitudes in nA) injected at point *x* (0-1) of *section*."""

    waveform: object
    section: str = "axon"
    x: float = 0.0

    def __post_init__(self):
        check_waveforms(self.waveform)
        _float(self.x, "x", 0.0, 1.0)


@dataclass
class CableResult:
    """A run of a cable or branched neuron.

    ``v_mV`` is (time, recorded compartment); ``x_um`` the recorded compartments'
    path distance from the root's 0 end; ``first_spike_ms`` the first upward
    threshold crossing in *every* compartment (NaN where none).
    """

    tree: object
    t_ms: np.ndarray
    v_mV: np.ndarray
    recorded: np.ndarray
    x_um: np.ndarray
    spike_counts: np.ndarray
    spike_times: np.ndarray
    params: HHParameters
    rest_mV: float
    duration_ms: float
    dt_ms: float
    threshold_mV: float
    backend: str

    @property
    def first_spike_ms(self) -> np.ndarray:
        return np.where(self.spike_counts > 0, self.spike_times[:, 0], np.nan)

    def compartment_near(self, x_um: float, section: Optional[str] = None) -> int:
        """Index of the compartment whose centre is nearest path distance *x_um*."""
        x = self.tree.x_um
        cand = np.arange(x.size)
        if section is not None:
            si = self.tree.section_names().index(section)
            cand = cand[self.tree.section_index == si]
        return int(cand[np.argmin(np.abs(x[cand] - x_um))])

    def velocity(self, x1_um: float, x2_um: float, section: Optional[str] = None) -> Optional[float]:
        """Conduction velocity (m/s) between the compartments nearest *x1_um* and *x2_um*.

        Uses the first threshold crossing at each and the compartments' own
        centre positions.  None when the spike did not reach both.
        """
        i, j = self.compartment_near(x1_um, section), self.compartment_near(x2_um, section)
        t1, t2 = self.first_spike_ms[i], self.first_spike_ms[j]
        if not (np.isfinite(t1) and np.isfinite(t2)) or t1 == t2 or i == j:
            return None
        return float(abs(self.tree.x_um[j] - self.tree.x_um[i]) / abs(t2 - t1) * 1e-3)

    def trace(self, section: str, x: float = 0.5) -> np.ndarray:
        """V(t) at point *x* of *section* (must have been recorded)."""
        k = self.tree.compartment_at(section, x)
        where = np.nonzero(self.recorded == k)[0]
        if where.size == 0:
            raise InvalidParameter("section", f"{section}({x:g})", "was not recorded")
        return self.v_mV[:, int(where[0])]

    def to_dataset(self):
        import xarray as xr

        names = self.tree.section_names()
        ds = xr.Dataset(
            {"V": (("time", "compartment"), self.v_mV, {"units": "mV"}),
             "first_spike": (("compartment",), self.first_spike_ms[self.recorded], {"units": "ms"})},
            coords={"time": ("time", self.t_ms, {"units": "ms"}),
                    "x": ("compartment", self.x_um, {"units": "um"}),
                    "section": ("compartment", [names[k] for k in self.tree.section_index[self.recorded]])},
        )
        ds.attrs.update({"model": "Hodgkin-Huxley 1952 cable", "temperature_C": self.params.temperature_c,
                         "dt_ms": self.dt_ms, "rest_mV": self.rest_mV,
                         "reversal_source": self.params.reversal_source})
        return ds


METHODS = ("crank_nicolson", "backward_euler")
#: Backward-Euler sub-steps in the step after a jump of the stimulus (Rannacher's start).
RANNACHER_SUBSTEPS = 4


def step_modes(stim_wave, method: str = "crank_nicolson") -> np.ndarray:
    """The scheme of each step of a cable run (the ``mode`` of the tree kernel).

    "crank_nicolson": second order, with Rannacher's start (the step in which an
    injected current jumps, from rest at t = 0 too, is taken as
    ``RANNACHER_SUBSTEPS`` backward-Euler sub-steps), which damps the ringing
    Crank-Nicolson leaves in a cable's fast spatial modes after a discontinuity
    (Rannacher 1984, Numer Math 43:309; Luskin & Rannacher 1982, SIAM J Numer
    Anal 19:93).  Two half steps, Rannacher's choice, still leave 0.8 % of the
    trace at the first sample of a passive cable at dt 0.05 ms (the response
    rises as sqrt(t) there); four quarter steps leave 0.4 % (tested against the
    analytic solution).  "backward_euler": first order and free of ringing,
    NEURON's default scheme (``secondorder = 0``).
    """
    if method not in METHODS:
        raise InvalidParameter("method", method, f"must be one of {', '.join(METHODS)}")
    n = stim_wave.shape[1]
    if method == "backward_euler":
        return np.ones(n, dtype=np.int64)
    modes = np.zeros(n, dtype=np.int64)
    if n and stim_wave.shape[0]:
        # a jump: a change of more than 1 % of the injection's largest amplitude within one step (a step's or
        # a pulse's edge, from rest at t = 0 too); a ramp's small steps are no discontinuity
        prev = np.concatenate([np.zeros((stim_wave.shape[0], 1)), stim_wave[:, :-1]], axis=1)
        size = np.max(np.abs(stim_wave), axis=1, keepdims=True)
        jump = np.any((np.abs(stim_wave - prev) > 0.01 * size) & (size > 0), axis=0)
        modes[jump] = RANNACHER_SUBSTEPS
    return modes


def simulate_cable(sections, duration=20.0, dt=None, params: Optional[HHParameters] = None,
                   temperature=None, injections: Sequence[Injection] = (), synapses: Sequence = (),
                   record="all", record_every: int = 1, threshold=0.0, max_spikes: int = 32,
                   v0=None, backend="auto", method: str = "crank_nicolson") -> CableResult:
    """Integrate a cable or branched neuron (see :mod:`nernst.morphology`).

    Every compartment starts at the HH resting potential with its gates at
    steady state; passive and myelinated membrane has its leak reversal there
    too, so the whole neuron rests at one potential.  The scheme is staggered
    Crank-Nicolson with the Hines tree solve (second order in dt).

    Parameters
    ----------
    sections : list of Section, or a Tree
        The morphology: :class:`nernst.morphology.Section` objects (name, length_um,
        diameter_um, n_compartments, membrane "hh", "passive" or "myelin", parent,
        parent_x, r_axial_ohm_cm, g_na_factor), or a ready
        :func:`nernst.morphology.compile_tree` result.  The builders ``axon``,
        ``ball_and_stick``, ``soma_dendrite_axon``, ``branched_dendrite`` and
        ``myelinated_axon`` of :mod:`nernst.morphology` make common ones.
    duration : float
        Simulated time, ms.
    dt : float, optional
        Time step, ms.  Default 0.025 ms, or the membrane's limit if finer
        (0.1 ms / phi with HH channels, a tenth of C_m/g_L on a passive tree;
        :meth:`HHParameters.max_time_step_ms`); a coarser step is refused.
    params : HHParameters, optional
        The membrane (HH 1952 at 6.3 degC by default).
    temperature : float, optional
        degC; rescales the rates with Q10 (and concentration-derived reversals).
    injections : sequence of Injection
        Current electrodes: a waveform (Step, Ramp, Train, amplitudes in nA) at
        point x (0-1) of a section.
    synapses : sequence of Synapse
        Conductance synapses (:mod:`nernst.mechanisms.synapses`), in nS.
    record : "all" or list of (section, x)
        Where to keep V.
    record_every : int
        Keep every n-th step.
    threshold : float
        Spike detection level, mV (``first_spike_ms`` of every compartment).
    max_spikes : int
        Spike times kept per compartment.
    v0 : float, optional
        Starting potential, mV (default: the resting potential), gates at steady state there.
    backend : {"auto", "aot", "jit", "numpy"}
        The compiled kernel (default when available) or its NumPy reference.
    method : {"crank_nicolson", "backward_euler"}
        The scheme for V: Crank-Nicolson (second order; backward-Euler sub-steps
        where an injected current jumps, so that it does not ring), or backward
        Euler (first order, NEURON's default), to match a NEURON run step for
        step (:func:`step_modes`).

    Returns
    -------
    CableResult
        ``t_ms``, ``v_mV`` (time x recorded point), ``x_um``, ``first_spike_ms``;
        ``velocity(x1_um, x2_um)`` and ``trace(section, x)``.
    """
    from ..model.morphology import Tree, compile_tree

    params = _params(params, temperature)
    tree = sections if isinstance(sections, Tree) else compile_tree(list(sections), params)
    if isinstance(sections, Tree) and temperature is not None:
        tree = compile_tree(tree.sections, params)
    n = tree.n
    active = bool(np.any(tree.gna + tree.gk > 0))
    duration, dt, nsteps = _steps(duration, auto_time_step(params, 0.025, active) if dt is None else dt, n)
    check_time_step(dt, params, active=active)
    threshold = _float(threshold, "threshold", -200.0, 200.0)
    rest = resting_potential(params)
    el = np.where(tree.gna + tree.gk > 0, tree.el, rest)
    v_start = rest if v0 is None else _float(v0, "v0", -200.0, 200.0)
    m0, h0, n0 = steady_state(v_start)
    V = np.full(n, v_start)
    M, H, N = np.full(n, m0), np.full(n, h0), np.full(n, n0)
    stim_comp, stim_wave = [], []
    for inj in injections:
        if not isinstance(inj, Injection):
            raise InvalidParameter("injections", inj, "must be Injection objects")
        stim_comp.append(tree.compartment_at(inj.section, inj.x))
        stim_wave.append(mean_per_step(inj.waveform, dt, nsteps))
    syn_comp, syn_e, syn_g = [], [], []
    tmid = (np.arange(nsteps) + 0.5) * dt
    for s in synapses:
        sec = s.section if s.section is not None else tree.sections[0].name
        syn_comp.append(tree.compartment_at(sec, s.x))
        syn_e.append(s.e_rev_mV)
        syn_g.append(s.conductance(tmid))
    stim_comp = np.asarray(stim_comp, dtype=np.int64)
    stim_wave = np.ascontiguousarray(np.array(stim_wave).reshape(len(stim_comp), nsteps))
    syn_comp = np.asarray(syn_comp, dtype=np.int64)
    syn_e = np.asarray(syn_e, dtype=float)
    syn_g = np.ascontiguousarray(np.array(syn_g).reshape(len(syn_comp), nsteps))
    if not len(stim_comp):  # the kernel reads the step count from one of them
        stim_comp = np.zeros(1, dtype=np.int64)
        stim_wave = np.zeros((1, nsteps))
    if isinstance(record, str) and record == "all":
        rec_comp = np.arange(n, dtype=np.int64)
    else:
        rec_comp = np.asarray([tree.compartment_at(sec, x) for sec, x in record], dtype=np.int64)
    if isinstance(record_every, bool) or not isinstance(record_every, (int, np.integer)) or record_every < 1:
        raise InvalidParameter("record_every", record_every, "must be a whole number >= 1")
    n_rec = nsteps // record_every
    if n_rec * rec_comp.size > MAX_RECORDED:
        raise InvalidParameter("record", record, f"would keep {n_rec * rec_comp.size:.3g} values; raise "
                               "record_every or record fewer points")
    rec = np.empty((n_rec + 1, rec_comp.size))
    rec[0] = V[rec_comp]
    spk = np.zeros((n, int(max_spikes)))
    nspk = np.zeros(n, dtype=np.int64)
    from .kernels import hh as hhkernels

    used = hhkernels.backend(backend)
    vmax = hhkernels.tree(
        V, M, H, N, tree.gna, tree.gk, tree.gl, tree.ena, tree.ek, np.ascontiguousarray(el),
        tree.cap_nF, np.ascontiguousarray(tree.area_cm2 * 1e3), params.phi, tree.parent, tree.ga_uS,
        stim_comp, stim_wave, syn_comp, syn_e, syn_g, dt, 0.0, step_modes(stim_wave, method), record_every,
        rec_comp, rec[1:], threshold, spk, nspk, backend=backend)
    _check_vmax(vmax)
    t = np.arange(n_rec + 1) * dt * record_every
    return CableResult(tree, t, rec, rec_comp, tree.x_um[rec_comp], nspk, spk, params, rest, duration, dt,
                       threshold, used)


# ---------------------------------------------------------------------------
# spikes that move ions: concentrations coupled to the HH currents
# ---------------------------------------------------------------------------

@dataclass
class IonRunResult:
    """An HH patch whose [Na]i and [K]i follow its currents, with a Na/K pump.

    Recorded every ``record_every`` steps: V, [Na]i, [K]i, E_Na, E_K and the pump
    current.  ``charge_uC_cm2`` holds the cumulative charge carried inward by Na
    (channels + leak), outward by K and outward by the pump.
    """

    t_ms: np.ndarray
    v_mV: np.ndarray
    na_in_mM: np.ndarray
    k_in_mM: np.ndarray
    e_na_mV: np.ndarray
    e_k_mV: np.ndarray
    i_pump_uA_cm2: np.ndarray
    spike_times_ms: np.ndarray
    charge_uC_cm2: Dict[str, float]
    params: HHParameters
    na_out_mM: float
    k_out_mM: float
    diameter_um: float
    pump_max_uA_cm2: float
    g_leak_na: float
    g_leak_k: float
    rest_na_influx_uA_cm2: float
    duration_ms: float
    dt_ms: float
    backend: str

    def na_entry_per_spike_pmol_cm2(self) -> Optional[float]:
        """Na+ that entered per spike above the resting influx, pmol/cm^2.

        The Na+ influx is read off the recorded [Na]i and pump current (influx = the
        change of the amount plus 3 Na+ per pump cycle) over the spiking period only,
        from 2 ms / phi before the first spike to 5 ms / phi after the last, minus the
        resting influx over that time.  (Over the whole run the after-train
        hyperpolarization, which lowers the influx below rest, would make the number
        depend on how long the run goes on.)
        """
        n = len(self.spike_times_ms)
        if n == 0:
            return None
        from ..physics.constants import FARADAY

        t = self.t_ms
        fac = 4.0 / (FARADAY * self.diameter_um * 1e-4) * 1e-3  # (uA/cm^2) -> mM/ms, as the kernel
        pump = np.concatenate([[0.0], np.cumsum(0.5 * (self.i_pump_uA_cm2[1:] + self.i_pump_uA_cm2[:-1])
                                                * np.diff(t))])
        q_in = (self.na_in_mM - self.na_in_mM[0]) / fac + 3.0 * pump  # cumulative Na+ influx, uA/cm^2 * ms
        phi = self.params.phi
        t1 = max(float(self.spike_times_ms[0]) - 2.0 / phi, float(t[0]))
        t2 = min(float(self.spike_times_ms[-1]) + 5.0 / phi, float(t[-1]))
        extra = np.interp(t2, t, q_in) - np.interp(t1, t, q_in) - self.rest_na_influx_uA_cm2 * (t2 - t1)
        return float(extra * 1e-9 / FARADAY * 1e12 / n)  # nC/cm^2 -> pmol/cm^2

    def summary(self) -> dict:
        return {
            "model": "Hodgkin-Huxley 1952 patch with moving Na+ and K+ and a Na/K pump",
            "reversal_source": "concentrations (updated every step)",
            "spike_count": int(len(self.spike_times_ms)),
            "spike_times_ms": [float(t) for t in self.spike_times_ms],
            "rest_mV": float(self.v_mV[0]),
            "final_mV": float(self.v_mV[-1]),
            "na_in_mM": [float(self.na_in_mM[0]), float(self.na_in_mM[-1])],
            "k_in_mM": [float(self.k_in_mM[0]), float(self.k_in_mM[-1])],
            "e_na_mV": [float(self.e_na_mV[0]), float(self.e_na_mV[-1])],
            "e_k_mV": [float(self.e_k_mV[0]), float(self.e_k_mV[-1])],
            "pump_uA_cm2": [float(self.i_pump_uA_cm2[0]), float(self.i_pump_uA_cm2[-1])],
            "pump_max_uA_cm2": self.pump_max_uA_cm2,
            "na_entry_per_spike_pmol_cm2": self.na_entry_per_spike_pmol_cm2(),
            "charge_uC_cm2": dict(self.charge_uC_cm2),
            "outside_mM": {"Na": self.na_out_mM, "K": self.k_out_mM},
            "diameter_um": self.diameter_um, "duration_ms": self.duration_ms, "dt_ms": self.dt_ms,
            "temperature_C": self.params.temperature_c, "leak_split_mS_cm2": {"Na": self.g_leak_na, "K": self.g_leak_k},
            "backend": self.backend,
        }

    def to_dataset(self):
        import xarray as xr

        ds = xr.Dataset(
            {"V": ("time", self.v_mV, {"units": "mV"}), "Na_in": ("time", self.na_in_mM, {"units": "mM"}),
             "K_in": ("time", self.k_in_mM, {"units": "mM"}), "E_Na": ("time", self.e_na_mV, {"units": "mV"}),
             "E_K": ("time", self.e_k_mV, {"units": "mV"}),
             "I_pump": ("time", self.i_pump_uA_cm2, {"units": "uA/cm^2"})},
            coords={"time": ("time", self.t_ms, {"units": "ms"})})
        ds.attrs.update({"model": "HH 1952 with moving Na+ and K+", "diameter_um": self.diameter_um,
                         "temperature_C": self.params.temperature_c})
        return ds


def simulate_hh_ions(current=0.0, duration=1000.0, dt=None, stimulus=None, na_in=50.0, na_out=440.0,
                     k_in=400.0, k_out=20.0, params: Optional[HHParameters] = None, temperature=None,
                     diameter_um=476.0, pump_max=None, pump_k_na=10.0, pump_k_k=1.5, pump_hill_na=1.5,
                     pump_hill_k=1.0, record_every=None, threshold=0.0, backend="auto") -> IonRunResult:
    """Current clamp of an HH patch whose Na+ and K+ move: spikes load Na+, the pump restores it.

    The patch is a cylinder of *diameter_um* (volume/area = d/4), so a spike
    changes [Na]i by (Na charge)/(F d/4): a little in a 476 um squid axon, a lot
    in a 1 um axon.  Defaults: squid concentrations (Hodgkin 1964, as in the
    ``squid_giant_axon`` preset), outside fixed (a large bath).  E_Na and E_K
    follow the concentrations every step; E_L stays as given, its conductance
    split into a Na and a K part that reproduce E_L at the start.  The pump is
    saturating in [Na]i and [K]o (Hubel & Dahlem 2014 constants, as
    :class:`nernst.mechanisms.pumps.NaKPump`); by default its maximum is chosen so
    that the starting state is steady (Na and K fluxes balance at rest).
    The applied current is taken to carry no Na+ or K+.
    """
    from ..physics.constants import FARADAY
    from .._core.validation import check_positive

    params = _params(params, temperature)
    for name, val in (("na_in", na_in), ("na_out", na_out), ("k_in", k_in), ("k_out", k_out)):
        _float(val, name, 1e-6, 1e4)
    d = _float(diameter_um, "diameter", 1e-2, 1e5)
    params = params.with_concentrations(na_in, na_out, k_in, k_out)
    e_na, e_k, e_l = params.e_na, params.e_k, params.e_l
    if not e_k < e_l < e_na:
        raise InvalidParameter("e_l", e_l, f"must lie between E_K ({e_k:.1f}) and E_Na ({e_na:.1f}) mV "
                               "to split the leak into Na and K parts")
    frac_na = (e_l - e_k) / (e_na - e_k)
    g_lna, g_lk = params.g_l * frac_na, params.g_l * (1.0 - frac_na)
    amp_arr = np.atleast_1d(np.asarray(current, dtype=float))
    if amp_arr.size != 1 or not np.isfinite(amp_arr[0]) or abs(amp_arr[0]) > 1e5:
        raise InvalidParameter("current", current, "must be one finite number within +-1e5 uA/cm^2")
    duration, dt, nsteps = _steps(duration, auto_time_step(params) if dt is None else dt)
    check_time_step(dt, params)
    waves = check_waveforms(stimulus)
    if waves:
        shape = mean_per_step(waves, dt, nsteps)
        amp = float(amp_arr[0]) if amp_arr[0] != 0 else 1.0
    else:
        shape = np.ones(nsteps)
        amp = float(amp_arr[0])
    kna = float(check_positive(pump_k_na, "pump_k_na"))
    kk = float(check_positive(pump_k_k, "pump_k_k"))
    an = float(check_positive(pump_hill_na, "pump_hill_na"))
    ak = float(check_positive(pump_hill_k, "pump_hill_k"))
    sat = na_in ** an / (na_in ** an + kna ** an) * k_out ** ak / (k_out ** ak + kk ** ak)

    def fluxes(v):
        m, h, n = steady_state(v)
        ina = (params.g_na * m**3 * h + g_lna) * (v - e_na)
        ik = (params.g_k * n**4 + g_lk) * (v - e_k)
        return ina, ik

    if pump_max is None:
        # steady start: Na influx = 3 I_p and K efflux = 2 I_p, i.e. 2 I_Na + 3 I_K = 0
        grid = np.linspace(e_k, e_na, 4001)
        ina, ik = fluxes(grid)
        f = 2.0 * ina + 3.0 * ik
        idx = np.nonzero(np.diff(np.sign(f)) != 0)[0]
        if idx.size == 0:
            raise InvalidParameter("pump_max", InvalidParameter.NO_VALUE, "no steady pumped rest exists; give pump_max")
        a, b = grid[idx[0]], grid[idx[0] + 1]
        for _ in range(60):
            mid = 0.5 * (a + b)
            fi, fk = fluxes(mid)
            fa_i, fa_k = fluxes(a)
            if np.sign(2 * fi + 3 * fk) == np.sign(2 * fa_i + 3 * fa_k):
                a = mid
            else:
                b = mid
        v0 = float(0.5 * (a + b))
        ip0 = float(fluxes(v0)[1]) / 2.0
        pump_max = ip0 / sat
    else:
        pump_max = _float(pump_max, "pump_max", 0.0, 1e4)
        v0 = resting_potential(params) if pump_max == 0 else _pumped_rest(fluxes, pump_max * sat, e_k, e_na)
    m0, h0, n0 = steady_state(v0)
    ina0 = float(fluxes(v0)[0])
    from ..physics.constants import thermal_voltage_mV

    vt = float(thermal_voltage_mV(params.temperature_c))
    fac = 4.0 / (FARADAY * d * 1e-4) * 1e-3 * 1e-6 * 1e6  # (uA/cm^2) -> mM/ms for a cylinder
    state = np.array([v0, m0, h0, n0, float(na_in), float(k_in), 0.0, 0.0, 0.0])
    prm = np.array([params.g_na, params.g_k, g_lna, g_lk, params.c_m, params.phi, vt, float(na_out),
                    float(k_out), fac, pump_max, kna, kk, an, ak, amp])
    if record_every is None:
        record_every = max(1, nsteps // 200_000)
    n_rec = nsteps // record_every
    rec = np.empty((n_rec + 1, 6))
    rec[0] = (v0, na_in, k_in, e_na, e_k, pump_max * sat)
    spk = np.zeros(int(min(max(16, duration / 2.0 + 2), 1_000_000)))
    nspk = np.zeros(1, dtype=np.int64)
    from .kernels import hh as hhkernels

    used = hhkernels.backend(backend)
    vmax = hhkernels.coupled(state, prm, np.ascontiguousarray(shape), dt, record_every, rec[1:],
                             _float(threshold, "threshold", -200, 200), spk, nspk, backend=backend)
    if not math.isfinite(vmax):
        raise SolverError("an internal concentration reached zero: the run drains the cell "
                          "(use a larger diameter or a shorter run)")
    _check_vmax(vmax)
    t = np.arange(n_rec + 1) * dt * record_every
    return IonRunResult(
        t, rec[:, 0], rec[:, 1], rec[:, 2], rec[:, 3], rec[:, 4], rec[:, 5],
        spk[:min(int(nspk[0]), spk.size)].copy(),
        {"Na_in": float(state[6]), "K_out": float(state[7]), "pump_out": float(state[8])},
        params, float(na_out), float(k_out), d, float(pump_max), g_lna, g_lk, -ina0, duration, dt, used)


def _pumped_rest(fluxes, ip, e_k, e_na):
    """Potential where channel and leak currents balance a fixed pump current."""
    grid = np.linspace(e_k, e_na, 4001)
    ina, ik = fluxes(grid)
    f = ina + ik + ip
    idx = np.nonzero(np.diff(np.sign(f)) != 0)[0]
    if idx.size == 0:
        raise InvalidParameter("pump_max", ip, "leaves no resting potential between E_K and E_Na")
    a, b = grid[idx[0]], grid[idx[0] + 1]
    for _ in range(60):
        mid = 0.5 * (a + b)
        fm = sum(fluxes(mid)) + ip
        fa = sum(fluxes(a)) + ip
        if np.sign(fm) == np.sign(fa):
            a = mid
        else:
            b = mid
    return float(0.5 * (a + b))

"""Single HH membrane patches (or many at once) under current clamp; the exact voltage clamp and I-V."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Union

import numpy as np

from ..._core.names import with_old_names
from ...errors import InvalidParameter
from ...mechanisms.hh import HHParameters, auto_time_step, check_time_step, resting_potential, steady_state
from ...model.stimulus import Ramp, Step, Train, check_waveforms, mean_per_step
from ._common import MAX_RECORDED, _check_vmax, _float, _params, _steps, _temperature
from .features import firing_rate_hz, spike_features



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
        from ...mechanisms.hh import ionic_currents

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
        ds.attrs.update(with_old_names({"model": "Hodgkin-Huxley 1952", "reversal_source": self.params.reversal_source,
                                        "temperature_c": self.params.temperature_c, "dt_ms": self.dt_ms,
                                        "rest_mV": self.rest_mV}))
        return ds


def simulate_hh(current=0.0, duration=100.0, dt=None, params: Optional[HHParameters] = None,
                temperature=None, stimulus=None, v0=None, record: Union[bool, None] = None,
                record_every: int = 1, threshold=0.0, max_spikes=None, backend="auto",
                threads: int = 1, *, temperature_c=None) -> SpikeResult:
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
    temperature_c : float, optional
        degC; rescales the rates with Q10 (and recomputes reversals taken
        from concentrations).
    temperature : float, optional
        The earlier name of *temperature_c*, accepted for one release.
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
    params = _params(params, temperature, temperature_c)
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
    from ..kernels import hh as hhkernels

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


def voltage_clamp(levels_mV, durations_ms, params: Optional[HHParameters] = None, temperature=None,
                  dt=None, holding_mV=None, *, temperature_c=None) -> dict:
    """Ideal voltage clamp through a sequence of potentials, solved exactly.

    At a clamped potential each gate relaxes as x(t) = x_inf + (x0 - x_inf)
    exp(-t/tau_x), so no integration error enters.  The membrane starts at
    *holding_mV* (default: rest) with its gates at steady state.  Returns time,
    command potential, gates and I_Na, I_K, I_L (uA/cm^2, outward positive);
    the capacitive transient of an ideal step is a delta function and is left out.
    """
    from ...mechanisms.hh import ionic_currents, rates

    params = _params(params, temperature, temperature_c)
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
             temperature=None, dt=None, *, temperature_c=None) -> dict:
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
        dt = auto_time_step(_params(params, temperature, temperature_c), 0.005)
    temperature = _temperature(temperature_c, temperature)
    for vt in test:
        r = voltage_clamp([vt], [step_ms], params, temperature, dt, holding_mV)
        hold = r["holding_mV"]
        ina = r["I_Na"]
        peak_na.append(float(ina[np.argmax(np.abs(ina))]))
        ss_k.append(float(r["I_K"][-1]))
        leak.append(float(r["I_L"][-1]))
    return {"test_mV": test, "peak_I_Na": np.array(peak_na), "steady_I_K": np.array(ss_k),
            "I_L": np.array(leak), "holding_mV": hold}

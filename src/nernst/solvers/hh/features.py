"""Spike features of a voltage trace: threshold, peak, width, after-hyperpolarization, rate."""

from __future__ import annotations


import numpy as np

from ...errors import InvalidParameter



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

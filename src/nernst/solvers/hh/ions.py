"""Spikes that move ions: Na+ and K+ concentrations coupled to the HH currents, with a pump."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from ..._core.names import with_old_names
from ...errors import InvalidParameter, SolverError
from ...mechanisms.hh import HHParameters, auto_time_step, check_time_step, resting_potential, steady_state
from ...model.stimulus import check_waveforms, mean_per_step
from ._common import _check_vmax, _float, _params, _steps



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
        from ...physics.constants import FARADAY

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
        d = {
            "model": "Hodgkin-Huxley 1952 patch with moving Na+ and K+ and a Na/K pump",
            "reversal_source": "concentrations (updated every step)",
            "spike_count": int(len(self.spike_times_ms)),
            "spike_times_ms": [float(t) for t in self.spike_times_ms],
            "rest_mV": float(self.v_mV[0]),
            "final_mV": float(self.v_mV[-1]),
            # start and end; inside_mM and equilibrium_mV are keyed by ion as in every cell output
            "inside_mM": {"Na": [float(self.na_in_mM[0]), float(self.na_in_mM[-1])],
                          "K": [float(self.k_in_mM[0]), float(self.k_in_mM[-1])]},
            "equilibrium_mV": {"Na": [float(self.e_na_mV[0]), float(self.e_na_mV[-1])],
                               "K": [float(self.e_k_mV[0]), float(self.e_k_mV[-1])]},
            "pump_uA_cm2": [float(self.i_pump_uA_cm2[0]), float(self.i_pump_uA_cm2[-1])],
            "pump_max_uA_cm2": self.pump_max_uA_cm2,
            "na_entry_per_spike_pmol_cm2": self.na_entry_per_spike_pmol_cm2(),
            "charge_uC_cm2": dict(self.charge_uC_cm2),
            "outside_mM": {"Na": self.na_out_mM, "K": self.k_out_mM},
            "diameter_um": self.diameter_um, "duration_ms": self.duration_ms, "dt_ms": self.dt_ms,
            "temperature_c": self.params.temperature_c, "leak_split_mS_cm2": {"Na": self.g_leak_na, "K": self.g_leak_k},
            "backend": self.backend,
        }
        # the keys of the previous release, for one release (CHANGELOG.md)
        d.update({"na_in_mM": d["inside_mM"]["Na"], "k_in_mM": d["inside_mM"]["K"],
                  "e_na_mV": d["equilibrium_mV"]["Na"], "e_k_mV": d["equilibrium_mV"]["K"]})
        return with_old_names(d)

    def to_dataset(self):
        import xarray as xr

        ds = xr.Dataset(
            {"V": ("time", self.v_mV, {"units": "mV"}), "Na_in": ("time", self.na_in_mM, {"units": "mM"}),
             "K_in": ("time", self.k_in_mM, {"units": "mM"}), "E_Na": ("time", self.e_na_mV, {"units": "mV"}),
             "E_K": ("time", self.e_k_mV, {"units": "mV"}),
             "I_pump": ("time", self.i_pump_uA_cm2, {"units": "uA/cm^2"})},
            coords={"time": ("time", self.t_ms, {"units": "ms"})})
        ds.attrs.update(with_old_names({"model": "HH 1952 with moving Na+ and K+", "diameter_um": self.diameter_um,
                                        "temperature_c": self.params.temperature_c}))
        return ds


def simulate_hh_ions(current=0.0, duration=1000.0, dt=None, stimulus=None, na_in=50.0, na_out=440.0,
                     k_in=400.0, k_out=20.0, params: Optional[HHParameters] = None, temperature=None,
                     diameter_um=476.0, pump_max=None, pump_k_na=10.0, pump_k_k=1.5, pump_hill_na=1.5,
                     pump_hill_k=1.0, record_every=None, threshold=0.0, backend="auto", *,
                     temperature_c=None) -> IonRunResult:
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
    from ...physics.constants import FARADAY
    from ..._core.validation import check_positive

    params = _params(params, temperature, temperature_c)
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
    from ...physics.constants import thermal_voltage_mV

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
    from ..kernels import hh as hhkernels

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

"""Cables and branched neurons: the HH membrane on a morphology, with injections and synapses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from ..._core.names import with_old_names
from ...errors import InvalidParameter
from ...mechanisms.hh import HHParameters, auto_time_step, check_time_step, resting_potential, steady_state
from ...model.stimulus import check_waveforms, mean_per_step
from ._common import MAX_RECORDED, _check_vmax, _float, _params, _steps, _temperature



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
        ds.attrs.update(with_old_names({"model": "Hodgkin-Huxley 1952 cable", "temperature_c": self.params.temperature_c,
                                        "dt_ms": self.dt_ms, "rest_mV": self.rest_mV,
                                        "reversal_source": self.params.reversal_source}))
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
                   v0=None, backend="auto", method: str = "crank_nicolson", *, temperature_c=None) -> CableResult:
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
    temperature_c : float, optional
        degC; rescales the rates with Q10 (and concentration-derived reversals).
    temperature : float, optional
        The earlier name of *temperature_c*, accepted for one release.
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
    from ...model.morphology import Tree, compile_tree

    params = _params(params, temperature, temperature_c)
    temperature = _temperature(temperature_c, temperature)
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
    from ..kernels import hh as hhkernels

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

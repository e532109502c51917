"""Time courses and steady states of a pump-leak cell.

* :func:`simulate` integrates the amounts and volume with a stiff solver
  (SciPy's BDF by default; the capacitive time scale, milliseconds, sits next
  to the ionic one, minutes to hours, so explicit methods are unusable).
* :func:`steady_state` solves the flux balance directly by Newton's method in
  (log concentrations, log volume, V), with the long-time ODE limit as a
  fallback.  Both must agree (tests: 0.01 mV).

Events (a :class:`Protocol`) change the model at given times: block or scale a
mechanism, add one, change the bath; the solver restarts at each event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model.cell import (FLUX_TO_RATE, V_PER_CHARGE, WATER_FACTOR, MAX_INITIAL_VOLTAGE_MV, WATER_MOLAR_VOLUME_CM3_MOL,
                   CellModel, CellState)
from ..physics.constants import AVOGADRO, FARADAY
from ..errors import InvalidParameter, NernstWarning, SolverError

__all__ = ["simulate", "steady_state", "steady_states", "start_state", "stability", "pump_share", "zero_current_voltage",
           "SteadyState", "Trajectory",
           "MAX_VOLUME_FACTOR", "MAX_STEADY_CONCENTRATION_MM"]

#: A steady state whose volume is more than this factor above or below the start is a
#: fixed point of the equations, not a cell: cells lyse long before (a human red cell
#: at about 1.7 times its volume; Ponder E (1948) Hemolysis and Related Phenomena).
MAX_VOLUME_FACTOR = 10.0
#: No cytoplasm holds more of one ion than this (marine invertebrate axoplasm, the most
#: concentrated, has about 400 mM K+ in about 1,000 mOsm; Hodgkin 1958, Proc R Soc B 148:1).
MAX_STEADY_CONCENTRATION_MM = 2000.0
#: Below one ion per cell a concentration is not a concentration (the continuum model fails).
_ONE_ION_AMOL = 1e18 / AVOGADRO


def _compiled_ok() -> bool:
    """Compiled kernels are used unless Numba is missing or NERNST_NO_NUMBA is set."""
    from ..physics.ghk_kernel import available

    return available()


# ----------------------------------------------------------------------------- packing
def _n(model: CellModel) -> int:
    return len(model.species)


def pack(st: CellState, exchanged=None) -> np.ndarray:
    """State vector: [N_in..., N_out..., (W)], W absent for instant or rigid water.

    N_out is the extracellular amount with a finite bath; with an infinite bath
    it is the cumulative amount that has left the cell (zero at the start), so
    that N_in + N_out is conserved in both cases and can be checked.
    """
    m = st.model
    parts = [st.n_in]
    if m.finite_bath:
        parts.append(st.n_out)
    else:
        parts.append(np.zeros(len(m.species)) if exchanged is None else exchanged)
    if m.water == "flux":
        parts.append([st.volume_um3])
    return np.concatenate([np.asarray(p, dtype=float) for p in parts])


class _Layout:
    """Maps a state vector to a CellState for one model (volumes from the water mode)."""

    def __init__(self, model: CellModel, initial: CellState, on_time=None, compiled: bool = True):
        self.model = model
        self.on_time = on_time
        self.n = _n(model)
        self.impermeant_in = dict(initial.impermeant_in)
        self.w0 = initial.volume_um3
        self.w_total = None
        if model.finite_bath:
            self.w_total = initial.volume_um3 + initial.volume_out_um3
        x_out = sum(imp.concentration_mM for imp in model.impermeant_outside.values())
        self.x_out_amount = x_out * (initial.volume_out_um3 if model.finite_bath else 0.0)
        self.x_in_amount = sum(self.impermeant_in.values())
        self.cc = None
        if compiled and _compiled_ok():
            from .kernels.pumpleak import compile_model

            self.cc = compile_model(model, initial)
        if self.cc is not None:
            n = self.n
            self._work = (np.empty(n), np.empty(n), np.empty(n))

    def _args(self):
        c = self.cc
        return (c.z, c.co, c.vt, c.mtype, c.mion, c.mpar, c.area, c.cap, c.water, c.finite, c.pf_rate,
                c.x_in_amount, c.x_in_charge, c.x_out_conc, c.w0, c.w_total, c.w_out0) + self._work

    def rhs_compiled(self, t, y):
        from .kernels.pumpleak import rhs

        if self.on_time is not None:
            self.on_time(t)
        dy = np.empty_like(y)
        rhs(y, dy, *self._args())
        return dy

    def jac_compiled(self, t, y):
        from .kernels.pumpleak import jacobian

        jac = np.empty((y.size, y.size))
        jacobian(np.asarray(y, dtype=float), jac, *self._args())
        return jac

    def state(self, y) -> CellState:
        m, n = self.model, self.n
        n_in = y[:n]
        n_out = y[n:2 * n] if m.finite_bath else None  # infinite bath: y[n:2n] is the cumulative efflux
        if m.water == "flux":
            w = y[-1]
        elif m.water == "rigid":
            w = self.w0
        else:  # instant osmotic balance
            inside = float(np.sum(n_in)) + self.x_in_amount
            if m.finite_bath:
                outside = float(np.sum(n_out)) + self.x_out_amount
                w = self.w_total * inside / (inside + outside)
            else:
                osm_o = sum(m.outside.values()) + sum(imp.concentration_mM for imp in m.impermeant_outside.values())
                w = inside / osm_o
        w_out = None if self.w_total is None else self.w_total - w
        return CellState(m, np.asarray(n_in, dtype=float), float(w), self.impermeant_in,
                         None if n_out is None else np.asarray(n_out, dtype=float), w_out)

    def outputs(self, ys) -> dict:
        """Arrays for a block of states (one per row), without building CellStates."""
        m, n = self.model, self.n
        ys = np.atleast_2d(ys)
        n_in = ys[:, :n]
        out_part = ys[:, n:2 * n]
        if m.water == "flux":
            w = ys[:, -1]
        elif m.water == "rigid":
            w = np.full(ys.shape[0], self.w0)
        else:
            inside = n_in.sum(axis=1) + self.x_in_amount
            if m.finite_bath:
                w = self.w_total * inside / (inside + out_part.sum(axis=1) + self.x_out_amount)
            else:
                osm_o = sum(m.outside.values()) + sum(imp.concentration_mM for imp in m.impermeant_outside.values())
                w = inside / osm_o
        z = np.array([m.valence[s] for s in m.species])
        x_charge = sum(m.impermeant_inside[k].valence * a for k, a in self.impermeant_in.items())
        v = V_PER_CHARGE * FARADAY * (n_in @ z + x_charge) / (m.capacitance_uF_cm2 * m.area_um2)
        if m.finite_bath:
            outside = out_part / (self.w_total - w)[:, None]
        else:
            outside = np.tile([m.outside[s] for s in m.species], (ys.shape[0], 1))
        amount_x = np.tile([self.impermeant_in[k] for k in self.impermeant_in], (ys.shape[0], 1))
        return {"voltage_mV": v, "inside_mM": n_in / w[:, None], "outside_mM": outside, "volume_um3": w,
                "amounts_in": n_in.copy(), "amounts_out": out_part.copy(), "amount_x": amount_x}

    def rhs(self, t, y):
        if self.on_time is not None:
            self.on_time(t)
        return self._rhs_at(y)

    def jac(self, t, y):
        """Jacobian split as df/dy|_V + df/dV dV/dy (see cellkernels.jacobian for why).

        The extracellular (or cumulative-efflux) amounts of an infinite bath do
        not feed back, so their columns are exactly zero.
        """
        n = self.n
        m = self.model
        v0 = self.state(y).voltage_mV
        f0 = self._rhs_at(y, v0)
        dv = 1e-4
        dfdv = (self._rhs_at(y, v0 + dv) - self._rhs_at(y, v0 - dv)) / (2 * dv)
        dv_dq = V_PER_CHARGE * FARADAY / (m.capacitance_uF_cm2 * m.area_um2)
        jac = np.zeros((y.size, y.size))
        cols = list(range(n))
        if m.finite_bath:
            cols += list(range(n, 2 * n))
        if m.water == "flux":
            cols.append(y.size - 1)
        for k in cols:
            h = 1e-7 * max(abs(y[k]), 1e-300)
            yp = y.copy()
            yp[k] += h
            jac[:, k] = (self._rhs_at(yp, v0) - f0) / h
            if k < n:
                jac[:, k] += dfdv * dv_dq * m.valence[m.species[k]]
        return jac

    def _rhs_at(self, y, v=None):
        """The right-hand side; with *v* the fluxes use that voltage instead of the charge's."""
        st = self.state(y)
        m = self.model
        j = m.fluxes(st, voltage_mV=v)
        rate = np.array([-j[s] for s in m.species]) * (FLUX_TO_RATE * m.area_um2)
        parts = [rate, -rate]
        if m.water == "flux":
            d_osm = st.inside_osmolarity - m.outside_osmolarity(st)
            parts.append([m.water_permeability_cm_s * m.area_um2 * WATER_MOLAR_VOLUME_CM3_MOL * WATER_FACTOR * d_osm])
        return np.concatenate([np.asarray(p, dtype=float) for p in parts])


def _integrate(layout, y0, t0, t1, ts, rtol, atol, method):
    """Integrate one segment; returns (times, states as rows) at the output times *ts*.

    "auto" with compiled kernels uses LSODA through :func:`scipy.integrate.odeint`,
    whose step loop runs in Fortran and only calls back for the right-hand side
    and the Jacobian (about 10x less overhead than solve_ivp's Python BDF);
    otherwise :func:`scipy.integrate.solve_ivp` with the given stiff method.
    """
    from scipy.integrate import odeint, solve_ivp

    fast = layout.cc is not None
    times = np.unique(np.concatenate([[t0], ts, [t1]])) if method == "auto" and fast else ts
    import warnings

    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # LSODA's own warnings: failures are reported below as one error
            if method == "auto" and fast:
                ys, info = odeint(lambda y, t: layout.rhs_compiled(t, y), y0, times,
                                  Dfun=lambda y, t: layout.jac_compiled(t, y), rtol=rtol, atol=atol,
                                  full_output=True, mxstep=10_000_000)
                if info["message"] != "Integration successful.":
                    raise SolverError(f"the stiff solver (LSODA) failed between {t0:g} and {t1:g} s: {info['message']}")
                keep = np.isin(times, ts)
                return times[keep], ys[keep]
            fun = layout.rhs_compiled if fast else layout.rhs
            stiff = "BDF" if method == "auto" else method
            extra = {"jac": layout.jac_compiled if fast else layout.jac} if stiff in ("BDF", "Radau", "LSODA") else {}
            sol = solve_ivp(fun, (t0, t1), y0, method=stiff, t_eval=ts, rtol=rtol, atol=atol, first_step=1e-6, **extra)
    except (ValueError, ZeroDivisionError, np.linalg.LinAlgError):
        raise SolverError(f"the state became non-physical between {t0:g} and {t1:g} s (an amount fell to zero, "
                          "e.g. a constant-rate pump exhausting the ion it pumps)") from None
    if not sol.success:
        last = float(np.ravel(sol.t)[-1]) if np.size(sol.t) else t0
        raise SolverError(f"the stiff solver failed at t = {last:.4g} s: {sol.message}")
    return sol.t, sol.y.T


# ----------------------------------------------------------------------------- simulate
def _throttled(progress, total):
    """A callback for the right-hand side that reports progress at most 200 times per run."""
    if progress is None:
        return None
    last = [-np.inf]

    def on_time(t):
        if t - last[0] >= total / 200.0:
            last[0] = t
            progress(min(float(t), total), total)

    return on_time


@dataclass
class Trajectory:
    """A simulated time course.

    Attributes
    ----------
    t_s : ndarray
        Times, s.
    voltage_mV : ndarray
    inside_mM, outside_mM : dict of str to ndarray
    volume_um3 : ndarray
    impermeant_mM : dict of str to ndarray
    model : CellModel
        The model at the end (after any protocol events).
    final : CellState
    events : list of (float, str)
        Protocol events applied, with their times.
    """

    t_s: np.ndarray
    voltage_mV: np.ndarray
    inside_mM: dict
    outside_mM: dict
    volume_um3: np.ndarray
    impermeant_mM: dict
    model: CellModel
    initial: CellState
    final: CellState
    amounts_in: np.ndarray
    amounts_out: np.ndarray
    events: list = field(default_factory=list)
    #: Per event: its time and text, V and volume just before it, and the V it jumps to within
    #: milliseconds (the zero-current potential of the changed cell before any ion moves).
    event_details: list = field(default_factory=list)
    #: Things a reader must know: a non-physiological voltage or volume reached during the run.
    warnings: list = field(default_factory=list)

    @property
    def volume_rel(self) -> np.ndarray:
        return self.volume_um3 / self.volume_um3[0]

    def conservation(self) -> dict:
        """Relative drift of every conserved total over the run.

        Amounts: N_in + N_out per species (N_out: the extracellular amount with a
        finite bath, the cumulative efflux with an infinite one).  Charge: the
        same sum weighted by valence, plus the impermeants.  Events that add
        ions (set_outside on a finite bath, add_inside) change the totals on
        purpose: the drift is then measured from the last such event.
        """
        m = self.model
        total = self.amounts_in + self.amounts_out
        start = 0
        for t_ev, desc in self.events:
            if desc.startswith("+") or desc.startswith("["):
                start = int(np.searchsorted(self.t_s, t_ev))
        ref = total[start]
        amount_err = {s: float(np.max(np.abs(total[start:, i] - ref[i])) / abs(ref[i]))
                      for i, s in enumerate(m.species)}
        z = np.array([m.valence[s] for s in m.species])
        charge = total @ z
        scale = float(np.sum(np.abs(ref * z)))
        charge_err = float(np.max(np.abs(charge[start:] - charge[start])) / scale)
        return {"charge_rel_error": charge_err, "amount_rel_error": amount_err}

    def crossed(self) -> dict:
        """Net amount of each ion that left the cell over the run, amol (negative: entered)."""
        return {s: float(self.amounts_out[-1, i] - self.amounts_out[0, i]) if not self.model.finite_bath
                else float(self.amounts_in[0, i] - self.amounts_in[-1, i]) for i, s in enumerate(self.model.species)}


#: A run whose |V| passes this is flagged: membranes break down at a few hundred mV (the limit
#: of an initial state too; cell.MAX_INITIAL_VOLTAGE_MV has the source).
WARN_VOLTAGE_MV = MAX_INITIAL_VOLTAGE_MV


def _warnings(t, v, vol_rel, t_vol) -> list:
    """Visible warnings for a non-physiological run (the numbers are shown, not hidden).

    *v* holds the output samples and the potential each event jumps to (a transient of
    milliseconds that the output times may step over)."""
    out = []
    i = int(np.argmax(np.abs(v)))
    if abs(v[i]) > WARN_VOLTAGE_MV:
        out.append(f"V reached {v[i]:+,.0f} mV at t = {t[i]:.3g} s: no membrane survives beyond about "
                   f"+-{WARN_VOLTAGE_MV:g} mV (it breaks down); a rate law is driven outside its range")
    j = int(np.argmax(np.abs(np.log(vol_rel))))
    if not 1.0 / MAX_VOLUME_FACTOR <= vol_rel[j] <= MAX_VOLUME_FACTOR:
        how = f"swelled {vol_rel[j]:,.3g}-fold" if vol_rel[j] > 1 else f"shrank to {vol_rel[j]:.3g} of its volume"
        out.append(f"the cell {how} by t = {t_vol[j]:.3g} s: a real cell lyses or collapses long before "
                   f"{MAX_VOLUME_FACTOR:g}x")
    return out


def _check_model(model) -> None:
    if not isinstance(model, CellModel):
        raise InvalidParameter("model", model, "must be a CellModel (e.g. load_cell(...).model)")


def _initial(model: CellModel, initial) -> CellState:
    """The starting state: the model's own, a CellState, or the state of a SteadyState."""
    if initial is None:
        return model.initial_state()
    if isinstance(initial, SteadyState):
        initial = initial.state
    if not isinstance(initial, CellState):
        raise InvalidParameter("initial", initial, "must be a CellState or a SteadyState (from steady_state)")
    if initial.model.species != model.species:
        raise InvalidParameter("initial", InvalidParameter.NO_VALUE,
                               f"is a state of a cell with other ions ({', '.join(initial.model.species)})")
    if model.finite_bath and initial.n_out is None:
        raise InvalidParameter("initial", InvalidParameter.NO_VALUE, "is a state with an infinite bath, and this "
                               "model has a finite extracellular space (start from its own initial_state())")
    if set(initial.impermeant_in) != set(model.impermeant_inside):
        raise InvalidParameter("initial", InvalidParameter.NO_VALUE,
                               f"holds the impermeants {', '.join(initial.impermeant_in) or 'none'}, the cell "
                               f"{', '.join(model.impermeant_inside) or 'none'}")
    from dataclasses import replace as _replace

    if initial.model is model:
        return initial
    if not model.finite_bath:  # an infinite bath: the state's closed space, if it had one, is gone
        return _replace(initial, model=model, n_out=None, volume_out_um3=None)
    return _replace(initial, model=model)


def _protocol(protocol):
    """A Protocol, or a plain list/tuple of events made into one (None stays None)."""
    if protocol is None:
        return None
    from ..model.protocols import Event, Protocol

    if isinstance(protocol, Protocol):
        return protocol
    if isinstance(protocol, Event):
        return Protocol((protocol,))
    if isinstance(protocol, (list, tuple)):
        return Protocol(tuple(protocol))
    raise InvalidParameter("protocol", protocol, "must be a Protocol or a list of events (Scale, SetOutside, ...)")


def simulate(model: CellModel, duration_s: float, initial: CellState | None = None, n_points: int = 400,
             protocol=None, rtol: float = 1e-8, atol_amol: float | None = None, method: str = "auto",
             progress=None, t_eval=None, compiled: bool = True) -> Trajectory:
    """Integrate the pump-leak cell for *duration_s* seconds.

    Parameters
    ----------
    model : CellModel
    duration_s : float
        Simulated time, s (> 0).
    initial : CellState or SteadyState, optional
        Start here instead of ``model.initial_state()`` (a steady state's ``state``).
    n_points : int
        Number of output times (evenly spaced, plus every event time).
    protocol : Protocol or list of events, optional
        Timed events (see :mod:`nernst.protocols`).  An event at or after the
        end of the run is not applied, with a warning (``Trajectory.warnings``
        and a :class:`nernst.errors.NernstWarning`).
    rtol, atol_amol : float
        Solver tolerances (relative; absolute in amol, default 1e-12 of the
        smallest initial amount).
    method : str
        "auto" (LSODA via odeint with the compiled kernels, else BDF), or a
        stiff method of :func:`scipy.integrate.solve_ivp` ("BDF", "Radau", "LSODA").
    progress : callable, optional
        Called as progress(t_done_s, duration_s) as the run advances.
    compiled : bool
        Use the compiled right-hand side and Jacobian (:mod:`nernst.cellkernels`)
        when Numba is available; False runs the Python reference.
    t_eval : array_like, optional
        Output times (s, increasing, within [0, duration_s]) instead of *n_points*
        evenly spaced ones, e.g. logarithmically spaced to see fast and slow phases.

    Returns
    -------
    Trajectory
    """
    if not (isinstance(duration_s, (int, float)) and np.isfinite(duration_s) and duration_s > 0):
        raise InvalidParameter("duration_s", duration_s, "must be a finite number > 0")
    if not (isinstance(n_points, int) and 2 <= n_points <= 1_000_000):
        raise InvalidParameter("n_points", n_points, "must be a whole number from 2 to 1000000")
    _check_model(model)
    st0 = _initial(model, initial)
    protocol = _protocol(protocol)
    events = [] if protocol is None else protocol.events_until(duration_s)
    late = [] if protocol is None else [e for e in protocol.events if e.time_s >= duration_s]
    cuts = [0.0] + [e.time_s for e in events] + [float(duration_s)]
    if t_eval is None:
        grid = np.linspace(0.0, duration_s, n_points)
    else:
        grid = np.asarray(t_eval, dtype=float)
        if grid.ndim != 1 or grid.size < 2 or np.any(np.diff(grid) <= 0) or grid[0] < 0 or grid[-1] > duration_s:
            raise InvalidParameter("t_eval", InvalidParameter.NO_VALUE,
                                   "must be increasing times within [0, duration_s], at least two")
        grid = np.unique(np.concatenate([[0.0], grid, [float(duration_s)]]))
    t_out = np.unique(np.concatenate([grid, [e.time_s for e in events]]))

    current_model, st = model, st0
    seg_t, seg_out, seg_x, applied, details = [], [], [], [], []
    exchanged = np.zeros(len(model.species))
    for k in range(len(cuts) - 1):
        t0, t1 = cuts[k], cuts[k + 1]
        if k > 0:
            ev = events[k - 1]
            before_v, before_w = float(st.voltage_mV), float(st.volume_um3)
            try:
                current_model, st = ev.apply(current_model, st, original=model)
            except InvalidParameter as exc:  # name the event as the config does: protocol[i].key
                raise exc.renamed(f"protocol[{protocol.events.index(ev)}].{exc.field}") from None
            applied.append((ev.time_s, ev.describe()))
            after = zero_current_voltage(current_model, st) if current_model.mechanisms else None
            details.append({"at_s": float(ev.time_s), "event": ev.describe(), "before_mV": before_v,
                            "after_mV": after, "volume_rel": before_w / st0.volume_um3})
        if t1 <= t0:
            continue
        layout = _Layout(current_model, st, _throttled(progress, duration_s), compiled=compiled)
        y0 = pack(st, None if current_model.finite_bath else exchanged)
        n = len(current_model.species)
        base = atol_amol if atol_amol is not None else 1e-12 * float(np.min(st.n_in))
        atol = np.full(y0.size, base)
        if not current_model.finite_bath:
            # cumulative efflux: bookkeeping only (it never feeds back), so it gets a
            # tolerance on the scale of the amounts; near a steady state its derivative
            # is rounding noise, and a tolerance near zero would stall the solver
            atol[n:2 * n] = max(rtol, 1e-12) * st.n_in
        if current_model.water == "flux":
            atol[-1] = 1e-12 * st.volume_um3
        ts = t_out[(t_out >= t0) & (t_out <= t1)]
        ts_y, ys = _integrate(layout, y0, t0, t1, ts, rtol, atol, method)
        n_pos = 2 * n if current_model.finite_bath else n
        if not np.all(np.isfinite(ys)) or np.any(ys[:, :n_pos] < 0):
            raise SolverError(f"an amount became negative or non-finite before t = {t1:.4g} s")
        if seg_t and ts_y.size and seg_t[-1].size and ts_y[0] == seg_t[-1][-1]:  # keep the state after the event
            seg_t[-1] = seg_t[-1][:-1]
            seg_out[-1] = {key: v[:-1] for key, v in seg_out[-1].items()}
        seg_t.append(ts_y)
        seg_out.append(layout.outputs(ys))
        seg_x.append(list(st.impermeant_in))  # an event may add an impermeant species (add_inside)
        st = layout.state(ys[-1])
        exchanged = ys[-1, n:2 * n].copy()
        if progress is not None:
            progress(t1, duration_s)

    species = model.species
    # impermeant species: every one that was ever in the cell, 0 before it was added
    x_keys = list(dict.fromkeys(k for keys in seg_x for k in keys))
    for o, keys in zip(seg_out, seg_x):
        cols = np.zeros((o["amount_x"].shape[0], len(x_keys)))
        for i, k in enumerate(keys):
            cols[:, x_keys.index(k)] = o["amount_x"][:, i]
        o["amount_x"] = cols
    cat = {key: np.concatenate([o[key] for o in seg_out]) for key in seg_out[0]}
    t_all = np.concatenate(seg_t)
    notes = [f"the protocol's event at {e.time_s:g} s ({e.describe()}) is at or after the end of the run "
             f"({duration_s:g} s): not applied" for e in sorted(late, key=lambda e: e.time_s)]
    if notes:
        import warnings as _w

        for n in notes:
            _w.warn(n, NernstWarning, stacklevel=2)
    return Trajectory(
        warnings=notes + _warnings(np.concatenate([t_all, [d["at_s"] for d in details if d["after_mV"] is not None]]),
                           np.concatenate([cat["voltage_mV"], [d["after_mV"] for d in details
                                                               if d["after_mV"] is not None]]),
                           cat["volume_um3"] / st0.volume_um3, t_all),
        event_details=details,
        t_s=np.concatenate(seg_t),
        voltage_mV=cat["voltage_mV"],
        inside_mM={sp: cat["inside_mM"][:, i] for i, sp in enumerate(species)},
        outside_mM={sp: cat["outside_mM"][:, i] for i, sp in enumerate(species)},
        volume_um3=cat["volume_um3"],
        impermeant_mM={key: cat["amount_x"][:, i] / cat["volume_um3"] for i, key in enumerate(x_keys)},
        model=current_model,
        initial=st0,
        final=st,
        amounts_in=cat["amounts_in"],
        amounts_out=cat["amounts_out"],
        events=applied,
    )


# ----------------------------------------------------------------------------- steady state
@dataclass
class SteadyState:
    """A steady state of the pump-leak cell.

    Attributes
    ----------
    state : CellState
    voltage_mV : float
    inside_mM : dict
    volume_rel : float
        Volume relative to the initial state's.
    equilibrium_mV : dict
    method : str
        "newton", or "ode+newton" when the fallback was needed.
    residual : float
        Largest remaining flux imbalance, pmol/(cm^2 s).
    max_eigenvalue_per_s : float
        Largest real part of the eigenvalues of the Jacobian of the cell's
        equations at this state, 1/s, on the reduced system (the amounts that
        no mechanism can change and the combinations that every mechanism
        conserves, such as K+ minus Cl- for a cell with KCC2 alone, removed).
        Negative: a small disturbance dies out.
    stable : bool
        ``max_eigenvalue_per_s < 0``.
    """

    state: CellState
    voltage_mV: float
    inside_mM: dict
    volume_rel: float
    equilibrium_mV: dict
    method: str
    residual: float
    iterations: int
    max_eigenvalue_per_s: float = float("nan")
    stable: bool | None = None

    def pump_share(self) -> dict | None:
        """The pump's electrogenic share at this state (:func:`pump_share`): ``pump_share_mV``,
        ``with_pump_mV``, ``without_pump_mV``; None without a pump.  Computed when asked (two roots)."""
        if not hasattr(self, "_pump_share"):
            self._pump_share = pump_share(self.state.model, self.state)
        return self._pump_share

    @property
    def slowest_time_constant_s(self) -> float:
        """-1 / max_eigenvalue_per_s: how long the slowest disturbance takes to fall by e (s)."""
        lam = self.max_eigenvalue_per_s
        return float(-1.0 / lam) if lam < 0 else float("inf")

    def as_dict(self) -> dict:
        """JSON-ready summary (the ``nernst steady --json`` fields)."""
        return {
            "vm_mV": self.voltage_mV,
            "inside_mM": {k: float(v) for k, v in self.inside_mM.items()},
            "impermeant_mM": {k: float(v) for k, v in self.state.impermeant_mM.items()},
            "volume_rel": self.volume_rel,
            "equilibrium_mV": {k: float(v) for k, v in self.equilibrium_mV.items()},
            "method": self.method,
            "flux_residual_pmol_cm2_s": self.residual,
            "stable": self.stable,
            "max_eigenvalue_per_s": self.max_eigenvalue_per_s,
            "slowest_time_constant_s": (self.slowest_time_constant_s
                                        if np.isfinite(self.slowest_time_constant_s) else None),
            **(self.pump_share() or {}),
        }


def _stoichiometric_basis(model: CellModel, st: CellState, active=None) -> np.ndarray:
    """Orthonormal basis (columns) of the directions in which the mechanisms can move the amounts.

    Each mechanism's flux vector is sampled at the state and at states nudged in V
    and in the concentrations (a transporter at its own equilibrium moves nothing,
    but its stoichiometry still shows away from it); the span of all of them is
    the space the amounts move in.  Its orthogonal complement holds the conserved
    combinations (libRoadRunner's moiety conservation, found here from the rate
    laws instead of a reaction list).
    """
    if active is None:
        active = _active(model)
    key = _stoichiometry_key(model, active)
    if key is not None and key in _BASIS_CACHE:
        return _BASIS_CACHE[key]
    n = len(model.species)
    cols = []
    ci, co = st.inside_mM, st.outside_mM
    # probes (all at once: the rate laws broadcast): the state, V moved by +-20 mV, and each concentration
    # moved by its own factor (so that no product of them, such as KCC2's [K]i[Cl]i, stays put)
    dv = np.array([0.0, 20.0, -20.0, 0.0, 0.0])
    c_in = {}
    for i, (k, v) in enumerate(ci.items()):
        up, down = 1.0 + 0.13 * (i + 1), 1.0 / (1.0 + 0.07 * (i + 2))
        c_in[k] = v * np.array([1.0, 1.0, 1.0, up, down])
    ms = model.membrane_state(st.voltage_mV + dv, c_in, co)
    for mech, on in zip(model.mechanisms, active):
        if not on:  # a mechanism at rate 0 moves nothing
            continue
        with np.errstate(all="ignore"):
            j = mech.flux(ms)
        vecs = np.array([np.broadcast_to(np.asarray(j.get(s, 0.0), dtype=float), dv.shape) for s in model.species])
        for vec in vecs.T:
            norm = np.linalg.norm(vec)
            if np.isfinite(norm) and norm > 0:
                cols.append(vec / norm)
    if cols:
        u, sv, _ = np.linalg.svd(np.array(cols).T, full_matrices=False)
        basis = u[:, :int(np.sum(sv > 1e-9 * sv[0]))]
    else:
        basis = np.zeros((n, 0))
    if key is not None:
        if len(_BASIS_CACHE) > 256:
            _BASIS_CACHE.clear()
        _BASIS_CACHE[key] = basis
    return basis


_BASIS_CACHE: dict = {}


def _active(model: CellModel) -> tuple:
    """Per mechanism: does it move anything (a mechanism whose rate is zero equals itself scaled by 0)."""
    return tuple(m.scaled(0.0) != m for m in model.mechanisms)


def _stoichiometry_key(model: CellModel, active):
    """What decides the stoichiometric span: the species and, per mechanism, its kind, the ions it moves,
    whether it moves anything, and its cycle (the Na/K pump's Na:K).  None for a mechanism from outside
    nernst, whose stoichiometry may vary with the state (it is probed every time)."""
    from ..mechanisms import REGISTRY

    parts = []
    for m, on in zip(model.mechanisms, active):
        if REGISTRY.get(m.kind) is not type(m) or not type(m).__module__.startswith("nernst."):
            return None
        parts.append((m.kind, m.species, on, getattr(m, "na_per_cycle", None), getattr(m, "k_per_cycle", None)))
    return model.species, tuple(model.valence[s] for s in model.species), tuple(parts)


def stability(model: CellModel, state: CellState, active=None) -> tuple:
    """Eigenvalues (1/s) of the cell's equations linearized at *state*, conserved quantities removed.

    The state vector is the amounts inside and (with water flux) the volume;
    the amounts are projected on the directions the mechanisms can move them
    (:func:`_stoichiometric_basis`), so conserved combinations, which would show
    as eigenvalues at exactly 0, are left out.  Returns (eigenvalues, largest real part).
    """
    layout = _Layout(model, state)
    y = pack(state)
    jac = layout.jac_compiled(0.0, y) if layout.cc is not None else layout.jac(0.0, y)
    n = len(model.species)
    basis = _stoichiometric_basis(model, state, active)
    idx = list(range(n))
    if model.finite_bath:
        # the extracellular amounts: each ion's total is conserved, so the inside amounts carry it all
        sub = jac[np.ix_(idx, idx)] - jac[np.ix_(idx, list(range(n, 2 * n)))]
    else:
        sub = jac[np.ix_(idx, idx)]
    r = basis.shape[1]
    if model.water == "flux":
        k = y.size - 1
        q = np.zeros((n + 1, r + 1))
        q[:n, :r] = basis
        q[n, r] = 1.0
        full = np.zeros((n + 1, n + 1))
        full[:n, :n] = sub
        full[:n, n] = jac[idx, k]
        full[n, :n] = jac[k, idx] - (jac[k, n:2 * n] if model.finite_bath else 0.0)
        full[n, n] = jac[k, k]
    else:
        q = basis
        full = sub
    if q.shape[1] == 0:  # nothing can change: no dynamics to be stable or not
        return np.zeros(0), float("nan")
    red = q.T @ full @ q
    ev = np.linalg.eigvals(red)
    return ev, float(np.max(ev.real))


def zero_current_voltage(model: CellModel, st: CellState, mechanisms=None) -> float | None:
    """The V at which the membrane current of *mechanisms* (default: all) vanishes at the state's concentrations.

    This is where V settles within milliseconds (the capacitor's time scale) when
    the mechanisms change and the concentrations have not yet moved.  None when the
    current has no zero between -500 and +500 mV.
    """
    from scipy.optimize import brentq

    mechs = model.mechanisms if mechanisms is None else tuple(mechanisms)
    ci, co = st.inside_mM, st.outside_mM

    def current(v):  # net outward current density, uA/cm^2 (I = sum z F J)
        ms = model.membrane_state(v, ci, co)
        return sum(model.valence[s] * j for m in mechs for s, j in m.flux(ms).items()) * 1e-6 * FARADAY

    lo, hi = -500.0, 500.0
    with np.errstate(all="ignore"):
        f_lo, f_hi = current(lo), current(hi)
    if not (np.isfinite(f_lo) and np.isfinite(f_hi)) or f_lo * f_hi > 0:
        return None
    return float(brentq(current, lo, hi, xtol=1e-12, rtol=1e-14, maxiter=200))


def pump_share(model: CellModel, st: CellState) -> dict | None:
    """The Na/K pump's electrogenic share of V at a state, mV, with the two potentials it is the difference of.

    One definition, used by the story, steady states, scenarios and the rest report:
    the zero-current potential with the pump's current minus the zero-current
    potential without it, at the same concentrations and with every other mechanism
    (for Na+ and K+ leaks alone it is the Mullins & Noda 1963 result).  At a
    steady state the first is V itself; the second is where V jumps within
    milliseconds when the pump is blocked (ouabain), before any ion has moved.

    Returns None when the cell has no pump (or a voltage clamp holds V).
    """
    pumps = [m for m in model.mechanisms if m.kind == "nak_pump"]
    if not pumps or any(m.kind == "clamp" for m in model.mechanisms):
        return None
    with_pump = zero_current_voltage(model, st)
    without = zero_current_voltage(model, st, [m for m in model.mechanisms if m.kind != "nak_pump"])
    if with_pump is None or without is None:
        return None
    return {"pump_share_mV": with_pump - without, "with_pump_mV": with_pump, "without_pump_mV": without}


def _unphysiological(model: CellModel, st: CellState, st0: CellState) -> str | None:
    """Why a fixed point is not a cell, or None."""
    rel = st.volume_um3 / st0.volume_um3
    if not 1.0 / MAX_VOLUME_FACTOR <= rel <= MAX_VOLUME_FACTOR:
        how = f"swollen {rel:,.3g}-fold" if rel > 1 else f"shrunk to {rel:.3g} of its volume"
        return f"the fixed point has the cell {how} (a cell lyses or collapses long before {MAX_VOLUME_FACTOR:g}x)"
    for s, c in st.inside_mM.items():
        if c > MAX_STEADY_CONCENTRATION_MM:
            return f"the fixed point has [{s}]i = {c:,.4g} mM (no cytoplasm holds more than " \
                   f"{MAX_STEADY_CONCENTRATION_MM:g} mM)"
    for s, n_amol in zip(model.species, st.n_in):
        if n_amol < _ONE_ION_AMOL:
            return f"the fixed point has less than one {s} ion left in the cell ([{s}]i = {st.inside_mM[s]:.3g} mM)"
    return None


def _moved_species(model: CellModel, active=None) -> set:
    """Ions some mechanism can move; a mechanism whose rate is zero (it equals itself
    scaled by 0) moves nothing, so its ions keep their amounts."""
    active = _active(model) if active is None else active
    return {s for m, on in zip(model.mechanisms, active) if on for s in m.species}


def _steady_residual(model: CellModel, x, st0: CellState, moved):
    """Residuals in [ln c..., ln W, V]: fluxes (pmol/cm^2/s), conservation, osmolarity, charge."""
    n = len(model.species)
    c = np.exp(x[:n])
    w = float(np.exp(x[n]))
    v = x[n + 1]
    c_in = dict(zip(model.species, c))
    ms = model.membrane_state(v, c_in, dict(model.outside))
    j = {s: 0.0 for s in model.species}
    for mech in model.mechanisms:
        for s, val in mech.flux(ms).items():
            j[s] = j[s] + val
    r = np.empty(n + 2)
    for i, s in enumerate(model.species):
        if s in moved:
            r[i] = j[s]
        else:  # nothing moves it: its amount stays
            r[i] = (c[i] * w - st0.n_in[i]) / st0.n_in[i]
    x_amount = sum(st0.impermeant_in.values())
    if model.water == "rigid":
        r[n] = (w - st0.volume_um3) / st0.volume_um3
    else:
        osm_o = sum(model.outside.values()) + sum(imp.concentration_mM for imp in model.impermeant_outside.values())
        r[n] = (float(np.sum(c)) + x_amount / w - osm_o) / osm_o
    charge = sum(model.valence[s] * ci for s, ci in zip(model.species, c))
    charge += sum(model.impermeant_inside[k].valence * a for k, a in st0.impermeant_in.items()) / w
    # net charge density (mM) minus what the capacitor holds at V
    r[n + 1] = charge - v * model.capacitance_uF_cm2 * model.area_um2 / (V_PER_CHARGE * FARADAY * w)
    return r


def _newton(model, x0, st0, moved, tol=1e-11, max_iter=100):
    x = np.array(x0, dtype=float)
    r = _steady_residual(model, x, st0, moved)
    norm = float(np.max(np.abs(r)))
    for it in range(max_iter):
        jac = np.empty((x.size, x.size))
        for k in range(x.size):
            h = 1e-7 * max(1.0, abs(x[k]))
            xp = x.copy()
            xp[k] += h
            jac[:, k] = (_steady_residual(model, xp, st0, moved) - r) / h
        try:
            dx = np.linalg.solve(jac, -r)
        except np.linalg.LinAlgError:
            return None, it
        if not np.all(np.isfinite(dx)):
            return None, it
        # damping: limit steps in log-concentration and voltage, then backtrack
        big = max(np.max(np.abs(dx[:-1])) / 1.0, abs(dx[-1]) / 50.0, 1.0)
        dx = dx / big
        step = 1.0
        for _ in range(30):
            xn = x + step * dx
            with np.errstate(all="ignore"):
                rn = _steady_residual(model, xn, st0, moved)
            nn = float(np.max(np.abs(rn))) if np.all(np.isfinite(rn)) else np.inf
            if nn < norm or step < 1e-6:
                break
            step *= 0.5
        if not np.isfinite(nn):
            return None, it
        x, r, norm = xn, rn, nn
        if np.max(np.abs(step * dx)) < tol:
            return x, it + 1
    return None, max_iter


def _newton_compiled(model, x0, st0, moved):
    """The compiled twin of :func:`_newton` (falls back to it for uncompilable mechanisms)."""
    from .kernels.pumpleak import compile_model, steady_newton

    cc = compile_model(model, st0)
    if cc is None:
        return _newton(model, x0, st0, moved)
    moved_a = np.array([s in moved for s in model.species])
    osm_o = float(np.sum(cc.co)) + cc.x_out_conc
    try:
        x, it = steady_newton(np.asarray(x0, dtype=float), moved_a, np.asarray(st0.n_in, dtype=float), cc.z, cc.co,
                              cc.vt, cc.mtype, cc.mion, cc.mpar, cc.area, cc.cap, cc.water, cc.x_in_amount,
                              cc.x_in_charge, osm_o, float(st0.volume_um3), 1e-11, 100)
    except np.linalg.LinAlgError:  # a singular Jacobian: no isolated steady state from here
        return None, 0
    return (x, it) if it >= 0 else (None, 100)


def steady_state(model: CellModel, initial: CellState | None = None, fallback_s: float = 1e6,
                 compiled: bool = True, stability: bool = True) -> SteadyState:
    """Solve for the steady state of *model* (infinite bath).

    Newton's method on the flux balance of every transported ion, osmotic
    balance (or a fixed volume for ``water="rigid"``), the capacitor relation
    between charge and V, and conservation of any ion no mechanism moves.  If
    Newton does not converge from the initial state, the cell is integrated for
    *fallback_s* seconds and Newton restarts from there.

    Parameters
    ----------
    model : CellModel
        The cell (its bath must be infinite).
    initial : CellState or SteadyState, optional
        Where Newton starts (default ``model.initial_state()``); it also fixes
        the impermeant amounts and the amounts no mechanism moves.
    fallback_s : float
        Simulated time of the long-time fallback, s.
    compiled : bool
        Run the Newton iteration in Numba (default; tests check it against the
        Python version).
    stability : bool
        Measure the steady state's stability (``max_eigenvalue_per_s``, ``stable``;
        about 0.1 ms); False leaves them NaN and None (a sweep that does not ask).

    Returns
    -------
    SteadyState
        V, concentrations, volume, and ``stable`` / ``max_eigenvalue_per_s``.

    Raises
    ------
    SolverError
        If no steady state exists (e.g. a Donnan cell without a pump swells
        without bound), none is found, or the fixed point is not a cell (volume
        beyond 10x the start, an ion above 2000 mM or below one ion per cell).
    """
    _check_model(model)
    if model.finite_bath:
        raise InvalidParameter("extracellular_volume_ratio", model.extracellular_volume_ratio,
                               "the direct steady-state solver needs an infinite bath; use simulate() for a closed system")
    st0 = _initial(model, initial)
    active = _active(model)
    moved = _moved_species(model, active)
    n = len(model.species)
    x0 = np.concatenate([np.log([st0.inside_mM[s] for s in model.species]), [np.log(st0.volume_um3), st0.voltage_mV]])
    method = "newton"
    newton = _newton_compiled if (compiled and _compiled_ok()) else _newton
    x, iters = newton(model, x0, st0, moved)
    if x is None:
        try:
            traj = simulate(model, fallback_s, initial=st0, n_points=3, rtol=1e-8)
        except SolverError as exc:
            raise SolverError(f"no steady state found: Newton did not converge and the long-time run failed ({exc}); "
                              "a constant-rate pump can exhaust the ion it pumps") from None
        end = traj.final
        if traj.volume_um3[-1] > traj.volume_um3[-2] * (1 + 1e-4):  # still swelling after a long time
            raise SolverError("no steady state: the cell swells without bound (a Donnan cell needs a pump, "
                              "or water = 'rigid')")
        x1 = np.concatenate([np.log([end.inside_mM[s] for s in model.species]), [np.log(end.volume_um3), end.voltage_mV]])
        x, iters = newton(model, x1, st0, moved)
        method = "ode+newton"
        if x is None:
            drift = abs(traj.voltage_mV[-1] - traj.voltage_mV[-2]) / max(traj.t_s[-1] - traj.t_s[-2], 1e-300) * 3600
            raise SolverError(
                f"the steady-state solver did not converge: Newton failed from the initial state and again after "
                f"{fallback_s:g} s of simulation (V {traj.voltage_mV[-1]:.4g} mV, still moving {drift:.3g} mV/h); "
                "the cell may oscillate, or have no isolated steady state (a species whose amount only a "
                "conserving transporter changes)")
    return _finish(model, x, st0, moved, method, iters, active, stability)


def _flux_scale(model: CellModel, st: CellState) -> float:
    """The largest net flux of one species through one mechanism at *st*, pmol/(cm^2 s) (the scale of a
    residual)."""
    ms = model.membrane_state(st.voltage_mV, st.inside_mM, st.outside_mM)
    scale = 0.0
    for mech in model.mechanisms:
        for j in mech.flux(ms).values():
            scale = max(scale, abs(float(j)))
    return scale


#: A steady state's flux residual must be below this fraction of the largest flux at it.
STEADY_RESIDUAL_REL = 1e-8


def _finish(model: CellModel, x, st0: CellState, moved, method: str, iters: int, active=None,
            measure: bool = True) -> SteadyState:
    """Check a converged Newton point (residual, physiology), measure its stability."""
    n = len(model.species)
    c = np.exp(x[:n])
    w = float(np.exp(x[n]))
    st = CellState(model, c * w, w, dict(st0.impermeant_in))
    if not np.isfinite(st.voltage_mV) or np.any(c <= 0):
        raise SolverError("the steady-state solver produced a non-physical state")
    res = _steady_residual(model, x, st0, moved)
    flux_res = float(np.max(np.abs([res[i] for i, s in enumerate(model.species) if s in moved]))) if moved else 0.0
    scale = _flux_scale(model, st)
    if flux_res > STEADY_RESIDUAL_REL * max(scale, 1e-300) and flux_res > 1e-12:
        raise SolverError(f"the steady-state solver did not converge: the fluxes still differ by {flux_res:.2g} "
                          f"pmol/cm^2/s ({flux_res / scale:.1e} of the largest flux, {scale:.3g})")
    # the other equations: amounts no mechanism moves and the osmotic balance (relative), the charge (mM)
    fixed = [abs(res[i]) for i, s in enumerate(model.species) if s not in moved] + [abs(res[n])]
    total = float(np.sum(c)) + sum(st.impermeant_in.values()) / w
    if max(fixed) > STEADY_RESIDUAL_REL or abs(res[n + 1]) > STEADY_RESIDUAL_REL * total:
        raise SolverError(f"the steady-state solver did not converge: the osmotic or amount balance is off by "
                          f"{max(fixed):.2g} (relative), the charge by {abs(res[n + 1]):.2g} mM")
    why = _unphysiological(model, st, st0)
    if why is not None:
        raise SolverError(f"no physiological steady state: {why}")
    lam = stability(model, st, active)[1] if measure else float("nan")
    return SteadyState(
        state=st,
        voltage_mV=st.voltage_mV,
        inside_mM=st.inside_mM,
        volume_rel=w / st0.volume_um3,
        equilibrium_mV=st.equilibrium_mV,
        method=method,
        residual=flux_res,
        iterations=iters,
        max_eigenvalue_per_s=lam,
        stable=bool(lam < 0) if measure and np.isfinite(lam) else None,
    )


def start_state(cfg) -> CellState:
    """The start of a run of the cell config *cfg* (a :class:`~nernst.config.cell.CellConfig`): its
    initial concentrations at its initial voltage, or, with ``[initial] steady = true``, the steady state
    of its model before any protocol event, solved here (loading the config does not solve).

    Examples
    --------
    >>> from nernst.config.cell import load_cell
    >>> cfg = load_cell("scenario_pump_block")          # starts from its steady state
    >>> round(start_state(cfg).voltage_mV, 2)
    -72.59
    """
    st = cfg.model.initial_state(cfg.initial_voltage_mV)
    if cfg.start_steady:
        return steady_state(cfg.model, initial=st).state
    return st


def steady_states(models, initials=None) -> list:
    """Steady states of many cells (e.g. a parameter grid), one :class:`SteadyState` each.

    The compiled Newton iteration runs for every cell with no per-cell Python
    set-up beyond building its tables; cells where it does not converge go
    through :func:`steady_state` (with its long-time fallback).

    Parameters
    ----------
    models : sequence of CellModel
    initials : sequence of CellState, optional
        Starting states (default: each model's initial state).
    """
    models = list(models)
    if initials is None:
        initials = [m.initial_state() for m in models]
    out = []
    for model, st0 in zip(models, initials):
        if model.finite_bath or not _compiled_ok():
            out.append(steady_state(model, initial=st0))
            continue
        active = _active(model)
        moved = _moved_species(model, active)
        x0 = np.concatenate([np.log(st0.n_in / st0.volume_um3), [np.log(st0.volume_um3), st0.voltage_mV]])
        x, iters = _newton_compiled(model, x0, st0, moved)
        if x is None:
            out.append(steady_state(model, initial=st0))
            continue
        out.append(_finish(model, x, st0, moved, "newton", iters, active))
    return out

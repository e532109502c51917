"""The formation of the resting potential, step by step, with real numbers.

Textbooks (and the Khan Academy video 'Neuron resting potential mechanism') tell the story
in imaginary steps: a neuron with equal concentrations and no voltage makes
organic anions, switches on the Na/K pump, opens leak channels, adds KCC2 and
the Na/Ca exchanger.  :func:`run_story` performs those steps on a pump-leak cell
(:mod:`nernst.cell`), each to its steady state, and reports what each step
did: V, every E_X, how many ions crossed and what fraction of the pool that is,
how long it took, and (once the pump runs) the pump's direct electrogenic share.

Two honest departures from the textbook telling:

* Anions are made *with counter-cations* (K+): anions alone would carry bare
  charge, and the step reports the absurd voltage that would make instead.
* Before the pump runs, a cell with impermeant anions and open channels has no
  steady volume: water follows the Donnan excess of osmoles and the cell swells
  without bound (Tosteson & Hoffman 1960).  Those steps hold the volume fixed
  (a rigid cell) and say so; from the pump step on, water moves freely.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..model.cell import CellModel, CellState
from ..config.cell import CellConfig
from ..solvers.pumpleak import pump_share, simulate, steady_state
from ..physics.membrane import potential_from_excess_charge
from ..errors import InvalidParameter

__all__ = ["StoryStep", "STEPS", "run_story", "StoryResult"]


@dataclass(frozen=True)
class StoryStep:
    """One imaginary step: which mechanisms switch on, and what it means.

    ``kinds`` are mechanism kinds; ``ions`` (if given) restricts one-ion
    mechanisms (leaks) to those ions, ``skip_ions`` excludes some.
    """

    name: str
    title: str
    kinds: tuple = ()
    rigid: bool = False
    text: str = ""
    ions: tuple | None = None
    skip_ions: tuple = ()

    def selects(self, m) -> bool:
        if m.kind not in self.kinds:
            return False
        ion = getattr(m, "ion", None)
        if ion is None:
            return True
        if self.ions is not None and ion not in self.ions:
            return False
        return ion not in self.skip_ions


STEPS = (
    StoryStep("start", "Equal concentrations, no voltage", (), True,
              "Inside and outside hold the same solution: no gradient, no charge separation, V = 0."),
    StoryStep("anions", "The cell makes impermeant organic anions (with K+ as counter-ions)", (), True,
              "Proteins and metabolites carry negative charge but cannot leave. Made together with K+, they change "
              "no voltage; made alone they would charge the membrane to an absurd voltage (see note)."),
    StoryStep("leaks", "Leak channels for Na+, K+ and Cl- open (no pump yet; volume held fixed)",
              ("leak", "ghk_leak", "kir"),
              True,
              "Ions redistribute until each sits at one common potential: the Gibbs-Donnan equilibrium. "
              "Every E_X equals V; there are no lasting gradients of Na+ and K+.", skip_ions=("Ca",)),
    StoryStep("pump", "The Na/K pump starts (water may now move)", ("nak_pump",), False,
              "3 Na+ out, 2 K+ in per cycle: the gradients of Na+ and K+ build up, K+ leaks out until V nears E_K, "
              "and the pump's removal of osmoles stops the Donnan swelling."),
    StoryStep("cotransport", "KCC2 extrudes K+ with Cl- (NKCC1 would load Cl-)", ("kcc2", "nkcc1"), False,
              "Riding the K+ gradient, KCC2 pushes Cl- out: E_Cl moves below V, so GABA-A channels hyperpolarize."),
    StoryStep("calcium", "Ca2+ channels leak, and the Na/Ca exchanger (or the Ca pump) extrudes Ca2+",
              ("ncx", "pmca", "leak", "ghk_leak"), False,
              "Riding the Na+ gradient, NCX pushes Ca2+ out until [Ca]i is ~100 nM and E_Ca is over +120 mV.",
              ions=("Ca",)),
)


@dataclass
class StepResult:
    """What one step did (JSON-ready through :meth:`as_dict`)."""

    name: str
    title: str
    text: str
    vm_mV: float
    equilibrium_mV: dict
    inside_mM: dict
    crossed_amol: dict  # net amount that entered (+) or left (-), amol
    crossed_fraction: dict  # |crossed| / the larger of the pools before and after the step
    settle_time_s: float
    settled: bool
    volume_rel: float
    pump_share_mV: float | None  # the pump's electrogenic share (nernst.dynamics.pump_share)
    without_pump_mV: float | None = None  # the zero-current V without the pump's current, same ions
    note: str | None = None
    stable: bool | None = None  # the step's steady state (None: nothing moves)
    max_eigenvalue_per_s: float | None = None
    trajectory: object = None

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "text": self.text,
            "vm_mV": self.vm_mV,
            "equilibrium_mV": self.equilibrium_mV,
            "inside_mM": self.inside_mM,
            "crossed_amol": self.crossed_amol,
            "crossed_fraction": self.crossed_fraction,
            "settle_time_s": self.settle_time_s,
            "settled": self.settled,
            "volume_rel": self.volume_rel,
            "pump_share_mV": self.pump_share_mV,
            "without_pump_mV": self.without_pump_mV,
            "stable": self.stable,
            "max_eigenvalue_per_s": self.max_eigenvalue_per_s,
            "note": self.note,
        }


@dataclass
class StoryResult:
    cell: str
    steps: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"cell": self.cell, "steps": [s.as_dict() for s in self.steps]}


def _equilibria(st: CellState) -> dict:
    """E_X of every ion, or None where the ion is absent on one side."""
    return {s: float(v) for s, v in st.equilibrium_mV.items()}


def _settle_time(traj, ss, v_tol=0.5, rel_tol=0.01) -> float:
    """First output time after which V, every concentration and the volume stay near the steady state."""
    ok = np.abs(traj.voltage_mV - ss.voltage_mV) <= v_tol
    for s, c in traj.inside_mM.items():
        ok &= np.abs(np.log(c / ss.inside_mM[s])) <= rel_tol
    ok &= np.abs(traj.volume_um3 / ss.state.volume_um3 - 1.0) <= rel_tol
    bad = np.nonzero(~ok)[0]
    if bad.size == 0:
        return 0.0
    last_bad = bad[-1]
    return float(traj.t_s[min(last_bad + 1, traj.t_s.size - 1)])


def run_story(cfg: CellConfig, horizon_s: float = 1e7) -> StoryResult:
    """Run the story on a cell config (its bath, impermeant anions and mechanisms).

    Parameters
    ----------
    cfg : CellConfig
        The finished cell, e.g. ``load_cell_config(resolve_cell_config("story_neuron"))``.
    horizon_s : float
        Longest time simulated per step to measure how long it takes to settle.
    """
    full = cfg.model
    if full.finite_bath:
        raise InvalidParameter("bath.volume_ratio", full.extracellular_volume_ratio, "the story needs an infinite bath")
    told = {k for step in STEPS for k in step.kinds}
    for m in full.mechanisms:
        if m.kind not in told:
            raise InvalidParameter("mechanisms", m.kind, "the story has no step that adds this mechanism "
                                   f"(its steps add {', '.join(sorted(told))})")
    geom = full.geometry
    w0 = geom.volume_um3
    bath = dict(full.outside)
    species = full.species
    # Step "start": the bath on both sides (its impermeant anions too, if it has any), nothing open.
    start_imp = {f"{k} (bath)": imp for k, imp in full.impermeant_outside.items()}
    model = full.replace(inside=dict(bath), impermeant_inside=start_imp, mechanisms=(), water="rigid")
    st = CellState(model, np.array([bath[s] * w0 for s in species]), w0,
                   {k: imp.concentration_mM * w0 for k, imp in start_imp.items()})
    result = StoryResult(cell=full.title or full.name or "cell")
    target_x = {k: imp.concentration_mM * w0 for k, imp in full.impermeant_inside.items()}
    times = np.concatenate([[0.0], np.logspace(-4, np.log10(horizon_s), 300)])

    for step in STEPS:
        note = None
        n_before = st.n_in.copy()
        if step.name == "anions":
            imp = dict(start_imp)
            imp.update(full.impermeant_inside)
            amounts = dict(st.impermeant_in)
            n_in = st.n_in.copy()
            counter = "K" if "K" in species else next(s for s in species if full.valence[s] > 0)
            for k, amount in target_x.items():
                amounts[k] = amount
                z = imp[k].valence
                n_in[species.index(counter)] += -z * amount / full.valence[counter]
                v_bare = potential_from_excess_charge(geom, amount / w0, full.capacitance_uF_cm2, z)
                note = (f"made without counter-ions, {amount / w0:.4g} mM of {k} (charge {z:g}) would charge the "
                        f"membrane to {v_bare:,.0f} mV; with {counter}+ as counter-ions V stays 0")
            model = model.replace(impermeant_inside=imp)
            st = CellState(model, n_in, st.volume_um3, amounts)
            n_before = n_in.copy()  # the counter-ions were made inside, they did not cross
        done = STEPS[: STEPS.index(step) + 1]
        mechs = tuple(m for m in full.mechanisms if any(s.selects(m) for s in done))
        model = model.replace(mechanisms=mechs, water="rigid" if step.rigid else full.water)
        st = replace(st, model=model)
        ss = None
        if not mechs:  # nothing can move: the state is its own steady state
            ss_state, traj, settle = st, None, 0.0
        else:
            ss = steady_state(model, initial=st)
            traj = simulate(model, horizon_s, initial=st, t_eval=times[times <= horizon_s])
            settle = _settle_time(traj, ss)
            ss_state = ss.state
        if step.rigid and step.kinds:
            extra = "volume held fixed: with water free to move this cell would swell without bound (Donnan)"
            note = f"{note}; {extra}" if note else extra
        n_after = ss_state.n_in
        crossed = {s: float(n_after[i] - n_before[i]) for i, s in enumerate(species)}
        # fraction of the pool: of the larger of the pools before and after the step
        frac = {s: float(abs(crossed[s]) / max(n_before[i], n_after[i])) for i, s in enumerate(species)}
        share = pump_share(model, ss_state)
        result.steps.append(StepResult(
            name=step.name, title=step.title, text=step.text, vm_mV=float(ss_state.voltage_mV),
            equilibrium_mV=_equilibria(ss_state), inside_mM={s: float(c) for s, c in ss_state.inside_mM.items()},
            crossed_amol=crossed, crossed_fraction=frac, settle_time_s=settle, settled=settle < horizon_s,
            volume_rel=float(ss_state.volume_um3 / w0), pump_share_mV=None if share is None else share["pump_share_mV"],
            without_pump_mV=None if share is None else share["without_pump_mV"], note=note, trajectory=traj,
            stable=None if ss is None else ss.stable,
            max_eigenvalue_per_s=None if ss is None else ss.max_eigenvalue_per_s,
        ))
        st = ss_state
    return result

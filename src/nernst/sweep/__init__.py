"""Parameter sweeps: many cells at once, in-process, on a process pool or on Dask.

A sweep is a base model plus axes over its parameters.  The points are cut into
blocks ("tasks"); every backend evaluates the same blocks with the same code, so
a sweep gives identical numbers on every backend.  Results go into a Zarr store
block by block: a block counts as done only once its flag is written after its
data, so a run that dies half-way through a block never leaves a result that
looks finished, and ``resume=True`` computes only the blocks without a flag.

Models (the ``model`` key of a sweep file)
------------------------------------------
rest
    The resting potential of an ion table (a preset or a preset-style file):
    GHK zero-current potential, E_X and driving forces, vectorized over the
    whole block (10^6 points per call).
steady
    The steady state of a pump-leak cell config (V, inside concentrations,
    volume), one Newton solve per point.
scenario
    A cell config run through its protocol (V, concentrations and volume at
    the end, V's extremes), one stiff integration per point.
spike
    A Hodgkin-Huxley patch under a current step (spike count, rate, first
    spike), vectorized over the injected current.
cable
    An HH axon stimulated at one end (conduction velocity), one run per point.

The file format is documented in ``docs/sweeps.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from ..config.cell import check_keys  # one "unknown key (allowed: ...)" check for every TOML file
from ..config.overrides import mechanism_aliases as _mechanism_aliases
from ..config.overrides import set_path as _set_path
from ..config.overrides import with_value as _with_value
from ..errors import InvalidParameter, NernstError, SolverError
from .store import EXTRA_NAME_BYTES, STORE_VERSION, SweepStore, open_store

__all__ = ["Axis", "Sweep", "SweepResult", "load_sweep", "sweep_from_dict", "run_sweep", "open_sweep",
           "sensitivity", "model_parameters", "model_outputs", "MODELS"]

MODELS = ("rest", "steady", "scenario", "spike", "cable")
METHODS = ("grid", "list", "random", "lhs")
#: Points per task unless the file says otherwise (a rest block is one vectorized call).
DEFAULT_CHUNK = {"rest": 1_000_000, "steady": 100, "scenario": 2, "spike": 1000, "cable": 1}
#: Sweeps larger than this need ``yes=True`` (``--yes``): a typo in num should not start a day of work.
CONFIRM_ABOVE = {"rest": 10_000_000, "steady": 20_000, "scenario": 2_000, "spike": 200_000, "cable": 500}
#: Rough cost of one point on one core, s (for the estimate shown with the refusal).
COST_S = {"rest": 2e-7, "steady": 2e-3, "scenario": 0.2, "spike": 2e-4, "cable": 0.5}
MAX_POINTS = 100_000_000
MAX_AXES = 16
MAX_FILE_BYTES = 1_000_000


# ---------------------------------------------------------------------------
# the models: parameters, outputs, validation and block evaluation
# ---------------------------------------------------------------------------

def _flat_numbers(obj, prefix=""):
    """Numeric leaves of a nested TOML mapping, as dotted paths (lists as [i])."""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(_flat_numbers(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.update(_flat_numbers(v, f"{prefix}[{i}]"))
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        out[prefix] = float(obj)
    return out


class _Model:
    """Common interface of the sweepable models."""

    kind = ""
    chunk_independent = True

    def parameters(self) -> dict:
        """Parameter path -> base value."""
        raise NotImplementedError

    def outputs(self) -> dict:
        """Output name -> unit."""
        raise NotImplementedError

    def check(self, path: str, value: float, strict: bool = False) -> None:
        """Raise InvalidParameter(path, value, reason) if one point's value is not allowed.

        *strict*: the value must also be valid with every other parameter at its base value
        (a cell's initial concentrations must then keep their charge balance)."""
        raise NotImplementedError

    def ion_valences(self) -> dict:
        """The model's ions and their valences (for balancing rules); none by default."""
        return {}

    def evaluate(self, params: dict, outputs: tuple, n: int):
        """Outputs for *n* points (params: path -> array of n, or scalars).

        Returns (outputs: name -> array of n, NaN where a point failed; a few error messages;
        the number of failed points)."""
        raise NotImplementedError


class _RestModel(_Model):
    kind = "rest"

    def __init__(self, data: dict, name=None):
        from ..config.ion_table import spec_from_dict

        data = dict(data)
        self.balance = data.pop("_balance", {})
        self.spec = spec_from_dict(data, name=name)
        self.ions = self.spec.ions
        self.mode = self.spec.mode
        self.pname = "conductance" if self.mode == "conductance" else "permeability"
        self.valence = {i.symbol: i.valence for i in self.ions}
        # the balancing ions are set by the rule, not swept (so they are not parameters)
        self._derived = {f"ions.{ion}.outside" for ion in self.balance.values()}

    def ion_valences(self):
        return dict(self.valence)

    def _balanced(self, path, value, base_value, current):
        """The balancing ion's outside concentration after *path* moved from its base value to *value*."""
        ion = self.balance[path]
        sym = path.split(".")[1]
        return current - self.valence[sym] / self.valence[ion] * (value - base_value)

    def parameters(self):
        out = {"temperature_c": float(self.spec.temperature_c)}
        for ion in self.ions:
            out[f"ions.{ion.symbol}.inside"] = float(ion.inside_mM)
            if f"ions.{ion.symbol}.outside" not in self._derived:
                out[f"ions.{ion.symbol}.outside"] = float(ion.outside_mM)
            val = ion.conductance if self.mode == "conductance" else ion.permeability
            out[f"ions.{ion.symbol}.{self.pname}"] = float(val or 0.0)
        return out

    def outputs(self):
        out = {"v_rest_mV": "mV"}
        if self.mode != "conductance":
            out["weighted_mV"] = "mV"
        for ion in self.ions:
            out[f"E_{ion.symbol}_mV"] = "mV"
            out[f"driving_{ion.symbol}_mV"] = "mV"
        return out

    def check(self, path, value, strict=False):
        from .._core.validation import check_temperature

        if not math.isfinite(value):
            raise InvalidParameter(path, value, "must be a finite number")
        if path == "temperature_c":
            check_temperature(value, path)
        elif path.endswith((".inside", ".outside")):
            if not 0 < value <= 1e5:
                raise InvalidParameter(path, value, "must be a concentration > 0 and <= 1e5 mM")
            if path in self.balance:
                ion = self.balance[path]
                base = {i.symbol: i.outside_mM for i in self.ions}
                after = self._balanced(path, value, base[path.split(".")[1]], base[ion])
                if not 0 < after <= 1e5:
                    raise InvalidParameter(path, value, f"would take the balancing [{ion}]o to {after:.4g} mM")
        elif not 0 <= value <= 1e12:
            raise InvalidParameter(path, value, f"must be a {self.pname} >= 0")

    def evaluate(self, params, outputs, n):
        from ..physics import equilibrium as eq

        base = self.parameters()

        def get(path):  # swept: an array of n; held: a scalar (the engine broadcasts, at no cost)
            if path in params:
                return np.broadcast_to(np.asarray(params[path], dtype=float), (n,))
            return np.float64(base[path])

        t = get("temperature_c")
        ci = {i.symbol: get(f"ions.{i.symbol}.inside") for i in self.ions}
        co = {i.symbol: (np.float64(i.outside_mM) if f"ions.{i.symbol}.outside" in self._derived
                         else get(f"ions.{i.symbol}.outside")) for i in self.ions}
        for path in self.balance:  # each balanced change is taken up by its counter-ion, one for one in charge
            sym = path.split(".")[1]
            ion = self.balance[path]
            co[ion] = self._balanced(path, co[sym], float(base[path]), co[ion])
        w = {i.symbol: get(f"ions.{i.symbol}.{self.pname}") for i in self.ions}
        # an ion takes part where it is permeant at some point of this block (p = 0 adds nothing)
        perm = [i for i in self.ions if np.any(w[i.symbol] > 0)]
        need = {i.symbol for i in self.ions if f"E_{i.symbol}_mV" in outputs or f"driving_{i.symbol}_mV" in outputs}
        if self.mode == "conductance" or "weighted_mV" in outputs:
            need |= {i.symbol for i in perm}
        e = {}
        for i in self.ions:
            if i.symbol not in need:
                continue
            try:
                e[i.symbol] = eq.nernst(ci[i.symbol], co[i.symbol], i.valence, t)
            except InvalidParameter:  # an ion absent on one side has no equilibrium potential
                e[i.symbol] = np.full(n, np.nan)
        res = {}
        total = np.sum([np.broadcast_to(w[i.symbol], (n,)) for i in perm], axis=0) if perm else np.zeros(n)
        dead = ~(total > 0)  # no permeant ion at this point: no resting potential
        any_dead = bool(dead.any())

        def alive(x):  # a placeholder permeability where none is permeant, so that the engine can run
            return np.where(dead, 1.0, x) if any_dead else x

        if self.mode == "conductance":
            v = eq.chord_potential([e[i.symbol] for i in perm], [alive(w[i.symbol]) for i in perm])
        else:
            p = [alive(w[i.symbol]) for i in perm]
            v = eq.zero_current_potential([ci[i.symbol] for i in perm], [co[i.symbol] for i in perm],
                                          [i.valence for i in perm], p, t)
            if "weighted_mV" in outputs:
                wa = np.broadcast_to(eq.weighted_average_potential([e[i.symbol] for i in perm], p), (n,))
                res["weighted_mV"] = np.where(dead, np.nan, wa) if any_dead else wa
        v = np.broadcast_to(v, (n,))
        if any_dead:
            v = np.where(dead, np.nan, v)
        res["v_rest_mV"] = v
        for sym in need:
            res[f"E_{sym}_mV"] = np.broadcast_to(e[sym], (n,))
            res[f"driving_{sym}_mV"] = v - e[sym]
        n_dead = int(dead.sum())
        errors = [f"no permeant ion (all permeabilities 0) at {n_dead} point{'s' * (n_dead != 1)}"] if n_dead else []
        return {k: np.asarray(res[k], dtype=float) for k in outputs}, errors, n_dead


class _CellModel(_Model):
    """steady and scenario: a pump-leak cell config, one solve per point."""

    def __init__(self, data: dict, kind: str, name=None):
        import copy

        from ..config.cell import with_base, cell_from_dict

        self.kind = kind
        self.name = name
        self.data = with_base(copy.deepcopy(data), depth=0) if "base" in data else copy.deepcopy(data)
        self.cfg = cell_from_dict(copy.deepcopy(self.data), name=name)
        if kind == "scenario" and self.cfg.duration_s is None:
            raise InvalidParameter("cell", name, "a scenario sweep needs a cell config with [run] duration_s")
        self.species = tuple(self.cfg.model.species)
        self.aliases = _mechanism_aliases(self.data)

    def ion_valences(self):
        return dict(self.cfg.model.valence)

    def parameters(self):
        flat = _flat_numbers({k: v for k, v in self.data.items() if k not in ("run", "protocol")
                              or self.kind == "scenario"})
        flat.pop("run.points", None)
        out = dict(flat)
        for alias, real in self.aliases.items():
            if real in flat:
                out[alias] = flat[real]
        return out

    def outputs(self):
        if self.kind == "steady":
            out = {"v_rest_mV": "mV"}
            out.update({f"{s}_in_mM": "mM" for s in self.species})
            out.update({f"E_{s}_mV": "mV" for s in self.species})
            out.update({"volume_rel": "1", "volume_um3": "um^3", "max_eigenvalue_per_s": "1/s"})
            return out
        out = {"v_end_mV": "mV", "v_min_mV": "mV", "v_max_mV": "mV"}
        out.update({f"{s}_in_end_mM": "mM" for s in self.species})
        out.update({f"{s}_out_end_mM": "mM" for s in self.species})
        out["volume_rel_end"] = "1"
        return out

    def _config(self, values: dict, check_charge: bool = True):
        from ..config.cell import cell_from_dict

        data = self.data
        for path, v in values.items():
            data = _with_value(data, self.aliases.get(path, path), float(v))
        return cell_from_dict(data, name=self.name, check_charge=check_charge)

    def check(self, path, value, strict=False):
        # Each value is checked alone, so the charge balance of the initial concentrations is left to
        # each point: a list sweep may change Na and Cl together and stay neutral.
        if not math.isfinite(value):
            raise InvalidParameter(path, value, "must be a finite number")
        try:
            self._config({path: value}, check_charge=strict)
        except InvalidParameter as exc:
            real = self.aliases.get(path, path)
            reason = exc.reason if exc.field in (path, real) else f"is refused by the cell ({exc.field}: {exc.reason})"
            raise InvalidParameter(path, value, reason) from None

    def _one(self, values, outputs=()):
        from ..solvers.pumpleak import simulate, steady_state

        cfg = self._config(values)
        if self.kind == "steady":
            st0 = cfg.model.initial_state(cfg.initial_voltage_mV)
            ss = steady_state(cfg.model, initial=st0, stability="max_eigenvalue_per_s" in outputs)
            out = {"v_rest_mV": ss.voltage_mV, "volume_rel": ss.volume_rel, "volume_um3": ss.state.volume_um3,
                   "max_eigenvalue_per_s": ss.max_eigenvalue_per_s}
            for s in self.species:
                out[f"{s}_in_mM"] = ss.inside_mM[s]
                out[f"E_{s}_mV"] = ss.equilibrium_mV[s]
            return out
        traj = simulate(cfg.model, cfg.duration_s, initial=cfg.initial_state(), n_points=cfg.points,
                        protocol=cfg.protocol)
        fin = traj.final
        out = {"v_end_mV": fin.voltage_mV, "v_min_mV": float(np.min(traj.voltage_mV)),
               "v_max_mV": float(np.max(traj.voltage_mV)),
               "volume_rel_end": float(traj.volume_um3[-1] / traj.volume_um3[0])}
        for s in self.species:
            out[f"{s}_in_end_mM"] = fin.inside_mM[s]
            out[f"{s}_out_end_mM"] = fin.outside_mM[s]
        return out

    def evaluate(self, params, outputs, n):
        res = {k: np.full(n, np.nan) for k in outputs}
        errors = []
        cols = {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for k, v in params.items()}
        for j in range(n):
            try:
                one = self._one({k: c[j] for k, c in cols.items()}, outputs)
            except (NernstError, ArithmeticError) as exc:
                errors.append(" ".join(str(exc).split()))
                continue
            for k in outputs:
                res[k][j] = one[k]
        return res, errors, len(errors)


_HH_FIELDS = ("g_na", "g_k", "g_l", "e_na", "e_k", "e_l", "c_m", "q10")


def _hh_defaults():
    from ..mechanisms.hh import HH_REFERENCE_TEMPERATURE, HHParameters

    p = HHParameters()
    out = {f: float(getattr(p, f)) for f in _HH_FIELDS}
    out["temperature_c"] = float(HH_REFERENCE_TEMPERATURE)
    return out


class _HHModel(_Model):
    """Models on HH membranes: parameters are numbers with limits, plus the HHParameters fields."""

    DEFAULTS: dict = {}
    LIMITS: dict = {}  # path -> (low, high, reason)

    def __init__(self, data: dict):
        self.base = dict(self.DEFAULTS)
        self.base.update(_hh_defaults())
        self.base.update({k: float(v) for k, v in data.items()})  # the sweep's [fixed] values
        # unless the sweep sets dt_ms, each point steps at the default or at its temperature's limit if finer
        self.auto_dt = "dt_ms" not in data

    def _dt(self, kv, params):
        """The sweep's dt_ms, or None: the engine's default step (finer when warm), as DEFAULTS says."""
        return None if self.auto_dt and "dt_ms" not in params else kv["dt_ms"]

    def parameters(self):
        return dict(self.base)

    def check(self, path, value, strict=False):
        from ..mechanisms.hh import HHParameters

        if not math.isfinite(value):
            raise InvalidParameter(path, value, "must be a finite number")
        if path in self.LIMITS:
            lo, hi, reason = self.LIMITS[path]
            if not lo <= value <= hi:
                raise InvalidParameter(path, value, reason)
        if path in _HH_FIELDS or path == "temperature_c":
            kw = {f: self.base[f] for f in _HH_FIELDS}
            kw["temperature_c"] = self.base["temperature_c"]
            kw[path] = value
            try:
                HHParameters(**kw)
            except InvalidParameter as exc:
                raise InvalidParameter(path, value, exc.reason) from None

    def _columns(self, params, n) -> dict:
        return {k: np.broadcast_to(np.asarray(params.get(k, v), dtype=float), (n,)) for k, v in self.base.items()}

    @staticmethod
    def _membrane(kv):
        from ..mechanisms.hh import HHParameters

        return HHParameters(**{f: kv[f] for f in _HH_FIELDS}, temperature_c=kv["temperature_c"])


class _SpikeModel(_HHModel):
    kind = "spike"
    DEFAULTS = {"current_uA_cm2": 10.0, "duration_ms": 100.0, "dt_ms": 0.025, "threshold_mV": 0.0}
    LIMITS = {"duration_ms": (1e-9, 1e5, "must be > 0 and <= 1e5 ms"),
              "dt_ms": (1e-5, 1.0, "must be from 1e-5 to 1 ms"),
              "current_uA_cm2": (-1e5, 1e5, "must be within +-1e5 uA/cm^2"),
              "threshold_mV": (-200.0, 200.0, "must be within +-200 mV")}

    def outputs(self):
        return {"spike_count": "1", "rate_hz": "Hz", "first_spike_ms": "ms", "rest_mV": "mV"}

    def evaluate(self, params, outputs, n):
        from ..solvers.hh import firing_rate_hz, simulate_hh

        cols = self._columns(params, n)
        res = {k: np.full(n, np.nan) for k in outputs}
        errors = []
        failed = 0
        # one vectorized run per membrane: the points of a group differ only in their current
        others = [k for k in self.base if k != "current_uA_cm2"]
        keys = np.stack([cols[k] for k in others], axis=1)
        groups = {}
        for j in range(n):
            groups.setdefault(tuple(keys[j]), []).append(j)
        for key, idx in groups.items():
            kv = dict(zip(others, key))
            idx = np.asarray(idx)
            # a run that fails (one cell's V running away) is redone cell by cell, so that the
            # failure stays at its own point whatever the block layout
            for part in ([idx] + [idx[i:i + 1] for i in range(idx.size)] if idx.size > 1 else [idx]):
                try:
                    mem = self._membrane(kv)
                    r = simulate_hh(cols["current_uA_cm2"][part], duration=kv["duration_ms"],
                                    dt=self._dt(kv, params), params=mem, threshold=kv["threshold_mV"],
                                    record=False)
                except (NernstError, ArithmeticError) as exc:
                    if part.size == 1:
                        errors.append(" ".join(str(exc).split()))
                        failed += 1
                    continue
                counts = r.spike_counts.astype(float)
                first = np.array([t[0] if len(t) else np.nan for t in r.spike_times_ms])
                rate = np.array([firing_rate_hz(t) for t in r.spike_times_ms])  # 1000 / mean interval
                vals = {"spike_count": counts, "rate_hz": rate, "first_spike_ms": first,
                        "rest_mV": np.full(part.size, r.rest_mV)}
                for k in outputs:
                    res[k][part] = vals[k]
                if part is idx:
                    break  # the whole group ran
        return res, errors, failed


class _CableModel(_HHModel):
    kind = "cable"
    DEFAULTS = {"diameter_um": 476.0, "length_mm": 50.0, "dt_ms": 0.01, "r_axial_ohm_cm": 35.4}
    LIMITS = {"diameter_um": (1e-3, 1e4, "must be from 0.001 to 1e4 um"),
              "length_mm": (1e-3, 1e3, "must be from 0.001 to 1000 mm"),
              "dt_ms": (1e-5, 1.0, "must be from 1e-5 to 1 ms"),
              "r_axial_ohm_cm": (1e-3, 1e7, "must be from 0.001 to 1e7 ohm cm")}

    def outputs(self):
        return {"velocity_m_s": "m/s"}

    def evaluate(self, params, outputs, n):
        from ..analysis.axon import run_axon

        cols = self._columns(params, n)
        res = {k: np.full(n, np.nan) for k in outputs}
        errors = []
        for j in range(n):
            kv = {k: float(c[j]) for k, c in cols.items()}
            try:
                mem = self._membrane(kv)
                run = run_axon(diameter_um=kv["diameter_um"], length_mm=kv["length_mm"], params=mem,
                               dt=self._dt(kv, params), r_axial=kv["r_axial_ohm_cm"])
            except (NernstError, ArithmeticError) as exc:
                errors.append(" ".join(str(exc).split()))
                continue
            v = run.velocity_m_s
            if "velocity_m_s" in outputs:
                res["velocity_m_s"][j] = np.nan if v is None else v
        return res, errors, len(errors)


_SUFFIX_UNITS = (("_uA_cm2", "uA/cm^2"), ("_mS_cm2", "mS/cm^2"), ("_uF_cm2", "uF/cm^2"), ("_cm_s", "cm/s"),
                 ("_ohm_cm", "ohm cm"), ("_um", "um"), ("_mm", "mm"), ("_ms", "ms"), ("_mV", "mV"), ("_mM", "mM"),
                 ("temperature_c", "degC"), (".inside", "mM"), (".outside", "mM"), (".conductance", "mS/cm^2"))


def parameter_unit(path: str) -> str:
    """Unit of a parameter path, from the naming conventions ('' when the name does not say)."""
    for suffix, unit in _SUFFIX_UNITS:
        if path.endswith(suffix):
            return unit
    last = path.rsplit(".", 1)[-1]
    if last in ("g_na", "g_k", "g_l"):
        return "mS/cm^2"
    if last in ("e_na", "e_k", "e_l"):
        return "mV"
    if last == "c_m":
        return "uF/cm^2"
    return ""


def _build_model(kind: str, data: dict, name=None) -> _Model:
    if kind == "rest":
        return _RestModel(data, name)
    if kind in ("steady", "scenario"):
        return _CellModel(data, kind, name)
    if kind == "spike":
        return _SpikeModel(data)
    return _CableModel(data)


_MODEL_CACHE: dict = {}


def _model_for(key: str, kind: str, data: dict, name=None) -> _Model:
    """The model object of a sweep, built once per process (workers reuse it across tasks)."""
    m = _MODEL_CACHE.get(key)
    if m is None:
        if len(_MODEL_CACHE) > 8:
            _MODEL_CACHE.clear()
        m = _MODEL_CACHE[key] = _build_model(kind, data, name)
    return m


def model_parameters(kind: str, base: str | None = None) -> dict:
    """Sweepable parameters of a model (path -> base value), e.g. for ``rest`` on a preset."""
    data, name = _base_data(kind, base, "base")
    return _build_model(kind, data, name).parameters()


def describe_model(path) -> dict:
    """The model, base, parameters and outputs named by a sweep file (the rest of the file is not checked)."""
    from ..config.cell import read_toml

    p = Path(path)
    data = read_toml(p, "sweep", MAX_FILE_BYTES)
    kind = data.get("model")
    if kind not in MODELS:
        raise InvalidParameter("model", kind if kind is not None else InvalidParameter.NO_VALUE,
                               f"must be one of {', '.join(MODELS)}")
    where = "preset" if "preset" in data else "cell"
    base = data.get(where)
    if isinstance(base, str) and (base.endswith(".toml") or "/" in base) and not Path(base).is_absolute():
        base = str((p.parent / base).resolve())
    raw, name = _base_data(kind, base, where)
    m = _build_model(kind, raw, name)
    return {"model": kind, "base": name, "parameters": m.parameters(), "outputs": m.outputs()}


def model_outputs(kind: str, base: str | None = None) -> dict:
    """Outputs of a model (name -> unit)."""
    data, name = _base_data(kind, base, "base")
    return _build_model(kind, data, name).outputs()


# ---------------------------------------------------------------------------
# the sweep definition
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Axis:
    """One swept parameter: its values (grid, list) or its range (random, lhs)."""

    parameter: str
    name: str
    values: Optional[tuple] = None
    low: Optional[float] = None
    high: Optional[float] = None
    scale: str = "linear"

    def as_dict(self) -> dict:
        d = {"parameter": self.parameter, "name": self.name, "scale": self.scale}
        if self.values is not None:
            d["values"] = list(self.values)
        else:
            d["low"], d["high"] = self.low, self.high
        return d


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: a base model, axes, sampling method, outputs and task blocks."""

    model: str
    base: Optional[str]
    base_data: dict = field(repr=False)
    fixed: dict
    axes: tuple
    method: str
    n: Optional[int]
    seed: int
    outputs: tuple
    units: dict = field(repr=False)
    chunk: int = 1
    title: Optional[str] = None
    sensitivity: Optional[dict] = None
    #: Swept bath concentration -> the ion that takes up its charge (``balance`` of an axis).
    balance: dict = field(default_factory=dict)

    # --- shape of the result ---
    @property
    def dims(self) -> tuple:
        return tuple(a.name for a in self.axes) if self.method == "grid" else ("point",)

    @property
    def shape(self) -> tuple:
        if self.method == "grid":
            return tuple(len(a.values) for a in self.axes)
        if self.method == "list":
            return (len(self.axes[0].values),)
        return (int(self.n),)

    @property
    def n_points(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def chunks(self) -> tuple:
        """Block shape: trailing axes whole while they fit in ``chunk`` points, then a slice of the next."""
        shape = self.shape
        out = [1] * len(shape)
        room = max(int(self.chunk), 1)
        for d in range(len(shape) - 1, -1, -1):
            if shape[d] <= room:
                out[d] = shape[d]
                room //= max(shape[d], 1)
            else:
                out[d] = max(room, 1)
                break
        return tuple(out)

    @property
    def task_grid(self) -> tuple:
        return tuple(-(-s // c) for s, c in zip(self.shape, self.chunks))

    @property
    def n_tasks(self) -> int:
        return int(np.prod(self.task_grid, dtype=np.int64))

    def task_slices(self, task: int) -> tuple:
        idx = np.unravel_index(int(task), self.task_grid)
        return tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, self.chunks, self.shape))

    # --- identity ---
    def as_dict(self) -> dict:
        return {"model": self.model, "base": self.base, "base_data": self.base_data, "fixed": self.fixed,
                "axes": [a.as_dict() for a in self.axes], "method": self.method, "n": self.n, "seed": self.seed,
                "outputs": list(self.outputs), "chunk": self.chunk, "title": self.title,
                "sensitivity": self.sensitivity, **({"balance": dict(self.balance)} if self.balance else {})}

    @property
    def key(self) -> str:
        """Hash of everything that decides the numbers (stored with the results; resume checks it).
        The title and the file's name do not count."""
        d = self.as_dict()
        d.pop("title")
        text = json.dumps(d, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def _model(self) -> _Model:
        return _model_for(self.key + "-model", self.model, self._model_data(), self.base)

    def _model_data(self) -> dict:
        if self.model in ("spike", "cable"):
            return dict(self.fixed)
        data = self.base_data
        if self.model in ("rest", "steady", "scenario") and self.fixed:
            import copy

            data = copy.deepcopy(self.base_data)
            if self.model == "rest":
                _apply_rest(data, self.fixed)
            else:
                m = _build_model(self.model, self.base_data, self.base)
                for p, v in self.fixed.items():
                    _set_path(m.data, m.aliases.get(p, p), v)
                data = m.data
        return _with_balance(self.model, data, self.balance)

    # --- the points ---
    def sample_matrix(self) -> np.ndarray:
        """(n, n_axes) parameter values of a random or Latin-hypercube sweep (deterministic in the seed)."""
        d = len(self.axes)
        if self.method == "lhs":
            from scipy.stats import qmc

            u = qmc.LatinHypercube(d=d, seed=np.random.default_rng(self.seed)).random(int(self.n))
        else:
            u = np.random.default_rng(self.seed).random((int(self.n), d))
        cols = []
        for j, a in enumerate(self.axes):
            if a.scale == "log":
                cols.append(np.exp(np.log(a.low) + u[:, j] * (np.log(a.high) - np.log(a.low))))
            else:
                cols.append(a.low + u[:, j] * (a.high - a.low))
        return np.stack(cols, axis=1)

    def coords(self) -> dict:
        """Coordinates of the result: the axis values (grid) or each parameter along ``point``."""
        if self.method == "grid":
            return {a.name: np.asarray(a.values, dtype=float) for a in self.axes}
        if self.method == "list":
            vals = {a.name: np.asarray(a.values, dtype=float) for a in self.axes}
        else:
            m = self.sample_matrix()
            vals = {a.name: m[:, j] for j, a in enumerate(self.axes)}
        out = {"point": np.arange(self.n_points)}
        out.update({k: ("point", v) for k, v in vals.items()})
        return out

    @cached_property
    def axis_arrays(self) -> tuple:
        """Each axis's values as an array, made once (a block takes its slice of them)."""
        return tuple(np.asarray(a.values, dtype=float) for a in self.axes)

    def block_params(self, task: int, coords: Optional[dict] = None) -> tuple:
        """(slices, {parameter: flat values}) of one task's block."""
        sl = self.task_slices(task)
        if self.method == "grid":
            grids = np.meshgrid(*[v[s] for v, s in zip(self.axis_arrays, sl)], indexing="ij")
            return sl, {a.parameter: g.ravel() for a, g in zip(self.axes, grids)}
        coords = self.coords() if coords is None else coords
        return sl, {a.parameter: np.asarray(coords[a.name][1])[sl[0]] for a in self.axes}


def _with_balance(kind: str, data: dict, balance: dict) -> dict:
    """The model data with the axes' balancing rules in place.

    A cell's bath must stay neutral: the balancing ion's outside concentration
    becomes ``"balance"`` (whatever cancels the bath's charge; with a neutral base
    that is a one-for-one substitution).  An ion table (rest) need not be neutral,
    so there the balancing ion takes up each change one for one in charge.
    """
    if not balance:
        return data
    import copy

    data = copy.deepcopy(data)
    if kind == "rest":
        data["_balance"] = dict(balance)
        return data
    if "base" in data:
        from ..config.cell import with_base

        data = with_base(data, depth=0)
    for ion in balance.values():
        data["ions"][ion]["outside"] = "balance"
    return data


def _axis_balances(axes_raw, model: "_Model", kind: str, fixed: dict) -> dict:
    """Validate the ``balance`` key of each axis: {swept bath concentration: balancing ion}."""
    out = {}
    if kind not in ("rest", "steady", "scenario") or not isinstance(axes_raw, list):
        return out
    ions = model.ion_valences()
    swept = {t.get("parameter") for t in axes_raw if isinstance(t, dict)}
    for i, t in enumerate(axes_raw):
        if not isinstance(t, dict):
            continue
        path, bal = t.get("parameter"), t.get("balance")
        parts = path.split(".") if isinstance(path, str) else []
        bath_ion = parts[1] if len(parts) == 3 and parts[0] == "ions" and parts[2] == "outside" else None
        where = f"axes[{i}].balance"
        if bal is None:
            if bath_ion is not None and kind != "rest":
                raise InvalidParameter(
                    where, InvalidParameter.NO_VALUE,
                    f"is required: changing {path} alone would leave the bath with a net charge; name the ion that "
                    f"takes up the difference (e.g. balance = \"{_default_partner(bath_ion, ions)}\": it replaces "
                    f"{bath_ion} one for one in charge, as a bath exchange does)")
            continue
        if bath_ion is None:
            raise InvalidParameter(where, bal, "only a bath concentration (ions.X.outside) can be balanced")
        if not isinstance(bal, str) or bal not in ions:
            raise InvalidParameter(where, bal, f"must be one of the ions ({', '.join(ions)})")
        if bal == bath_ion:
            raise InvalidParameter(where, bal, f"must be another ion than the swept {bath_ion}")
        if f"ions.{bal}.outside" in swept or f"ions.{bal}.outside" in fixed:
            raise InvalidParameter(where, bal, f"ions.{bal}.outside is set by the sweep itself")
        if kind != "rest" and len(set(out.values()) | {bal}) > 1:
            raise InvalidParameter(where, bal, "one ion balances the bath (give every axis the same balance)")
        out[path] = bal
    return out


def _default_partner(ion: str, valences: dict) -> str:
    """A sensible counter-ion to suggest: a bath cation is replaced by Na+, an anion by Cl-."""
    z = valences.get(ion, 1)
    for cand in (("Na", "K") if z > 0 else ("Cl",)):
        if cand in valences and cand != ion and (valences[cand] > 0) == (z > 0):
            return cand
    return next((s for s, v in valences.items() if s != ion), "Na")


def _apply_rest(data: dict, values: dict) -> None:
    """Write rest-model parameter values into a preset-style mapping (ion keys matched case-blind)."""
    ions = data.get("ions", {})
    for path, v in values.items():
        if path == "temperature_c":
            data["temperature_c"] = float(v)
            continue
        _, sym, fld = path.split(".", 2)
        key = next((k for k in ions if k.lower() == sym.lower()), sym)
        t = ions.setdefault(key, {})
        if fld == "permeability" and isinstance(t.get("permeability"), str):  # a value with a unit (cm/s)
            t["permeability"] = f"{float(v)!r} cm/s"
        else:
            t[fld] = float(v)


def _base_data(kind: str, base, where: str):
    """The raw mapping of a model's base (preset or cell config name or path); (data, name)."""
    if kind not in MODELS:
        raise InvalidParameter("model", kind, f"must be one of {', '.join(MODELS)}")
    if kind in ("spike", "cable"):
        if base is not None:
            raise InvalidParameter(where, base, f"the {kind} model takes no preset or cell (set its parameters in [fixed])")
        return {}, None
    if base is None:
        from ..config.presets import DEFAULT_PRESET

        if kind == "rest":
            base = DEFAULT_PRESET
        else:
            raise InvalidParameter("cell", InvalidParameter.NO_VALUE,
                                   f"the {kind} model needs a cell config (a shipped name such as 'kay2017', or a path)")
    if not isinstance(base, (dict, str)):  # a cell or an ion table built in Python
        from ..model.cell import CellModel
        from ..config.cell import CellConfig, cell_to_dict
        from ..config.ion_table import spec_to_dict
        from ..model.ion_table import CellSpec

        if kind == "rest" and isinstance(base, CellSpec):
            return spec_to_dict(base), base.name or base.title
        if kind in ("steady", "scenario") and isinstance(base, (CellConfig, CellModel)):
            model = base.model if isinstance(base, CellConfig) else base
            return cell_to_dict(base), model.name or model.title
        raise InvalidParameter(where, base, "must be a name, a path, a table, or (from Python) a CellSpec for "
                               "rest, a CellModel or CellConfig for steady and scenario")
    if isinstance(base, dict):  # an inline table: [preset] ions..., or a dict from Python
        import copy

        return copy.deepcopy(base), (base.get("title") if isinstance(base.get("title"), str) else None)
    if not isinstance(base, str):
        raise InvalidParameter(where, base, "must be a name, a path or a table")
    from ..config.presets import cell_files, preset_files

    files = preset_files() if kind == "rest" else cell_files()
    if base in files:
        path = Path(str(files[base]))
        name = base
    else:
        path = Path(base)
        name = path.stem
        from .._core.paths import exists

        if not exists(path) or not path.is_file():
            known = ", ".join(sorted(files))
            raise InvalidParameter(where, base, f"is neither a shipped {'preset' if kind == 'rest' else 'cell'} "
                                   f"({known}) nor a file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidParameter(where, base, f"is not a valid TOML file ({' '.join(str(exc).split())})") from None
    return data, name


def _num(value, where: str, integer=False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise InvalidParameter(where, value, "must be a whole number" if integer else "must be a number")
    if not math.isfinite(value):
        raise InvalidParameter(where, value, "must be finite")
    return value


def _flatten_fixed(obj, prefix="") -> dict:
    out = {}
    for k, v in obj.items():
        path = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(_flatten_fixed(v, path))
        else:
            out[path] = v
    return out


def _unknown_parameter(where, path, model: _Model, kind):
    names = list(model.parameters())  # in the model's order (temperature first)
    shown = ", ".join(names[:40]) + (f", ... ({len(names)} in all)" if len(names) > 40 else "")
    return InvalidParameter(where, path, f"is not a parameter of the {kind} model (it has: {shown})")


def _axis(i: int, t, method: str, model: _Model, kind: str) -> Axis:
    where = f"axes[{i}]"
    if not isinstance(t, dict):
        raise InvalidParameter(where, t, "must be a table ([[axes]] with parameter = ...)")
    check_keys(t, {"parameter", "name", "values", "start", "stop", "num", "step", "low", "high", "scale", "balance"},
          where)
    path = t.get("parameter")
    if not isinstance(path, str) or not path:
        raise InvalidParameter(f"{where}.parameter", path if path is not None else InvalidParameter.NO_VALUE,
                               "is required: the path of the parameter to vary (e.g. 'ions.K.outside')")
    params = model.parameters()
    if path not in params:
        raise _unknown_parameter(f"{where}.parameter", path, model, kind)
    name = t.get("name", path)
    if not isinstance(name, str) or not name or name.startswith("_") or "/" in name or name == "point":
        raise InvalidParameter(f"{where}.name", name, "must be a short label (no '/', not 'point', not starting with '_')")
    scale = t.get("scale", "linear")
    if scale not in ("linear", "log"):
        raise InvalidParameter(f"{where}.scale", scale, "must be 'linear' or 'log'")
    if method in ("random", "lhs"):
        lo = t.get("low", t.get("start"))
        hi = t.get("high", t.get("stop"))
        if lo is None or hi is None:
            raise InvalidParameter(where, InvalidParameter.NO_VALUE, f"a {method} sweep needs low and high for each axis")
        lo, hi = _num(lo, f"{where}.low"), _num(hi, f"{where}.high")
        if not lo < hi:
            raise InvalidParameter(f"{where}.high", hi, f"must be above low ({lo:g})")
        if scale == "log" and lo <= 0:
            raise InvalidParameter(f"{where}.low", lo, "must be > 0 on a log scale")
        for v in (lo, hi):
            model.check(path, float(v))
        return Axis(path, name, None, float(lo), float(hi), scale)
    if "values" in t:
        if any(k in t for k in ("start", "stop", "num", "step")):
            raise InvalidParameter(where, InvalidParameter.NO_VALUE, "give values, or start/stop/num, not both")
        vals = t["values"]
        if not isinstance(vals, list):
            raise InvalidParameter(f"{where}.values", vals, "must be a list of numbers")
        vals = [float(_num(v, f"{where}.values")) for v in vals]
    elif "start" in t or "stop" in t:
        if "start" not in t or "stop" not in t:
            raise InvalidParameter(where, InvalidParameter.NO_VALUE, "a range needs start, stop and num (or step)")
        a, b = float(_num(t["start"], f"{where}.start")), float(_num(t["stop"], f"{where}.stop"))
        if "num" in t:
            num = int(_num(t["num"], f"{where}.num", integer=True))
        elif "step" in t:
            step = float(_num(t["step"], f"{where}.step"))
            if step <= 0:
                raise InvalidParameter(f"{where}.step", step, "must be > 0")
            num = int(math.floor(abs(b - a) / step + 1e-9)) + 1
            if num > MAX_POINTS:
                raise InvalidParameter(f"{where}.step", step, f"gives more than {MAX_POINTS:.0e} values")
            b = a + math.copysign((num - 1) * step, b - a)
            b = float(f"{b:.12g}")
        else:
            raise InvalidParameter(where, InvalidParameter.NO_VALUE, "a range needs num (or step)")
        if num < 1:
            raise InvalidParameter(f"{where}.num", num, "is empty: the axis needs at least one value")
        if num > MAX_POINTS:
            raise InvalidParameter(f"{where}.num", num, f"must be at most {MAX_POINTS:.0e}")
        if scale == "log":
            if a <= 0 or b <= 0:
                raise InvalidParameter(f"{where}.start", a, "start and stop must be > 0 on a log scale")
            vals = np.geomspace(a, b, num).tolist()
        else:
            vals = np.linspace(a, b, num).tolist()
        if "step" in t:  # 0, 0.3, 0.6, 0.9 rather than 0.8999999999999999
            vals = [float(f"{v:.12g}") for v in vals]
    else:
        raise InvalidParameter(where, InvalidParameter.NO_VALUE, "needs values = [...] or start, stop and num")
    if not vals:
        raise InvalidParameter(f"{where}.values", vals, "is empty: the axis needs at least one value")
    arr = np.asarray(vals)
    if method == "grid" and len(np.unique(arr)) != arr.size:
        raise InvalidParameter(f"{where}.values", vals, "repeats a value (a grid axis needs distinct values)")
    checks = vals if len(vals) <= 64 else [float(arr.min()), float(arr.max())]
    for v in checks:
        try:
            model.check(path, float(v))
        except InvalidParameter as exc:
            raise InvalidParameter(f"{where}.values", v, f"{path} {exc.reason}") from None  # "ions.K.outside must be > 0"
    return Axis(path, name, tuple(float(v) for v in vals), None, None, scale)


def sweep_from_dict(data: dict, name: str | None = None, settings=None) -> Sweep:
    """Validate a sweep mapping (as read from TOML) and build a :class:`Sweep`.

    Every check happens here, before any work: unknown settings, parameters or
    outputs, empty axes, values the model refuses.  Errors name the field.
    """
    if not isinstance(data, dict):
        raise InvalidParameter("sweep", data, "must be a table of settings")
    check_keys(data, {"title", "description", "model", "preset", "cell", "outputs", "chunk", "fixed", "axes", "sampling",
                 "sensitivity"}, "")
    kind = data.get("model")
    if kind is None:
        raise InvalidParameter("model", InvalidParameter.NO_VALUE, f"is required: one of {', '.join(MODELS)}")
    if kind not in MODELS:
        raise InvalidParameter("model", kind, f"must be one of {', '.join(MODELS)}")
    if "preset" in data and "cell" in data:
        raise InvalidParameter("preset", data["preset"], "give preset (rest) or cell (steady, scenario), not both")
    if kind == "rest" and "cell" in data:
        raise InvalidParameter("cell", data["cell"], "the rest model takes a preset (an ion table), not a cell config")
    if kind in ("steady", "scenario") and "preset" in data:
        raise InvalidParameter("preset", data["preset"], f"the {kind} model takes a cell config: use cell = ...")
    where = "preset" if "preset" in data else "cell"
    base = data.get(where)
    base_data, base_name = _base_data(kind, base, where)
    if settings:
        if kind in ("spike", "cable"):
            raise InvalidParameter("--set", list(settings), f"the {kind} model has no base to change: set its "
                                   "parameters in [fixed]")
        from ..config.overrides import apply_settings

        if kind != "rest" and "base" in base_data:
            from ..config.cell import with_base

            base_data = with_base(base_data, depth=0)
        base_data = apply_settings(base_data, settings)
        base_name = f"{base_name} (changed)" if base_name else None
    model = _build_model(kind, base_data, base_name)
    params = model.parameters()

    fixed_raw = data.get("fixed", {})
    if not isinstance(fixed_raw, dict):
        raise InvalidParameter("fixed", fixed_raw, "must be a table of parameter = value")
    fixed = {}
    for path, v in _flatten_fixed(fixed_raw).items():
        if path not in params:
            raise _unknown_parameter(f"fixed.{path}", path, model, kind)
        v = float(_num(v, f"fixed.{path}"))
        try:
            model.check(path, v)
        except InvalidParameter as exc:
            raise InvalidParameter(f"fixed.{path}", v, exc.reason) from None
        fixed[path] = v
    balance = _axis_balances(data.get("axes", []), model, kind, fixed)
    if fixed or balance:  # the axes are checked against the model with the fixed values and balances in place
        model = Sweep(kind, base_name, base_data, fixed, (), "grid", None, 0, (), {}, balance=balance)._model()

    sampling = data.get("sampling", {})
    if not isinstance(sampling, dict):
        raise InvalidParameter("sampling", sampling, "must be a table (method, n, seed)")
    check_keys(sampling, {"method", "n", "seed"}, "sampling")
    method = sampling.get("method", "grid")
    if method not in METHODS:
        raise InvalidParameter("sampling.method", method, f"must be one of {', '.join(METHODS)}")
    n = None
    if method in ("random", "lhs"):
        if "n" not in sampling:
            raise InvalidParameter("sampling.n", InvalidParameter.NO_VALUE, f"is required for {method} sampling")
        n = int(_num(sampling["n"], "sampling.n", integer=True))
        if not 1 <= n <= MAX_POINTS:
            raise InvalidParameter("sampling.n", n, f"must be from 1 to {MAX_POINTS:.0e}")
    elif "n" in sampling:
        raise InvalidParameter("sampling.n", sampling["n"], f"is only for random and lhs sampling (the {method} "
                               "sweep's size comes from its axes)")
    seed = int(_num(sampling.get("seed", 0), "sampling.seed", integer=True))
    if seed < 0:
        raise InvalidParameter("sampling.seed", seed, "must be >= 0")

    sens = data.get("sensitivity")
    axes_raw = data.get("axes", [])
    if not isinstance(axes_raw, list):
        raise InvalidParameter("axes", axes_raw, "must be a list of tables ([[axes]])")
    if sens is not None:
        if "sampling" in data:
            raise InvalidParameter("sampling", InvalidParameter.NO_VALUE, "a sensitivity study chooses its own "
                                   "points: remove [sampling]")
        if axes_raw:
            raise InvalidParameter("axes", InvalidParameter.NO_VALUE, "a sensitivity study varies its own "
                                   "parameters: give [sensitivity] parameters, not [[axes]]")
        sens, axes, method = _sensitivity_points(sens, model, kind)
    else:
        if not axes_raw:
            raise InvalidParameter("axes", InvalidParameter.NO_VALUE, "at least one axis is required ([[axes]] with "
                                   "parameter and values)")
        if len(axes_raw) > MAX_AXES:
            raise InvalidParameter("axes", len(axes_raw), f"at most {MAX_AXES} axes")
        axes = tuple(_axis(i, t, method, model, kind) for i, t in enumerate(axes_raw))
        seen = set()
        for i, a in enumerate(axes):
            if a.parameter in fixed:
                raise InvalidParameter(f"axes[{i}].parameter", a.parameter, "is also set in [fixed]")
            if a.parameter in seen or a.name in seen:
                raise InvalidParameter(f"axes[{i}].parameter", a.parameter, "appears twice")
            seen.update({a.parameter, a.name})
        if method == "list":
            lens = {len(a.values) for a in axes}
            if len(lens) > 1:
                raise InvalidParameter("axes", sorted(lens), "a list sweep pairs the axes' values: give them equal lengths")

    available = model.outputs()
    outs = data.get("outputs")
    if outs is None:
        outs = list(available)
    if isinstance(outs, str):
        outs = [outs]
    if not isinstance(outs, list) or not outs:
        raise InvalidParameter("outputs", outs, "must be a non-empty list of output names")
    for o in outs:
        if o not in available:
            raise InvalidParameter("outputs", o, f"is not an output of the {kind} model (it has: "
                                   f"{', '.join(available)})")
    if len(set(outs)) != len(outs):
        raise InvalidParameter("outputs", outs, "names an output twice")
    chunk = data.get("chunk", DEFAULT_CHUNK[kind])
    chunk = int(_num(chunk, "chunk", integer=True))
    if not 1 <= chunk <= 10_000_000:
        raise InvalidParameter("chunk", chunk, "must be from 1 to 10000000 points per task")
    title = data.get("title", name)
    if title is not None and not isinstance(title, str):
        raise InvalidParameter("title", title, "must be text")
    sw = Sweep(kind, base_name, base_data, fixed, axes, method, n, seed, tuple(outs),
               {o: available[o] for o in outs}, chunk, title, sens, balance)
    if sw.n_points > MAX_POINTS:
        raise InvalidParameter("axes", sw.n_points, f"the sweep has more than {MAX_POINTS:.0e} points")
    return sw


def _sensitivity_points(sens, model: _Model, kind: str):
    """Axes of a sensitivity study: the base point, then each parameter at 1 -+ step and 1 -+ span."""
    if not isinstance(sens, dict):
        raise InvalidParameter("sensitivity", sens, "must be a table (parameters, step, span)")
    check_keys(sens, {"parameters", "step", "span"}, "sensitivity")
    base = model.parameters()
    names = sens.get("parameters")
    default = names is None
    if default:
        names = [p for p, v in base.items() if v != 0 and "[" not in p.split(".")[0]]
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names:
        raise InvalidParameter("sensitivity.parameters", names, "must be a non-empty list of parameter paths")
    for p in names:
        if p not in base:
            raise _unknown_parameter("sensitivity.parameters", p, model, kind)
        if base[p] == 0:
            raise InvalidParameter("sensitivity.parameters", p, "is 0 in the base: relative steps need a non-zero value")
    if len(set(names)) != len(names):
        raise InvalidParameter("sensitivity.parameters", names, "names a parameter twice")
    step = float(_num(sens.get("step", 0.01), "sensitivity.step"))
    span = float(_num(sens.get("span", 0.1), "sensitivity.span"))
    if not 0 < step <= 0.5:
        raise InvalidParameter("sensitivity.step", step, "must be a relative step > 0 and <= 0.5")
    if not 0 < span < 1:
        raise InvalidParameter("sensitivity.span", span, "must be a relative change > 0 and < 1")
    refused = []
    for p in names:
        for v in (base[p] * (1 - span), base[p] * (1 + span)):
            try:
                model.check(p, v, strict=True)  # alone: nothing else moves to keep it valid
            except InvalidParameter as exc:
                if not default:
                    raise InvalidParameter("sensitivity.span", span, f"moves {p} to {v:g}, which {exc.reason}") from None
                refused.append(p)  # the default list keeps only what can move by the span
                break
    names = [p for p in names if p not in refused]
    if not names:
        raise InvalidParameter("sensitivity.parameters", InvalidParameter.NO_VALUE, "no parameter can move by the span")
    factors = [1.0]
    for _ in names:
        factors += [1 - step, 1 + step, 1 - span, 1 + span]
    cols = {p: [base[p]] * len(factors) for p in names}
    for j, p in enumerate(names):
        for k in range(4):
            cols[p][1 + 4 * j + k] = base[p] * factors[1 + 4 * j + k]
    axes = tuple(Axis(p, p, tuple(cols[p]), None, None, "linear") for p in names)
    return {"parameters": list(names), "step": step, "span": span}, axes, "list"


def load_sweep(path, settings=None) -> Sweep:
    """Read and validate a sweep file (TOML); see :func:`sweep_from_dict`.

    *settings* (``["KEY=VALUE", ...]``, the CLI's ``--set``) change the base preset or cell."""
    from ..config.cell import read_toml

    p = Path(path)
    data = read_toml(p, "sweep", MAX_FILE_BYTES)
    # a relative preset or cell path is relative to the sweep file
    for key in ("preset", "cell"):
        v = data.get(key)
        if isinstance(v, str) and (v.endswith(".toml") or "/" in v) and not Path(v).is_absolute():
            data[key] = str((p.parent / v).resolve())
    return sweep_from_dict(data, name=p.stem, settings=settings)


# ---------------------------------------------------------------------------
# evaluating tasks (runs in workers too: keep it importable and picklable)
# ---------------------------------------------------------------------------

def _payload(sweep: Sweep) -> dict:
    return {"key": sweep.key, "model": sweep.model, "data": sweep._model_data(), "name": sweep.base,
            "outputs": sweep.outputs}


def evaluate_task(payload: dict, task: int, params: dict, n: int) -> tuple:
    """Evaluate one block: returns (task, {output: flat array}, [error messages])."""
    model = _model_for(payload["key"], payload["model"], payload["data"], payload["name"])
    res, errors, failed = model.evaluate(params, tuple(payload["outputs"]), n)
    return task, res, errors[:3], failed


# ---------------------------------------------------------------------------
# the store
# ---------------------------------------------------------------------------

def _template(sweep: Sweep, lazy: bool):
    """The result Dataset before any work: NaN outputs, coordinates, per-task flags."""
    import xarray as xr

    coords = sweep.coords()
    data = {}
    for o in sweep.outputs:
        if lazy:
            import dask.array as da

            arr = da.full(sweep.shape, np.nan, chunks=sweep.chunks)
        else:
            arr = np.full(sweep.shape, np.nan)
        data[o] = (sweep.dims, arr, {"units": sweep.units[o]})
    ds = xr.Dataset(data, coords=coords)
    for a in sweep.axes:
        ds[a.name].attrs["parameter"] = a.parameter
        ds[a.name].attrs["scale"] = a.scale
        unit = parameter_unit(a.parameter)
        if unit:
            ds[a.name].attrs["units"] = unit
    ds.attrs.update({
        "title": sweep.title or "",
        "model": sweep.model,
        "base": sweep.base or "",
        "method": sweep.method,
        "nernst_sweep": json.dumps(sweep.as_dict(), sort_keys=True, default=str),
        "nernst_sweep_key": sweep.key,
        "nernst_store_version": STORE_VERSION,
        "fixed": json.dumps(sweep.fixed, sort_keys=True),
    })
    return ds


def open_sweep(path):
    """Open a sweep store as an xarray Dataset labelled by the axes (lazy; ``.load()`` to read it all).

    Every finished block is checked against its checksum first.  Points whose block never finished, or
    whose data is missing or does not match its checksum, read as NaN (a NernstWarning names the damaged
    blocks); ``attrs['complete']`` says whether every block is finished and sound, ``attrs['tasks_done']``
    and ``attrs['tasks_corrupt']`` count them.  :func:`nernst.sweepstore.verify_store` reports block by block.
    """
    return open_store(path)


# ---------------------------------------------------------------------------
# backends
# ---------------------------------------------------------------------------

@dataclass
class SweepResult:
    """What a sweep returns: the data, and how it was computed."""

    dataset: object
    sweep: Sweep
    backend: str
    workers: int
    computed_points: int
    reused_points: int
    failed_points: int
    errors: list
    elapsed_s: float
    store: Optional[str] = None
    compute_s: float = 0.0
    notes: list = field(default_factory=list)

    @property
    def points_per_s(self) -> float:
        """Points computed per second of the compute phase (from the first task's submission to the last result)."""
        return self.computed_points / self.compute_s if self.compute_s > 0 else float("nan")

    def balance_statement(self) -> list:
        """How each swept bath concentration keeps (or does not keep) its solution's charge balanced."""
        out = []
        for a in self.sweep.axes:
            parts = a.parameter.split(".")
            if not (len(parts) == 3 and parts[0] == "ions" and parts[2] == "outside"):
                continue
            ion = self.sweep.balance.get(a.parameter)
            if ion is not None:
                out.append(f"{a.parameter}: each change is balanced by [{ion}]o (one for one in charge)")
            else:  # only the rest model allows this: an ion table lists only some of the bath's ions
                out.append(f"{a.parameter}: not balanced (the rest model's ion table need not be neutral; the "
                           "GHK potential depends only on the permeant ions)")
        return out

    def summary(self) -> dict:
        """Plain-Python summary (the CLI's JSON): counts, timing and each output's range."""
        stats = {}
        for o in self.sweep.outputs:
            a = np.asarray(self.dataset[o].values, dtype=float)
            ok = a[np.isfinite(a)]
            stats[o] = {"unit": self.sweep.units[o], "finite": int(ok.size), "nan": int(a.size - ok.size)}
            if ok.size:
                stats[o].update(min=float(ok.min()), median=float(np.median(ok)), max=float(ok.max()))
        return {"title": self.sweep.title, "model": self.sweep.model, "base": self.sweep.base,
                "method": self.sweep.method, "dims": dict(zip(self.sweep.dims, self.sweep.shape)),
                "axes": [a.parameter for a in self.sweep.axes], "balance": self.balance_statement(),
                "points": self.sweep.n_points, "tasks": self.sweep.n_tasks, "backend": self.backend,
                "workers": self.workers, "computed_points": self.computed_points,
                "reused_points": self.reused_points, "failed_points": self.failed_points,
                "errors": self.errors, "elapsed_s": self.elapsed_s, "compute_s": self.compute_s,
                "points_per_s": self.points_per_s if self.computed_points else None,
                "store": self.store, "notes": list(self.notes), "outputs": stats}


def _pool_runner(workers: int):
    """Run tasks on a local process pool; a worker that dies takes its tasks back to the queue."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    def run(jobs, emit):
        pending = dict(jobs)  # task -> args
        restarts = 0
        # spawn (fresh interpreters: safe beside threads) unless __main__ cannot be re-imported by
        # the children (code piped to python's stdin): then fork
        import sys

        main_file = getattr(sys.modules.get("__main__"), "__file__", None)
        method = "spawn" if main_file is None or Path(main_file).is_file() else "fork"
        while pending:
            ctx = multiprocessing.get_context(method)
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
            futs = {pool.submit(evaluate_task, *args): task for task, args in pending.items()}
            try:
                while futs:
                    done, _ = wait(list(futs), return_when=FIRST_COMPLETED)
                    for f in done:
                        task = futs.pop(f)
                        out = f.result()
                        pending.pop(task, None)
                        emit(out)
                pool.shutdown()
            except BaseException as exc:
                # stop now (Ctrl+C, an error): drop the queued blocks and end the running ones
                for proc in list(getattr(pool, "_processes", {}).values()):
                    proc.terminate()
                pool.shutdown(wait=False, cancel_futures=True)
                if isinstance(exc, BrokenProcessPool):
                    restarts += 1
                    if restarts > 3:
                        raise SolverError("the process pool broke four times (workers killed or out of memory; from "
                                          "a script, the processes backend needs the code under "
                                          "if __name__ == '__main__':)") from None
                    continue
                raise
    return run


def _dask_runner(client):
    def run(jobs, emit):
        from distributed import as_completed

        futs = [client.submit(evaluate_task, *args, pure=False, key=f"nernst-{args[0]['key']}-{task}")
                for task, args in jobs.items()]
        for f in as_completed(futs):
            emit(f.result())
            f.release()
    return run


def _local_runner():
    def run(jobs, emit):
        for task, args in jobs.items():
            emit(evaluate_task(*args))
    return run


def check_size(sweep: Sweep, yes: bool) -> None:
    """Refuse a sweep above the model's confirmation size unless *yes*."""
    limit = CONFIRM_ABOVE[sweep.model]
    if sweep.n_points > limit and not yes:
        est = sweep.n_points * COST_S[sweep.model]
        raise InvalidParameter("points", InvalidParameter.NO_VALUE,
                               f"the sweep has {sweep.n_points:,} points (about {_human_s(est)} on one core), more "
                               f"than {limit:,} for the {sweep.model} model; pass --yes (yes=True) to run it")


def _human_s(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def run_sweep(sweep: Sweep, out=None, backend: str = "auto", workers: Optional[int] = None,
              scheduler: Optional[str] = None, resume: bool = False, overwrite: bool = False, yes: bool = False,
              progress: Optional[Callable[[int, int], None]] = None, client=None,
              note: Optional[Callable[[str], None]] = None) -> SweepResult:
    """Run a sweep and return its results as an xarray Dataset labelled by the axes.

    Parameters
    ----------
    sweep : Sweep
        From :func:`load_sweep` or :func:`sweep_from_dict`.
    out : path, optional
        A Zarr store (directory) that receives each block as it finishes.
    backend : {"auto", "local", "processes", "dask"}
        "local" evaluates the blocks in this process; "processes" on a local
        process pool of *workers*; "dask" on a ``dask.distributed`` cluster:
        the scheduler at *scheduler*, or a LocalCluster of *workers* processes
        on 127.0.0.1.  "auto": dask if *scheduler* or *workers* is given, else local.
    workers : int, optional
        Local worker processes (a LocalCluster on 127.0.0.1, or the process pool).
    scheduler : str, optional
        Address of a running ``dask.distributed`` scheduler (e.g. "tcp://10.0.0.5:8786").
    resume : bool
        Continue the store at *out*: only blocks without a done flag are computed.
    overwrite : bool
        Replace an existing store at *out*.
    yes : bool
        Allow a sweep above the model's confirmation size.
    progress : callable(done_points, total_points), optional
        Called after every finished block (reused blocks count at the start).
    client : dask.distributed.Client, optional
        Use this client (backend "dask").
    note : callable(str), optional
        Called with each note on the store as soon as it is known (a stale lock taken over, damaged
        blocks to recompute); they are also in the result's ``notes``.

    Every backend evaluates the same blocks with the same code: the results are
    identical, bit for bit.
    """
    if not isinstance(sweep, Sweep):
        raise InvalidParameter("sweep", sweep, "must be a Sweep (from load_sweep or sweep_from_dict)")
    if backend not in ("auto", "local", "processes", "dask"):
        raise InvalidParameter("backend", backend, "must be 'auto', 'local', 'processes' or 'dask'")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 1024):
        raise InvalidParameter("workers", workers, "must be a whole number from 1 to 1024")
    if scheduler is not None and workers is not None:
        raise InvalidParameter("workers", workers, "give a scheduler address or a number of local workers, not both")
    if backend == "auto":
        backend = "dask" if (scheduler is not None or workers is not None or client is not None) else "local"
    if backend == "processes" and scheduler is not None:
        raise InvalidParameter("scheduler", scheduler, "is for the dask backend")
    if backend == "local" and (workers not in (None, 1) or scheduler is not None):
        raise InvalidParameter("workers", workers, "the local backend runs in this process")
    if resume and out is None:
        raise InvalidParameter("resume", True, "needs a store to resume (out / --out)")
    check_size(sweep, yes)

    t0 = time.perf_counter()
    store = None
    if out is not None:
        from .._core.paths import check_output_file

        out = Path(out)
        if out.suffix.lower() != ".zarr":
            raise InvalidParameter("out", str(out), "must be a Zarr store, a path ending in .zarr")
        check_output_file("out", out, extra_name_bytes=EXTRA_NAME_BYTES, folder_ok=True)
        store = SweepStore(out, sweep, lambda: _template(sweep, lazy=True), resume, overwrite, note)
        try:
            return _run(sweep, store, backend, workers, scheduler, progress, client, t0)
        finally:
            store.close()
    return _run(sweep, None, backend, workers, scheduler, progress, client, t0)


def _run(sweep, store, backend, workers, scheduler, progress, client, t0) -> SweepResult:
    done = store.done() if store is not None else np.zeros(sweep.n_tasks, dtype=bool)
    mem = None if store is not None else _template(sweep, lazy=False)

    def size(task):
        return int(np.prod([s.stop - s.start for s in sweep.task_slices(task)]))

    total = sweep.n_points
    reused = sum(size(t) for t in np.flatnonzero(done))
    todo = [int(t) for t in np.flatnonzero(~done)]
    coords = sweep.coords() if sweep.method != "grid" else None
    payload = _payload(sweep)
    jobs = {}
    for task in todo:
        sl, params = sweep.block_params(task, coords)
        n = int(np.prod([s.stop - s.start for s in sl]))
        params.update({k: v for k, v in sweep.fixed.items()})
        jobs[task] = (payload, task, params, n)

    state = {"done": reused, "computed": 0, "failed": 0, "errors": []}

    def emit(result):
        task, res, errors, n_err = result
        sl = sweep.task_slices(task)
        if store is not None:
            store.write(task, sl, res)
        else:
            shape = tuple(s.stop - s.start for s in sl)
            for o in sweep.outputs:
                mem[o].values[sl] = np.asarray(res[o], dtype=float).reshape(shape)
        n = size(task)
        state["done"] += n
        state["computed"] += n
        state["failed"] += n_err
        for e in errors:
            if len(state["errors"]) < 5 and e not in state["errors"]:
                state["errors"].append(e)
        if progress is not None:
            progress(state["done"], total)

    n_workers = 1
    cluster = own_client = None
    t_compute = [0.0, 0.0]

    def started():  # after every check and connection: the progress bar shows from here
        t_compute[0] = time.perf_counter()
        if progress is not None:
            progress(reused, total)

    try:
        if not jobs:
            started()
        elif backend == "local":
            started()
            _local_runner()(jobs, emit)
        elif backend == "processes":
            n_workers = workers or 2
            started()
            _pool_runner(n_workers)(jobs, emit)
        else:
            if client is None:
                client, cluster = _connect(scheduler, workers)
                own_client = client
            n_workers = len(client.scheduler_info(n_workers=-1).get("workers", {})) or 1
            started()
            _dask_runner(client)(jobs, emit)
    finally:
        t_compute[1] = time.perf_counter()
        if own_client is not None:
            own_client.close()
        if cluster is not None:
            cluster.close()
    elapsed = time.perf_counter() - t0
    if store is not None:
        ds = open_store(store.given, store.finished_state())  # checked at the start, written since by us
    else:
        ds = mem
    compute = t_compute[1] - t_compute[0] if t_compute[0] else 0.0
    return SweepResult(ds, sweep, backend, n_workers, state["computed"], reused, state["failed"], state["errors"],
                       elapsed, None if store is None else str(store.given), compute,
                       list(store.notes) if store is not None else [])


def _connect(scheduler, workers):
    """A dask client: to *scheduler*, or to a new LocalCluster of *workers* processes on loopback."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is a dependency
        raise InvalidParameter("backend", "dask", "needs dask.distributed (pip install 'dask[distributed]')") from None
    import logging

    if scheduler is not None:
        if not isinstance(scheduler, str) or not scheduler.strip():
            raise InvalidParameter("scheduler", scheduler, "must be an address such as tcp://10.0.0.5:8786")
        try:
            return Client(scheduler, timeout="10s"), None
        except (OSError, TimeoutError) as exc:
            raise InvalidParameter("scheduler", scheduler, f"cannot connect ({' '.join(str(exc).split())[:120]})") from None
        except ValueError as exc:
            raise InvalidParameter("scheduler", scheduler, f"is not a scheduler address ({exc})") from None
    # dask's HTTP server always starts: on a free loopback port, not on 8787 (another cluster may hold it)
    cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
    return Client(cluster), cluster


# ---------------------------------------------------------------------------
# sensitivity
# ---------------------------------------------------------------------------

def sensitivity(result: SweepResult):
    """Local sensitivities from the result of a ``[sensitivity]`` sweep.

    For each output Y and parameter p (base value p0):

    * ``derivative`` dY/dp by central differences at p0 (1 -+ step),
    * ``elasticity`` (p0 / Y0) dY/dp, the relative change of Y per relative
      change of p (dimensionless; NaN where Y0 = 0),
    * ``low`` and ``high``, Y at p0 (1 - span) and p0 (1 + span): the bars of
      a tornado figure, ranked by ``swing`` = |high - low|.

    Returns an xarray Dataset over (output, parameter), parameters ranked by
    the swing of the first output.
    """
    import xarray as xr

    sw = result.sweep
    if sw.sensitivity is None:
        raise InvalidParameter("sweep", sw.title, "is not a sensitivity study (it has no [sensitivity] table)")
    names = sw.sensitivity["parameters"]
    step = sw.sensitivity["step"]
    base = {a.parameter: a.values[0] for a in sw.axes}
    ds = result.dataset
    rows = {k: np.full((len(sw.outputs), len(names)), np.nan) for k in ("derivative", "elasticity", "low", "high")}
    y0 = np.array([float(ds[o].values[0]) for o in sw.outputs])
    for j, p in enumerate(names):
        i = 1 + 4 * j
        for k, o in enumerate(sw.outputs):
            y = np.asarray(ds[o].values, dtype=float)
            d = (y[i + 1] - y[i]) / (2 * step * base[p])
            rows["derivative"][k, j] = d
            rows["elasticity"][k, j] = d * base[p] / y0[k] + 0.0 if y0[k] != 0 else np.nan  # + 0.0: no -0
            rows["low"][k, j] = y[i + 2]
            rows["high"][k, j] = y[i + 3]
    swing = np.abs(rows["high"] - rows["low"])
    order = np.argsort(-np.nan_to_num(swing[0], nan=-1.0), kind="stable")
    out = xr.Dataset(
        {k: (("output", "parameter"), v[:, order]) for k, v in rows.items()},
        coords={"output": list(sw.outputs), "parameter": [names[j] for j in order],
                "base_value": ("parameter", [base[names[j]] for j in order])},
    )
    out["base"] = ("output", y0)
    out["swing"] = (("output", "parameter"), swing[:, order])
    out.attrs.update({"step": step, "span": sw.sensitivity["span"], "model": sw.model, "base_name": sw.base or "",
                      "units": json.dumps(sw.units)})
    return out

"""The models a sweep runs (rest, steady, scenario, spike, cable): parameters, outputs, checks and the
evaluation of one block; and the sizes of a sweep."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np

from ..config.overrides import mechanism_aliases as _mechanism_aliases
from ..config.overrides import mechanism_fields as _mechanism_fields
from ..config.overrides import with_value as _with_value
from ..errors import InvalidParameter, NernstError
from .._core.paths import exists
from .._core.validation import check_temperature
from ..analysis.axon import run_axon
from ..config.cell import CellConfig, cell_from_dict, cell_to_dict, read_toml, with_base
from ..config.ion_table import spec_from_dict, spec_to_dict
from ..config.presets import DEFAULT_PRESET, cell_files, preset_files
from ..mechanisms.base import REGISTRY
from ..mechanisms.hh import HHParameters, HH_REFERENCE_TEMPERATURE
from ..model.cell import CellModel
from ..model.ion_table import CellSpec
from ..physics import equilibrium as eq
from ..solvers.hh import firing_rate_hz, simulate_hh
from ..solvers.pumpleak import simulate, start_state, steady_state


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


class Model:
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


class _RestModel(Model):
    kind = "rest"

    def __init__(self, data: dict, name=None):
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


class _CellModel(Model):
    """steady and scenario: a pump-leak cell config, one solve per point."""

    def __init__(self, data: dict, kind: str, name=None):
        import copy

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
        flat = _flat_numbers({k: v for k, v in self.data.items() if k not in ("run", "protocol", "mechanisms")
                              or self.kind == "scenario"})
        flat.pop("run.points", None)
        flat = {k: v for k, v in flat.items() if not k.startswith("mechanisms[")}
        # a mechanism's parameters from its declaration, in engine units: those written with a unit
        # ("16.96 S/m^2") and those left at their default are parameters too
        for i, (table, mech) in enumerate(zip(self.data.get("mechanisms", []), self.cfg.model.mechanisms)):
            for name in _mechanism_fields(table):
                flat[f"mechanisms[{i}].{name}"] = float(getattr(mech, name))
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
        traj = simulate(cfg.model, cfg.duration_s, initial=start_state(cfg), n_points=cfg.points,
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
    p = HHParameters()
    out = {f: float(getattr(p, f)) for f in _HH_FIELDS}
    out["temperature_c"] = float(HH_REFERENCE_TEMPERATURE)
    return out


class _HHModel(Model):
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


#: Units of the fields that are not a mechanism's, by the naming convention of their names.
_SUFFIX_UNITS = (("_uA_cm2", "uA/cm^2"), ("_mS_cm2", "mS/cm^2"), ("_uF_cm2", "uF/cm^2"), ("_cm_s", "cm/s"),
                 ("_ohm_cm", "ohm cm"), ("_um", "um"), ("_mm", "mm"), ("_ms", "ms"), ("_mV", "mV"), ("_mM", "mM"),
                 ("temperature_c", "degC"), (".inside", "mM"), (".outside", "mM"), (".conductance", "mS/cm^2"))


def _declared_unit(path: str):
    """The unit a mechanism declares for the parameter at *path* (``mechanisms[2].km_mM``,
    ``mechanisms.nak_pump.current_uA_cm2``, ``mechanisms.leak.K.conductance_mS_cm2``), or None."""

    head, _, name = path.rpartition(".")
    if not head.startswith("mechanisms"):
        return None
    parts = head.split(".")
    kinds = [parts[1]] if len(parts) > 1 and parts[1] in REGISTRY else list(REGISTRY)
    for kind in kinds:
        for p in REGISTRY[kind].params:
            if p.name == name:
                return p.unit
    return None


def parameter_unit(path: str) -> str:
    """Unit of a parameter path: a mechanism's from its declaration, any other from the naming
    conventions ('' when the name does not say)."""
    declared = _declared_unit(path)
    if declared is not None:
        return declared
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


def build_model(kind: str, data: dict, name=None) -> Model:
    if kind == "rest":
        return _RestModel(data, name)
    if kind in ("steady", "scenario"):
        return _CellModel(data, kind, name)
    if kind == "spike":
        return _SpikeModel(data)
    return _CableModel(data)


_MODEL_CACHE: dict = {}


def model_for(key: str, kind: str, data: dict, name=None) -> Model:
    """The model object of a sweep, built once per process (workers reuse it across tasks)."""
    m = _MODEL_CACHE.get(key)
    if m is None:
        if len(_MODEL_CACHE) > 8:
            _MODEL_CACHE.clear()
        m = _MODEL_CACHE[key] = build_model(kind, data, name)
    return m


def model_parameters(kind: str, base: str | None = None) -> dict:
    """Sweepable parameters of a model (path -> base value), e.g. for ``rest`` on a preset."""
    data, name = read_base(kind, base, "base")
    return build_model(kind, data, name).parameters()


def describe_model(path) -> dict:
    """The model, base, parameters and outputs named by a sweep file (the rest of the file is not checked)."""

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
    raw, name = read_base(kind, base, where)
    m = build_model(kind, raw, name)
    return {"model": kind, "base": name, "parameters": m.parameters(), "outputs": m.outputs()}


def model_outputs(kind: str, base: str | None = None) -> dict:
    """Outputs of a model (name -> unit)."""
    data, name = read_base(kind, base, "base")
    return build_model(kind, data, name).outputs()


def read_base(kind: str, base, where: str):
    """The raw mapping of a model's base (preset or cell config name or path); (data, name)."""
    if kind not in MODELS:
        raise InvalidParameter("model", kind, f"must be one of {', '.join(MODELS)}")
    if kind in ("spike", "cable"):
        if base is not None:
            raise InvalidParameter(where, base, f"the {kind} model takes no preset or cell (set its parameters in [fixed])")
        return {}, None
    if base is None:
        if kind == "rest":
            base = DEFAULT_PRESET
        else:
            raise InvalidParameter("cell", InvalidParameter.NO_VALUE,
                                   f"the {kind} model needs a cell config (a shipped name such as 'kay2017', or a path)")
    if not isinstance(base, (dict, str)):  # a cell or an ion table built in Python

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

    files = preset_files() if kind == "rest" else cell_files()
    if base in files:
        path = Path(str(files[base]))
        name = base
    else:
        path = Path(base)
        name = path.stem

        if not exists(path) or not path.is_file():
            known = ", ".join(sorted(files))
            raise InvalidParameter(where, base, f"is neither a shipped {'preset' if kind == 'rest' else 'cell'} "
                                   f"({known}) nor a file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidParameter(where, base, f"is not a valid TOML file ({' '.join(str(exc).split())})") from None
    return data, name

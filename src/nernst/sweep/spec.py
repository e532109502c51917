"""The sweep definition: axes, sampling (grid, list, random, Latin hypercube), the file format."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Optional

import numpy as np

from ..config.cell import check_keys  # one "unknown key (allowed: ...)" check for every TOML file
from ..config.overrides import set_path as _set_path
from ..errors import InvalidParameter
from .models import (DEFAULT_CHUNK, MAX_AXES, MAX_FILE_BYTES, MAX_POINTS, METHODS, MODELS, Model, read_base,
                     build_model, model_for)
from ..config.cell import read_toml, with_base
from ..config.overrides import apply_settings


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

    def _model(self) -> Model:
        return model_for(self.key + "-model", self.model, self._model_data(), self.base)

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
                m = build_model(self.model, self.base_data, self.base)
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
        data = with_base(data, depth=0)
    for ion in balance.values():
        data["ions"][ion]["outside"] = "balance"
    return data


def _axis_balances(axes_raw, model: "Model", kind: str, fixed: dict) -> dict:
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


def _unknown_parameter(where, path, model: Model, kind):
    names = list(model.parameters())  # in the model's order (temperature first)
    shown = ", ".join(names[:40]) + (f", ... ({len(names)} in all)" if len(names) > 40 else "")
    return InvalidParameter(where, path, f"is not a parameter of the {kind} model (it has: {shown})")


def _axis(i: int, t, method: str, model: Model, kind: str) -> Axis:
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
    base_data, base_name = read_base(kind, base, where)
    if settings:
        if kind in ("spike", "cable"):
            raise InvalidParameter("--set", list(settings), f"the {kind} model has no base to change: set its "
                                   "parameters in [fixed]")

        if kind != "rest" and "base" in base_data:
            base_data = with_base(base_data, depth=0)
        base_data = apply_settings(base_data, settings)
        base_name = f"{base_name} (changed)" if base_name else None
    model = build_model(kind, base_data, base_name)
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


def _sensitivity_points(sens, model: Model, kind: str):
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

    p = Path(path)
    data = read_toml(p, "sweep", MAX_FILE_BYTES)
    # a relative preset or cell path is relative to the sweep file
    for key in ("preset", "cell"):
        v = data.get(key)
        if isinstance(v, str) and (v.endswith(".toml") or "/" in v) and not Path(v).is_absolute():
            data[key] = str((p.parent / v).resolve())
    return sweep_from_dict(data, name=p.stem, settings=settings)



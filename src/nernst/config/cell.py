"""Reading pump-leak cell configs (TOML) into a CellModel, a protocol and run settings.

The format (every key is checked; unknown keys are errors)::
    title = "Kay 2017 pump-leak cell"      # optional: title, description, source
    temperature_c = 25

    [geometry]
    shape = "sphere"                       # or "cylinder" (length_um, ends = true)
    radius_um = 5
    capacitance_uF_cm2 = 1

    [ions.Na]                              # transported ions: inside (initial) and outside (bath), mM
    inside = 10
    outside = 147

    [impermeant.X]                         # impermeant species inside (amount fixed)
    inside = "balance"                     # mM, or "balance": whatever makes the cell electroneutral
    valence = -1
    outside = 0                            # optional, osmotically active outside

    [water]
    mode = "flux"                          # "flux", "instant" or "rigid"
    permeability_cm_s = 2e-4               # osmotic water permeability (mode "flux")

    [bath]
    volume_ratio = 0.2                     # optional: finite extracellular space (closed system)

    [initial]
    voltage_mV = -70                       # optional: start at this V (adjusts the impermeant by uM)

    [[mechanisms]]
    kind = "leak"                          # leak, ghk_leak, nak_pump, kcc2, nkcc1, ncx, pmca, kir, injection, clamp
    ion = "Na"
    conductance_mS_cm2 = 0.01

    [[protocol]]
    at_s = 600
    action = "scale"                       # scale, remove, add, set_outside, add_inside, inject, clamp
    mechanism = "nak_pump"
    factor = 0

    [run]
    duration_s = 3600
    points = 400

A config may extend a shipped cell: ``base = "duesterwald2018"`` takes all of
its settings; tables given here are merged key by key, lists (mechanisms,
protocol) replace the base's.  ``[initial] steady = true`` starts a run from the
model's steady state (for scenarios that perturb a resting cell).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from pathlib import Path

from ..model.cell import CellModel, Impermeant
from ..errors import InvalidParameter
from ..physics.ions import resolve_valence
from ..physics.membrane import cylinder, sphere
from ..mechanisms import REGISTRY
from ..model.protocols import Add, AddInside, Clamp, Inject, Protocol, Remove, Scale, SetOutside
from .._core.quantities import parse_quantity
from .._core.paths import check_input_file
from .._core.validation import check_temperature
from ..model.protocols import CurrentInjection, VoltageClamp, matches_target as _matches
from .overrides import apply_settings
from .presets import resolve_cell_config, shipped_cell_data

__all__ = ["CellConfig", "load_cell_config", "load_cell", "cell_from_dict", "cell_to_dict", "mechanism_from_dict"]

MAX_BYTES = 1_000_000
#: Largest concentration a config may give or a balancing rule may make, mM.
MAX_CONCENTRATION_MM = 1e5


@dataclasses.dataclass(frozen=True)
class CellConfig:
    """A validated cell config: the model, its protocol and run settings."""

    model: CellModel
    protocol: Protocol
    duration_s: float | None
    points: int
    initial_voltage_mV: float | None
    description: str | None = None
    start_steady: bool = False

    def initial_state(self):
        """The start of a run: deprecated, use :func:`nernst.start_state` (``start_state(cfg)``).

        Kept for one release.  It solves the steady start in the solver layer, the one import from
        the config layer into a solver that the import contract still allows (for this method only)."""
        import warnings

        from ..solvers.pumpleak import start_state  # the deprecated path only (see pyproject.toml)

        warnings.warn("CellConfig.initial_state() is deprecated: use nernst.start_state(cfg)", DeprecationWarning,
                      stacklevel=2)
        return start_state(self)


def _table(data, key, required=False) -> dict:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidParameter(key, InvalidParameter.NO_VALUE, "is required")
        return {}
    if not isinstance(value, dict):
        raise InvalidParameter(key, value, "must be a table")
    return value


def check_keys(table: dict, allowed, where: str):
    for k in table:
        if k not in allowed:
            raise InvalidParameter(f"{where}.{k}" if where else k, InvalidParameter.NO_VALUE,
                                   f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _number(value, kind: str, field: str, minimum=None, strictly=False, maximum=None) -> float:
    x = parse_quantity(value, kind, field)
    if minimum is not None and (x < minimum or (strictly and x == minimum)):
        raise InvalidParameter(field, value, f"must be {'>' if strictly else '>='} {minimum:g}")
    if maximum is not None and x > maximum:
        raise InvalidParameter(field, value, f"must be <= {maximum:g}")
    return x


def _text(value, field):
    if value is None or isinstance(value, str):
        return value
    raise InvalidParameter(field, value, "must be text")


def mechanism_from_dict(spec: dict, where: str, species) -> object:
    """Build one mechanism from its config table (``kind`` plus its parameters): the mechanism's own
    parameter declarations (:class:`~nernst.mechanisms.base.Param`) check every value and convert units."""
    if not isinstance(spec, dict):
        raise InvalidParameter(where, spec, "must be a table with a 'kind'")
    kind = spec.get("kind")
    if kind not in REGISTRY:
        raise InvalidParameter(f"{where}.kind", kind, f"must be one of {', '.join(sorted(REGISTRY))}")
    cls = REGISTRY[kind]
    fields = {f.name: f for f in dataclasses.fields(cls)}
    check_keys(spec, set(fields) | {"kind"}, where)
    for name, f in fields.items():
        if name not in spec and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise InvalidParameter(f"{where}.{name}", InvalidParameter.NO_VALUE, f"is required for {kind}")
    for p in cls.params:
        if p.kind == "ion" and p.name in spec and (not isinstance(spec[p.name], str) or spec[p.name] not in species):
            raise InvalidParameter(f"{where}.{p.name}", spec[p.name],
                                   f"must be one of the cell's ions ({', '.join(species)})")
    try:
        mech = cls(**{k: v for k, v in spec.items() if k != "kind"})
    except InvalidParameter as exc:
        name = exc.field.split(".", 1)[-1]
        raise InvalidParameter(f"{where}.{name}", exc.value, exc.reason) from None
    for s in mech.species:
        if s not in species:
            raise InvalidParameter(where, kind, f"moves {s}, which the cell does not list in [ions]")
    return mech


def _check_targets(events, mechs):
    """Every scale/remove event must name a mechanism the cell has by then (typos fail at load)."""

    present = list(mechs)
    for i, ev in sorted(enumerate(events), key=lambda p: p[1].time_s):
        if isinstance(ev, Add):
            present.append(ev.mechanism)
        elif isinstance(ev, Inject):
            present = [m for m in present if m.kind != "injection"]
            if ev.current_uA_cm2 != 0:
                present.append(CurrentInjection(ev.ion, ev.current_uA_cm2))
        elif isinstance(ev, Clamp):
            present = [m for m in present if m.kind != "clamp"]
            if ev.voltage_mV is not None:
                present.append(VoltageClamp(ev.ion, ev.voltage_mV))
        elif isinstance(ev, (Scale, Remove)):
            if not any(_matches(m, ev.target) for m in present):
                have = ", ".join(sorted({m.kind + (f":{m.ion}" if hasattr(m, "ion") else "") for m in present}))
                raise InvalidParameter(f"protocol[{i}].mechanism", ev.target,
                                       f"no such mechanism in the cell (have: {have or 'none'})")
            if isinstance(ev, Remove):
                present = [m for m in present if not _matches(m, ev.target)]


def _event(spec: dict, where: str, species) -> object:
    if not isinstance(spec, dict):
        raise InvalidParameter(where, spec, "must be a table with 'at_s' and 'action'")
    action = spec.get("action")
    if "at_s" not in spec:
        raise InvalidParameter(f"{where}.at_s", InvalidParameter.NO_VALUE, "is required (seconds)")
    at = spec["at_s"]
    if isinstance(at, bool) or not isinstance(at, (int, float)) or not math.isfinite(at) or at < 0 or at > 1e9:
        raise InvalidParameter(f"{where}.at_s", at, "must be a time in seconds from 0 to 1e9")
    at = float(at)

    def ion(key, required=True):
        value = spec.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or value not in species:
            raise InvalidParameter(f"{where}.{key}", value, f"must be one of the cell's ions ({', '.join(species)})")
        return value

    if action == "scale":
        check_keys(spec, {"at_s", "action", "mechanism", "factor"}, where)
        target = spec.get("mechanism")
        if not isinstance(target, str):
            raise InvalidParameter(f"{where}.mechanism", target, "must name a mechanism, e.g. 'nak_pump' or 'leak:Na'")
        f = spec.get("factor", 0.0)
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not math.isfinite(f) or not 0 <= f <= 1e6:
            raise InvalidParameter(f"{where}.factor", f, "must be a number from 0 to 1e6")
        return Scale(at, target, float(f))
    if action == "remove":
        check_keys(spec, {"at_s", "action", "mechanism"}, where)
        target = spec.get("mechanism")
        if not isinstance(target, str):
            raise InvalidParameter(f"{where}.mechanism", target, "must name a mechanism")
        return Remove(at, target)
    if action == "add":
        check_keys(spec, {"at_s", "action", "mechanism"}, where)
        return Add(at, mechanism_from_dict(spec.get("mechanism"), f"{where}.mechanism", species))
    if action == "set_outside":
        check_keys(spec, {"at_s", "action", "ion", "mM", "substitute"}, where)
        return SetOutside(at, ion("ion"), _number(spec.get("mM"), "concentration", f"{where}.mM", 0.0, True, 1e5),
                          ion("substitute", required=False))
    if action == "add_inside":
        check_keys(spec, {"at_s", "action", "species", "mM", "valence", "counter_ion"}, where)
        name = spec.get("species", "X")
        if not isinstance(name, str) or not name:
            raise InvalidParameter(f"{where}.species", name, "must be a name")
        if name in species:
            raise InvalidParameter(f"{where}.species", name, "is one of the cell's permeant ions; an added "
                                   "impermeant species needs a name of its own (e.g. 'X')")
        z = spec.get("valence", -1.0)
        if isinstance(z, bool) or not isinstance(z, (int, float)) or z == 0 or not math.isfinite(z) or abs(z) > 100:
            raise InvalidParameter(f"{where}.valence", z, "must be a non-zero number")
        return AddInside(at, name, _number(spec.get("mM"), "concentration", f"{where}.mM", 0.0, True, 1e5), float(z),
                         ion("counter_ion") if "counter_ion" in spec else "K")
    if action == "inject":
        check_keys(spec, {"at_s", "action", "ion", "current_uA_cm2"}, where)
        i = _number(spec.get("current_uA_cm2", 0.0), "current", f"{where}.current_uA_cm2", -1e6, False, 1e6)
        return Inject(at, ion("ion"), i)
    if action == "clamp":
        check_keys(spec, {"at_s", "action", "voltage_mV", "ion", "release"}, where)
        release = spec.get("release", False)
        if not isinstance(release, bool):
            raise InvalidParameter(f"{where}.release", release, "must be true or false")
        if release:
            if "voltage_mV" in spec:
                raise InvalidParameter(f"{where}.voltage_mV", spec["voltage_mV"], "give voltage_mV or release = true, not both")
            return Clamp(at, None, ion("ion") if "ion" in spec else "K")
        v = _number(spec.get("voltage_mV") if "voltage_mV" in spec else _missing(f"{where}.voltage_mV"), "voltage",
                    f"{where}.voltage_mV", -1000.0, False, 1000.0)
        return Clamp(at, v, ion("ion") if "ion" in spec else "K")
    raise InvalidParameter(f"{where}.action", action,
                           "must be one of scale, remove, add, set_outside, add_inside, inject, clamp")


def _balancing(charge: float, valence: float, field: str, what: str) -> float:
    """The concentration of a species of *valence* that cancels *charge* (mM), within the input limits."""
    c = -charge / valence
    if c <= 0:
        raise InvalidParameter(field, "balance", f"{what} carry a net charge of {charge:+.4g} mM, of the same sign as "
                                                 "this species: it cannot balance them")
    if c > MAX_CONCENTRATION_MM:
        raise InvalidParameter(field, "balance", f"balancing {charge:+.4g} mM of charge with valence {valence:g} "
                                                 f"would need {c:.4g} mM (more than {MAX_CONCENTRATION_MM:g} mM)")
    return c


def parse_seconds(value, field: str) -> float:
    """A duration in seconds: a number (s) or text with a unit ("10 min", "2 h"); 0 < t <= 1e9 s."""
    if isinstance(value, str):
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                seconds = parse_quantity(text, "time", field) / 1e3  # engine time unit is ms
            except InvalidParameter:
                raise InvalidParameter(field, value, "must be a time in seconds, e.g. 600 or '10 min'") from None
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameter(field, value, "must be a time in seconds, e.g. 600 or '10 min'")
    else:
        seconds = float(value)
    if not (math.isfinite(seconds) and 0 < seconds <= 1e9):
        raise InvalidParameter(field, value, "must be a time between 0 and 1e9 s")
    return seconds


def _missing(field):
    raise InvalidParameter(field, InvalidParameter.NO_VALUE, "is required")


def _merge(base: dict, over: dict) -> dict:
    """Tables merge key by key (recursively); anything else in *over* replaces."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def with_base(data: dict, depth: int) -> dict:
    """Resolve ``base = "NAME"``: a shipped cell whose settings this config extends."""

    name = data["base"]
    if not isinstance(name, str):
        raise InvalidParameter("base", name, "must name a shipped cell (see 'nernst cells')")
    if depth > 5:
        raise InvalidParameter("base", name, "bases nest too deeply")
    base = shipped_cell_data(name)
    if "base" in base:
        base = with_base(base, depth + 1)
    merged = _merge(base, {k: v for k, v in data.items() if k != "base"})
    merged.pop("base", None)
    return merged


def cell_from_dict(data: dict, name: str | None = None, check_charge: bool = True) -> CellConfig:
    """Validate a cell config mapping and build the model, protocol and run settings.

    *check_charge* refuses initial concentrations whose net charge would put the membrane at an
    absurd voltage (a sweep checks each value alone and leaves that to each point)."""
    if not isinstance(data, dict):
        raise InvalidParameter("config", data, "must be a table of settings")
    top = {"title", "description", "source", "temperature_c", "geometry", "ions", "impermeant", "water", "bath",
           "initial", "mechanisms", "protocol", "run", "base"}
    ions_raw = data.get("ions")
    if "geometry" not in data and "base" not in data and isinstance(ions_raw, dict) and any(
            isinstance(t, dict) and ("permeability" in t or "conductance" in t) for t in ions_raw.values()):
        raise InvalidParameter("config", InvalidParameter.NO_VALUE,
                               "is an ion table for 'nernst rest' (its ions have permeabilities), not a cell: a cell "
                               "config has [geometry] and [[mechanisms]] (start from 'nernst cells show kay2017')")
    check_keys(data, top, "")
    if "base" in data:
        data = with_base(data, depth=0)

    temperature = float(check_temperature(parse_quantity(data.get("temperature_c", 37.0), "temperature",
                                                         "temperature_c")))

    geo = _table(data, "geometry", required=True)
    check_keys(geo, {"shape", "radius_um", "length_um", "ends", "capacitance_uF_cm2"}, "geometry")
    shape = geo.get("shape", "sphere")
    radius = _number(geo.get("radius_um", None) if "radius_um" in geo else _missing("geometry.radius_um"),
                     "length", "geometry.radius_um", 1e-6, False, 1e8)
    if shape == "sphere":
        if "length_um" in geo:
            raise InvalidParameter("geometry.length_um", geo["length_um"], "a sphere has no length")
        g = sphere(radius)
    elif shape == "cylinder":
        length = _number(geo.get("length_um") if "length_um" in geo else _missing("geometry.length_um"),
                         "length", "geometry.length_um", 1e-6, False, 1e8)
        ends = geo.get("ends", True)
        if not isinstance(ends, bool):
            raise InvalidParameter("geometry.ends", ends, "must be true or false")
        g = cylinder(length, radius, ends)
    else:
        raise InvalidParameter("geometry.shape", shape, "must be 'sphere' or 'cylinder'")
    cap = _number(geo.get("capacitance_uF_cm2", 1.0), "capacitance", "geometry.capacitance_uF_cm2", 0.0, True, 1e6)

    ions = _table(data, "ions", required=True)
    if not ions:
        raise InvalidParameter("ions", InvalidParameter.NO_VALUE, "at least one ion is required")
    inside, outside, valence = {}, {}, {}
    bath_balance = None
    for sym, t in ions.items():
        where = f"ions.{sym}"
        if not isinstance(t, dict):
            raise InvalidParameter(where, t, "must be a table with inside and outside")
        check_keys(t, {"inside", "outside", "valence"}, where)
        for side in ("inside", "outside"):
            if side not in t:
                raise InvalidParameter(f"{where}.{side}", InvalidParameter.NO_VALUE, "is required (mM)")
        inside[sym] = _number(t["inside"], "concentration", f"{where}.inside", 1e-15, False, 1e5)
        if t["outside"] == "balance":
            if bath_balance is not None:
                raise InvalidParameter(f"{where}.outside", "balance", f"only one ion can balance the bath "
                                       f"(already {bath_balance})")
            bath_balance = sym
            outside[sym] = 0.0
        else:
            outside[sym] = _number(t["outside"], "concentration", f"{where}.outside", 1e-15, False, 1e5)
        z = t.get("valence")
        if z is not None and (isinstance(z, bool) or not isinstance(z, (int, float))):
            raise InvalidParameter(f"{where}.valence", z, "must be a non-zero number")
        try:
            valence[sym] = resolve_valence(sym, z, f"{where}.valence")
        except InvalidParameter as exc:
            raise exc.renamed(where if exc.field == "ion" else exc.field) from None

    imp_in, imp_out = {}, {}
    balance_key = None
    for key, t in _table(data, "impermeant").items():
        where = f"impermeant.{key}"
        if not isinstance(t, dict):
            raise InvalidParameter(where, t, "must be a table with inside and valence")
        check_keys(t, {"inside", "outside", "valence"}, where)
        z = t.get("valence")
        if isinstance(z, bool) or not isinstance(z, (int, float)) or not math.isfinite(z) or z == 0 or abs(z) > 100:
            raise InvalidParameter(f"{where}.valence", z, "must be a non-zero number (mean charge per particle)")
        c_in = t.get("inside", 0.0)
        if c_in == "balance":
            if balance_key is not None:
                raise InvalidParameter(f"{where}.inside", c_in, f"only one species can balance (already {balance_key})")
            balance_key = key
            c_in = 0.0
        else:
            c_in = _number(c_in, "concentration", f"{where}.inside", 0.0, False, 1e5)
        imp_in[key] = Impermeant(c_in, float(z))
        if "outside" in t:
            c_out = _number(t["outside"], "concentration", f"{where}.outside", 0.0, False, 1e5)
            if c_out > 0:
                imp_out[key] = Impermeant(c_out, float(z))
    if balance_key is not None:
        charge = sum(valence[s] * inside[s] for s in inside)
        charge += sum(imp.valence * imp.concentration_mM for k, imp in imp_in.items() if k != balance_key)
        zx = imp_in[balance_key].valence
        imp_in[balance_key] = Impermeant(_balancing(charge, zx, f"impermeant.{balance_key}.inside", "the ions inside"),
                                         zx)
    if bath_balance is not None:
        charge = sum(valence[s] * outside[s] for s in outside if s != bath_balance)
        charge += sum(imp.valence * imp.concentration_mM for imp in imp_out.values())
        outside[bath_balance] = _balancing(charge, valence[bath_balance], f"ions.{bath_balance}.outside",
                                           "the rest of the bath")

    water = _table(data, "water")
    check_keys(water, {"mode", "permeability_cm_s"}, "water")
    mode = water.get("mode", "flux")
    if mode not in ("flux", "instant", "rigid"):
        raise InvalidParameter("water.mode", mode, "must be 'flux', 'instant' or 'rigid'")
    pf = _number(water.get("permeability_cm_s", 1e-3), "permeability", "water.permeability_cm_s", 0.0, True, 1e3)

    bath = _table(data, "bath")
    check_keys(bath, {"volume_ratio"}, "bath")
    ratio = None
    if "volume_ratio" in bath:
        ratio = bath["volume_ratio"]
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not math.isfinite(ratio) or not 0 < ratio <= 1e6:
            raise InvalidParameter("bath.volume_ratio", ratio, "must be a number > 0 (extracellular / cell volume)")
        ratio = float(ratio)

    initial = _table(data, "initial")
    check_keys(initial, {"voltage_mV", "steady"}, "initial")
    v0 = None
    if "voltage_mV" in initial:
        v0 = _number(initial["voltage_mV"], "voltage", "initial.voltage_mV", -1000.0, False, 1000.0)
    start_steady = initial.get("steady", False)
    if not isinstance(start_steady, bool):
        raise InvalidParameter("initial.steady", start_steady, "must be true or false")

    species = tuple(inside)
    mech_list = data.get("mechanisms", [])
    if not isinstance(mech_list, list):
        raise InvalidParameter("mechanisms", mech_list, "must be a list of tables ([[mechanisms]])")
    mechs = tuple(mechanism_from_dict(m, f"mechanisms[{i}]", species) for i, m in enumerate(mech_list))

    prot = data.get("protocol", [])
    if not isinstance(prot, list):
        raise InvalidParameter("protocol", prot, "must be a list of tables ([[protocol]])")
    if len(prot) > 1000:
        raise InvalidParameter("protocol", len(prot), "at most 1000 events")
    events = tuple(_event(e, f"protocol[{i}]", species) for i, e in enumerate(prot))
    _check_targets(events, mechs)
    bath_now = dict(outside)
    for i, ev in sorted(enumerate(events), key=lambda p: p[1].time_s):
        if isinstance(ev, AddInside) and (valence[ev.counter_ion] > 0) == (ev.valence > 0):
            raise InvalidParameter(f"protocol[{i}].counter_ion", ev.counter_ion,
                                   "must have the opposite charge of the added species")
        if isinstance(ev, SetOutside):
            try:
                bath_now = ev.bath_after(bath_now, valence)
            except InvalidParameter as exc:
                raise exc.renamed(f"protocol[{i}].{exc.field}") from None

    run = _table(data, "run")
    check_keys(run, {"duration_s", "points"}, "run")
    duration = None
    if "duration_s" in run:
        duration = parse_seconds(run["duration_s"], "run.duration_s")
    points = run.get("points", 400)
    if isinstance(points, bool) or not isinstance(points, int) or not 2 <= points <= 100_000:
        raise InvalidParameter("run.points", points, "must be a whole number from 2 to 100000")

    try:
        model = CellModel(
            geometry=g, inside=inside, outside=outside, valence=valence, impermeant_inside=imp_in,
            impermeant_outside=imp_out, mechanisms=mechs, capacitance_uF_cm2=cap, temperature_c=temperature,
            water=mode, water_permeability_cm_s=pf, extracellular_volume_ratio=ratio, name=name,
            title=_text(data.get("title"), "title"), source=_text(data.get("source"), "source"),
        )
    except InvalidParameter as exc:
        if exc.field == "outside":  # the bath's charge: name the config's tables
            raise exc.renamed("ions.*.outside") from None
        raise
    cfg = CellConfig(model, Protocol(events), duration, points, v0, _text(data.get("description"), "description"),
                     start_steady)
    if check_charge:  # refuses unbalanced charge now, with the voltage it would give (loading never solves)
        model.initial_state(v0)
    return cfg


def load_cell(cell, settings=None) -> CellConfig:
    """A shipped cell by name (see ``nernst cells``) or a cell config file, optionally changed.

    Parameters
    ----------
    cell : str or path
        "kay2017", "duesterwald2018", ... or the path of a TOML file.
    settings : list of str, optional
        ``"KEY=VALUE"`` changes, as the CLI's ``--set`` (e.g. ``"ions.K.outside=7"``).

    Returns
    -------
    CellConfig
        ``.model`` (a CellModel), ``.protocol``, ``.duration_s``; its start is ``nernst.start_state(cfg)``.

    Examples
    --------
    >>> cfg = load_cell("kay2017")
    >>> cfg.model.species
    ('Na', 'K', 'Cl')
    """

    path = resolve_cell_config(cell)
    if not settings:
        return load_cell_config(path)
    data = read_toml(path, "config")
    if "base" in data:
        data = with_base(data, depth=0)
    return cell_from_dict(apply_settings(data, settings), name=path.stem)


def _event_to_dict(ev) -> dict:
    d = {"at_s": float(ev.time_s)}
    if isinstance(ev, Scale):
        d.update(action="scale", mechanism=ev.target, factor=float(ev.factor))
    elif isinstance(ev, Remove):
        d.update(action="remove", mechanism=ev.target)
    elif isinstance(ev, Add):
        d.update(action="add", mechanism=_mechanism_to_dict(ev.mechanism))
    elif isinstance(ev, SetOutside):
        d.update(action="set_outside", ion=ev.ion, mM=float(ev.mM))
        if ev.substitute is not None:
            d["substitute"] = ev.substitute
    elif isinstance(ev, AddInside):
        d.update(action="add_inside", species=ev.species, mM=float(ev.mM), valence=float(ev.valence),
                 counter_ion=ev.counter_ion)
    elif isinstance(ev, Inject):
        d.update(action="inject", ion=ev.ion, current_uA_cm2=float(ev.current_uA_cm2))
    elif isinstance(ev, Clamp):
        d.update(action="clamp", ion=ev.ion)
        if ev.voltage_mV is None:
            d["release"] = True
        else:
            d["voltage_mV"] = float(ev.voltage_mV)
    else:
        raise InvalidParameter("protocol", type(ev).__name__, "this event has no config form")
    return d


def _mechanism_to_dict(m) -> dict:
    if m.kind not in REGISTRY:
        raise InvalidParameter("mechanisms", m.kind, "this mechanism has no config form")
    return {"kind": m.kind, **{k: (float(v) if isinstance(v, float) else v) for k, v in m.parameters().items()}}


def cell_to_dict(cell) -> dict:
    """The config table (as in a TOML file) of a CellModel, or of a CellConfig with its protocol and run.

    ``cell_from_dict(cell_to_dict(m)).model`` equals *m*: a cell built in Python can
    be written to a file or used as the base of a sweep.
    """
    cfg = cell if isinstance(cell, CellConfig) else None
    m = cfg.model if cfg is not None else cell
    if not isinstance(m, CellModel):
        raise InvalidParameter("cell", cell, "must be a CellModel or a CellConfig")
    dims = m.geometry.dimensions
    if not dims:
        raise InvalidParameter("geometry", m.geometry, "must come from nernst.membrane.sphere() or cylinder()")
    geo = {"shape": m.geometry.shape, **dims, "capacitance_uF_cm2": float(m.capacitance_uF_cm2)}
    out = {"temperature_c": float(m.temperature_c), "geometry": geo,
           "ions": {s: {"inside": float(m.inside[s]), "outside": float(m.outside[s]), "valence": float(m.valence[s])}
                    for s in m.species}}
    for key in ("title", "source"):
        if getattr(m, key):
            out[key] = getattr(m, key)
    imp = {}
    for k, x in m.impermeant_inside.items():
        imp[k] = {"inside": float(x.concentration_mM), "valence": float(x.valence)}
    for k, x in m.impermeant_outside.items():
        if k in imp and imp[k]["valence"] == x.valence:
            imp[k]["outside"] = float(x.concentration_mM)
        else:
            name = k if k not in imp else f"{k}_outside"
            imp[name] = {"inside": 0.0, "outside": float(x.concentration_mM), "valence": float(x.valence)}
    if imp:
        out["impermeant"] = imp
    out["water"] = {"mode": m.water, "permeability_cm_s": float(m.water_permeability_cm_s)}
    if m.finite_bath:
        out["bath"] = {"volume_ratio": float(m.extracellular_volume_ratio)}
    out["mechanisms"] = [_mechanism_to_dict(x) for x in m.mechanisms]
    if cfg is not None:
        out["protocol"] = [_event_to_dict(e) for e in cfg.protocol.events]
        run = {"points": int(cfg.points)}
        if cfg.duration_s is not None:
            run["duration_s"] = float(cfg.duration_s)
        out["run"] = run
        init = {}
        if cfg.initial_voltage_mV is not None:
            init["voltage_mV"] = float(cfg.initial_voltage_mV)
        if cfg.start_steady:
            init["steady"] = True
        if init:
            out["initial"] = init
        if cfg.description:
            out["description"] = cfg.description
    return out


def load_cell_config(path, name: str | None = None) -> CellConfig:
    """Read a cell config file (TOML)."""
    p = Path(path)
    data = read_toml(p, "config", MAX_BYTES)
    return cell_from_dict(data, name=name or p.stem)


def read_toml(path, field: str, max_bytes: int = MAX_BYTES) -> dict:
    """Read a TOML file as data; every problem is one InvalidParameter naming *field*."""

    p = check_input_file(field, path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InvalidParameter(field, str(path), f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(raw) > max_bytes:
        raise InvalidParameter(field, str(path), f"is larger than {max_bytes} bytes")
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidParameter(field, str(path), "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidParameter(field, str(path), f"is not valid TOML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise InvalidParameter(field, str(path), "is nested too deeply to be read") from None

# the names these had before they were shared across sub-packages
_keys = check_keys
_with_base = with_base

"""Reading cell configurations (TOML files, dicts) into validated specs.

The format, for a user config and for the shipped presets alike::
    temperature_c = 37          # or "310.15 K"

    [ions.K]
    inside = 140                # mM, or "140 mM"
    outside = 5
    permeability = 1.0          # relative; or "1e-6 cm/s"; or conductance = 0.3 (mS/cm^2)

    [ions.A]                    # any other symbol needs a valence
    inside = 120
    outside = 0
    valence = -1                # no permeability: impermeant

Unknown keys are errors.  Every error names the key (``ions.K.inside``) and the
reason, in one line.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any, Optional

from ..errors import InvalidParameter
from .._core.paths import check_input_file
import re

from ..physics.ions import lookup_ion, resolve_valence
from ..model.ion_table import CellSpec, IonSpec
from .._core.quantities import parse_quantity
from .._core.validation import check_nonnegative, check_temperature, check_valence

__all__ = ["load_config", "spec_from_dict", "spec_to_dict", "MAX_CONFIG_BYTES"]

_SYMBOL = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,19}")

#: Config files larger than this are refused before parsing.
MAX_CONFIG_BYTES = 1_000_000


def _models():
    """Build the pydantic models lazily (pydantic costs ~0.1 s to import)."""
    from pydantic import BaseModel, ConfigDict, field_validator

    class _Strict(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)

    def _text(v, info):
        if v is None or isinstance(v, str):
            return v
        raise ValueError("must be text")

    class PublishedModel(_Strict):
        rest_mV: Optional[Any] = None
        source: Optional[str] = None
        note: Optional[str] = None

        @field_validator("rest_mV", mode="before")
        @classmethod
        def _v(cls, v, info):
            return None if v is None else parse_quantity(v, "voltage", info.field_name)

    class IonModel(_Strict):
        inside: Any
        outside: Any
        valence: Optional[Any] = None
        permeability: Optional[Any] = None
        conductance: Optional[Any] = None
        source: Optional[str] = None
        permeability_source: Optional[str] = None
        conductance_source: Optional[str] = None
        note: Optional[str] = None

        _s = field_validator("source", "permeability_source", "conductance_source", "note", mode="before")(_text)

        @field_validator("inside", "outside", mode="before")
        @classmethod
        def _conc(cls, v, info):
            c = parse_quantity(v, "concentration", info.field_name)
            if c < 0:
                raise ValueError(f"must be >= 0 mM, and > 0 for a permeant ion (got {c:g})")
            return float(check_nonnegative(c, info.field_name, "mM"))

        @field_validator("valence", mode="before")
        @classmethod
        def _val(cls, v, info):
            if v is None:
                return None
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"must be a non-zero number (got {v!r})")
            if not math.isfinite(v) or v == 0:
                raise ValueError(f"must be a finite, non-zero number (got {v!r})")
            return float(check_valence(v, info.field_name))

        @field_validator("permeability", mode="before")
        @classmethod
        def _perm(cls, v, info):
            if v is None:
                return None
            absolute = isinstance(v, str) and not _is_bare_number(v)
            p = parse_quantity(v, "permeability", info.field_name)
            if p < 0:
                raise ValueError(f"must be >= 0 (got {p:g})")
            return (float(check_nonnegative(p, info.field_name, "cm/s" if absolute else "")), absolute)

        @field_validator("conductance", mode="before")
        @classmethod
        def _cond(cls, v, info):
            if v is None:
                return None
            g = parse_quantity(v, "conductance", info.field_name)
            if g < 0:
                raise ValueError(f"must be >= 0 mS/cm^2 (got {g:g})")
            return float(check_nonnegative(g, info.field_name, "mS/cm^2"))

    class UnlistedModel(_Strict):
        inside_charge_mM: Optional[float] = None
        outside_charge_mM: Optional[float] = None
        note: Optional[str] = None

        _s = field_validator("note", mode="before")(_text)

    class CellModel(_Strict):
        ions: dict[str, IonModel]
        unlisted: Optional[UnlistedModel] = None
        temperature_c: Any = 37.0
        title: Optional[str] = None
        description: Optional[str] = None
        source: Optional[str] = None
        temperature_source: Optional[str] = None
        published: Optional[PublishedModel] = None

        _s = field_validator("title", "description", "source", "temperature_source", mode="before")(_text)

        @field_validator("temperature_c", mode="before")
        @classmethod
        def _temp(cls, v, info):
            return float(check_temperature(parse_quantity(v, "temperature", "temperature_c")))

    return CellModel


_MODEL = None


def _is_bare_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _pydantic_to_invalid(err, prefix: str = "") -> InvalidParameter:
    """First pydantic error as one InvalidParameter naming the dotted key."""
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first.get("loc", ()))
    field = f"{prefix}{loc}" if loc else (prefix.rstrip(".") or "config")
    kind = first.get("type", "")
    msg = first.get("msg", "invalid value")
    if kind == "extra_forbidden":
        return InvalidParameter(field, InvalidParameter.NO_VALUE, "unknown key")
    if kind == "missing":
        return InvalidParameter(field, InvalidParameter.NO_VALUE, "is required")
    original = (first.get("ctx") or {}).get("error")
    if isinstance(original, InvalidParameter):
        return InvalidParameter(field, original.value, original.reason)
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind in ("dict_type", "model_type"):
        return InvalidParameter(field, first.get("input"), "must be a table")
    return InvalidParameter(field, InvalidParameter.NO_VALUE, msg)


def _with_base_preset(data: dict) -> dict:
    """Resolve ``base = "PRESET"``: the preset's tables, with this config's keys merged over them."""
    from .cell import _merge
    from .presets import shipped_preset_data

    name = data["base"]
    if not isinstance(name, str):
        raise InvalidParameter("base", name, "must name a shipped preset (see 'nernst presets')")
    try:
        base = shipped_preset_data(name)
    except InvalidParameter as exc:
        raise exc.renamed("base") from None
    merged = _merge(base, {k: v for k, v in data.items() if k != "base"})
    if "ions" in data:  # an ion whose values changed is no longer what the preset's sources say
        for sym, t in data["ions"].items():
            if isinstance(t, dict) and isinstance(merged["ions"].get(sym), dict) and sym in base.get("ions", {}):
                for k in ("source", "permeability_source", "conductance_source", "note"):
                    if k not in t:
                        merged["ions"][sym].pop(k, None)
    if "published" not in data:  # a published resting potential is for the preset's own numbers
        merged.pop("published", None)
    if data.get("title") is None:
        merged["title"] = f"{base.get('title', name)} (changed)"
    return merged


def spec_from_dict(data: dict, name: str | None = None) -> CellSpec:
    """Validate a config mapping (as read from TOML) and build a :class:`CellSpec`."""
    global _MODEL
    from pydantic import ValidationError

    if not isinstance(data, dict):
        raise InvalidParameter("config", data, "must be a table of settings")
    if "geometry" in data or "mechanisms" in data:
        raise InvalidParameter("config", InvalidParameter.NO_VALUE,
                               "is a cell config for 'nernst steady' and 'nernst simulate' (it has "
                               f"[{'geometry' if 'geometry' in data else 'mechanisms'}]), not an ion table for the "
                               "resting report (start from 'nernst presets show mammalian_neuron')")
    if "base" in data:
        data = _with_base_preset(data)
    if _MODEL is None:
        _MODEL = _models()
    try:
        model = _MODEL.model_validate(data)
    except ValidationError as err:
        raise _pydantic_to_invalid(err) from None
    except InvalidParameter:
        raise
    if not model.ions:
        raise InvalidParameter("ions", InvalidParameter.NO_VALUE, "at least one ion is required ([ions.K] ...)")

    ions = []
    kinds = set()
    seen = {}
    for raw_symbol, ion in model.ions.items():
        key = f"ions.{raw_symbol}"
        if not _SYMBOL.fullmatch(raw_symbol):
            raise InvalidParameter(key, raw_symbol, "an ion symbol is letters and digits, starting with a letter (e.g. K, Ca, HCO3, A)")
        known = lookup_ion(raw_symbol)
        symbol = known.symbol if known is not None else raw_symbol
        if symbol.lower() in seen:
            raise InvalidParameter(key, raw_symbol, f"{symbol} is given twice (as ions.{seen[symbol.lower()]} too)")
        seen[symbol.lower()] = raw_symbol
        try:
            z = resolve_valence(symbol, ion.valence, f"{key}.valence")
        except InvalidParameter as exc:
            raise exc.renamed(key if exc.field == "ion" else exc.field) from None
        if ion.permeability is not None and ion.conductance is not None:
            raise InvalidParameter(key, InvalidParameter.NO_VALUE, "give permeability or conductance, not both")
        perm = ion.permeability[0] if ion.permeability is not None else None
        if ion.permeability is not None:
            kinds.add("cm/s" if ion.permeability[1] else "relative")
        if ion.conductance is not None:
            kinds.add("conductance")
        permeant = (perm or 0.0) > 0 or (ion.conductance or 0.0) > 0
        for side in ("inside", "outside"):
            if getattr(ion, side) <= 0 and permeant:
                raise InvalidParameter(
                    f"{key}.{side}", getattr(ion, side), "must be > 0 mM for a permeant ion"
                )
        ions.append(
            IonSpec(
                symbol=symbol,
                valence=z,
                inside_mM=ion.inside,
                outside_mM=ion.outside,
                permeability=perm,
                conductance=ion.conductance,
                source=ion.source,
                permeability_source=ion.permeability_source or ion.conductance_source,
                note=ion.note,
            )
        )
    if len(kinds) > 1:
        raise InvalidParameter(
            "ions",
            InvalidParameter.NO_VALUE,
            "mixed kinds: give every ion a relative permeability, or every one a permeability "
            "with a unit (cm/s), or every one a conductance (mS/cm^2)",
        )
    if not any(i.permeant for i in ions):
        raise InvalidParameter("ions", InvalidParameter.NO_VALUE, "no permeant ion: give at least one a permeability or conductance > 0")
    unlisted = {}
    if model.unlisted is not None:
        unlisted = {k: v for k, v in model.unlisted.model_dump().items() if v is not None}
        for key in ("inside_charge_mM", "outside_charge_mM"):
            if key in unlisted and not math.isfinite(unlisted[key]):
                raise InvalidParameter(f"unlisted.{key}", unlisted[key], "must be a finite number (mM of charge)")
    published = {}
    if model.published is not None:
        published = {k: v for k, v in model.published.model_dump().items() if v is not None}
    return CellSpec(
        ions=tuple(ions),
        temperature_c=model.temperature_c,
        name=name,
        title=model.title,
        description=model.description,
        source=model.source,
        temperature_source=model.temperature_source,
        permeability_unit="cm/s" if "cm/s" in kinds else "relative",
        published=published,
        unlisted=unlisted,
    )


def spec_to_dict(spec: CellSpec) -> dict:
    """The config table of a CellSpec (``spec_from_dict(spec_to_dict(s))`` gives the same ions and numbers)."""
    if not isinstance(spec, CellSpec):
        raise InvalidParameter("spec", spec, "must be a CellSpec")
    ions = {}
    for i in spec.ions:
        t = {"inside": float(i.inside_mM), "outside": float(i.outside_mM), "valence": float(i.valence)}
        if i.conductance is not None:
            t["conductance"] = float(i.conductance)
        elif i.permeability is not None:
            t["permeability"] = (f"{float(i.permeability)!r} cm/s" if spec.permeability_unit == "cm/s"
                                 else float(i.permeability))
        ions[i.symbol] = t
    out = {"temperature_c": float(spec.temperature_c), "ions": ions}
    if spec.title:
        out["title"] = spec.title
    return out


def load_config(path: str | Path, name: str | None = None) -> CellSpec:
    """Read a TOML config file into a :class:`CellSpec` (errors name the key)."""
    p = Path(path)
    field = "config"
    check_input_file(field, p)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InvalidParameter(field, str(path), f"cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise InvalidParameter(field, str(path), f"is larger than {MAX_CONFIG_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark is harmless
    except UnicodeDecodeError:
        raise InvalidParameter(field, str(path), "is not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidParameter(field, str(path), f"is not valid TOML: {exc}") from None
    except RecursionError:
        raise InvalidParameter(field, str(path), "is nested too deeply to be a config") from None
    return spec_from_dict(data, name=name or p.stem)

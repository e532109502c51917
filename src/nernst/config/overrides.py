"""Changing a config's values by path: ``ions.K.outside``, ``mechanisms[3].current_uA_cm2``,
``mechanisms.nak_pump.current_uA_cm2`` (a mechanism named by its kind, and ion where needed).

Used by ``--set KEY=VALUE`` on the command line and by sweeps; works on the raw
config tables before they are validated, so every value is checked as if it had
been written in the file.
"""

from __future__ import annotations

import tomllib

from ..errors import InvalidParameter
from ..mechanisms.base import REGISTRY

__all__ = ["set_path", "with_value", "mechanism_aliases", "resolve_path", "parse_setting", "apply_settings"]


def _keys_of(path: str) -> list:
    keys = []
    for part in path.split("."):
        if "[" in part:
            name, rest = part.split("[", 1)
            keys += [name] + [int(x) for x in rest.rstrip("]").split("][")]
        else:
            keys.append(part)
    return keys


def set_path(data: dict, path: str, value: float) -> None:
    """Set the leaf at a dotted path (as in a sweep's parameter list) in place."""
    keys = _keys_of(path)
    node = data
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value


def with_value(data: dict, path: str, value: float) -> dict:
    """A copy of *data* with one leaf changed: only the tables and lists on the path are copied
    (a deep copy of a whole cell config per point cost a fifth of a steady-state solve)."""
    keys = _keys_of(path)
    root = dict(data)
    node = root
    for key in keys[:-1]:
        child = node[key]
        child = list(child) if isinstance(child, list) else dict(child)
        node[key] = child
        node = child
    node[keys[-1]] = value
    return root


def mechanism_fields(table: dict) -> list:
    """The numeric parameters of one ``[[mechanisms]]`` table: every one its kind declares (those left
    at their default too, and those written with a unit), or, for an unknown kind, its numbers."""
    kind = table.get("kind")
    if isinstance(kind, str) and kind in REGISTRY:
        return [p.name for p in REGISTRY[kind].params if p.kind not in ("ion", "choice", "flag")]
    return [k for k, v in table.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]


def mechanism_aliases(data: dict) -> dict:
    """mechanisms.<kind>[.<ion>].<field> -> mechanisms[i].<field>, where that names one mechanism."""
    mechs = data.get("mechanisms", [])
    out = {}
    if not isinstance(mechs, list):
        return out
    kinds = {}
    for i, m in enumerate(mechs):
        if isinstance(m, dict):
            kinds.setdefault(str(m.get("kind")), []).append(i)
    for kind, idx in kinds.items():
        for i in idx:
            m = mechs[i]
            ion = m.get("ion")
            by_ion = isinstance(ion, str) and sum(1 for j in idx if mechs[j].get("ion") == ion) == 1
            for key in mechanism_fields(m):
                if len(idx) == 1:
                    out[f"mechanisms.{kind}.{key}"] = f"mechanisms[{i}].{key}"
                if by_ion:
                    out[f"mechanisms.{kind}.{ion}.{key}"] = f"mechanisms[{i}].{key}"
    return out


def resolve_path(data: dict, path: str) -> str:
    """*path* with a mechanism named by kind (and ion) replaced by its index: ``mechanisms.kcc2.x`` ->
    ``mechanisms[3].x``.  Other paths come back unchanged."""
    parts = path.split(".")
    if len(parts) < 3 or parts[0] != "mechanisms" or "[" in parts[0]:
        return path
    mechs = data.get("mechanisms")
    if not isinstance(mechs, list):
        return path
    kind = parts[1]
    same = [i for i, m in enumerate(mechs) if isinstance(m, dict) and m.get("kind") == kind]
    if not same:
        return path
    by_ion = [i for i in same if mechs[i].get("ion") == parts[2]]
    if len(parts) >= 4 and len(by_ion) == 1:
        return f"mechanisms[{by_ion[0]}]." + ".".join(parts[3:])
    if len(same) == 1:
        return f"mechanisms[{same[0]}]." + ".".join(parts[2:])
    raise InvalidParameter(path, InvalidParameter.NO_VALUE, f"names {len(same)} mechanisms of kind {kind}: "
                           f"add the ion (mechanisms.{kind}.ION.key) or use mechanisms[i]")


def parse_setting(text: str, field: str = "--set") -> tuple:
    """``KEY=VALUE`` -> (key, value); VALUE is read as TOML (10, 1e-6, true, "x"), else kept as text ("10 mM")."""
    if not isinstance(text, str) or "=" not in text:
        raise InvalidParameter(field, text, "must look like KEY=VALUE, e.g. ions.K.outside=10")
    key, _, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not key or not raw or any(c in key for c in " =\"'"):
        raise InvalidParameter(field, text, "must look like KEY=VALUE, e.g. ions.K.outside=10")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # text with a unit ("10 mM", "310 K") or a word ("balance", "flux")
    return key, value


def apply_settings(data: dict, settings, field: str = "--set") -> dict:
    """A copy of a raw config with each ``KEY=VALUE`` of *settings* applied (tables are made as needed).

    The result is validated by the usual config reader, so a wrong key or value is
    reported there by its dotted name.
    """
    import copy

    out = copy.deepcopy(data)
    for text in settings or ():
        key, value = parse_setting(text, field)
        path = resolve_path(out, key)
        node = out
        keys = _keys_of(path)
        for k in keys[:-1]:
            if isinstance(node, list):
                if not isinstance(k, int) or not 0 <= k < len(node):
                    raise InvalidParameter(f"{field} {key}", InvalidParameter.NO_VALUE, "has no such list entry")
                node = node[k]
                continue
            if not isinstance(node, dict):
                raise InvalidParameter(f"{field} {key}", InvalidParameter.NO_VALUE, "does not name a table")
            child = node.get(k)
            if child is None:
                child = node[k] = {}
            node = child
        last = keys[-1]
        if isinstance(node, list):
            if not isinstance(last, int) or not 0 <= last < len(node):
                raise InvalidParameter(f"{field} {key}", InvalidParameter.NO_VALUE, "has no such list entry")
        elif not isinstance(node, dict):
            raise InvalidParameter(f"{field} {key}", InvalidParameter.NO_VALUE, "does not name a table")
        node[last] = value
    return out

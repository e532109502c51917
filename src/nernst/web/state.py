"""The explorer's state in the URL: parse and write the query string.

A teacher's link must reopen the same page, so every control is encoded in
the query string, e.g. ``?tab=equilibrium&preset=mammalian_neuron&T=37&
ions=K,1,140,5,1;Na,1,15,145,0.05``.  Parsing is strict but never fatal: a
value that does not parse is dropped (and reported), the rest is kept.
Nothing here is evaluated; numbers go through ``float`` and names are
checked against fixed lists.  Physics validation happens in the engine.
"""

from __future__ import annotations

import math
import re
from typing import Dict, List, Tuple
from urllib.parse import parse_qs, urlencode

__all__ = ["TABS", "DEFAULTS", "MAX_IONS", "MAP_AXIS", "parse_query", "encode_query", "ions_to_text", "ions_from_text"]

TABS = ("equilibrium", "story", "scenarios", "excitability")
MAX_IONS = 12
MAX_QUERY = 4000  # characters: far more than any real state, small enough to refuse junk
_SYMBOL = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,7}$")
#: A map axis: an ion's inside, outside or permeability (P), or the temperature (T).
MAP_AXIS = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,7}\.(inside|outside|P)|T)$")

DEFAULTS: Dict[str, object] = {
    "tab": "equilibrium",
    "preset": "mammalian_neuron",
    "T": None,          # None: the preset's temperature
    "ions": None,       # None: the preset's ions
    "I": 10.0, "dur": 50.0, "temp": 6.3,          # excitability: patch
    "d": 476.0, "L": 50.0, "passive": 0,          # excitability: cable
    "step": 0,                                    # story
    "scn": "scenario_pump_block",                 # scenarios
    "mx": "K.outside", "my": "Na.P",              # equilibrium: the axes of the V_rest map
}

_NUMBERS = {"T", "I", "dur", "temp", "d", "L"}
_INTS = {"passive", "step"}


def ions_to_text(rows: List[dict]) -> str:
    """Table rows to the compact form symbol,z,inside,outside,P;..."""
    parts = []
    for r in rows:
        parts.append(",".join(_g(r.get(k)) for k in ("ion", "z", "inside", "outside", "P")))
    return ";".join(parts)


def _g(x) -> str:
    if x is None or x == "":
        return ""
    if isinstance(x, float):
        return f"{x:.10g}"
    return str(x)


def ions_from_text(text: str) -> Tuple[List[dict], List[str]]:
    """Rows from the compact form; returns (rows, problems)."""
    rows, problems = [], []
    for k, part in enumerate(text.split(";")):
        if not part.strip():
            continue
        fields = part.split(",")
        if len(fields) != 5 or not _SYMBOL.match(fields[0].strip()):
            problems.append(f"ion {k + 1} in the link is not symbol,z,inside,outside,P")
            continue
        try:
            nums = [float(f) for f in fields[1:]]
        except ValueError:
            problems.append(f"ion {fields[0]} in the link has a value that is not a number")
            continue
        if not all(math.isfinite(v) for v in nums):
            problems.append(f"ion {fields[0]} in the link has a value that is not finite")
            continue
        rows.append({"ion": fields[0].strip(), "z": nums[0], "inside": nums[1], "outside": nums[2], "P": nums[3]})
        if len(rows) >= MAX_IONS:
            break
    return rows, problems


def parse_query(search: str) -> Tuple[dict, List[str]]:
    """The state in a query string (with defaults for what is missing) and a list of problems."""
    state = dict(DEFAULTS)
    problems: List[str] = []
    if not search:
        return state, problems
    if len(search) > MAX_QUERY:
        return state, [f"the link is longer than {MAX_QUERY} characters; it was ignored"]
    q = parse_qs(search.lstrip("?"), keep_blank_values=False, max_num_fields=32)
    for key, values in q.items():
        value = values[-1]
        if key == "tab":
            if value in TABS:
                state["tab"] = value
            else:
                problems.append(f"unknown tab {value!r}")
        elif key in ("mx", "my"):
            if MAP_AXIS.fullmatch(value):
                state[key] = value
            else:
                problems.append(f"map axis {value!r} is not ion.inside, ion.outside, ion.P or T")
        elif key in ("preset", "scn"):
            if re.fullmatch(r"[a-z0-9_]{1,64}", value):
                state[key] = value
            else:
                problems.append(f"{key} {value!r} is not a name")
        elif key == "ions":
            rows, bad = ions_from_text(value)
            problems += bad
            if rows:
                state["ions"] = rows
        elif key in _NUMBERS:
            try:
                v = float(value)
            except ValueError:
                problems.append(f"{key}={value!r} is not a number")
                continue
            if math.isfinite(v):
                state[key] = v
            else:
                problems.append(f"{key}={value!r} is not finite")
        elif key in _INTS:
            try:
                state[key] = int(value)
            except ValueError:
                problems.append(f"{key}={value!r} is not a whole number")
        else:
            problems.append(f"unknown setting {key!r}")
    return state, problems


def encode_query(state: dict) -> str:
    """A query string holding every setting that differs from the defaults (tab and preset always)."""
    out = {"tab": state.get("tab", "equilibrium"), "preset": state.get("preset") or DEFAULTS["preset"]}
    for key, default in DEFAULTS.items():
        if key in ("tab", "preset"):
            continue
        value = state.get(key)
        if value is None or value == default:
            continue
        out[key] = ions_to_text(value) if key == "ions" else _g(value)
    return "?" + urlencode(out, safe=",;")

"""The explorer's state in the URL: parse and write the query string.

A teacher's link must reopen the same page, so every control is encoded in
the query string, e.g. ``?tab=equilibrium&preset=mammalian_neuron&T=37&
ions=K,1,140,5,1;Na,1,15,145,0.05``.  Parsing is strict but never fatal: a
value that does not parse is dropped (and reported), the rest is kept.
Nothing here is evaluated; numbers go through ``float`` and names are
checked against fixed lists.  Physics validation happens in the engine.

Limits: a link is read up to :data:`MAX_QUERY` characters, and of its
settings the first :data:`MAX_FIELDS` (a link the explorer writes has at most
14); further settings, and names that are not settings, are ignored and
reported, never an error.  Writing is as careful: a control holding a value
of the wrong type is left out of the link.
"""

from __future__ import annotations

import math
import re
import sys
from typing import Dict, List, Tuple
from urllib.parse import parse_qsl, urlencode

__all__ = ["TABS", "DEFAULTS", "MAX_IONS", "MAX_FIELDS", "MAP_AXIS", "parse_query", "encode_query", "ions_to_text",
           "ions_from_text"]

TABS = ("equilibrium", "story", "scenarios", "excitability")
MAX_IONS = 12
MAX_QUERY = 4000  # characters: far more than any real state, small enough to refuse junk
MAX_FIELDS = 32  # settings read from a link; further ones are ignored (and reported)
MAX_STEP = 1000  # a story step in a link (the story has a handful; the page clamps to its last)
_LISTED = 5  # unknown setting names quoted one by one in the message; the rest are counted
_NAME = re.compile(r"[a-z0-9_]{1,64}")
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


def _quote(value: str) -> str:
    """A value from the link, quoted for a message (long ones shortened)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _read(key: str, value: str, state: dict, problems: List[str]) -> None:
    """Set *state[key]* from its text in a link, or add the reason it is dropped to *problems*."""
    if key == "tab":
        if value in TABS:
            state["tab"] = value
        else:
            problems.append(f"unknown tab {_quote(value)}")
    elif key in ("mx", "my"):
        if MAP_AXIS.fullmatch(value):
            state[key] = value
        else:
            problems.append(f"map axis {_quote(value)} is not ion.inside, ion.outside, ion.P or T")
    elif key in ("preset", "scn"):
        if _NAME.fullmatch(value):
            state[key] = value
        else:
            problems.append(f"{key} {_quote(value)} is not a name")
    elif key == "ions":
        rows, bad = ions_from_text(value)
        problems += bad
        if rows:
            state["ions"] = rows
    elif key in _NUMBERS:
        try:
            v = float(value)
        except ValueError:
            problems.append(f"{key}={_quote(value)} is not a number")
            return
        if math.isfinite(v):
            state[key] = v
        else:
            problems.append(f"{key}={_quote(value)} is not finite")
    else:  # _INTS
        top = 1 if key == "passive" else MAX_STEP
        try:
            v = int(value)
        except ValueError:
            problems.append(f"{key}={_quote(value)} is not a whole number")
            return
        if 0 <= v <= top:
            state[key] = v
        else:
            problems.append(f"{key}={_quote(value)} is not between 0 and {top}")


def parse_query(search) -> Tuple[dict, List[str]]:
    """The state in a query string (with defaults for what is missing) and a list of problems.

    Never raises: a link that is not text, too long, or holds more than :data:`MAX_FIELDS` settings
    is read as far as the limits allow, and what was dropped is said in the problems."""
    state = dict(DEFAULTS)
    problems: List[str] = []
    if search is None or search == "":
        return state, problems
    if not isinstance(search, str):
        return state, ["the link is not text; it was ignored"]
    if len(search) > MAX_QUERY:
        return state, [f"the link is longer than {MAX_QUERY} characters; it was ignored"]
    unknown: Dict[str, int] = {}  # name: how many times (a dict: ordered, and quick to look up)
    given: Dict[str, int] = {}
    read = skipped = 0
    for key, value in parse_qsl(search.lstrip("?"), keep_blank_values=False):  # (bounded by MAX_QUERY)
        if key not in DEFAULTS:
            unknown[key] = unknown.get(key, 0) + 1
        elif read >= MAX_FIELDS:
            skipped += 1
        else:
            read += 1
            given[key] = given.get(key, 0) + 1
            _read(key, value, state, problems)
    if skipped:
        problems.append(f"{skipped} settings after the first {MAX_FIELDS} were ignored")
    problems += [f"{key} was given {n} times; the last one was used" for key, n in given.items() if n > 1]
    problems += [f"unknown setting {_quote(key)}" + (f" (given {n} times)" if n > 1 else "")
                 for key, n in list(unknown.items())[:_LISTED]]
    if len(unknown) > _LISTED:
        problems.append(f"and {len(unknown) - _LISTED} more unknown settings")
    return state, problems


def finite_number(value) -> bool:
    """A finite number (not a boolean), as a control holds it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return abs(value) <= sys.float_info.max if isinstance(value, int) else math.isfinite(value)


def _cell(value) -> bool:
    """A table cell that the compact ions form can hold: empty, a number, or text without , and ;."""
    if value is None or finite_number(value):
        return True
    return isinstance(value, str) and len(value) <= 64 and not (set(value) & set(",;&#"))


def _writable(key: str, value) -> bool:
    """Whether *value* is a well-formed value of setting *key* (what is not is left out of a link)."""
    if key == "tab":
        return isinstance(value, str) and value in TABS
    if key in ("preset", "scn"):
        return isinstance(value, str) and _NAME.fullmatch(value) is not None
    if key in ("mx", "my"):
        return isinstance(value, str) and MAP_AXIS.fullmatch(value) is not None
    if key == "ions":
        return (isinstance(value, list) and 0 < len(value) <= MAX_IONS
                and all(isinstance(r, dict) and all(_cell(r.get(k)) for k in ("ion", "z", "inside", "outside", "P"))
                        for r in value))
    if key == "passive":
        return value in (0, 1) and not isinstance(value, float)
    if key == "step":
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_STEP
    return finite_number(value)


def encode_query(state: dict) -> str:
    """A query string holding every setting that differs from the defaults (tab and preset always).

    A setting whose value is not well-formed (a crafted request, a control in a bad state) is left out."""
    out = {}
    for key in ("tab", "preset"):
        value = state.get(key)
        out[key] = value if _writable(key, value) else DEFAULTS[key]
    for key, default in DEFAULTS.items():
        if key in ("tab", "preset"):
            continue
        value = state.get(key)
        if value is None or not _writable(key, value) or value == default:
            continue
        out[key] = ions_to_text(value) if key == "ions" else _g(value)
    return "?" + urlencode(out, safe=",;")

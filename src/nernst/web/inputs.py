"""What a callback receives, checked before the engine sees it; a refusal becomes the message by the control."""

from __future__ import annotations

import functools
import math

from ..errors import InvalidParameter, NernstError, show_value
from . import state as st




# limits of the excitability controls (the engine checks again): the field's name, its range and unit
LIMITS = {"I": ("current", -200.0, 200.0, "µA/cm²"), "dur": ("duration", 1.0, 500.0, "ms"),
          "temp": ("temperature", 0.0, 40.0, "°C"), "d": ("diameter", 1.0, 1000.0, "µm"),
          "L": ("length", 1.0, 100.0, "mm")}


MAX_RUNS = 4  # scenario runs kept for comparison (the store the page sends back)


def _number(value, what: str) -> float:
    """*value* as a finite float, or a NernstError "<what> <value> is not a number".

    Numbers and their text are accepted (a table cell holds what was typed); booleans,
    containers, numbers beyond a float (10**400) and nan/inf are not."""
    if value is None or value == "":
        raise NernstError(f"{what} is empty")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise NernstError(f"{what} {show_value(value)} is not a number")
    try:
        v = float(value)
    except ValueError:
        raise NernstError(f"{what} {show_value(value)} is not a number") from None
    except OverflowError:
        raise NernstError(f"{what} {show_value(value)} is too large") from None
    if not math.isfinite(v):
        raise NernstError(f"{what} {show_value(value)} is not a finite number")
    return v


def _label(text: str) -> str:
    """A name the user typed (an ion's symbol), short enough for a message."""
    text = " ".join(text.split())
    return text if len(text) <= 16 else text[:13] + "..."


def _rows(rows) -> list:
    """The ion table as the page holds it: a list of at most MAX_IONS rows, each a mapping."""
    if rows is None:
        return []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise NernstError("the ion table is not a list of rows")
    if len(rows) > st.MAX_IONS:
        raise NernstError(f"at most {st.MAX_IONS} ions")
    return rows


def _text_or_none(value):
    """A dropdown's value: text, or None for anything else."""
    return value if isinstance(value, str) else None


def _step(k, n: int) -> int:
    """A story step from the page's store, clamped to the story's 0..n-1."""
    if k is None:
        return 0
    if isinstance(k, bool) or not isinstance(k, int):
        raise NernstError(f"story step {show_value(k)} is not a whole number")
    return min(max(k, 0), n - 1)


def _checked(name, value) -> float:
    """An excitability control's value, within LIMITS; the message names the field and its range."""
    field, lo, hi, unit = LIMITS[name]
    v = _number(value, field)
    if not lo <= v <= hi:
        raise InvalidParameter(field, value, f"must be between {lo:g} and {hi:g} {unit}")
    return v


def _ticked(value, field: str) -> bool:
    """A checklist's value (a list of the ticked options; None when untouched)."""
    if value is None:
        return False
    if not isinstance(value, list):
        raise InvalidParameter(field, value, "is not a list of ticked options")
    return bool(value)


def _series(values, gaps: bool = True) -> bool:
    """A list of finite numbers (None allowed where *gaps*: a value the JSON encoder could not write)."""
    return isinstance(values, list) and all((v is None and gaps) or st.finite_number(v) for v in values)


def _run_problem(r):
    """Why *r* is not a run as scenario_run returns it (None when it is one)."""
    if not isinstance(r, dict):
        return "is not a mapping"
    for key in ("name", "title"):
        if not isinstance(r.get(key), str):
            return f"has no text {key!r}"
    t = r.get("t_s")
    if not _series(t, gaps=False):
        return "has no list of times 't_s'"
    if not (_series(r.get("v")) and len(r["v"]) == len(t)):
        return "has no list 'v' as long as its times"
    inside = r.get("inside")
    if not (isinstance(inside, dict)
            and all(isinstance(ion, str) and _series(c) and len(c) == len(t) for ion, c in inside.items())):
        return "has no concentrations 'inside' as long as its times"
    for key in ("summary", "warnings"):
        if not (isinstance(r.get(key, []), list) and all(isinstance(x, str) for x in r.get(key, []))):
            return f"has a {key!r} that is not a list of lines"
    return None


def _runs(runs) -> list:
    """The stored scenario runs (scn-runs), each checked to have the shape scenario_run gives it."""
    if runs is None:
        return []
    if not isinstance(runs, list) or len(runs) > MAX_RUNS:
        raise NernstError(f"the stored runs are not a list of at most {MAX_RUNS} runs")
    for k, r in enumerate(runs):
        problem = _run_problem(r)
        if problem:
            raise NernstError(f"stored run {k + 1} {problem}")
    return runs


def _listed(problems, most: int = 8) -> str:
    """Problems on one line, the first *most* of them and a count of the rest."""
    shown = "; ".join(" ".join(p.split()) for p in problems[:most])
    return shown + (f"; and {len(problems) - most} more" if len(problems) > most else "")


def _answer(n_outputs: int, msg_at=None, prefix: str = "Not updated"):
    """Decorator for a callback body: a NernstError it raises (an input refused by the checks above,
    or by the engine) leaves every output as it is and, where the callback has a message output
    (index *msg_at*), puts "<prefix>: <the error's one line>" there.  Other exceptions are bugs:
    they are not caught here, and the server answers them with a 400 (:func:`_guard_server`)."""
    def wrap(func):
        @functools.wraps(func)
        def inner(*args):
            try:
                return func(*args)
            except NernstError as exc:
                from dash import no_update

                if n_outputs == 1:
                    return no_update
                out = [no_update] * n_outputs
                if msg_at is not None:
                    out[msg_at] = f"{prefix}: {' '.join(str(exc).split())}"
                return tuple(out)
        return inner
    return wrap

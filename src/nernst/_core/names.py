"""One name for one quantity: the output keys renamed in this release, kept under their old name for one.

The names follow docs/glossary.md (a quantity's unit in its name: ``temperature_c`` in degC,
``inside_mM``); CHANGELOG.md lists each rename.  Until the next release an output carries both keys.
"""

from __future__ import annotations

__all__ = ["RENAMED", "with_old_names"]

#: old key -> new key
RENAMED = {"temperature_C": "temperature_c"}


def with_old_names(d: dict) -> dict:
    """*d* with, next to each renamed key it holds, the same value under the old key (for one release)."""
    for old, new in RENAMED.items():
        if new in d and old not in d:
            d[old] = d[new]
    return d

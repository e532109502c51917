"""Cell presets shipped with nernst: one TOML file per cell type, every value cited.

>>> "mammalian_neuron" in list_presets()
True
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

from .config import spec_from_dict
from .errors import InvalidParameter
from .specs import CellSpec

__all__ = ["list_presets", "load_preset", "DEFAULT_PRESET"]

#: The preset used when none is named.
DEFAULT_PRESET = "mammalian_neuron"


def _files():
    return {
        f.name[: -len(".toml")]: f
        for f in resources.files("nernst").joinpath("presets").iterdir()
        if f.name.endswith(".toml")
    }


def list_presets() -> list[str]:
    """Names of all shipped presets, sorted."""
    return sorted(_files())


@lru_cache(maxsize=None)
def load_preset(name: str) -> CellSpec:
    """The preset *name* as a :class:`~nernst.specs.CellSpec`."""
    files = _files()
    if not isinstance(name, str) or name not in files:
        raise InvalidParameter("preset", name, f"unknown preset; choose from {', '.join(sorted(files))}")
    data = tomllib.loads(files[name].read_text(encoding="utf-8"))
    return spec_from_dict(data, name=name)

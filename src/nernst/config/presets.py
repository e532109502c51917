"""Cell presets shipped with nernst: one TOML file per cell type, every value cited.

>>> "mammalian_neuron" in list_presets()
True
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .ion_table import spec_from_dict
from ..errors import InvalidParameter
from .._core.paths import exists
from ..model.ion_table import CellSpec

__all__ = ["list_presets", "load_preset", "DEFAULT_PRESET", "list_cell_configs", "resolve_cell_config",
           "shipped_cell_data", "shipped_preset_data", "preset_text", "cell_text"]

#: The preset used when none is named.
DEFAULT_PRESET = "mammalian_neuron"


def preset_files():
    return {
        f.name[: -len(".toml")]: f
        for f in resources.files("nernst.config").joinpath("data", "presets").iterdir()
        if f.name.endswith(".toml")
    }


def list_presets() -> list[str]:
    """Names of all shipped presets, sorted."""
    return sorted(preset_files())


@lru_cache(maxsize=None)
def load_preset(name: str) -> CellSpec:
    """The preset *name* as a :class:`~nernst.specs.CellSpec`."""
    files = preset_files()
    if not isinstance(name, str) or name not in files:
        raise InvalidParameter("preset", name, f"unknown preset; choose from {', '.join(sorted(files))}")
    data = tomllib.loads(files[name].read_text(encoding="utf-8"))
    return spec_from_dict(data, name=name)


def cell_files():
    return {
        f.name[: -len(".toml")]: f
        for f in resources.files("nernst.config").joinpath("data", "cells").iterdir()
        if f.name.endswith(".toml")
    }


def list_cell_configs() -> list[dict]:
    """The shipped pump-leak cell configs: name, title, source."""
    rows = []
    for name, f in sorted(cell_files().items()):
        data = tomllib.loads(f.read_text(encoding="utf-8"))
        rows.append({"name": name, "title": data.get("title"), "source": data.get("source"),
                     "description": data.get("description")})
    return rows


def resolve_cell_config(config) -> Path:
    """A path to a cell config: the file itself, or a shipped cell of that name."""
    p = Path(config)
    if exists(p) or p.suffix == ".toml" or len(p.parts) > 1:
        return p
    files = cell_files()
    if str(config) in files:
        return Path(str(files[str(config)]))
    raise InvalidParameter("config", str(config), f"no such file, and no shipped cell of that name "
                           f"(shipped: {', '.join(sorted(files))})")


def shipped_preset_data(name: str) -> dict:
    """The raw TOML table of a shipped preset."""
    files = preset_files()
    if not isinstance(name, str) or name not in files:
        raise InvalidParameter("preset", name, f"unknown preset; choose from {', '.join(sorted(files))}")
    return tomllib.loads(files[name].read_text(encoding="utf-8"))


def preset_text(name: str) -> str:
    """The TOML file of a shipped preset, as text (a config to start from)."""
    shipped_preset_data(name)  # the error names the known presets
    return preset_files()[name].read_text(encoding="utf-8")


def cell_text(name: str) -> str:
    """The TOML file of a shipped cell config, as text."""
    shipped_cell_data(name)
    return cell_files()[name].read_text(encoding="utf-8")


def shipped_cell_data(name: str) -> dict:
    """The raw TOML table of a shipped cell config."""
    files = cell_files()
    if name not in files:
        raise InvalidParameter("base", name, f"no shipped cell of that name (shipped: {', '.join(sorted(files))})")
    return tomllib.loads(files[name].read_text(encoding="utf-8"))

# the names these had before they were shared across sub-packages
_files = preset_files
_cell_files = cell_files

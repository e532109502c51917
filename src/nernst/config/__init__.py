"""Files and dicts into models: ion tables, pump-leak cells, the shipped presets and cells, ``--set`` changes.

* :mod:`nernst.config.ion_table`: ion tables (``load_config``, ``spec_from_dict``);
* :mod:`nernst.config.cell`: pump-leak cells (``load_cell``, ``cell_from_dict``, ``CellConfig``);
* :mod:`nernst.config.presets`: the shipped presets and cells (files under ``data/``);
* :mod:`nernst.config.overrides`: ``KEY=VALUE`` changes of a config (the CLI's ``--set``).
"""

from .ion_table import MAX_CONFIG_BYTES, load_config, spec_from_dict, spec_to_dict

__all__ = ["load_config", "spec_from_dict", "spec_to_dict", "MAX_CONFIG_BYTES"]

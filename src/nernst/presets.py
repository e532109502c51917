"""Moved to :mod:`nernst.config.presets` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .config import presets as _moved

sys.modules[__name__] = _moved

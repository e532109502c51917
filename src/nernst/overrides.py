"""Moved to :mod:`nernst.config.overrides` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .config import overrides as _moved

sys.modules[__name__] = _moved

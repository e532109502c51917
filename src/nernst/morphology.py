"""Moved to :mod:`nernst.model.morphology` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .model import morphology as _moved

sys.modules[__name__] = _moved

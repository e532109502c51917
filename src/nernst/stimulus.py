"""Moved to :mod:`nernst.model.stimulus` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .model import stimulus as _moved

sys.modules[__name__] = _moved

"""Moved to :mod:`nernst.sweep.store` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .sweep import store as _moved

sys.modules[__name__] = _moved

"""Moved to :mod:`nernst._core.paths` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from ._core import paths as _moved

sys.modules[__name__] = _moved

"""Moved to :mod:`nernst._core.quantities` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from ._core import quantities as _moved

sys.modules[__name__] = _moved

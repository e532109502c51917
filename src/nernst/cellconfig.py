"""Moved to :mod:`nernst.config.cell` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .config import cell as _moved

sys.modules[__name__] = _moved

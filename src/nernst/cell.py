"""Moved to :mod:`nernst.model.cell` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .model import cell as _moved

sys.modules[__name__] = _moved

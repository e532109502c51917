"""Moved to :mod:`nernst.model.protocols` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .model import protocols as _moved

sys.modules[__name__] = _moved

"""Moved to :mod:`nernst.analysis.rest` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .analysis import rest as _moved

sys.modules[__name__] = _moved

"""Moved to :mod:`nernst.solvers.hh` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .solvers import hh as _moved

sys.modules[__name__] = _moved

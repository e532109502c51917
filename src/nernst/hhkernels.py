"""Moved to :mod:`nernst.solvers.kernels.hh` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .solvers.kernels import hh as _moved

sys.modules[__name__] = _moved

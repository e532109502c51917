"""Moved to :mod:`nernst.solvers.kernels._hhsrc` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .solvers.kernels import _hhsrc as _moved

sys.modules[__name__] = _moved

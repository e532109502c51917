"""Moved to :mod:`nernst.solvers.pumpleak` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .solvers import pumpleak as _moved

sys.modules[__name__] = _moved

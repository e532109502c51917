"""Moved to :mod:`nernst.physics.equilibrium` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .physics import equilibrium as _moved

sys.modules[__name__] = _moved

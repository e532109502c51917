"""Moved to :mod:`nernst.physics.ions` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .physics import ions as _moved

sys.modules[__name__] = _moved

"""Moved to :mod:`nernst.physics.ghk_kernel` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .physics import ghk_kernel as _moved

sys.modules[__name__] = _moved

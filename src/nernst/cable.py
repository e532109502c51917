"""Moved to :mod:`nernst.physics.cable_theory` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .physics import cable_theory as _moved

sys.modules[__name__] = _moved

"""Moved to :mod:`nernst.physics.constants` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .physics import constants as _moved

sys.modules[__name__] = _moved

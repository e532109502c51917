"""Moved to :mod:`nernst.physics.membrane` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .physics import membrane as _moved

sys.modules[__name__] = _moved

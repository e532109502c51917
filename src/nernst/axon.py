"""Moved to :mod:`nernst.analysis.axon` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .analysis import axon as _moved

sys.modules[__name__] = _moved

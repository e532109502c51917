"""Moved to :mod:`nernst.analysis.story` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .analysis import story as _moved

sys.modules[__name__] = _moved

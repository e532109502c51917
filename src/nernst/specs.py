"""Moved to :mod:`nernst.model.ion_table` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .model import ion_table as _moved

sys.modules[__name__] = _moved

"""Moved to :mod:`nernst.solvers.kernels.hh` (this module path stays for one release).

# nernst: moved-module alias
"""

import sys

from .solvers.kernels import hh as _moved

if __name__ == "__main__":  # python -m nernst.hhkernels (the earlier command): build the AOT module now
    _moved.build(verbose=True)
else:
    sys.modules[__name__] = _moved

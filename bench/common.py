"""Shared by the benchmark scripts: a description of the machine they ran on."""

from __future__ import annotations

import os
import platform


def machine() -> dict:
    """CPU model, cores, and the versions that matter for the timings."""
    import numba
    import numpy as np
    import scipy

    import nernst

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
        "nernst": nernst.__version__,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
    }

"""The one vectorized safeguarded Newton iteration of the equilibrium physics (zero-current potential,
Donnan equilibrium)."""

from __future__ import annotations

import numpy as np

from ..errors import SolverError


def _monotone_root(fun, lo, hi, *, increasing, atol=0.0, rtol=0.0, max_iter=100, what="root"):
    """The root, at every point, of a strictly monotone function bracketed by [lo, hi]: safeguarded
    Newton, vectorized (the one Newton iteration of this module).

    ``fun(x, idx)`` gives the function and its derivative at the points *idx* (indices into the flat
    bracket arrays).  A Newton step that leaves the shrinking bracket, or is not finite, is replaced
    by bisection, so every step keeps the root inside the bracket.  A point is done when its step is
    at most ``atol + rtol * max(1, |x|)``; points that are done leave the working set, so the cost is
    set by the slowest points only while they are unconverged.
    """
    sign = 1.0 if increasing else -1.0
    result = 0.5 * (lo + hi)
    idx = np.arange(result.size)
    x = result.copy()
    for _ in range(max_iter):
        f, df = fun(x, idx)
        lo = np.where(sign * f < 0, x, lo)
        hi = np.where(sign * f > 0, x, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_new = x - f / df
        bad = ~((x_new >= lo) & (x_new <= hi)) | ~np.isfinite(x_new)
        x_new = np.where(bad, 0.5 * (lo + hi), x_new)
        x_new = np.where(f == 0, x, x_new)
        result[idx] = x_new
        active = np.abs(x_new - x) > atol + rtol * np.maximum(1.0, np.abs(x))
        if not np.any(active):
            return result
        idx, x, lo, hi = idx[active], x_new[active], lo[active], hi[active]
    raise SolverError(f"{what}: Newton iteration did not converge")

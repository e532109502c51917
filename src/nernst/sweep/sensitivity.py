"""Local sensitivities from a ``[sensitivity]`` sweep: derivatives, elasticities, tornado bars."""

from __future__ import annotations

import json

import numpy as np

from ..errors import InvalidParameter
from .executors import SweepResult


# ---------------------------------------------------------------------------
# sensitivity
# ---------------------------------------------------------------------------

def sensitivity(result: SweepResult):
    """Local sensitivities from the result of a ``[sensitivity]`` sweep.

    For each output Y and parameter p (base value p0):

    * ``derivative`` dY/dp by central differences at p0 (1 -+ step),
    * ``elasticity`` (p0 / Y0) dY/dp, the relative change of Y per relative
      change of p (dimensionless; NaN where Y0 = 0),
    * ``low`` and ``high``, Y at p0 (1 - span) and p0 (1 + span): the bars of
      a tornado figure, ranked by ``swing`` = |high - low|.

    Returns an xarray Dataset over (output, parameter), parameters ranked by
    the swing of the first output.
    """
    import xarray as xr

    sw = result.sweep
    if sw.sensitivity is None:
        raise InvalidParameter("sweep", sw.title, "is not a sensitivity study (it has no [sensitivity] table)")
    names = sw.sensitivity["parameters"]
    step = sw.sensitivity["step"]
    base = {a.parameter: a.values[0] for a in sw.axes}
    ds = result.dataset
    rows = {k: np.full((len(sw.outputs), len(names)), np.nan) for k in ("derivative", "elasticity", "low", "high")}
    y0 = np.array([float(ds[o].values[0]) for o in sw.outputs])
    for j, p in enumerate(names):
        i = 1 + 4 * j
        for k, o in enumerate(sw.outputs):
            y = np.asarray(ds[o].values, dtype=float)
            d = (y[i + 1] - y[i]) / (2 * step * base[p])
            rows["derivative"][k, j] = d
            rows["elasticity"][k, j] = d * base[p] / y0[k] + 0.0 if y0[k] != 0 else np.nan  # + 0.0: no -0
            rows["low"][k, j] = y[i + 2]
            rows["high"][k, j] = y[i + 3]
    swing = np.abs(rows["high"] - rows["low"])
    order = np.argsort(-np.nan_to_num(swing[0], nan=-1.0), kind="stable")
    out = xr.Dataset(
        {k: (("output", "parameter"), v[:, order]) for k, v in rows.items()},
        coords={"output": list(sw.outputs), "parameter": [names[j] for j in order],
                "base_value": ("parameter", [base[names[j]] for j in order])},
    )
    out["base"] = ("output", y0)
    out["swing"] = (("output", "parameter"), swing[:, order])
    out.attrs.update({"step": step, "span": sw.sensitivity["span"], "model": sw.model, "base_name": sw.base or "",
                      "units": json.dumps(sw.units)})
    return out

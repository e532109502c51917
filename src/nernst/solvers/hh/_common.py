"""Limits and small helpers shared by the HH solvers."""

from __future__ import annotations

import math


from ...errors import InvalidParameter, SolverError
from ...mechanisms.hh import HHParameters
from ..._core.validation import check_range



#: Largest number of time steps one run may take (1e8 steps = 2500 s at 0.025 ms).
MAX_STEPS = 100_000_000


#: Largest number of compartment-steps one run may take (about a minute of compute).
MAX_WORK = 5e9


#: Largest number of recorded values kept in memory.
MAX_RECORDED = 50_000_000


#: |V| beyond which a run is declared failed (the compiled rates clip there).
V_LIMIT = 1000.0


_float = check_range


def _steps(duration, dt, n_units=1):
    duration = _float(duration, "duration", 1e-6, 1e9)
    dt = _float(dt, "dt", 1e-6, 10.0)
    if dt > duration:
        raise InvalidParameter("dt", dt, f"must not exceed the duration ({duration:g} ms)")
    n = int(round(duration / dt))
    if abs(n * dt - duration) > 1e-9 * duration:
        n = int(math.ceil(duration / dt))
    if n > MAX_STEPS:
        raise InvalidParameter("duration", duration, f"needs {n:.3g} steps of {dt:g} ms (at most {MAX_STEPS:.0e})")
    if n * n_units > MAX_WORK:
        raise InvalidParameter("duration", duration,
                               f"{n:.3g} steps x {n_units} compartments is more than {MAX_WORK:.0e} (split the run)")
    return duration, dt, n


def _temperature(temperature_c, temperature):
    """The one temperature of a call that accepts ``temperature_c`` (the name used everywhere) and, for
    one release, ``temperature`` (its earlier name)."""
    if temperature_c is not None and temperature is not None:
        raise InvalidParameter("temperature_c", temperature_c, "give temperature_c or temperature (its earlier "
                               "name), not both")
    return temperature if temperature_c is None else temperature_c


def _params(params, temperature, temperature_c=None):
    field = "temperature" if temperature_c is None else "temperature_c"
    temperature = _temperature(temperature_c, temperature)
    if params is None:
        params = HHParameters()
    if not isinstance(params, HHParameters):
        raise InvalidParameter("params", params, "must be HHParameters")
    if temperature is not None:
        params = params.at_temperature(_float(temperature, field, -40.0, 60.0))
    return params


def _check_vmax(vmax):
    if not math.isfinite(vmax) or vmax > V_LIMIT:
        raise SolverError(f"the membrane potential left +-{V_LIMIT:g} mV: the stimulus is too strong "
                          f"for an HH membrane (largest |V| {vmax:.3g} mV)")

"""nernst: the neuronal membrane potential from first principles.

The public API is function-first: equilibrium physics in
:mod:`nernst.equilibrium`, the membrane as a capacitor in
:mod:`nernst.membrane`, cell presets in :mod:`nernst.presets` and the resting
report in :mod:`nernst.rest`.
"""

from .constants import thermal_voltage_mV
from .equilibrium import (
    DonnanState,
    chord_potential,
    current_share,
    donnan_equilibrium,
    driving_force,
    ghk_conductance_at_reversal,
    ghk_current,
    ghk_current_slope,
    ghk_flux,
    ghk_voltage,
    mullins_noda_potential,
    nernst,
    permeability_from_conductance,
    pump_contribution,
    weighted_average_potential,
    zero_current_potential,
)
from .errors import InvalidParameter, NernstError, SolverError

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "thermal_voltage_mV",
    "nernst",
    "ghk_current",
    "ghk_flux",
    "ghk_current_slope",
    "ghk_voltage",
    "zero_current_potential",
    "weighted_average_potential",
    "chord_potential",
    "driving_force",
    "current_share",
    "mullins_noda_potential",
    "pump_contribution",
    "donnan_equilibrium",
    "DonnanState",
    "ghk_conductance_at_reversal",
    "permeability_from_conductance",
    "NernstError",
    "InvalidParameter",
    "SolverError",
]

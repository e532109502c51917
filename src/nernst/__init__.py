"""nernst: the neuronal membrane potential from first principles.

The public API is function-first: equilibrium physics in
:mod:`nernst.equilibrium`, the membrane as a capacitor in
:mod:`nernst.membrane`, cell presets in :mod:`nernst.presets` and the resting
report in :mod:`nernst.rest`.
"""

from .errors import InvalidParameter, NernstError, SolverError

# The physics is imported on first use (PEP 562), so that `import nernst` and
# short commands such as `nernst spike` do not pay for SciPy's constants.
_LAZY = {
    "thermal_voltage_mV": "constants",
    "DonnanState": "equilibrium",
    "chord_potential": "equilibrium",
    "current_share": "equilibrium",
    "donnan_equilibrium": "equilibrium",
    "driving_force": "equilibrium",
    "ghk_conductance_at_reversal": "equilibrium",
    "ghk_current": "equilibrium",
    "ghk_current_slope": "equilibrium",
    "ghk_flux": "equilibrium",
    "ghk_voltage": "equilibrium",
    "mullins_noda_potential": "equilibrium",
    "nernst": "equilibrium",
    "permeability_from_conductance": "equilibrium",
    "pump_contribution": "equilibrium",
    "weighted_average_potential": "equilibrium",
    "zero_current_potential": "equilibrium",
    "simulate_hh": "excitability",
    "simulate_cable": "excitability",
    "voltage_clamp": "excitability",
    "iv_curve": "excitability",
    "spike_features": "excitability",
    "HHParameters": "mechanisms.hh",
    "load_sweep": "sweep",
    "sweep_from_dict": "sweep",
    "run_sweep": "sweep",
    "open_sweep": "sweep",
    "sensitivity": "sweep",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nernst' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))


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
    "simulate_hh",
    "simulate_cable",
    "voltage_clamp",
    "iv_curve",
    "spike_features",
    "HHParameters",
    "load_sweep",
    "sweep_from_dict",
    "run_sweep",
    "open_sweep",
    "sensitivity",
]

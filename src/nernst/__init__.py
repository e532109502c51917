"""nernst: the neuronal membrane potential from first principles.

The public API is function-first and flat: ``import nernst`` gives

* equilibrium physics: ``nernst.nernst``, ``ghk_current``, ``zero_current_potential``, ...;
* ion tables and the resting report: ``load_preset``, ``list_presets``, ``load_config``, ``resting_state``;
* the living (pump-leak) cell: ``load_cell``, ``CellModel``, ``Impermeant``, ``sphere``, ``cylinder``,
  the mechanisms (``OhmicLeak``, ``GHKLeak``, ``NaKPump``, ``KCC2``, ``NKCC1``, ``NCX``, ``PMCA``),
  ``steady_state``, ``simulate``, ``pump_share``, the protocol events (``Protocol``, ``Scale``,
  ``SetOutside``, ...) and ``run_story``;
* excitability: ``simulate_hh``, ``simulate_cable``, ``voltage_clamp``, ``run_axon``, ...;
* sweeps: ``load_sweep``, ``sweep_from_dict``, ``run_sweep``, ``open_sweep``, ``sensitivity``.

Everything is imported on first use, so ``import nernst`` stays fast.
"""

from .errors import InvalidParameter, NernstError, NernstWarning, SolverError

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
    "simulate_hh_ions": "excitability",
    "firing_rate_hz": "excitability",
    "run_axon": "axon",
    "pumped_weights": "equilibrium",
    # ion tables and the resting report
    "load_preset": "presets",
    "list_presets": "presets",
    "list_cell_configs": "presets",
    "load_config": "config",
    "spec_from_dict": "config",
    "CellSpec": "specs",
    "IonSpec": "specs",
    "resting_state": "rest",
    "RestReport": "rest",
    # the living cell
    "load_cell": "cellconfig",
    "cell_from_dict": "cellconfig",
    "cell_to_dict": "cellconfig",
    "CellConfig": "cellconfig",
    "CellModel": "cell",
    "CellState": "cell",
    "Impermeant": "cell",
    "sphere": "membrane",
    "cylinder": "membrane",
    "charge_to_move": "membrane",
    "OhmicLeak": "mechanisms",
    "GHKLeak": "mechanisms",
    "NaKPump": "mechanisms",
    "KCC2": "mechanisms",
    "NKCC1": "mechanisms",
    "NCX": "mechanisms",
    "PMCA": "mechanisms",
    "steady_state": "dynamics",
    "steady_states": "dynamics",
    "simulate": "dynamics",
    "stability": "dynamics",
    "pump_share": "dynamics",
    "SteadyState": "dynamics",
    "Trajectory": "dynamics",
    "Protocol": "protocols",
    "Scale": "protocols",
    "Remove": "protocols",
    "Add": "protocols",
    "SetOutside": "protocols",
    "AddInside": "protocols",
    "Inject": "protocols",
    "Clamp": "protocols",
    "run_story": "story",
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
    "NernstWarning",
    "simulate_hh",
    "simulate_cable",
    "voltage_clamp",
    "iv_curve",
    "spike_features",
    "HHParameters",
    "simulate_hh_ions",
    "firing_rate_hz",
    "run_axon",
    "pumped_weights",
    "load_preset",
    "list_presets",
    "list_cell_configs",
    "load_config",
    "spec_from_dict",
    "CellSpec",
    "IonSpec",
    "resting_state",
    "RestReport",
    "load_cell",
    "cell_from_dict",
    "cell_to_dict",
    "CellConfig",
    "CellModel",
    "CellState",
    "Impermeant",
    "sphere",
    "cylinder",
    "charge_to_move",
    "OhmicLeak",
    "GHKLeak",
    "NaKPump",
    "KCC2",
    "NKCC1",
    "NCX",
    "PMCA",
    "steady_state",
    "steady_states",
    "simulate",
    "stability",
    "pump_share",
    "SteadyState",
    "Trajectory",
    "Protocol",
    "Scale",
    "Remove",
    "Add",
    "SetOutside",
    "AddInside",
    "Inject",
    "Clamp",
    "run_story",
    "load_sweep",
    "sweep_from_dict",
    "run_sweep",
    "open_sweep",
    "sensitivity",
]

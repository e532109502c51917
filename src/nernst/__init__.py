"""nernst: the neuronal membrane potential from first principles.

``import nernst`` is the catalogue, grouped by task (each name is imported on first use, so
``import nernst`` stays fast):

Equilibrium physics (arrays in, arrays out)
    ``nernst``, ``ghk_current``, ``ghk_flux``, ``ghk_current_slope``, ``zero_current_potential``,
    ``ghk_voltage``, ``weighted_average_potential``, ``chord_potential``, ``driving_force``,
    ``current_share``, ``mullins_noda_potential``, ``pump_contribution``, ``donnan_equilibrium``,
    ``thermal_voltage_mV``
The membrane as a capacitor
    ``sphere``, ``cylinder``, ``charge_to_move``
Cable theory (closed forms)
    ``length_constant_um``, ``time_constant_ms``, ``axial_resistance_per_um``, ``input_resistance_Mohm``,
    ``steady_state_infinite``, ``steady_state_sealed``, ``steady_state_killed``, ``step_response_infinite``,
    ``half_amplitude_velocity_m_s``
Cells from files
    ``list_presets``, ``load_preset``, ``load_config``, ``spec_from_dict``, ``list_cell_configs``,
    ``load_cell``, ``cell_from_dict``, ``cell_to_dict``, ``load_cell_config``, ``resolve_cell_config``
The resting report
    ``resting_state``
The pump-leak cell
    ``CellModel``, ``Impermeant``, the mechanisms (``OhmicLeak``, ``GHKLeak``, ``NaKPump``, ``KCC2``,
    ``NKCC1``, ``NCX``, ``PMCA``, ``Kir``), ``steady_state``, ``simulate``, ``start_state``, ``pump_share``, ``stability``,
    ``trajectory_to_dataset`` and the protocol events (``Protocol``, ``Scale``, ``Remove``, ``Add``,
    ``SetOutside``, ``AddInside``, ``Inject``, ``Clamp``)
Writing a mechanism
    ``Mechanism``, ``Param``, ``current_to_flux``, ``register``
Excitability
    ``HHParameters``, ``simulate_hh``, ``voltage_clamp``, ``iv_curve``, ``spike_features``,
    ``simulate_cable``, ``simulate_hh_ions``, ``Section``, ``ball_and_stick``, ``soma_dendrite_axon``,
    ``myelinated_axon``, ``Injection``, ``Step``, ``Ramp``, ``Train``, ``ampa``, ``gaba_a``, ``gaba_a_reversal``
Experiments
    ``run_story``, ``run_axon``, ``gaba_a_reversal_from_cell``
Sweeps
    ``load_sweep``, ``sweep_from_dict``, ``run_sweep``, ``open_sweep``, ``sensitivity``, ``model_parameters``,
    ``model_outputs``, ``verify_store``
The explorer
    ``create_app`` (the Dash app of ``nernst explore``; Dash is imported when it is called)
Errors
    ``NernstError``, ``InvalidParameter``, ``SolverError``, ``NernstWarning``

The modules behind them are sub-packages by concern (``physics``, ``mechanisms``, ``model``, ``config``,
``results``, ``solvers``, ``analysis``, ``sweep``) under the faces (``plot``, ``cli``, ``web``).
"""

from .errors import InvalidParameter, NernstError, NernstWarning, SolverError

# The physics is imported on first use (PEP 562), so that `import nernst` and
# short commands such as `nernst spike` do not pay for SciPy's constants.
_LAZY = {
    "thermal_voltage_mV": "physics.constants",
    "DonnanState": "physics.equilibrium",
    "chord_potential": "physics.equilibrium",
    "current_share": "physics.equilibrium",
    "donnan_equilibrium": "physics.equilibrium",
    "driving_force": "physics.equilibrium",
    "ghk_conductance_at_reversal": "physics.equilibrium",
    "ghk_current": "physics.equilibrium",
    "ghk_current_slope": "physics.equilibrium",
    "ghk_flux": "physics.equilibrium",
    "ghk_voltage": "physics.equilibrium",
    "mullins_noda_potential": "physics.equilibrium",
    "nernst": "physics.equilibrium",
    "permeability_from_conductance": "physics.equilibrium",
    "pump_contribution": "physics.equilibrium",
    "weighted_average_potential": "physics.equilibrium",
    "zero_current_potential": "physics.equilibrium",
    "simulate_hh": "solvers.hh",
    "simulate_cable": "solvers.hh",
    "voltage_clamp": "solvers.hh",
    "iv_curve": "solvers.hh",
    "spike_features": "solvers.hh",
    "HHParameters": "mechanisms.hh",
    "simulate_hh_ions": "solvers.hh",
    "firing_rate_hz": "solvers.hh",
    "run_axon": "analysis.axon",
    "pumped_weights": "physics.equilibrium",
    # ion tables and the resting report
    "load_preset": "config.presets",
    "list_presets": "config.presets",
    "list_cell_configs": "config.presets",
    "load_config": "config.ion_table",
    "spec_from_dict": "config.ion_table",
    "CellSpec": "model.ion_table",
    "IonSpec": "model.ion_table",
    "resting_state": "analysis.rest",
    "RestReport": "analysis.rest",
    # the living cell
    "load_cell": "config.cell",
    "cell_from_dict": "config.cell",
    "cell_to_dict": "config.cell",
    "CellConfig": "config.cell",
    "load_cell_config": "config.cell",
    "resolve_cell_config": "config.presets",
    "CellModel": "model.cell",
    "CellState": "model.cell",
    "Impermeant": "model.cell",
    "sphere": "physics.membrane",
    "cylinder": "physics.membrane",
    "charge_to_move": "physics.membrane",
    "length_constant_um": "physics.cable_theory",
    "time_constant_ms": "physics.cable_theory",
    "axial_resistance_per_um": "physics.cable_theory",
    "input_resistance_Mohm": "physics.cable_theory",
    "steady_state_infinite": "physics.cable_theory",
    "steady_state_sealed": "physics.cable_theory",
    "steady_state_killed": "physics.cable_theory",
    "step_response_infinite": "physics.cable_theory",
    "half_amplitude_velocity_m_s": "physics.cable_theory",
    "OhmicLeak": "mechanisms",
    "GHKLeak": "mechanisms",
    "NaKPump": "mechanisms",
    "KCC2": "mechanisms",
    "NKCC1": "mechanisms",
    "NCX": "mechanisms",
    "PMCA": "mechanisms",
    "Mechanism": "mechanisms.base",
    "Param": "mechanisms.base",
    "current_to_flux": "mechanisms.base",
    "register": "mechanisms.base",
    "Kir": "mechanisms",
    "steady_state": "solvers.pumpleak",
    "steady_states": "solvers.pumpleak",
    "start_state": "solvers.pumpleak",
    "simulate": "solvers.pumpleak",
    "stability": "solvers.pumpleak",
    "pump_share": "solvers.pumpleak",
    "SteadyState": "solvers.pumpleak",
    "Trajectory": "solvers.pumpleak",
    "trajectory_to_dataset": "results",
    "Protocol": "model.protocols",
    "Scale": "model.protocols",
    "Remove": "model.protocols",
    "Add": "model.protocols",
    "SetOutside": "model.protocols",
    "AddInside": "model.protocols",
    "Inject": "model.protocols",
    "Clamp": "model.protocols",
    "run_story": "analysis.story",
    "load_sweep": "sweep",
    "sweep_from_dict": "sweep",
    "run_sweep": "sweep",
    "open_sweep": "sweep",
    "sensitivity": "sweep",
    "model_parameters": "sweep",
    "model_outputs": "sweep",
    "verify_store": "sweep.store",
    "create_app": "web",
    "Section": "model.morphology",
    "ball_and_stick": "model.morphology",
    "soma_dendrite_axon": "model.morphology",
    "myelinated_axon": "model.morphology",
    "Step": "model.stimulus",
    "Ramp": "model.stimulus",
    "Train": "model.stimulus",
    "Injection": "solvers.hh",
    "ampa": "mechanisms.synapses",
    "gaba_a": "mechanisms.synapses",
    "gaba_a_reversal": "mechanisms.synapses",
    "gaba_a_reversal_from_cell": "analysis.gaba",
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
    "load_cell_config",
    "resolve_cell_config",
    "CellModel",
    "CellState",
    "Impermeant",
    "sphere",
    "cylinder",
    "charge_to_move",
    "length_constant_um",
    "time_constant_ms",
    "axial_resistance_per_um",
    "input_resistance_Mohm",
    "steady_state_infinite",
    "steady_state_sealed",
    "steady_state_killed",
    "step_response_infinite",
    "half_amplitude_velocity_m_s",
    "OhmicLeak",
    "GHKLeak",
    "NaKPump",
    "KCC2",
    "NKCC1",
    "NCX",
    "PMCA",
    "Mechanism",
    "Param",
    "current_to_flux",
    "register",
    "Kir",
    "steady_state",
    "steady_states",
    "start_state",
    "simulate",
    "stability",
    "pump_share",
    "SteadyState",
    "Trajectory",
    "trajectory_to_dataset",
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
    "model_parameters",
    "model_outputs",
    "verify_store",
    "create_app",
    "Section", "ball_and_stick", "soma_dendrite_axon", "myelinated_axon",
    "Step", "Ramp", "Train", "Injection", "ampa", "gaba_a", "gaba_a_reversal",
    "gaba_a_reversal_from_cell",
]

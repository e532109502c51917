"""E_GABA-A of a pump-leak cell: the cell's steady chloride put into the GABA-A reversal (an experiment
composed of a config, the steady-state solver and a synapse's reversal)."""

from __future__ import annotations

from dataclasses import replace

from .._core.names import with_old_names
from ..config.cell import load_cell_config
from ..config.presets import resolve_cell_config
from ..errors import InvalidParameter
from ..mechanisms.synapses import gaba_a_reversal
from ..solvers.pumpleak import start_state, steady_state

__all__ = ["gaba_a_reversal_from_cell"]


def gaba_a_reversal_from_cell(cell, without=()) -> dict:
    """E_GABA-A (= E_Cl) of a pump-leak cell at its steady state.

    *cell* is a shipped cell name (see ``nernst cells``) or a cell config file.
    KCC2 extrudes Cl- and NKCC1 loads it, so the same GABA-A synapse inhibits in
    a mature neuron and depolarizes where KCC2 is lost (Kaila et al. 2014, Nat
    Rev Neurosci 15:637; the ``duesterwald2018`` and ``scenario_kcc2_loss`` cells).
    *without* lists mechanism kinds to remove first (e.g. ``("kcc2",)``: the
    cell after KCC2 loss).  Returns E_Cl, [Cl]i, [Cl]o, the cell's resting
    potential and the driving force V - E_Cl (positive: GABA-A currents are outward,
    hyperpolarizing).
    """
    cfg = load_cell_config(resolve_cell_config(cell))
    model = cfg.model
    kinds = {m.kind for m in model.mechanisms}
    for kind in without:
        if kind not in kinds:
            raise InvalidParameter("without", kind, f"is not a mechanism of this cell ({', '.join(sorted(kinds))})")
    if without:
        model = replace(model, mechanisms=tuple(m for m in model.mechanisms if m.kind not in set(without)))
    if "Cl" not in model.inside:
        raise InvalidParameter("cell", cell, "has no chloride")
    ss = steady_state(model, start_state(cfg))
    cl_in = float(ss.inside_mM["Cl"])
    cl_out = float(model.outside["Cl"])
    e_cl = gaba_a_reversal(cl_in, cl_out, model.temperature_c)
    return with_old_names({"cell": model.name or str(cell), "without": list(without), "e_cl_mV": e_cl,
                           "cl_in_mM": cl_in, "cl_out_mM": cl_out, "rest_mV": float(ss.voltage_mV),
                           "driving_force_mV": float(ss.voltage_mV - e_cl), "temperature_c": model.temperature_c})

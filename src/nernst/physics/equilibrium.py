"""Equilibrium physics of the membrane potential: pure, vectorized functions.

Conventions: potentials in mV with V = V_in - V_out,
concentrations in mM (= mol/m^3), permeabilities in cm/s (or relative units
where only ratios matter), conductances in mS/cm^2, currents in uA/cm^2 and
outward positive, temperatures in degC.  Every function broadcasts over NumPy
arrays, so a 10^6-point parameter grid is a single call.

Functions taking several ions take *sequences* with one entry per ion; each
entry may be a scalar or an array, and the entries are broadcast together.

References
----------
.. [1] Goldman DE (1943) Potential, impedance, and rectification in membranes.
   J Gen Physiol 27:37-60.
.. [2] Hodgkin AL, Katz B (1949) The effect of sodium ions on the electrical
   activity of the giant axon of the squid. J Physiol 108:37-77.
.. [3] Spangler SG (1972) Expansion of the constant field equation to include
   both divalent and monovalent ions. Ala J Med Sci 9:218-223.
.. [4] Mullins LJ, Noda K (1963) The influence of sodium-free solutions on the
   membrane potential of frog muscle fibers. J Gen Physiol 47:117-132.
.. [5] Hille B (2001) Ion Channels of Excitable Membranes, 3rd ed., ch. 14.
"""

from __future__ import annotations

# The equilibrium physics lives in these modules; this one gathers their public names (the documented
# path nernst.equilibrium) and the helpers other sub-packages use.
from ._formulas import _bern_prime, _guarded, _log_mean, _out, bern  # noqa: F401
from ._newton import _monotone_root  # noqa: F401
from .donnan import DonnanState, donnan_equilibrium
from .ghk import (  # noqa: F401
    _MIN_COMPILED_SIZE,
    _ion_lists,
    _total_current,
    _use_compiled,
    _zero_current_closed,
    _zero_current_root,
    ghk_conductance_at_reversal,
    ghk_current,
    ghk_current_slope,
    ghk_flux,
    ghk_voltage,
    permeability_from_conductance,
    zero_current_potential,
)
from .pump import mullins_noda_potential, pump_contribution, pumped_weights
from .reversal import chord_potential, current_share, driving_force, nernst, weighted_average_potential

__all__ = [
    "nernst",
    "ghk_current",
    "ghk_flux",
    "ghk_current_slope",
    "zero_current_potential",
    "ghk_voltage",
    "weighted_average_potential",
    "chord_potential",
    "driving_force",
    "current_share",
    "mullins_noda_potential",
    "pump_contribution",
    "pumped_weights",
    "donnan_equilibrium",
    "DonnanState",
    "ghk_conductance_at_reversal",
    "permeability_from_conductance",
]

# the names these had before they were shared across sub-packages
_bern = bern

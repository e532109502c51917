"""Membrane transport mechanisms: leaks, pumps, cotransporters, exchangers.

Each is a small frozen dataclass with named parameters (units in the names),
a literature ``source`` and a pure ``flux(state)`` method; see
:mod:`nernst.mechanisms.base`.  ``REGISTRY`` maps a config's ``kind`` to its class.
"""

from .base import REGISTRY, Mechanism, MembraneState, current_to_flux
from .cotransporters import KCC2, NKCC1
from .exchangers import NCX, PMCA
from .leak import GHKLeak, OhmicLeak
from .pumps import NaKPump

__all__ = ["REGISTRY", "Mechanism", "MembraneState", "current_to_flux", "GHKLeak", "OhmicLeak", "NaKPump",
           "KCC2", "NKCC1", "NCX", "PMCA"]

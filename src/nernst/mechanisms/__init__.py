"""Membrane transport mechanisms: leaks, pumps, cotransporters, exchangers, the Kir
inward rectifier, Hodgkin-Huxley channels and synapses.

Each transporter is a small frozen dataclass whose parameters are declared once
(``params``: units, bounds, which one sets the rate), with a literature ``source``
and a pure ``flux(state)`` method; see :mod:`nernst.mechanisms.base` and the
table in docs/mechanisms.md.  ``REGISTRY`` maps a config's ``kind`` to its
class.  HH channels are in :mod:`nernst.mechanisms.hh`, synapses in
:mod:`nernst.mechanisms.synapses`.

Names are imported on first use (PEP 562): the HH engine does not pay for the
pump-leak machinery (and SciPy's constants) it does not need.
"""

_LAZY = {
    "REGISTRY": "base", "Mechanism": "base", "MembraneState": "base", "current_to_flux": "base",
    "GHKLeak": "leak", "OhmicLeak": "leak", "NaKPump": "pumps",
    "KCC2": "cotransporters", "NKCC1": "cotransporters", "NCX": "exchangers", "PMCA": "exchangers",
    "CurrentInjection": "electrodes", "VoltageClamp": "electrodes", "Kir": "kir", "Param": "base",
}

__all__ = ["REGISTRY", "Mechanism", "MembraneState", "current_to_flux", "GHKLeak", "OhmicLeak", "NaKPump",
           "KCC2", "NKCC1", "NCX", "PMCA", "CurrentInjection", "VoltageClamp", "Kir", "Param"]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nernst.mechanisms' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))

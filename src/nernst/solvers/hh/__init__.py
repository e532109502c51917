"""Action potentials and graded potentials: the Python API of the excitability engine.

* :func:`simulate_hh` - one HH membrane patch (or many independent ones at
  once) under current clamp: steps, ramps, pulse trains.
* :func:`voltage_clamp` and :func:`iv_curve` - the ideal voltage clamp of
  Hodgkin & Huxley's experiments, solved exactly (at a fixed potential each
  gate relaxes exponentially).
* :func:`spike_features` - threshold, peak, width, after-hyperpolarization, rate.
* :func:`simulate_cable` - a cable or a branched neuron (see
  :mod:`nernst.morphology`) with current injections and synapses; conduction
  velocity with :meth:`CableResult.velocity`.

Units: mV, ms, uA/cm^2 (single patches), nA (injections into cables), uS
(synapses), um, degC.  Integration is the staggered Crank-Nicolson scheme in
:mod:`nernst._hhsrc` (second order in dt); kernels and backends in
:mod:`nernst.hhkernels`.
"""

from ._common import MAX_RECORDED, MAX_STEPS, MAX_WORK, V_LIMIT  # noqa: F401 (limits of the earlier module)
from .cable import METHODS, RANNACHER_SUBSTEPS, CableResult, Injection, simulate_cable, step_modes  # noqa: F401
from .features import firing_rate_hz, spike_features, spikes_phrase
from .ions import IonRunResult, simulate_hh_ions
from .patch import SpikeResult, iv_curve, simulate_hh, voltage_clamp

__all__ = [
    "SpikeResult", "CableResult", "Injection", "simulate_hh", "voltage_clamp", "iv_curve",
    "spike_features", "firing_rate_hz", "spikes_phrase", "simulate_cable", "step_modes", "simulate_hh_ions",
    "IonRunResult", "MAX_STEPS", "MAX_WORK",
]

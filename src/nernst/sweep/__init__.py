"""Parameter sweeps: many cells at once, in-process, on a process pool or on Dask.

A sweep is a base model plus axes over its parameters.  The points are cut into
blocks ("tasks"); every backend evaluates the same blocks with the same code, so
a sweep gives identical numbers on every backend.  Results go into a Zarr store
block by block: a block counts as done only once its flag is written after its
data, so a run that dies half-way through a block never leaves a result that
looks finished, and ``resume=True`` computes only the blocks without a flag.

Models (the ``model`` key of a sweep file)
------------------------------------------
rest
    The resting potential of an ion table (a preset or a preset-style file):
    GHK zero-current potential, E_X and driving forces, vectorized over the
    whole block (10^6 points per call).
steady
    The steady state of a pump-leak cell config (V, inside concentrations,
    volume), one Newton solve per point.
scenario
    A cell config run through its protocol (V, concentrations and volume at
    the end, V's extremes), one stiff integration per point.
spike
    A Hodgkin-Huxley patch under a current step (spike count, rate, first
    spike), vectorized over the injected current.
cable
    An HH axon stimulated at one end (conduction velocity), one run per point.

The file format is documented in ``docs/sweeps.md``.
"""


from .executors import SweepResult, check_size, open_sweep, run_sweep
from .models import (CONFIRM_ABOVE, COST_S, DEFAULT_CHUNK, MAX_POINTS, METHODS, MODELS, describe_model,
                     model_outputs, model_parameters, parameter_unit)
from .sensitivity import sensitivity
from .spec import Axis, Sweep, load_sweep, sweep_from_dict
from .store import STORE_VERSION

__all__ = ["Axis", "Sweep", "SweepResult", "load_sweep", "sweep_from_dict", "run_sweep", "open_sweep",
           "sensitivity", "model_parameters", "model_outputs", "describe_model", "parameter_unit", "check_size",
           "MODELS", "METHODS", "DEFAULT_CHUNK", "CONFIRM_ABOVE", "COST_S", "MAX_POINTS", "STORE_VERSION"]

"""Current waveforms for current clamp: steps, ramps and pulse trains.

A waveform is a piecewise-linear function of time.  The HH integrators need
the *mean* current over each time step (that is what a Crank-Nicolson step
with the current held at mid-step integrates exactly for a constant current,
and it puts the right charge in every step even when a pulse edge falls
between grid points), so each waveform knows its exact integral.

Amplitudes are in uA/cm^2 for single compartments and in nA for an injection
into a cable (see :class:`nernst.morphology.Injection`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import InvalidParameter
from .._core.validation import check_range

__all__ = ["Step", "Ramp", "Train", "mean_per_step", "check_waveforms"]

#: Largest |amplitude| accepted (uA/cm^2 or nA): far beyond any physiological current.
MAX_AMPLITUDE = 1e7


_num = check_range


@dataclass(frozen=True)
class Step:
    """A constant current *amplitude* from *delay* for *duration* ms (inf: to the end)."""

    amplitude: float
    delay: float = 0.0
    duration: float = math.inf

    def __post_init__(self):
        object.__setattr__(self, "amplitude", _num(self.amplitude, "amplitude", -MAX_AMPLITUDE, MAX_AMPLITUDE))
        object.__setattr__(self, "delay", _num(self.delay, "delay", 0.0, 1e9))
        object.__setattr__(self, "duration", _num(self.duration, "duration", 0.0, math.inf, allow_inf=True))

    def integral(self, t):
        """Charge delivered from 0 to each t (amplitude x ms)."""
        t = np.asarray(t, dtype=float)
        on = np.clip(t - self.delay, 0.0, self.duration)
        return self.amplitude * on

    def describe(self, unit: str = "") -> str:
        end = "the end" if math.isinf(self.duration) else f"{self.delay + self.duration:g} ms"
        return f"step of {self.amplitude:g}{_u(unit)} from {self.delay:g} ms to {end}"


@dataclass(frozen=True)
class Ramp:
    """A current rising linearly from *start* to *end* over *duration* ms after *delay*."""

    start: float
    end: float
    delay: float = 0.0
    duration: float = 100.0

    def __post_init__(self):
        object.__setattr__(self, "start", _num(self.start, "start", -MAX_AMPLITUDE, MAX_AMPLITUDE))
        object.__setattr__(self, "end", _num(self.end, "end", -MAX_AMPLITUDE, MAX_AMPLITUDE))
        object.__setattr__(self, "delay", _num(self.delay, "delay", 0.0, 1e9))
        object.__setattr__(self, "duration", _num(self.duration, "duration", 1e-9, 1e9))

    def integral(self, t):
        t = np.asarray(t, dtype=float)
        s = np.clip(t - self.delay, 0.0, self.duration)
        slope = (self.end - self.start) / self.duration
        return self.start * s + 0.5 * slope * s * s

    def describe(self, unit: str = "") -> str:
        return (f"ramp from {self.start:g} to {self.end:g}{_u(unit)}, starting at {self.delay:g} ms, "
                f"over {self.duration:g} ms")


@dataclass(frozen=True)
class Train:
    """*count* rectangular pulses of *amplitude*, *width* ms long, every *interval* ms from *delay*."""

    amplitude: float
    width: float = 1.0
    interval: float = 10.0
    count: int = 10
    delay: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "amplitude", _num(self.amplitude, "amplitude", -MAX_AMPLITUDE, MAX_AMPLITUDE))
        object.__setattr__(self, "width", _num(self.width, "width", 1e-9, 1e9))
        object.__setattr__(self, "interval", _num(self.interval, "interval", 1e-9, 1e9))
        object.__setattr__(self, "delay", _num(self.delay, "delay", 0.0, 1e9))
        if isinstance(self.count, bool) or not isinstance(self.count, (int, np.integer)) or not 1 <= self.count <= 10**6:
            raise InvalidParameter("count", self.count, "must be a whole number between 1 and 1000000")
        if self.width > self.interval:
            raise InvalidParameter("width", self.width, f"must not exceed the interval ({self.interval:g} ms)")

    def integral(self, t):
        t = np.asarray(t, dtype=float)
        s = np.maximum(t - self.delay, 0.0)
        full = np.minimum(np.floor(s / self.interval), self.count)
        part = np.where(full < self.count, np.minimum(s - full * self.interval, self.width), 0.0)
        return self.amplitude * (full * self.width + part)

    def describe(self, unit: str = "") -> str:
        return (f"{self.count} pulses of {self.amplitude:g}{_u(unit)}, {self.width:g} ms wide, every "
                f"{self.interval:g} ms from {self.delay:g} ms")


def _u(unit: str) -> str:
    return f" {unit}" if unit else ""


def check_waveforms(stimuli) -> list:
    """A list of waveforms from one waveform, a number (a step from 0) or a sequence of them."""
    if stimuli is None:
        return []
    if isinstance(stimuli, (Step, Ramp, Train)):
        return [stimuli]
    if isinstance(stimuli, (int, float, np.floating, np.integer)) and not isinstance(stimuli, bool):
        return [Step(float(stimuli))]
    if isinstance(stimuli, Sequence) and not isinstance(stimuli, (str, bytes)):
        out = []
        for s in stimuli:
            out.extend(check_waveforms(s))
        return out
    raise InvalidParameter("stimulus", stimuli, "must be a number, a Step, Ramp or Train, or a list of them")


def mean_per_step(stimuli, dt: float, n_steps: int, t0: float = 0.0) -> np.ndarray:
    """Mean current of the summed waveforms over each step [t0 + k dt, t0 + (k+1) dt]."""
    edges = t0 + dt * np.arange(n_steps + 1)
    total = np.zeros(n_steps + 1)
    for s in check_waveforms(stimuli):
        total += s.integral(edges)
    return np.diff(total) / dt

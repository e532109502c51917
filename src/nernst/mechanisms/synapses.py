"""Conductance-based synapses: alpha and double-exponential conductance waveforms.

A synapse opens a conductance g(t) (uS) with reversal potential E_syn; its
current is g(t) (V - E_syn), outward positive.  Whether it excites or inhibits
depends on E_syn against threshold and rest, not on a sign convention:
E_syn = 0 mV (AMPA, nicotinic) depolarizes a cell at rest; E_syn = E_Cl
(GABA-A, glycine) hyperpolarizes when E_Cl is below rest and shunts when it
sits at rest.

Waveforms (t measured from each event onset):
* alpha: g_max (t/tau) exp(1 - t/tau), peak g_max at t = tau
  (Rall 1967, J Neurophysiol 30:1138);
* double exponential: g_max (exp(-t/tau_decay) - exp(-t/tau_rise)) / norm,
  with norm chosen so that the peak is g_max (as NEURON's Exp2Syn;
  Destexhe, Mainen & Sejnowski 1994, J Comput Neurosci 1:195).

Several event times sum linearly (temporal summation).  Typical values:
AMPA tau_rise 0.2 ms, tau_decay 2 ms, E 0 mV; GABA-A tau_rise 0.5 ms,
tau_decay 5-10 ms, E = E_Cl (Destexhe et al. 1994; Kaila 1994, Prog Neurobiol 42:489).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

from ..errors import InvalidParameter

__all__ = ["Synapse", "PointConductance", "alpha", "double_exponential", "ampa", "gaba_a", "gaba_a_reversal"]


def _positive(value, field, hi=1e9):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise InvalidParameter(field, value, "must be a number")
    value = float(value)
    if not (math.isfinite(value) and 0.0 < value <= hi):
        raise InvalidParameter(field, value, f"must be > 0 and <= {hi:g}")
    return value


@dataclass(frozen=True)
class Synapse:
    """One synapse: waveform, peak conductance (uS), reversal (mV), event times (ms), place.

    ``kind`` is "alpha" (uses tau_decay as the alpha time constant) or
    "double_exponential".  ``section`` and ``x`` (0-1 along it) place it on a
    morphology; a single compartment ignores them.
    """

    kind: str
    g_max_uS: float
    e_rev_mV: float
    onsets_ms: Tuple[float, ...]
    tau_rise_ms: float = 0.0
    tau_decay_ms: float = 1.0
    section: Optional[str] = None
    x: float = 0.5
    label: str = ""

    def __post_init__(self):
        if self.kind not in ("alpha", "double_exponential"):
            raise InvalidParameter("kind", self.kind, "must be 'alpha' or 'double_exponential'")
        g = self.g_max_uS
        if isinstance(g, bool) or not isinstance(g, (int, float)) or not (math.isfinite(g) and 0.0 <= g <= 1e6):
            raise InvalidParameter("g_max", g, "must be a conductance between 0 and 1e6 uS")
        e = self.e_rev_mV
        if isinstance(e, bool) or not isinstance(e, (int, float)) or not (math.isfinite(e) and abs(e) <= 500):
            raise InvalidParameter("e_rev", e, "must be a potential within +-500 mV")
        _positive(self.tau_decay_ms, "tau_decay", 1e6)
        if self.kind == "double_exponential":
            _positive(self.tau_rise_ms, "tau_rise", 1e6)
            if self.tau_rise_ms >= self.tau_decay_ms:
                raise InvalidParameter("tau_rise", self.tau_rise_ms,
                                       f"must be shorter than tau_decay ({self.tau_decay_ms:g} ms)")
        onsets = tuple(float(t) for t in np.atleast_1d(np.asarray(self.onsets_ms, dtype=float)))
        if not onsets or any(not (math.isfinite(t) and 0.0 <= t <= 1e9) for t in onsets):
            raise InvalidParameter("onset", self.onsets_ms, "must be one or more times >= 0 ms")
        object.__setattr__(self, "onsets_ms", onsets)
        if not (isinstance(self.x, (int, float)) and 0.0 <= float(self.x) <= 1.0):
            raise InvalidParameter("x", self.x, "must be between 0 and 1 (position along the section)")

    def conductance(self, t) -> np.ndarray:
        """g(t) in uS, summed over every event."""
        t = np.asarray(t, dtype=float)
        g = np.zeros_like(t)
        for t0 in self.onsets_ms:
            s = t - t0
            on = s > 0
            s = np.where(on, s, 0.0)
            if self.kind == "alpha":
                w = (s / self.tau_decay_ms) * np.exp(1.0 - s / self.tau_decay_ms)
            else:
                tr, td = self.tau_rise_ms, self.tau_decay_ms
                tpeak = tr * td / (td - tr) * math.log(td / tr)
                norm = math.exp(-tpeak / td) - math.exp(-tpeak / tr)
                w = (np.exp(-s / td) - np.exp(-s / tr)) / norm
            g += np.where(on, w, 0.0)
        return self.g_max_uS * g

    def excitatory_at(self, v_rest: float) -> bool:
        """True when opening the synapse at *v_rest* depolarizes (E_syn above rest)."""
        return self.e_rev_mV > v_rest


@dataclass(frozen=True)
class PointConductance:
    """A constant conductance (uS) to a reversal potential at one point of a cable.

    Used for cable ends: a conductance equal to the input conductance of the
    missing semi-infinite cable, 1 / (r_a lambda), makes a finite cable behave
    as an infinite one; a very large one to rest makes a "killed" (short-
    circuited) end.  Also a model of an electrode's leak.
    """

    g_uS: float
    e_rev_mV: float
    section: Optional[str] = None
    x: float = 1.0
    label: str = "point conductance"

    def __post_init__(self):
        g = self.g_uS
        if isinstance(g, bool) or not isinstance(g, (int, float)) or not (math.isfinite(g) and 0.0 <= g <= 1e9):
            raise InvalidParameter("g", g, "must be a conductance between 0 and 1e9 uS")
        if not (isinstance(self.e_rev_mV, (int, float)) and math.isfinite(self.e_rev_mV)):
            raise InvalidParameter("e_rev", self.e_rev_mV, "must be a finite potential")
        if not (isinstance(self.x, (int, float)) and 0.0 <= float(self.x) <= 1.0):
            raise InvalidParameter("x", self.x, "must be between 0 and 1 (position along the section)")

    def conductance(self, t) -> np.ndarray:
        return np.full(np.shape(t), float(self.g_uS))


def _onsets(onset) -> Tuple[float, ...]:
    if isinstance(onset, (int, float, np.floating, np.integer)) and not isinstance(onset, bool):
        return (float(onset),)
    if isinstance(onset, Sequence) or isinstance(onset, np.ndarray):
        return tuple(float(t) for t in onset)
    raise InvalidParameter("onset", onset, "must be a time in ms or a list of times")


def alpha(g_max_uS, tau_ms, e_rev_mV, onset=0.0, section=None, x=0.5, label="alpha") -> Synapse:
    """An alpha-function synapse (peak *g_max_uS* at *tau_ms* after each onset)."""
    return Synapse("alpha", g_max_uS, e_rev_mV, _onsets(onset), 0.0, tau_ms, section, x, label)


def double_exponential(g_max_uS, tau_rise_ms, tau_decay_ms, e_rev_mV, onset=0.0, section=None, x=0.5,
                       label="double exponential") -> Synapse:
    """A double-exponential synapse normalized to peak *g_max_uS*."""
    return Synapse("double_exponential", g_max_uS, e_rev_mV, _onsets(onset), tau_rise_ms, tau_decay_ms,
                   section, x, label)


def ampa(g_max_uS=0.005, onset=0.0, section=None, x=0.5) -> Synapse:
    """An AMPA-type excitatory synapse: tau_rise 0.2 ms, tau_decay 2 ms, E 0 mV (Destexhe et al. 1994)."""
    return double_exponential(g_max_uS, 0.2, 2.0, 0.0, onset, section, x, label="AMPA")


def gaba_a(g_max_uS=0.005, onset=0.0, e_rev_mV=-75.0, section=None, x=0.5) -> Synapse:
    """A GABA-A inhibitory synapse: tau_rise 0.5 ms, tau_decay 8 ms; E from E_Cl (see gaba_a_reversal)."""
    return double_exponential(g_max_uS, 0.5, 8.0, e_rev_mV, onset, section, x, label="GABA-A")


def gaba_a_reversal(cl_in_mM, cl_out_mM, temperature_c=37.0, hco3_in_mM=None, hco3_out_mM=None,
                    p_hco3_over_p_cl=0.2) -> float:
    """Reversal potential of a GABA-A (or glycine) channel in mV.

    With only chloride it is E_Cl.  With bicarbonate concentrations given it is
    the GHK voltage of Cl- and HCO3- with P_HCO3/P_Cl = 0.2 by default
    (Bormann, Hamill & Sakmann 1987, J Physiol 385:243, measured 0.18;
    Kaila 1994 reviews 0.2-0.4).  Where KCC2 and NKCC1 set [Cl]i, pass that value
    (for example from :func:`nernst.dynamics.steady_state`).

    >>> round(gaba_a_reversal(7.0, 130.0, 37.0), 1)
    -78.1
    """
    from ..physics.equilibrium import ghk_voltage, nernst

    if hco3_in_mM is None and hco3_out_mM is None:
        return float(nernst(cl_in_mM, cl_out_mM, -1, temperature_c))
    if hco3_in_mM is None or hco3_out_mM is None:
        raise InvalidParameter("hco3", InvalidParameter.NO_VALUE, "give both inside and outside HCO3- or neither")
    p = _positive(p_hco3_over_p_cl, "p_hco3_over_p_cl", 100.0)
    return float(ghk_voltage([cl_in_mM, hco3_in_mM], [cl_out_mM, hco3_out_mM], [-1, -1], [1.0, p],
                             temperature_c))

"""Hodgkin-Huxley (1952) sodium, potassium and leak channels of the squid axon.

The rate functions are those of Hodgkin & Huxley (1952, J Physiol 117:500-544,
eqs. 20-24) written in the modern convention (membrane potential V in mV,
inside minus outside, rest near -65 mV; the 1952 paper measured depolarization
from rest with the opposite sign).  Rates are per ms at 6.3 degC and scale
with temperature by ``phi = q10 ** ((T - 6.3) / 10)``, Q10 = 3 (HH 1952, p. 519).

Default conductances and reversals: g_Na 120, g_K 36, g_L 0.3 mS/cm^2;
E_Na +50, E_K -77, E_L -54.387 mV; C_m 1 uF/cm^2 (HH 1952 Table 3, shifted to
a -65 mV rest; E_L chosen so that the resting current is zero at -65 mV).
The reversals can instead be computed from the concentrations with the Nernst
equation (:meth:`HHParameters.with_concentrations`); the parameters remember
which (``reversal_source``).

Everything here is plain NumPy: the reference that the compiled kernels in
:mod:`nernst.hhkernels` are tested against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .._core.names import with_old_names
from ..errors import InvalidParameter

__all__ = [
    "HH_SOURCE",
    "MAX_STEP_AT_REFERENCE_MS",
    "auto_time_step",
    "check_time_step",
    "HHParameters",
    "rates",
    "steady_state",
    "time_constants",
    "ionic_currents",
    "resting_potential",
]

HH_SOURCE = (
    "Hodgkin AL, Huxley AF (1952) A quantitative description of membrane current and its "
    "application to conduction and excitation in nerve. J Physiol 117:500-544"
)

#: Reference temperature of the HH rate constants, degC.
HH_REFERENCE_TEMPERATURE = 6.3
#: Largest time step at the reference temperature, ms (scaled by 1/phi when warmer).
MAX_STEP_AT_REFERENCE_MS = 0.1


def _vtrap(x, y):
    """x / (exp(x/y) - 1), exact through x = 0 (limit y)."""
    x = np.asarray(x, dtype=float)
    u = x / y
    small = np.abs(u) < 1e-6
    safe = np.where(small, 1.0, u)
    out = np.where(small, y * (1.0 - u / 2.0), x / np.expm1(safe))
    return out if out.ndim else float(out)


def rates(v):
    """The six HH rate constants (per ms at 6.3 degC) at membrane potential *v* (mV).

    Returns ``(alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n)``.

    >>> [round(float(r), 5) for r in rates(-65.0)]
    [0.22356, 4.0, 0.07, 0.04743, 0.0582, 0.125]
    """
    v = np.asarray(v, dtype=float)
    am = 0.1 * _vtrap(-(v + 40.0), 10.0)
    bm = 4.0 * np.exp(-(v + 65.0) / 18.0)
    ah = 0.07 * np.exp(-(v + 65.0) / 20.0)
    bh = 1.0 / (1.0 + np.exp(-(v + 35.0) / 10.0))
    an = 0.01 * _vtrap(-(v + 55.0), 10.0)
    bn = 0.125 * np.exp(-(v + 65.0) / 80.0)
    return am, bm, ah, bh, an, bn


def steady_state(v):
    """Steady-state gates ``(m_inf, h_inf, n_inf)`` at *v* (independent of temperature)."""
    am, bm, ah, bh, an, bn = rates(v)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


def time_constants(v, phi=1.0):
    """Gate time constants ``(tau_m, tau_h, tau_n)`` in ms at *v*, rates scaled by *phi*."""
    am, bm, ah, bh, an, bn = rates(v)
    return 1.0 / (phi * (am + bm)), 1.0 / (phi * (ah + bh)), 1.0 / (phi * (an + bn))


@dataclass(frozen=True)
class HHParameters:
    """One HH membrane: conductances (mS/cm^2), reversals (mV), capacitance, temperature.

    ``reversal_source`` says where E_Na and E_K came from: ``"fixed"`` (the
    1952 values or numbers given by the user) or ``"concentrations"`` (Nernst
    potentials of the given concentrations at this temperature).
    """

    g_na: float = 120.0
    g_k: float = 36.0
    g_l: float = 0.3
    e_na: float = 50.0
    e_k: float = -77.0
    e_l: float = -54.387
    c_m: float = 1.0
    temperature_c: float = HH_REFERENCE_TEMPERATURE
    q10: float = 3.0
    reversal_source: str = "fixed"
    concentrations: dict = field(default=None, compare=False, hash=False, repr=False)
    source: str = HH_SOURCE

    def __post_init__(self):
        for name in ("g_na", "g_k", "g_l"):
            val = getattr(self, name)
            if not (isinstance(val, (int, float)) and math.isfinite(val)) or val < 0:
                raise InvalidParameter(name, val, "must be a finite conductance >= 0 mS/cm^2")
            if val > 1e5:
                raise InvalidParameter(name, val, "must be <= 1e5 mS/cm^2")
        for name in ("e_na", "e_k", "e_l"):
            val = getattr(self, name)
            if not (isinstance(val, (int, float)) and math.isfinite(val)) or abs(val) > 500:
                raise InvalidParameter(name, val, "must be a finite potential within +-500 mV")
        if not (isinstance(self.c_m, (int, float)) and math.isfinite(self.c_m)) or not 1e-4 <= self.c_m <= 1e3:
            raise InvalidParameter("c_m", self.c_m, "must be between 1e-4 and 1e3 uF/cm^2")
        t = self.temperature_c
        if not (isinstance(t, (int, float)) and math.isfinite(t)) or not -40.0 <= t <= 60.0:
            raise InvalidParameter("temperature", t, "must be between -40 and 60 degC for HH channels")
        if not (isinstance(self.q10, (int, float)) and math.isfinite(self.q10)) or not 1.0 <= self.q10 <= 10.0:
            raise InvalidParameter("q10", self.q10, "must be between 1 and 10")
        if self.reversal_source not in ("fixed", "concentrations"):
            raise InvalidParameter("reversal_source", self.reversal_source, "must be 'fixed' or 'concentrations'")

    @property
    def phi(self) -> float:
        """Temperature factor of the rates: q10 ** ((T - 6.3) / 10)."""
        return self.q10 ** ((self.temperature_c - HH_REFERENCE_TEMPERATURE) / 10.0)

    def max_time_step_ms(self, active: bool = True) -> float:
        """The largest time step that resolves this membrane, ms.

        Active (HH channels): ``MAX_STEP_AT_REFERENCE_MS / phi``, the gates' fastest
        time constants (tau_m, 0.1-0.5 ms at 6.3 degC) shrink with the Q10 factor.
        At that step the staggered Crank-Nicolson scheme keeps spike times within
        0.3 ms over 100 ms and spike peaks within 2 mV of a converged run; at twice
        it the peaks are 10 mV off and spikes go missing when warm (tested).
        Passive (leak only): a tenth of the membrane time constant C_m / g_L.
        """
        if active:
            return MAX_STEP_AT_REFERENCE_MS / self.phi
        return 0.1 * self.c_m / self.g_l if self.g_l > 0 else math.inf

    def at_temperature(self, temperature_c: float) -> "HHParameters":
        """The same membrane at another temperature.

        Concentration-derived reversals are recomputed (RT/F changes); fixed
        ones stay as they are.
        """
        new = replace(self, temperature_c=float(temperature_c))
        if self.reversal_source == "concentrations" and self.concentrations:
            return new.with_concentrations(**self.concentrations)
        return new

    def with_concentrations(self, na_in: float, na_out: float, k_in: float, k_out: float) -> "HHParameters":
        """E_Na and E_K from the Nernst equation at this temperature (mM in, mM out).

        E_L stays as it is: the leak is a mixture of ions with no single Nernst potential.
        """
        from ..physics.equilibrium import nernst

        e_na = float(nernst(na_in, na_out, 1, self.temperature_c))
        e_k = float(nernst(k_in, k_out, 1, self.temperature_c))
        conc = {"na_in": float(na_in), "na_out": float(na_out), "k_in": float(k_in), "k_out": float(k_out)}
        return replace(self, e_na=e_na, e_k=e_k, reversal_source="concentrations", concentrations=conc)

    def as_dict(self) -> dict:
        d = {
            "g_na_mS_cm2": self.g_na, "g_k_mS_cm2": self.g_k, "g_l_mS_cm2": self.g_l,
            "e_na_mV": self.e_na, "e_k_mV": self.e_k, "e_l_mV": self.e_l,
            "c_m_uF_cm2": self.c_m, "temperature_c": self.temperature_c, "q10": self.q10,
            "phi": self.phi, "reversal_source": self.reversal_source, "source": self.source,
        }
        if self.concentrations:
            d["concentrations_mM"] = dict(self.concentrations)
        return with_old_names(d)


def ionic_currents(v, m, h, n, p: HHParameters):
    """(I_Na, I_K, I_L) in uA/cm^2, outward positive."""
    i_na = p.g_na * m**3 * h * (v - p.e_na)
    i_k = p.g_k * n**4 * (v - p.e_k)
    i_l = p.g_l * (v - p.e_l)
    return i_na, i_k, i_l


def resting_potential(p: HHParameters = HHParameters(), i_app: float = 0.0) -> float:
    """The potential where the steady-state HH current equals *i_app* (uA/cm^2).

    Solved by bisection then Newton on I_ss(V) = I_Na + I_K + I_L with every
    gate at steady state.  With the default parameters this is -65.00 mV.
    With a constant applied current this is the steady (possibly unstable) fixed point.

    >>> round(resting_potential(), 2)
    -65.0
    """

    def f(v):
        m, h, n = steady_state(v)
        return sum(ionic_currents(v, m, h, n, p)) - i_app

    # the steady-state I-V of HH is monotonic for the default membrane; scan
    # for the sign change closest to E_L to stay safe for user parameters
    grid = np.linspace(-150.0, 100.0, 2501)
    vals = f(grid)
    idx = np.nonzero(np.diff(np.sign(vals)) != 0)[0]
    if idx.size == 0:
        raise InvalidParameter("parameters", InvalidParameter.NO_VALUE,
                               "no resting potential between -150 and +100 mV")
    k = idx[np.argmin(np.abs(grid[idx] - p.e_l))]
    a, b = grid[k], grid[k + 1]
    fa = vals[k]
    for _ in range(60):
        mid = 0.5 * (a + b)
        fm = float(f(mid))
        if (fm > 0) == (fa > 0):
            a, fa = mid, fm
        else:
            b = mid
        if b - a < 1e-12:
            break
    return float(0.5 * (a + b))


def auto_time_step(params: HHParameters, preferred_ms: float = 0.025, active: bool = True) -> float:
    """The step an engine uses when none is given: *preferred_ms*, or the membrane's limit if finer."""
    return float(min(preferred_ms, params.max_time_step_ms(active)))


def check_time_step(dt_ms: float, params: HHParameters, active: bool = True, field: str = "dt",
                    misses: str = "misses or distorts spikes") -> None:
    """Refuse a fixed time step too coarse for the membrane (one check for every engine and face).

    Raises
    ------
    InvalidParameter
        Naming *field*, with the limit at the membrane's temperature.
    """
    limit = params.max_time_step_ms(active)
    if dt_ms <= limit * (1 + 1e-9):
        return
    if active and params.phi > 1 + 1e-9:
        why = (f"at {params.temperature_c:g} degC the HH gates run {params.phi:.3g}x faster than at "
               f"{HH_REFERENCE_TEMPERATURE:g} degC (limit {MAX_STEP_AT_REFERENCE_MS:g} ms there), and a coarser step "
               + misses)
    elif active:
        why = (f"the HH gates' fastest time constants are 0.1-0.5 ms at {params.temperature_c:g} degC, and a coarser "
               "step " + misses)
    else:
        why = f"a tenth of the membrane time constant ({params.c_m / params.g_l:.3g} ms)"
    raise InvalidParameter(field, dt_ms, f"must be at most {limit:.3g} ms: {why}")

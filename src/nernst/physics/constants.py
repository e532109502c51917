"""Physical constants (CODATA via :mod:`scipy.constants`) and thermal helpers.

Units inside nernst follow NEURON's conventions: mV, ms, mM (= mol/m^3), um,
uF/cm^2, mS/cm^2, uA/cm^2, cm/s.  Temperatures are given in degrees Celsius at
the boundary and converted to kelvin here.
"""

from __future__ import annotations

import numpy as np
from scipy import constants as _sc

from .._core.validation import check_temperature

__all__ = [
    "GAS_CONSTANT",
    "FARADAY",
    "ELEMENTARY_CHARGE",
    "AVOGADRO",
    "BOLTZMANN",
    "ZERO_CELSIUS",
    "kelvin",
    "thermal_voltage_mV",
]

#: Molar gas constant R, J / (mol K).
GAS_CONSTANT: float = _sc.R
#: Faraday constant F, C / mol.
FARADAY: float = _sc.physical_constants["Faraday constant"][0]
#: Elementary charge e, C.
ELEMENTARY_CHARGE: float = _sc.e
#: Avogadro constant N_A, 1 / mol.
AVOGADRO: float = _sc.N_A
#: Boltzmann constant k, J / K.
BOLTZMANN: float = _sc.k
#: 0 degC in kelvin (a definition, not a measurement).
ZERO_CELSIUS: float = _sc.zero_Celsius


def kelvin(temperature_c):
    """Convert degrees Celsius to kelvin (no validation)."""
    return np.asarray(temperature_c, dtype=float) + ZERO_CELSIUS


def thermal_voltage_mV(temperature_c=37.0):
    """RT/F in millivolts.

    Parameters
    ----------
    temperature_c : float or array_like
        Temperature in degrees Celsius.

    Returns
    -------
    float or ndarray
        RT/F in mV: 25.2617 mV at 20 degC, 26.7267 mV at 37 degC.

    Examples
    --------
    >>> round(float(thermal_voltage_mV(37.0)), 4)
    26.7267
    """
    if type(temperature_c) in (float, int) and -ZERO_CELSIUS < temperature_c <= 100.0:  # validation.MAX_TEMPERATURE_C
        # fast path for a plain, valid number (called in every model evaluation);
        # NaN fails the comparison and takes the checked path below
        return 1e3 * GAS_CONSTANT * (temperature_c + ZERO_CELSIUS) / FARADAY
    t = check_temperature(temperature_c)
    out = 1e3 * GAS_CONSTANT * (t + ZERO_CELSIUS) / FARADAY
    return out if np.ndim(out) else float(out)

"""Physical constants and the thermal voltage RT/F.

References
----------
- CODATA 2018 recommended values (Tiesinga et al. 2021, Rev Mod Phys 93:025010),
  as shipped in scipy.constants.  Since the 2019 SI redefinition e, N_A, k and
  therefore R = N_A k and F = N_A e are exact.
- PHYSICS.md section 1: RT/F = 24.0811 mV at 6.3 degC, 25.2617 mV at 20 degC,
  26.7267 mV at 37 degC (T = degC + 273.15).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import constants as sc

import nernst
from nernst import constants as C
from support.refs import rt_over_f_mV

# Independent reference: scipy's CODATA table, read here directly.
F_SCIPY = sc.physical_constants["Faraday constant"][0]



# ---------------------------------------------------------------------------
# The constants come from scipy.constants (CODATA 2018)
# ---------------------------------------------------------------------------

def test_faraday_is_scipy_codata_value():
    # Same object value as scipy's table (exact equality: it must be read, not typed).
    assert C.FARADAY == F_SCIPY
    # CODATA 2018: F = 96485.33212 C/mol (quoted to 10 significant digits; the
    # exact value N_A e = 96485.332123310018... differs by 3.3e-6).
    assert C.FARADAY == pytest.approx(96485.33212, abs=5e-6)


def test_faraday_is_avogadro_times_elementary_charge():
    # 2019 SI: F = N_A e exactly; floating-point product agrees to 1 ulp-ish (rel 1e-15).
    assert C.FARADAY == pytest.approx(C.AVOGADRO * C.ELEMENTARY_CHARGE, rel=1e-15)


def test_gas_constant_is_scipy_codata_value():
    assert C.GAS_CONSTANT == sc.R
    # CODATA 2018: R = 8.314462618... J/(mol K) (exact, N_A k); quoted digits to 1e-9.
    assert C.GAS_CONSTANT == pytest.approx(8.314462618, abs=1e-9)
    # R = N_A k (exact by definition since 2019), rel 1e-15 for rounding of the product.
    assert C.GAS_CONSTANT == pytest.approx(C.AVOGADRO * C.BOLTZMANN, rel=1e-15)


@pytest.mark.parametrize(
    "name, value",
    [
        # Exact defining constants of the 2019 SI (CODATA 2018): equality.
        ("ELEMENTARY_CHARGE", 1.602176634e-19),
        ("AVOGADRO", 6.02214076e23),
        ("BOLTZMANN", 1.380649e-23),
        # 0 degC = 273.15 K by definition.
        ("ZERO_CELSIUS", 273.15),
    ],
)
def test_exact_si_constants(name, value):
    assert getattr(C, name) == value


def test_kelvin_conversion():
    # T = degC + 273.15 (definition); exact in floating point for these inputs.
    assert float(C.kelvin(37.0)) == pytest.approx(310.15, abs=1e-12)
    assert float(C.kelvin(-273.15)) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(C.kelvin([0.0, 20.0]), [273.15, 293.15], rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------
# Thermal voltage RT/F
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "temperature_c, expected_mV",
    [
        (6.3, 24.0811),  # PHYSICS.md section 1 (HH 1952 squid temperature)
        (20.0, 25.2617),  # PHYSICS.md section 1
        (37.0, 26.7267),  # PHYSICS.md section 1
    ],
)
def test_thermal_voltage_literature(temperature_c, expected_mV):
    vt = nernst.thermal_voltage_mV(temperature_c)
    # PHYSICS.md quotes 4 decimals: tolerance 4e-4 mV (as specified in the brief).
    assert vt == pytest.approx(expected_mV, abs=4e-4)
    # Independent computation from scipy.constants: rel 1e-14 (rounding only).
    assert vt == pytest.approx(rt_over_f_mV(temperature_c), rel=1e-14)


def test_thermal_voltage_default_is_37_and_returns_float():
    vt = nernst.thermal_voltage_mV()
    assert isinstance(vt, float)
    # Default temperature is 37 degC (docstring); reference from scipy, rel 1e-14.
    assert vt == pytest.approx(rt_over_f_mV(37.0), rel=1e-14)


def test_thermal_voltage_is_proportional_to_absolute_temperature():
    temps = np.array([-20.0, 0.0, 6.3, 25.0, 37.0, 100.0])
    vt = nernst.thermal_voltage_mV(temps)
    assert isinstance(vt, np.ndarray) and vt.shape == temps.shape
    # RT/F divided by T is the constant R/F (in mV/K); rel 1e-14.
    ratio = vt / (temps + 273.15)
    np.testing.assert_allclose(ratio, 1e3 * sc.R / F_SCIPY, rtol=1e-14)


def test_thermal_voltage_ln10_at_37():
    # "61.5 mV per decade" at 37 degC: (RT/F) ln 10 = 61.54 mV (textbook rule;
    # computed here from scipy constants, rel 1e-14).
    vt = nernst.thermal_voltage_mV(37.0)
    assert vt * math.log(10.0) == pytest.approx(61.54, abs=0.01)
    assert vt * math.log(10.0) == pytest.approx(rt_over_f_mV(37.0) * math.log(10.0), rel=1e-14)


@pytest.mark.parametrize("bad", [-273.15, -300.0, float("nan"), float("inf"), float("-inf"), "37", None])
def test_thermal_voltage_rejects_bad_temperature(bad):
    with pytest.raises(nernst.InvalidParameter) as info:
        nernst.thermal_voltage_mV(bad)
    assert info.value.field == "temperature_c"
    assert "temperature_c" in str(info.value)


def test_thermal_voltage_rejects_any_bad_element_of_array():
    with pytest.raises(nernst.InvalidParameter, match="temperature_c"):
        nernst.thermal_voltage_mV([20.0, -280.0, 37.0])


def test_thermal_voltage_just_above_absolute_zero_is_accepted():
    # -273.14 degC = 0.01 K: RT/F = 1e3 R 0.01 / F mV (rel 1e-9: 273.15 - 273.14 loses digits).
    vt = nernst.thermal_voltage_mV(-273.14)
    assert vt == pytest.approx(1e3 * sc.R * 0.01 / F_SCIPY, rel=1e-9)

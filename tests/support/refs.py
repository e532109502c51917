"""Independent references for the physics, from scipy.constants (CODATA 2018) alone: never nernst."""

import math

import scipy.constants as sc

F = sc.physical_constants["Faraday constant"][0]  # C/mol
R = sc.R  # J/(mol K)
ZERO_C = sc.zero_Celsius  # K


def rt_over_f_mV(temperature_c: float) -> float:
    """RT/F in mV."""
    return 1e3 * R * (temperature_c + ZERO_C) / F


def nernst_ref(c_in: float, c_out: float, z: float, temperature_c: float = 37.0) -> float:
    """E_X = (RT/zF) ln([X]o/[X]i), mV."""
    return rt_over_f_mV(temperature_c) / z * math.log(c_out / c_in)

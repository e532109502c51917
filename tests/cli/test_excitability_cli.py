"""The excitability commands of the CLI: ``nernst spike``, ``nernst clamp``, ``nernst cable``.

Contract (excitability issue), pinned here:

* ``spike --json`` (HH 1952 squid membrane, one compartment) prints at least
  ``spike_times_ms``, ``peak_mV``, ``rest_mV``;
* ``cable --json`` (HH squid axon, R_i 35.4 ohm cm, brief strong current at
  x = 0, velocity between 1/4 and 3/4 of the length) prints at least
  ``velocity_m_s``; ``--passive`` keeps only the leak (0.3 mS/cm^2 unless
  ``--g-leak``) and also prints ``length_constant_um``;
* ``clamp --iv --json``: the Na current reverses at E_Na (50 mV);
* every bad input: exit code 2, ONE line on stderr naming the flag and the
  reason, nothing on stdout, never a traceback.

Most tests call ``nernst.cli.main(argv)`` in-process (fast); three run the real
entry points in a subprocess.  Python warnings raised during a run are counted
as stderr, because the console script would print them there.

Reference values are computed here independently of nernst (``math`` and
``scipy.constants``) or taken from the literature; the source and the tolerance
sit next to each assertion.  Failures of the CLI found while writing this file
were strict xfails whose reason started with "BUG:"; all are fixed and the
cases stay as regression tests.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import random
import warnings
import zlib

import numpy as np
import pytest
from scipy import constants as sc

from nernst.cli import main
from support.cli import assert_one_line_error, run_exe, strict_json
from support.refs import nernst_ref as nernst_mV

# --- independent references (CODATA 2018 through scipy.constants) -------------
R = sc.R  # J/(mol K)
F = sc.physical_constants["Faraday constant"][0]  # C/mol
ZERO_C = sc.zero_Celsius  # 273.15 K



def passive_length_constant_um(d_um: float, g_leak_mS_cm2: float, r_i_ohm_cm: float) -> float:
    """lambda = sqrt((d/4) R_m / R_i) with R_m = 1/g_leak (core-conductor cable theory, Rall 1977).

    d in cm, R_m in ohm cm^2, R_i in ohm cm -> lambda in cm -> um."""
    d_cm = d_um * 1e-4
    r_m = 1.0 / (g_leak_mS_cm2 * 1e-3)
    return math.sqrt(d_cm / 4.0 * r_m / r_i_ohm_cm) * 1e4


# The squid giant axon preset's concentrations (Kandel et al., Principles of Neural
# Science 5th ed., Table 6-1, after Hodgkin 1964), mM inside / outside.
SQUID_NA = (50.0, 440.0)
SQUID_K = (400.0, 20.0)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Warning categories Python's default filter hides in a normal run (a user never sees them).
_HIDDEN_BY_DEFAULT = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


# --- helpers -------------------------------------------------------------------
def invoke(*argv):
    """main(argv) in-process: (exit code, stdout, stderr as a user would see it, warnings included)."""
    argv = [str(a) for a in argv]
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        warnings.simplefilter("always")
        rc = main(argv)
    shown = "".join(
        warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line)
        for w in caught
        if not issubclass(w.category, _HIDDEN_BY_DEFAULT)
    )
    return rc, out.getvalue(), err.getvalue() + shown



def run_json(*argv):
    """Run with --json; must succeed silently and print strict JSON."""
    rc, out, err = invoke(*argv, "--json")
    assert rc == 0, (argv, rc, err)
    assert err == "", err
    return strict_json(out)



def assert_names_flag(line: str, flag: str) -> None:
    """The line names the CLI flag as the user typed it, and gives a reason besides."""
    assert flag in line, f"{flag!r} not named in {line!r}"
    rest = line.replace("nernst: error:", "").replace(flag, "")
    assert len(rest.split()) >= 3, f"no reason given in {line!r}"



# A short, cheap axon for tests that only need the command to run: 10 um x 1 mm.
SMALL = ["--diameter", "10", "--length", "1"]


# =============================================================================
# nernst spike
# =============================================================================
def test_spike_json_keys_and_types():
    d = run_json("spike", "--duration", "20")
    assert {"spike_times_ms", "peak_mV", "rest_mV"} <= d.keys()
    assert isinstance(d["spike_times_ms"], list) and all(isinstance(t, float) for t in d["spike_times_ms"])
    assert isinstance(d["peak_mV"], float) and isinstance(d["rest_mV"], float)
    assert d["duration_ms"] == 20 and d["dt_ms"] == 0.025  # the documented default dt
    assert d["reversal_source"] == "fixed"
    # The defaults are HH 1952 at 6.3 degC: E_Na +50, E_K -77, E_L -54.387 mV, g 120/36/0.3 mS/cm^2.
    p = d["parameters"]
    assert (p["e_na_mV"], p["e_k_mV"], p["e_l_mV"]) == (50.0, -77.0, -54.387)
    assert (p["g_na_mS_cm2"], p["g_k_mS_cm2"], p["g_l_mS_cm2"]) == (120.0, 36.0, 0.3)
    assert p["temperature_C"] == 6.3


def test_spike_default_is_hh1952_squid_membrane():
    # The reference run: 10 uA/cm^2 for 100 ms at 6.3 degC.
    d = run_json("spike", "--current", "10", "--duration", "100")
    # HH 1952 in the modern convention: E_L = -54.387 mV is chosen so that rest is -65 mV (NEURON hh.mod).
    # Tolerance 0.01 mV (the issue's).
    assert d["rest_mV"] == pytest.approx(-65.0, abs=0.01)
    # 7 spikes in 100 ms (the number; HH 1952 repetitive firing, ISI about 15 ms at 6.3 degC).
    assert len(d["spike_times_ms"]) == 7
    assert d["spike_times_ms"] == sorted(d["spike_times_ms"])
    # First upward 0 mV crossing: NEURON 9.0.2, hh, Crank-Nicolson (secondorder 2), dt 0.025 ms gives
    # 1.9024 ms (bench/peers/neuron_w.py, workload W1 "cn"); tolerance 0.05 ms (the issue's).
    assert d["spike_times_ms"][0] == pytest.approx(1.90, abs=0.05)
    # The overshoot stays below E_Na (+50 mV): the window 30-50 mV.
    assert 30.0 < d["peak_mV"] < 50.0


def test_spike_zero_current_gives_no_spikes():
    # Without a stimulus the membrane stays at its resting fixed point: no spikes, V never leaves rest.
    d = run_json("spike", "--current", "0", "--duration", "30")
    assert d["spike_times_ms"] == []
    assert d["rest_mV"] == pytest.approx(-65.0, abs=0.01)
    # The largest V is the starting rest itself (the trace starts at the fixed point): 1e-6 mV.
    assert d["peak_mV"] == pytest.approx(d["rest_mV"], abs=1e-6)


def test_spike_warmer_membrane_is_faster():
    # Rates scale with Q10 = 3 (HH 1952): from 6.3 to 18.5 degC they are 3^1.22 = 3.8x faster, so
    # spikes are narrower, the first one comes earlier and the firing rate rises (Hodgkin & Katz 1949).
    cold = run_json("spike", "--current", "10", "--duration", "25", "--temperature", "6.3")
    warm = run_json("spike", "--current", "10", "--duration", "25", "--temperature", "18.5")
    assert warm["parameters"]["temperature_C"] == 18.5
    assert warm["parameters"]["phi"] == pytest.approx(3.0 ** ((18.5 - 6.3) / 10.0), rel=1e-12)
    assert cold["spike_times_ms"] and warm["spike_times_ms"]
    assert warm["spike_times_ms"][0] < cold["spike_times_ms"][0]
    assert warm["features"]["width_ms"][0] < 0.7 * cold["features"]["width_ms"][0]
    assert len(warm["spike_times_ms"]) > len(cold["spike_times_ms"])


def test_spike_dt_and_duration_are_honoured():
    a = run_json("spike", "--duration", "8", "--dt", "0.01")
    b = run_json("spike", "--duration", "8", "--dt", "0.05")
    assert (a["dt_ms"], a["duration_ms"]) == (0.01, 8.0)
    assert (b["dt_ms"], b["duration_ms"]) == (0.05, 8.0)
    # Both converge on the same spike (second-order scheme): within 0.05 ms, but not bit-identical.
    assert a["spike_times_ms"][0] == pytest.approx(b["spike_times_ms"][0], abs=0.05)
    assert a["spike_times_ms"][0] != b["spike_times_ms"][0]


@pytest.mark.parametrize("text", ["10 uA/cm^2", "0.01 mA/cm^2", "0.1 A/m^2"])
def test_spike_current_units(text):
    # 10 uA/cm^2 = 0.01 mA/cm^2 = 0.1 A/m^2 (1 A/m^2 = 100 uA/cm^2): the same run, the same spike time.
    ref = run_json("spike", "--current", "10", "--duration", "5")
    d = run_json("spike", "--current", text, "--duration", "5")
    assert d["spike_times_ms"][0] == pytest.approx(ref["spike_times_ms"][0], rel=1e-9)


def test_spike_time_units():
    # --duration '0.008 s' = 8 ms, --dt '25 us' = 0.025 ms.
    d = run_json("spike", "--duration", "0.008 s", "--dt", "25 us")
    assert d["duration_ms"] == pytest.approx(8.0, rel=1e-12)
    assert d["dt_ms"] == pytest.approx(0.025, rel=1e-12)


def test_spike_ramp_runs_and_fires_faster_as_current_grows():
    # A ramp 10 -> 20 uA/cm^2 over 50 ms: above rheobase all along; HH's f-I curve rises with current,
    # so the interspike intervals shrink (HH 1952 repetitive firing; Rinzel & Ermentrout 1998).
    d = run_json("spike", "--stimulus", "ramp", "--current", "10", "--ramp-to", "20", "--duration", "50")
    assert "ramp" in d["stimulus"][0]
    t = d["spike_times_ms"]
    assert len(t) >= 3
    isi = [b - a for a, b in itertools.pairwise(t)]
    assert all(later < earlier for earlier, later in itertools.pairwise(isi)), isi


def test_spike_train_one_spike_per_pulse():
    # 5 pulses of 40 uA/cm^2 x 1 ms every 15 ms: each pulse moves Q = 40 nC/cm^2, which alone would
    # depolarize C_m = 1 uF/cm^2 by 40 mV, far above the ~10 mV HH threshold; 15 ms is about the
    # natural HH interspike interval at 6.3 degC, so each pulse gives exactly one spike, during or
    # shortly after it (within 3 ms of its onset).
    d = run_json("spike", "--stimulus", "train", "--current", "40", "--width", "1", "--interval", "15",
                 "--count", "5", "--duration", "75")
    assert "5 pulses" in d["stimulus"][0]
    t = d["spike_times_ms"]
    assert len(t) == 5
    for k, tk in enumerate(t):
        assert 15.0 * k < tk < 15.0 * k + 3.0, t


@pytest.mark.parametrize("t_c", [6.3, 10.0])
def test_spike_reversals_from_squid_concentrations(t_c):
    d = run_json("spike", "--duration", "5", "--reversals", "concentrations", "--temperature", str(t_c))
    assert d["reversal_source"] == "concentrations"
    p = d["parameters"]
    # Nernst at the given temperature (not the preset's 20 degC) from the squid concentrations:
    # E_Na = (RT/F) ln(440/50), E_K = (RT/F) ln(20/400); same constants, so rel 1e-9.
    assert p["e_na_mV"] == pytest.approx(nernst_mV(*SQUID_NA, 1, t_c), rel=1e-9)
    assert p["e_k_mV"] == pytest.approx(nernst_mV(*SQUID_K, 1, t_c), rel=1e-9)
    assert p["temperature_C"] == t_c


@pytest.mark.parametrize("argv", [
    ["--duration", "3"],
    ["--duration", "17"],
    ["--stimulus", "ramp", "--current", "0", "--ramp-to", "20", "--duration", "50"],
    ["--g-k", "0", "--duration", "10"],
], ids=["duration-3", "duration-17", "ramp-0-20", "no-potassium"])
def test_spike_json_when_the_last_spike_is_incomplete(argv):
    d = run_json("spike", *argv)
    assert d["spike_times_ms"], "each of these runs crosses 0 mV at least once"
    assert {"spike_times_ms", "peak_mV", "rest_mV"} <= d.keys()


def test_spike_plot_and_netcdf(tmp_path):
    png, nc = tmp_path / "spike.png", tmp_path / "spike.nc"
    d = run_json("spike", "--duration", "6", "--dt", "0.05", "--plot", png, "--out", nc)
    assert d["spike_times_ms"]  # stdout is still pure JSON when files are written
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 5000
    import xarray as xr

    with xr.open_dataset(nc, engine="scipy") as ds:
        assert "V" in ds and "time" in ds.coords
        t = ds["time"].values
        # 6 ms at dt 0.05 ms: 121 samples, 0.05 ms apart (the --dt asked for).
        assert t.size == 121
        assert float(t[1] - t[0]) == pytest.approx(0.05, rel=1e-12)
        assert float(ds["V"].values[0, 0]) == pytest.approx(d["rest_mV"], abs=1e-9)
        for name in ("m", "h", "n", "I_Na", "I_K", "I_L"):
            assert name in ds, name


def test_spike_csv(tmp_path):
    csv = tmp_path / "spike.csv"
    rc, out, err = invoke("spike", "--duration", "4", "--dt", "0.1", "--out", csv)
    assert rc == 0 and err == ""
    assert f"data written to {csv}" in out
    lines = csv.read_text().splitlines()
    header = lines[0].split(",")
    assert "time" in header and "V" in header
    assert len(lines) == 1 + 41  # 4 ms / 0.1 ms + 1 samples


def test_spike_netcdf_records_the_applied_current(tmp_path):
    nc = tmp_path / "spike.nc"
    run_json("spike", "--current", "7", "--duration", "4", "--out", nc)
    import xarray as xr

    with xr.open_dataset(nc, engine="scipy") as ds:
        # the applied current over time: 0 before the first step, then 7 uA/cm^2 (a step from 0 ms)
        assert float(ds["I_stim"].values[0]) == 0.0
        np.testing.assert_allclose(ds["I_stim"].values[1:], 7.0, rtol=1e-12)


def test_spike_ions_keeps_the_contract_keys():
    # --ions (spikes that move Na+ and K+) is another spike run: the same minimum JSON contract.
    d = run_json("spike", "--ions", "--duration", "20")
    assert {"spike_times_ms", "peak_mV", "rest_mV"} <= d.keys()
    assert d["spike_times_ms"][0] == pytest.approx(1.9, abs=0.1)  # 10 uA/cm^2, close to the fixed-E run
    assert d["preset"] == "squid_giant_axon"  # the documented default


def test_spike_ions_accepts_a_preset():
    d = run_json("spike", "--ions", "--preset", "squid_giant_axon", "--duration", "5")
    assert d["preset"] == "squid_giant_axon"


def test_spike_human_output():
    rc, out, err = invoke("spike", "--duration", "20")
    assert rc == 0 and err == ""
    assert "Hodgkin-Huxley" in out and "2 spikes" in out


# =============================================================================
# nernst clamp
# =============================================================================
def test_clamp_steps_json():
    d = run_json("clamp", "--to", "-25", "--to", "55")
    assert d["holding_mV"] == pytest.approx(-65.0, abs=0.01)  # default holding: rest
    assert [s["to_mV"] for s in d["steps"]] == [-25.0, 55.0]
    below, above = d["steps"]
    # I_Na = g_Na m^3 h (V - E_Na), E_Na = +50 mV: inward (negative) at -25, outward at +55 mV.
    assert below["peak_I_Na_uA_cm2"] < 0 < above["peak_I_Na_uA_cm2"]
    # I_K = g_K n^4 (V - E_K), E_K = -77 mV: outward at both.
    assert below["end_I_K_uA_cm2"] > 0 and above["end_I_K_uA_cm2"] > 0


def test_clamp_iv_json_na_reverses_at_e_na():
    d = run_json("clamp", "--iv")
    v = d["test_mV"]
    i_na = d["peak_I_Na_uA_cm2"]
    assert len(v) == len(i_na) == len(d["steady_I_K_uA_cm2"])
    # I_Na = g_Na m^3 h (V - E_Na) with E_Na = +50 mV (HH 1952): negative below, positive above.
    below = [i for x, i in zip(v, i_na) if 0 < x <= 45]
    above = [i for x, i in zip(v, i_na) if x >= 55]
    assert below and above
    assert all(i < 0 for i in below) and all(i > 0 for i in above)


def test_clamp_iv_table_na_reverses_at_e_na():
    # The same physics through the human table (which works): rows '| V | peak I_Na | steady I_K |'.
    rc, out, err = invoke("clamp", "--iv")
    assert rc == 0 and err == ""
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 3:
            try:
                rows[float(cells[0])] = float(cells[1])
            except ValueError:
                pass  # the header
    # The I-V relation from -100 to +80 mV (the --iv help text).
    assert min(rows) == -100 and max(rows) == 80
    # I_Na reverses at E_Na = +50 mV (HH 1952): inward at 45, outward at 55 mV.
    assert rows[45.0] < 0 < rows[55.0]


def test_clamp_plot(tmp_path):
    png = tmp_path / "iv.png"
    rc, _out, err = invoke("clamp", "--iv", "--plot", png)
    assert rc == 0 and err == ""
    assert png.read_bytes()[:8] == PNG_MAGIC


# =============================================================================
# nernst cable
# =============================================================================
def test_cable_json_keys_and_types():
    d = run_json("cable", *SMALL)
    assert "velocity_m_s" in d and isinstance(d["velocity_m_s"], float) and d["velocity_m_s"] > 0
    assert d["r_axial_ohm_cm"] == 35.4  # the default R_i
    assert d["g_leak_mS_cm2"] == 0.3
    assert (d["diameter_um"], d["length_mm"]) == (10.0, 1.0)
    assert isinstance(d["compartments"], int)
    # Measured between the points at 1/4 and 3/4 of the length, to within one compartment.
    dx = 1000.0 / d["compartments"]
    q1, q3 = d["measured_at_um"]
    assert abs(q1 - 250.0) <= dx and abs(q3 - 750.0) <= dx


def test_cable_hh1952_conduction_velocity():
    # HH 1952 (part V) computed 18.8 m/s for their 476 um squid axon at 18.5 degC; tolerance 2 %
    # (the issue's). The axon is 50 mm long, so 1/4 and 3/4 are far from both ends.
    d = run_json("cable", "--diameter", "476", "--length", "50", "--temperature", "18.5")
    assert d["velocity_m_s"] == pytest.approx(18.8, rel=0.02)
    assert d["temperature_C"] == 18.5


def test_cable_units_give_the_same_axon():
    # 0.476 mm = 476 um, 5 cm = 50 mm: the same axon, the same numbers.
    ref = run_json("cable", "--diameter", "476", "--length", "50", "--temperature", "18.5")
    for args in (["--diameter", "0.476 mm", "--length", "50"],
                 ["--diameter", "476", "--length", "5 cm"],
                 ["--diameter", "476 um", "--length", "50 mm"]):
        d = run_json("cable", *args, "--temperature", "18.5")
        assert d["diameter_um"] == pytest.approx(476.0, rel=1e-12)
        assert d["length_mm"] == pytest.approx(50.0, rel=1e-12)
        assert d["compartments"] == ref["compartments"]
        assert d["velocity_m_s"] == pytest.approx(ref["velocity_m_s"], rel=1e-9)


def test_cable_compartments_and_dt_are_honoured():
    d = run_json("cable", "--diameter", "10", "--length", "2", "--compartments", "51", "--dt", "0.02")
    assert d["compartments"] == 51 and d["dt_ms"] == 0.02
    # 51 equal compartments of 2000/51 um, centres at (i + 1/2) dx: the recording points are the
    # centres nearest to 500 and 1500 um (computed here by hand).
    dx = 2000.0 / 51
    centres = [(i + 0.5) * dx for i in range(51)]
    near = [min(centres, key=lambda c: abs(c - x)) for x in (500.0, 1500.0)]
    assert d["measured_at_um"] == pytest.approx(near, rel=1e-9)
    other = run_json("cable", "--diameter", "10", "--length", "2", "--compartments", "21", "--dt", "0.02")
    assert other["compartments"] == 21
    assert other["measured_at_um"] != d["measured_at_um"]


@pytest.mark.parametrize("d_um, g_leak", [(10.0, None), (10.0, 0.1), (20.0, 1.0), (476.0, None)])
def test_cable_passive_length_constant(d_um, g_leak):
    args = ["cable", "--passive", "--diameter", str(d_um), "--length", "1"]
    if g_leak is not None:
        args += ["--g-leak", str(g_leak)]
    d = run_json(*args)
    g = 0.3 if g_leak is None else g_leak  # the HH leak unless --g-leak
    assert d["g_leak_mS_cm2"] == g
    assert {"velocity_m_s", "length_constant_um"} <= d.keys()
    assert d["velocity_m_s"] is None or isinstance(d["velocity_m_s"], float)
    # lambda = sqrt((d/4) R_m / R_i), R_m = 1/g_leak, R_i = 35.4 ohm cm, computed by hand: rel 1e-9.
    assert d["length_constant_um"] == pytest.approx(passive_length_constant_um(d_um, g, 35.4), rel=1e-9)


def test_cable_passive_length_constant_follows_g_leak():
    # lambda ~ g_leak^(-1/2): a 9x smaller leak gives a 3x longer length constant (rel 1e-9).
    a = run_json("cable", "--passive", *SMALL, "--g-leak", "0.9")
    b = run_json("cable", "--passive", *SMALL, "--g-leak", "0.1")
    assert b["length_constant_um"] == pytest.approx(3.0 * a["length_constant_um"], rel=1e-9)


def test_cable_passive_velocity_is_the_half_amplitude_speed():
    # Passive: the point reaching half its final depolarization moves at about 2 lambda / tau on an
    # infinite cable (Jack, Noble & Tsien 1975); on a 2 mm (1.3 lambda), sealed cable only roughly:
    # within 25 %.
    d = run_json("cable", "--passive", "--diameter", "10", "--length", "2")
    lam_um = passive_length_constant_um(10.0, 0.3, 35.4)
    tau_ms = 1.0 / 0.3  # R_m C_m = (1/0.3 mS/cm^2)(1 uF/cm^2) = 3.33 ms
    assert d["velocity_m_s"] == pytest.approx(2 * lam_um / tau_ms * 1e-3, rel=0.25)


def test_cable_plot_csv_and_netcdf(tmp_path):
    png, csv, nc = tmp_path / "axon.png", tmp_path / "axon.csv", tmp_path / "axon.nc"
    d = run_json("cable", *SMALL, "--compartments", "11", "--duration", "2", "--dt", "0.05",
                 "--plot", png, "--out", csv)
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 5000
    header = csv.read_text().splitlines()[0].split(",")
    assert "time" in header and "V" in header
    run_json("cable", *SMALL, "--compartments", "11", "--duration", "2", "--dt", "0.05", "--out", nc)
    import xarray as xr

    with xr.open_dataset(nc, engine="scipy") as ds:
        assert "V" in ds
        assert ds["V"].size == 41 * 11  # 2 ms / 0.05 ms + 1 samples x 11 compartments
    assert d["compartments"] == 11


def test_cable_human_output():
    rc, out, err = invoke("cable", *SMALL)
    assert rc == 0 and err == ""
    assert "conduction velocity" in out
    rc, out, err = invoke("cable", *SMALL, "--passive")
    assert rc == 0 and err == ""
    assert "length constant" in out


# =============================================================================
# bad input: exit 2, one line naming the flag, nothing on stdout
# =============================================================================
S = ["spike", "--duration", "5"]
C_BASE = ["cable"]

# Every bug this table once marked (engine field names instead of flags, --dt 0 and --g-leak 0
# crashing, unnamed divergence, defaults failing on extreme geometry) is fixed; the cases stay
# as regression tests.
_CABLE_FLAGS = _CABLE_DT0 = _CABLE_GL0 = _SOLVER = _PRESET = _DEFAULT_STIM = _DEFAULT_COMP = None

# (id, argv, flag, bug in the exit/one-line contract, bug in naming the flag)
BAD = [
    # ---- spike
    ("spike-dt-negative", S + ["--dt", "-1"], "--dt", None, None),
    ("spike-dt-zero", S + ["--dt", "0"], "--dt", None, None),
    ("spike-dt-nan", S + ["--dt", "nan"], "--dt", None, None),
    ("spike-dt-inf", S + ["--dt", "inf"], "--dt", None, None),
    ("spike-duration-negative", ["spike", "--duration", "-1"], "--duration", None, None),
    ("spike-duration-zero", ["spike", "--duration", "0"], "--duration", None, None),
    ("spike-duration-nan", ["spike", "--duration", "NaN"], "--duration", None, None),
    ("spike-duration-inf", ["spike", "--duration", "inf"], "--duration", None, None),
    ("spike-current-abc", S + ["--current", "abc"], "--current", None, None),
    ("spike-current-NaN", S + ["--current", "NaN"], "--current", None, None),
    ("spike-current-inf", S + ["--current", "-inf"], "--current", None, None),
    ("spike-dt-exceeds-duration", ["spike", "--duration", "1", "--dt", "5"], "--dt", None, None),
    ("spike-temperature-1000", S + ["--temperature", "1000"], "--temperature", None, None),
    ("spike-temperature-below-zero-K", S + ["--temperature", "-300"], "--temperature", None, None),
    ("spike-plot-suffix", S + ["--plot", "figure.txt"], "--plot", None, None),
    ("spike-plot-missing-folder", S + ["--plot", "/no/such/folder/f.png"], "--plot", None, None),
    ("spike-out-suffix", S + ["--out", "trace.json"], "--out", None, None),
    ("spike-out-missing-folder", S + ["--out", "/no/such/folder/t.csv"], "--out", None, None),
    ("spike-stimulus-unknown", S + ["--stimulus", "sine"], "--stimulus", None, None),
    ("spike-ramp-without-ramp-to", S + ["--stimulus", "ramp"], "--ramp-to", None, None),
    ("spike-train-count-0", S + ["--stimulus", "train", "--count", "0"], "--count", None, None),
    ("spike-train-count-negative", S + ["--stimulus", "train", "--count", "-3"], "--count", None, None),
    ("spike-preset-unknown", S + ["--reversals", "concentrations", "--preset", "martian"], "--preset",
     None, _PRESET),
    ("spike-preset-without-concentrations", S + ["--preset", "squid_giant_axon"], "--preset", None, None),
    ("spike-current-wrong-unit", S + ["--current", "5 mV"], "--current", None, None),
    ("spike-dt-wrong-unit", S + ["--dt", "5 mV"], "--dt", None, None),
    ("spike-duration-wrong-unit", ["spike", "--duration", "5 mV"], "--duration", None, None),
    ("spike-temperature-wrong-unit", S + ["--temperature", "5 mV"], "--temperature", None, None),
    ("spike-duration-1e9", ["spike", "--duration", "1e9"], "--duration", None, None),
    ("spike-current-1e12", S + ["--current", "1e12"], "--current", None, None),
    ("spike-current-1e6-diverges", S + ["--current", "1e6"], "--current", None, _SOLVER),
    ("spike-g-na-negative", S + ["--g-na", "-1"], "--g-na", None, None),
    ("spike-e-leak-huge", S + ["--e-leak", "1e9"], "--e-leak", None, None),
    ("spike-delay-negative", S + ["--delay", "-1"], "--delay", None, None),
    ("spike-count-not-integer", S + ["--stimulus", "train", "--count", "two"], "--count", None, None),
    # ---- cable
    ("cable-diameter-negative", ["cable", "--diameter", "-1", "--length", "1"], "--diameter", None, _CABLE_FLAGS),
    ("cable-diameter-zero", ["cable", "--diameter", "0", "--length", "1"], "--diameter", None, _CABLE_FLAGS),
    ("cable-diameter-nan", ["cable", "--diameter", "nan", "--length", "1"], "--diameter", None, None),
    ("cable-diameter-inf", ["cable", "--diameter", "inf", "--length", "1"], "--diameter", None, None),
    ("cable-length-negative", ["cable", "--diameter", "10", "--length", "-1"], "--length", None, _CABLE_FLAGS),
    ("cable-length-zero", ["cable", "--diameter", "10", "--length", "0"], "--length", None, _CABLE_FLAGS),
    ("cable-length-nan", ["cable", "--diameter", "10", "--length", "nan"], "--length", None, None),
    ("cable-length-inf", ["cable", "--diameter", "10", "--length", "inf"], "--length", None, None),
    ("cable-dt-negative", ["cable", *SMALL, "--dt", "-1"], "--dt", None, _CABLE_FLAGS),
    ("cable-dt-zero", ["cable", *SMALL, "--dt", "0"], "--dt", _CABLE_DT0, _CABLE_DT0),
    ("cable-dt-denormal", ["cable", *SMALL, "--dt", "1e-320"], "--dt", _CABLE_DT0, _CABLE_DT0),
    ("cable-dt-nan", ["cable", *SMALL, "--dt", "nan"], "--dt", None, None),
    ("cable-dt-inf", ["cable", *SMALL, "--dt", "inf"], "--dt", None, None),
    ("cable-duration-negative", ["cable", *SMALL, "--duration", "-1"], "--duration", None, _CABLE_FLAGS),
    ("cable-duration-zero", ["cable", *SMALL, "--duration", "0"], "--duration", None, _CABLE_FLAGS),
    ("cable-duration-nan", ["cable", *SMALL, "--duration", "nan"], "--duration", None, None),
    ("cable-duration-inf", ["cable", *SMALL, "--duration", "inf"], "--duration", None, None),
    ("cable-dt-exceeds-duration", ["cable", *SMALL, "--duration", "1", "--dt", "5"], "--dt", None, _CABLE_FLAGS),
    ("cable-temperature-1000", ["cable", *SMALL, "--temperature", "1000"], "--temperature", None, None),
    ("cable-compartments-0", ["cable", *SMALL, "--compartments", "0"], "--compartments", None, _CABLE_FLAGS),
    ("cable-compartments-1", ["cable", *SMALL, "--compartments", "1"], "--compartments", None, _CABLE_FLAGS),
    ("cable-compartments--5", ["cable", *SMALL, "--compartments", "-5"], "--compartments", None, _CABLE_FLAGS),
    ("cable-compartments-abc", ["cable", *SMALL, "--compartments", "abc"], "--compartments", None, None),
    ("cable-plot-suffix", ["cable", *SMALL, "--plot", "axon.jpg"], "--plot", None, None),
    ("cable-plot-missing-folder", ["cable", *SMALL, "--plot", "/no/such/folder/a.png"], "--plot", None, None),
    ("cable-out-suffix", ["cable", *SMALL, "--out", "axon.xlsx"], "--out", None, None),
    ("cable-out-missing-folder", ["cable", *SMALL, "--out", "/no/such/folder/a.nc"], "--out", None, None),
    ("cable-diameter-wrong-unit", ["cable", "--diameter", "5 mV", "--length", "1"], "--diameter", None, None),
    ("cable-length-wrong-unit", ["cable", "--diameter", "10", "--length", "5 mV"], "--length", None, None),
    ("cable-duration-1e9", ["cable", *SMALL, "--duration", "1e9"], "--duration", None, _CABLE_FLAGS),
    ("cable-stim-amp-1e12", ["cable", *SMALL, "--stim-amp", "1e12"], "--stim-amp", None, _CABLE_FLAGS),
    ("cable-stim-amp-1e6-diverges", ["cable", *SMALL, "--stim-amp", "1e6"], "--stim-amp", None, _SOLVER),
    ("cable-stim-dur-negative", ["cable", *SMALL, "--stim-dur", "-1"], "--stim-dur", None, _CABLE_FLAGS),
    ("cable-r-axial-zero", ["cable", *SMALL, "--r-axial", "0"], "--r-axial", None, _CABLE_FLAGS),
    ("cable-g-leak-negative", ["cable", *SMALL, "--passive", "--g-leak", "-1"], "--g-leak", None, None),
    ("cable-g-leak-zero-passive", ["cable", *SMALL, "--passive", "--g-leak", "0"], "--g-leak",
     _CABLE_GL0, _CABLE_GL0),
    ("cable-g-leak-tiny-passive", ["cable", *SMALL, "--passive", "--g-leak", "1e-9"], "--g-leak",
     None, _CABLE_FLAGS),
    ("cable-huge-diameter-default-stimulus", ["cable", "--diameter", "1e5", "--length", "1"], "--diameter",
     None, _DEFAULT_STIM),
    # the default compartment count (d_lambda rule) would be 3e8: the error names --length
    ("cable-thin-long-default-compartments", ["cable", "--diameter", "0.001", "--length", "1e5"], "--length",
     None, _DEFAULT_COMP),
    # ---- clamp
    ("clamp-temperature-1000", ["clamp", "--temperature", "1000"], "--temperature", None, None),
    ("clamp-to-abc", ["clamp", "--to", "abc"], "--to", None, None),
    ("clamp-to-huge", ["clamp", "--to", "1e9"], "--to", None, None),
    ("clamp-to-wrong-unit", ["clamp", "--to", "5 ms"], "--to", None, None),
    ("clamp-step-zero", ["clamp", "--step", "0"], "--step", None, None),
    ("clamp-holding-nan", ["clamp", "--iv", "--holding", "nan"], "--holding", None, None),
    ("clamp-plot-suffix", ["clamp", "--plot", "iv.bmp"], "--plot", None, None),
]
assert len({b[0] for b in BAD}) == len(BAD)


def _params(which: int):
    out = []
    for case_id, argv, flag, exit_bug, flag_bug in BAD:
        bug = exit_bug if which == 0 else (exit_bug or flag_bug)
        marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
        out.append(pytest.param(argv, flag, id=case_id, marks=marks))
    return out


@pytest.mark.parametrize("argv, flag", _params(0))
def test_bad_input_exits_2_with_one_line(argv, flag):
    rc, out, err = invoke(*argv)
    assert_one_line_error(rc, out, err)


@pytest.mark.parametrize("argv, flag", _params(1))
def test_bad_input_names_the_flag(argv, flag):
    rc, out, err = invoke(*argv)
    line = assert_one_line_error(rc, out, err)
    assert_names_flag(line, flag)


@pytest.mark.parametrize("cmd", [["spike"], ["cable", *SMALL]], ids=["spike", "cable"])
def test_absurdly_long_run_is_rejected_fast(cmd, monkeypatch):
    # --duration 1e9 ms (11 days at dt 0.01-0.025 ms: 4e10-1e11 steps) must be refused up front, before any
    # kernel runs (checked by kernels that fail if called, not by a clock).
    from nernst import hhkernels

    def ran(*a, **k):
        raise AssertionError("a kernel ran before the refusal")

    for name in ("population", "tree", "coupled"):
        monkeypatch.setattr(hhkernels, name, ran)
    rc, out, err = invoke(*cmd, "--duration", "1e9")
    line = assert_one_line_error(rc, out, err)
    assert "steps" in line  # says why: the number of steps


def test_long_spike_run_records_a_subsampled_trace():
    # 2.4e6 steps (60 s at dt 0.025 ms): the CLI keeps about a million trace samples but detects
    # spikes at every step, so the count equals the rate x duration (HH at 10 uA/cm^2: ~68 Hz)
    rc, out, err = invoke("spike", "--duration", "6e4", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert 60 * 60 < d["spike_count"] < 75 * 60
    assert len(d["spike_times_ms"]) == d["spike_count"]


def test_huge_stimulus_is_an_error_not_a_traceback():
    # --stim-amp 1e12 nA (a megaampere): refused with one line, exit 2 (naming: see the BAD table).
    rc, out, err = invoke("cable", *SMALL, "--stim-amp", "1e12")
    assert_one_line_error(rc, out, err)
    rc, out, err = invoke("cable", *SMALL, "--stim-amp", "-1e12")
    assert_one_line_error(rc, out, err)


# =============================================================================
# the real entry points (subprocess)
# =============================================================================
def test_console_script_spike_json():
    p = run_exe("spike", "--duration", "20", "--json")
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    d = strict_json(p.stdout)
    assert d["spike_times_ms"][0] == pytest.approx(1.90, abs=0.05)  # as in the in-process test


def test_python_dash_m_cable_bad_input():
    p = run_exe("cable", "--diameter", "nan", "--json", module=True)
    assert p.returncode == 2
    assert p.stdout == ""
    assert "Traceback" not in p.stderr
    assert p.stderr.count("\n") == 1 and "--diameter" in p.stderr, p.stderr


def test_console_script_clamp_json():
    p = run_exe("clamp", "--to", "0", "--json")
    assert p.returncode == 0, p.stderr
    assert strict_json(p.stdout)["steps"][0]["to_mV"] == 0.0


# =============================================================================
# bounded fuzz: random flag combinations for spike and cable
# =============================================================================
# Valid-looking values per flag, kept small so that every run is quick (short durations, thin short
# axons, dt >= 0.005 ms, g_leak >= 0.05 so that the passive default duration, 15 tau, stays short).
FUZZ_SPIKE = {
    "--current": ["0", "5", "10", "-5", "50", "2.5 uA/cm^2", "1e3"],
    "--duration": ["1", "3", "5", "12", "20", "0.02 s"],
    "--dt": ["0.01", "0.025", "0.05", "0.1", "1", "10 us"],
    "--temperature": ["0", "6.3", "18.5", "30", "-40", "60", "290 K"],
    "--stimulus": ["step", "ramp", "train"],
    "--delay": ["0", "1", "2.5"],
    "--width": ["0.5", "1", "3"],
    "--ramp-to": ["0", "20", "-5"],
    "--interval": ["2", "5", "10"],
    "--count": ["1", "3", "10"],
    "--g-na": ["0", "60", "120"],
    "--g-k": ["0", "18", "36"],
    "--g-leak": ["0.1", "0.3", "1"],
    "--e-leak": ["-54.387", "-70", "-40"],
    "--threshold": ["0", "-20", "20"],
}
FUZZ_CABLE = {
    "--diameter": ["1", "5", "20", "100", "0.05 mm", "476"],
    "--length": ["0.2", "0.5", "1", "2", "0.1 cm", "800 um"],
    "--compartments": ["3", "5", "11", "51", "101"],
    "--temperature": ["0", "6.3", "18.5", "30", "-40", "60"],
    "--dt": ["0.005", "0.01", "0.025", "0.1", "1"],
    "--duration": ["0.5", "1", "3", "10"],
    "--r-axial": ["35.4", "100", "10"],
    "--g-leak": ["0.05", "0.3", "1", "3"],
    "--stim-amp": ["0", "1", "100", "1e4", "-50"],
    "--stim-dur": ["0", "0.05", "0.1", "1"],
}
FUZZ_BAD = ["-1", "0", "-0", "nan", "inf", "-inf", "abc", "", "1e999", "5 mV", "1,5", "1e-320", "1e12"]
# The pools once left out values that hit open bugs (cable --dt 0, --g-leak 0); those are fixed,
# so every value is drawn now.
FUZZ_EXCLUDED: dict = {}
FUZZ_SEED = 4_052_019
FUZZ_N = 200


def _fuzz_case(rng: random.Random) -> list:
    cmd = rng.choice(["spike", "cable"])
    pools = FUZZ_SPIKE if cmd == "spike" else FUZZ_CABLE
    argv = [cmd]
    for flag in rng.sample(sorted(pools), rng.randint(0, 5)):
        if rng.random() < 0.2:
            value = rng.choice([v for v in FUZZ_BAD if v not in FUZZ_EXCLUDED.get((cmd, flag), ())])
        else:
            value = rng.choice(pools[flag])
        argv += [flag, value]
    if cmd == "cable":
        if "--diameter" not in argv:
            argv += ["--diameter", rng.choice(["5", "10", "50"])]
        if "--length" not in argv:
            argv += ["--length", rng.choice(["0.5", "1", "2"])]
        if rng.random() < 0.4:
            argv.append("--passive")
    argv.append("--json")
    return argv


def _fuzz_cases():
    rng = random.Random(FUZZ_SEED)
    return [_fuzz_case(rng) for _ in range(FUZZ_N)]


FUZZ_CASES = _fuzz_cases()


@pytest.mark.parametrize("argv", FUZZ_CASES, ids=[
    f"fuzz{i:03d}-{zlib.crc32(repr(a).encode()):08x}" for i, a in enumerate(FUZZ_CASES)])
def test_fuzz_spike_and_cable(argv):
    rc, out, err = invoke(*argv)
    where = f"argv={argv!r}\nrc={rc}\nstdout={out[-400:]!r}\nstderr={err[-800:]!r}"
    assert rc in (0, 2), where
    assert "Traceback" not in out + err, where
    if rc == 0:
        assert err == "", where
        d = strict_json(out)
        key = "spike_times_ms" if argv[0] == "spike" else "velocity_m_s"
        assert key in d, where
    else:
        assert out == "", where
        assert err.endswith("\n") and err.count("\n") == 1 and err.startswith("nernst: error: "), where
        assert "internal error" not in err, where


def test_fuzz_really_varies():
    # The generator is not stuck: distinct cases, both commands, both outcomes represented.
    assert len({repr(a) for a in FUZZ_CASES}) >= 0.85 * FUZZ_N  # a few draw no flags at all
    assert {a[0] for a in FUZZ_CASES} == {"spike", "cable"}
    assert any(v in FUZZ_BAD for a in FUZZ_CASES for v in a)

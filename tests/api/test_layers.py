"""The package's structure: a complete mechanism registry, loading that never solves, one absolute zero.

* The registry maps every shipped ``kind`` to its class whatever was imported first (it used to hold 7 or 9
  kinds depending on whether the protocols module had been imported): checked in fresh interpreters.
* Loading a cell config with ``[initial] steady = true`` does not run the steady-state solver; the run's
  start (``nernst.start_state(cfg)``, in the solver layer) solves it, once.
* The one-way layers themselves are checked by ``lint-imports`` in ``make test`` (pyproject.toml).
"""

import subprocess
import sys

import pytest
import scipy.constants

SHIPPED_KINDS = ["clamp", "ghk_leak", "injection", "kcc2", "kir", "leak", "nak_pump", "ncx", "nkcc1", "pmca"]


@pytest.mark.parametrize("first", ["nernst.mechanisms", "nernst.mechanisms.base", "nernst.model.protocols",
                                   "nernst.config.cell", "nernst"])
def test_the_registry_is_complete_whatever_is_imported_first(first):
    code = (f"import {first}\nfrom nernst.mechanisms import REGISTRY\n"
            "print(' '.join(sorted(REGISTRY)))\nprint(' '.join(sorted(c.kind for c in REGISTRY.values())))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    names, kinds = out.splitlines()
    assert names.split() == SHIPPED_KINDS and kinds.split() == SHIPPED_KINDS


def test_a_registered_class_is_found_by_its_kind():
    from nernst.mechanisms import REGISTRY
    from nernst.mechanisms.electrodes import VoltageClamp

    assert REGISTRY["clamp"] is VoltageClamp and REGISTRY.get("bogus") is None and "bogus" not in REGISTRY


def test_loading_a_steady_start_config_does_not_solve(monkeypatch):
    import nernst.solvers.pumpleak as pumpleak
    from nernst.config.cell import load_cell

    calls = []
    real = pumpleak.steady_state
    monkeypatch.setattr(pumpleak, "steady_state", lambda *a, **k: calls.append(1) or real(*a, **k))
    cfg = load_cell("scenario_pump_block")  # [initial] steady = true
    assert cfg.start_steady and calls == []
    start = pumpleak.start_state(cfg)
    assert calls == [1]
    # the start is the model's steady state: no net flux of any ion (residual of the Newton solve)
    assert real(cfg.model, initial=start).residual < 1e-8


def test_the_deprecated_initial_state_warns_and_gives_the_same_start():
    import nernst.solvers.pumpleak as pumpleak
    from nernst.config.cell import load_cell

    cfg = load_cell("scenario_pump_block")
    with pytest.warns(DeprecationWarning, match="start_state"):
        old = cfg.initial_state()
    new = pumpleak.start_state(cfg)
    assert old.voltage_mV == new.voltage_mV and list(old.n_in) == list(new.n_in)


def test_the_checks_absolute_zero_is_scipys():
    from nernst._core.validation import ZERO_CELSIUS_K

    assert ZERO_CELSIUS_K == scipy.constants.zero_Celsius  # exact: the Celsius scale's definition


def test_the_earlier_module_paths_are_the_moved_modules():
    import nernst.cellconfig
    import nernst.config.cell
    import nernst.dynamics
    import nernst.hhkernels
    import nernst.solvers.kernels.hh
    import nernst.solvers.pumpleak

    assert nernst.dynamics is nernst.solvers.pumpleak and nernst.cellconfig is nernst.config.cell
    assert nernst.hhkernels is nernst.solvers.kernels.hh


@pytest.mark.parametrize("module", ["nernst", "nernst.cli"])
def test_python_dash_m_runs_the_command_line(module):
    r = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("nernst "), (r.stdout, r.stderr)

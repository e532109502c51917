"""Shared test configuration: each slow or special group of tests carries a marker, set here by file.

``make test`` runs everything; ``make test-fast`` (the inner loop, under a minute) leaves out the
groups below that need a peer simulator, a browser, a cluster, a server under load, or run many
processes or fuzz cases.
"""

import pytest

#: file -> markers (registered in pyproject.toml [tool.pytest.ini_options])
MARKS = {
    "test_peer_neuron.py": ("peer",),
    "test_explorer_browser.py": ("browser",),
    "test_explorer_load.py": ("load",),
    "test_sweep_dask.py": ("dask",),
    "test_fuzz_cli.py": ("fuzz",),
    "test_fuzz_cell_config.py": ("fuzz",),
    "test_fuzz_paths.py": ("fuzz",),
    "test_fuzz_protocols.py": ("fuzz",),
    "test_sweep_faults.py": ("faults",),
    "test_web_faults.py": ("faults",),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for mark in MARKS.get(item.path.name, ()):
            item.add_marker(getattr(pytest.mark, mark))

"""The explorer under a small load: bench/load_explorer.py's users against a real server on loopback.

A tiny, bounded configuration of the project's load test (5 users for 4 s):
every response must be a 200 with the callback's outputs, and every V_rest
the page shows must equal nernst.rest.resting_state for the same cell (to
the 2 decimals displayed).  The server is `nernst explore` on 127.0.0.1,
started and stopped here; nothing else is contacted.  Takes 6-10 s.
"""

import importlib.util
import sys
import time
from pathlib import Path

import pytest

for _mod in ("dash", "waitress", "requests"):
    if importlib.util.find_spec(_mod) is None:
        pytest.skip(f"{_mod} is not installed", allow_module_level=True)

BENCH = Path(__file__).resolve().parents[2] / "bench" / "load_explorer.py"


@pytest.fixture(scope="module")
def load():
    spec = importlib.util.spec_from_file_location("load_explorer", BENCH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["load_explorer"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def server(load):
    port = load.free_port()
    proc = load.start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        load.wait_ready(base, proc, timeout=180)  # a generous ceiling: a cold start on a loaded machine
        yield base, proc
    finally:
        load.stop_server(proc)
    assert proc.poll() is not None, "the server did not stop"


def test_only_loopback_urls_are_accepted(load):
    assert load.check_loopback("http://127.0.0.1:8050/") == "http://127.0.0.1:8050"
    assert load.check_loopback("http://localhost:1") == "http://localhost:1"
    for bad in ("http://example.org:8050", "http://10.0.0.1:8050", "https://127.0.0.1:8050", "ftp://127.0.0.1"):
        with pytest.raises(SystemExit):
            load.check_loopback(bad)


def test_users_are_bounded(load):
    with pytest.raises(ValueError):
        load.run_load("http://127.0.0.1:1", load.MAX_USERS + 1, 1.0)


def test_five_users_for_four_seconds(load, server):
    base, proc = server
    t0 = time.perf_counter()
    # no warm-up and no story steps: with a cold Numba cache the story's first run compiles for
    # 10-20 s (the server starts that in the background); spikes use the ahead-of-time kernels
    # requests may take long on a loaded machine: the test is about correct answers and no errors, so each
    # request gets a generous ceiling (the benchmark, bench/load_explorer.py, keeps its 10 s)
    res = load.run_load(base, users=5, seconds=4.0, think=(0.1, 0.4), other=0.2, other_kinds=("spike",),
                        check_every=1, server_pid=proc.pid, request_timeout_s=120.0)
    took = time.perf_counter() - t0
    assert res["errors"] == 0, (res["error_kinds"], res["error_examples"], load.server_log(proc)[-2000:])
    eq = res["latency_ms"]["eq"]
    assert eq["n"] >= 1  # (about 5 per user when the machine is idle; fewer under load, none lost)
    assert res["latency_ms"].get("spike", {}).get("n", 0) + eq["n"] == res["updates"]
    # every equilibrium update was checked against the engine, to the 2 decimals shown
    assert res["vrest_checked"] == eq["n"]
    assert res["vrest_max_abs_diff_mV"] <= 0.005 + 1e-9
    # every user loaded the page (GET /, layout, dependencies, first callback)
    assert res["latency_ms"]["page"]["n"] == 5 * 4
    assert took > 4.0  # the users ran for their 4 s (no hung user: they are counted as errors above)

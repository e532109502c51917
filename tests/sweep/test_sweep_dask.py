"""Parameter sweeps on a real dask.distributed cluster (loopback only).

Contract pinned here (sweep issue):

* a sweep on a cluster (``client=``, ``scheduler=ADDRESS`` or ``workers=N``,
  which starts its own LocalCluster) gives the in-process numbers bit for bit:
  every backend evaluates the same blocks with the same code;
* a worker killed with SIGKILL in the middle of a sweep costs nothing but time:
  its blocks run again elsewhere and every point is computed;
* ``resume=True`` after an interrupted cluster run computes only the blocks
  without a done flag.

One module-scoped LocalCluster (2 worker processes with a nanny, 1 thread each,
127.0.0.1, no dashboard) serves the tests; the module runs on one xdist worker.
"""

from __future__ import annotations

import logging
import os
import signal
import time

import numpy as np
import psutil
import pytest

from nernst.sweep import open_sweep, run_sweep, sweep_from_dict
from support.sweeps import assert_bitwise, block_points

pytestmark = pytest.mark.xdist_group("dask")

distributed = pytest.importorskip("distributed")


# --- helpers -------------------------------------------------------------------



def steady_sweep():
    """12 pump-leak cells (Kay 2017) in 6 blocks of 2; without the pump (4 cells) there is no steady state."""
    return sweep_from_dict({
        "model": "steady", "cell": "kay2017", "chunk": 2, "outputs": ["v_rest_mV", "K_in_mM", "volume_rel"],
        "axes": [{"parameter": "mechanisms.leak.K.conductance_mS_cm2", "name": "g_K", "values": [0.2, 0.3, 0.45, 0.6]},
                 {"parameter": "mechanisms.nak_pump.current_uA_cm2", "name": "pump", "values": [0.0, 0.5, 1.0]}],
    })


def spike_sweep(num=3000, chunk=100, duration=500.0):
    """HH patches under current steps: num cells in num/chunk blocks (about 0.05 s each here)."""
    return sweep_from_dict({
        "model": "spike", "chunk": chunk, "fixed": {"duration_ms": duration},
        "outputs": ["spike_count", "first_spike_ms"],
        "axes": [{"parameter": "current_uA_cm2", "name": "I", "start": 0.0, "stop": 20.0, "num": num}],
    })


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
    yield c
    c.close()


@pytest.fixture(scope="module")
def module_client(cluster):
    from distributed import Client

    c = Client(cluster)
    yield c
    c.close()


@pytest.fixture
def client(module_client):
    """The shared client with both workers up (a test before may have killed one: the nanny restarts it)."""
    module_client.wait_for_workers(2, timeout=60)
    return module_client


def cached_keys(client) -> set:
    """Sweep keys whose model a worker built (evaluate_task caches it per process): proof a block ran there."""
    def keys():
        import nernst.sweep.models as s
        return sorted(s._MODEL_CACHE)
    return {k for ks in client.run(keys).values() for k in ks}


# =============================================================================
def test_cluster_result_equals_in_process(client):
    sw = steady_sweep()
    local = run_sweep(sw)
    # pump 0: the Kay (2017) Donnan cell swells without bound, no steady state: NaN in both runs
    assert local.failed_points == 4 and np.isnan(local.dataset["v_rest_mV"].values[:, 0]).all()
    res = run_sweep(sw, client=client)
    assert (res.backend, res.workers, res.computed_points) == ("dask", 2, 12)
    assert res.failed_points == 4 and res.errors
    assert_bitwise(local, res, sw.outputs)
    assert sw.key in cached_keys(client)  # the blocks really ran on the workers


def test_scheduler_address_with_a_store(client, cluster, tmp_path):
    sw = spike_sweep(num=400, chunk=50, duration=100.0)
    local = run_sweep(sw)
    path = tmp_path / "x.zarr"
    res = run_sweep(sw, scheduler=cluster.scheduler_address, out=path)  # backend "auto" -> dask
    assert (res.backend, res.workers, res.computed_points) == ("dask", 2, 400)
    assert_bitwise(local, res, sw.outputs)
    ds = open_sweep(path)
    assert ds.attrs["complete"] == 1
    np.testing.assert_array_equal(ds["spike_count"].values, local.dataset["spike_count"].values)
    # HH 1952: 20 uA/cm^2 for 100 ms fires repeatedly, 0 does not (counts 0 and > 5)
    assert ds["spike_count"].values[0] == 0 and ds["spike_count"].values[-1] > 5
    assert sw.key in cached_keys(client)


def listening_addresses() -> set:
    """IP addresses this process and its children listen on (TCP)."""
    me = psutil.Process()
    ips = set()
    for p in [me, *me.children(recursive=True)]:
        try:
            conns = p.net_connections(kind="inet") if hasattr(p, "net_connections") else p.connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        ips.update(c.laddr.ip for c in conns if c.status == psutil.CONN_LISTEN)
    return ips


def test_workers_starts_its_own_local_cluster():
    sw = steady_sweep()
    local = run_sweep(sw)
    before = set(psutil.Process().children(recursive=True))
    seen = {}

    def look(done, total):
        if done == total:  # the own cluster is up: its worker processes are children of this one
            seen["children"] = {p for p in set(psutil.Process().children(recursive=True)) - before
                                if "resource_tracker" not in " ".join(p.cmdline())}  # multiprocessing's helper
            seen["ips"] = listening_addresses()

    res = run_sweep(sw, workers=2, progress=look)
    assert (res.backend, res.workers, res.computed_points) == ("dask", 2, 12)
    assert_bitwise(local, res, sw.outputs)
    assert len(seen["children"]) == 2  # two new worker processes were started for this sweep
    assert seen["ips"] and seen["ips"] <= {"127.0.0.1"}  # loopback only: nothing reachable from the network
    # and they are gone afterwards (the own cluster is closed)
    deadline = time.monotonic() + 30
    while any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in seen["children"]):
        assert time.monotonic() < deadline, "the sweep's own cluster outlived it"
        time.sleep(0.1)


def test_resume_on_the_cluster_computes_only_missing_blocks(client, tmp_path):
    import zarr

    sw = spike_sweep(num=1200, chunk=100, duration=200.0)  # 12 blocks
    ref = run_sweep(sw)
    path = tmp_path / "x.zarr"
    k = 3
    calls = []

    def stop_after_k_blocks(done, total):
        calls.append(done)
        if len(calls) == k + 1:  # the start, then one call per finished block
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(sw, out=path, client=client, progress=stop_after_k_blocks)
    flags = np.asarray(zarr.open_group(str(path), mode="r", use_consolidated=False)["task_done"][:], dtype=bool)
    assert int(flags.sum()) == k
    finished = block_points(sw, np.flatnonzero(flags))
    assert finished == 300
    res = run_sweep(sw, out=path, client=client, resume=True)
    assert res.reused_points == finished and res.computed_points == sw.n_points - finished
    assert_bitwise(ref, res, sw.outputs)
    assert open_sweep(path).attrs["complete"] == 1


def test_killed_worker_loses_no_point(client):
    sw = spike_sweep(num=3000, chunk=100, duration=500.0)  # 30 blocks
    ref = run_sweep(sw)
    pids = client.run(os.getpid)  # worker address -> pid
    assert len(pids) == 2
    victim = sorted(pids.values())[0]
    state = {"calls": 0, "killed_at": None}

    def kill_after_first_block(done, total):
        state["calls"] += 1
        if state["calls"] == 2:  # the first block is back: both workers are busy with the next ones
            os.kill(victim, signal.SIGKILL)
            state["killed_at"] = done

    res = run_sweep(sw, client=client, progress=kill_after_first_block)
    assert state["killed_at"] is not None and state["killed_at"] < sw.n_points  # killed mid-sweep
    assert res.computed_points == sw.n_points and res.failed_points == 0
    assert_bitwise(ref, res, sw.outputs)
    # the kill really happened: that process is gone (reaped by its nanny), and the nanny started a new worker
    deadline = time.monotonic() + 30
    while psutil.pid_exists(victim) and psutil.Process(victim).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the killed worker is still running"
        time.sleep(0.1)
    client.wait_for_workers(2, timeout=60)
    assert victim not in client.run(os.getpid).values()

"""Running a sweep: its blocks evaluated in this process, on a process pool or on Dask, into memory or a
store."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from ..errors import InvalidParameter, SolverError
from .models import CONFIRM_ABOVE, COST_S, model_for, parameter_unit
from .spec import Sweep

from .store import EXTRA_NAME_BYTES, STORE_VERSION, SweepStore, open_store
from .._core.paths import check_output_file

# ---------------------------------------------------------------------------
# evaluating tasks (runs in workers too: keep it importable and picklable)
# ---------------------------------------------------------------------------

def _payload(sweep: Sweep) -> dict:
    return {"key": sweep.key, "model": sweep.model, "data": sweep._model_data(), "name": sweep.base,
            "outputs": sweep.outputs}


def evaluate_task(payload: dict, task: int, params: dict, n: int) -> tuple:
    """Evaluate one block: returns (task, {output: flat array}, [error messages])."""
    model = model_for(payload["key"], payload["model"], payload["data"], payload["name"])
    res, errors, failed = model.evaluate(params, tuple(payload["outputs"]), n)
    return task, res, errors[:3], failed


# ---------------------------------------------------------------------------
# the store
# ---------------------------------------------------------------------------

def _template(sweep: Sweep, lazy: bool):
    """The result Dataset before any work: NaN outputs, coordinates, per-task flags."""
    import xarray as xr

    coords = sweep.coords()
    data = {}
    for o in sweep.outputs:
        if lazy:
            import dask.array as da

            arr = da.full(sweep.shape, np.nan, chunks=sweep.chunks)
        else:
            arr = np.full(sweep.shape, np.nan)
        data[o] = (sweep.dims, arr, {"units": sweep.units[o]})
    ds = xr.Dataset(data, coords=coords)
    for a in sweep.axes:
        ds[a.name].attrs["parameter"] = a.parameter
        ds[a.name].attrs["scale"] = a.scale
        unit = parameter_unit(a.parameter)
        if unit:
            ds[a.name].attrs["units"] = unit
    ds.attrs.update({
        "title": sweep.title or "",
        "model": sweep.model,
        "base": sweep.base or "",
        "method": sweep.method,
        "nernst_sweep": json.dumps(sweep.as_dict(), sort_keys=True, default=str),
        "nernst_sweep_key": sweep.key,
        "nernst_store_version": STORE_VERSION,
        "fixed": json.dumps(sweep.fixed, sort_keys=True),
    })
    return ds


def open_sweep(path):
    """Open a sweep store as an xarray Dataset labelled by the axes (lazy; ``.load()`` to read it all).

    Every finished block is checked against its checksum first.  Points whose block never finished, or
    whose data is missing or does not match its checksum, read as NaN (a NernstWarning names the damaged
    blocks); ``attrs['complete']`` says whether every block is finished and sound, ``attrs['tasks_done']``
    and ``attrs['tasks_corrupt']`` count them.  :func:`nernst.sweep.store.verify_store` reports block by block.
    """
    return open_store(path)


# ---------------------------------------------------------------------------
# backends
# ---------------------------------------------------------------------------

@dataclass
class SweepResult:
    """What a sweep returns: the data, and how it was computed."""

    dataset: object
    sweep: Sweep
    backend: str
    workers: int
    computed_points: int
    reused_points: int
    failed_points: int
    errors: list
    elapsed_s: float
    store: Optional[str] = None
    compute_s: float = 0.0
    notes: list = field(default_factory=list)

    @property
    def points_per_s(self) -> float:
        """Points computed per second of the compute phase (from the first task's submission to the last result)."""
        return self.computed_points / self.compute_s if self.compute_s > 0 else float("nan")

    def balance_statement(self) -> list:
        """How each swept bath concentration keeps (or does not keep) its solution's charge balanced."""
        out = []
        for a in self.sweep.axes:
            parts = a.parameter.split(".")
            if not (len(parts) == 3 and parts[0] == "ions" and parts[2] == "outside"):
                continue
            ion = self.sweep.balance.get(a.parameter)
            if ion is not None:
                out.append(f"{a.parameter}: each change is balanced by [{ion}]o (one for one in charge)")
            else:  # only the rest model allows this: an ion table lists only some of the bath's ions
                out.append(f"{a.parameter}: not balanced (the rest model's ion table need not be neutral; the "
                           "GHK potential depends only on the permeant ions)")
        return out

    def summary(self) -> dict:
        """Plain-Python summary (the CLI's JSON): counts, timing and each output's range."""
        stats = {}
        for o in self.sweep.outputs:
            a = np.asarray(self.dataset[o].values, dtype=float)
            ok = a[np.isfinite(a)]
            stats[o] = {"unit": self.sweep.units[o], "finite": int(ok.size), "nan": int(a.size - ok.size)}
            if ok.size:
                stats[o].update(min=float(ok.min()), median=float(np.median(ok)), max=float(ok.max()))
        return {"title": self.sweep.title, "model": self.sweep.model, "base": self.sweep.base,
                "method": self.sweep.method, "dims": dict(zip(self.sweep.dims, self.sweep.shape)),
                "axes": [a.parameter for a in self.sweep.axes], "balance": self.balance_statement(),
                "points": self.sweep.n_points, "tasks": self.sweep.n_tasks, "backend": self.backend,
                "workers": self.workers, "computed_points": self.computed_points,
                "reused_points": self.reused_points, "failed_points": self.failed_points,
                "errors": self.errors, "elapsed_s": self.elapsed_s, "compute_s": self.compute_s,
                "points_per_s": self.points_per_s if self.computed_points else None,
                "store": self.store, "notes": list(self.notes), "outputs": stats}


def _pool_runner(workers: int):
    """Run tasks on a local process pool; a worker that dies takes its tasks back to the queue."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    def run(jobs, emit):
        pending = dict(jobs)  # task -> args
        restarts = 0
        # spawn (fresh interpreters: safe beside threads) unless __main__ cannot be re-imported by
        # the children (code piped to python's stdin): then fork
        import sys

        main_file = getattr(sys.modules.get("__main__"), "__file__", None)
        method = "spawn" if main_file is None or Path(main_file).is_file() else "fork"
        while pending:
            ctx = multiprocessing.get_context(method)
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
            futs = {pool.submit(evaluate_task, *args): task for task, args in pending.items()}
            try:
                while futs:
                    done, _ = wait(list(futs), return_when=FIRST_COMPLETED)
                    for f in done:
                        task = futs.pop(f)
                        out = f.result()
                        pending.pop(task, None)
                        emit(out)
                pool.shutdown()
            except BaseException as exc:
                # stop now (Ctrl+C, an error): drop the queued blocks and end the running ones
                for proc in list(getattr(pool, "_processes", {}).values()):
                    proc.terminate()
                pool.shutdown(wait=False, cancel_futures=True)
                if isinstance(exc, BrokenProcessPool):
                    restarts += 1
                    if restarts > 3:
                        raise SolverError("the process pool broke four times (workers killed or out of memory; from "
                                          "a script, the processes backend needs the code under "
                                          "if __name__ == '__main__':)") from None
                    continue
                raise
    return run


def _dask_runner(client):
    def run(jobs, emit):
        from distributed import as_completed

        futs = [client.submit(evaluate_task, *args, pure=False, key=f"nernst-{args[0]['key']}-{task}")
                for task, args in jobs.items()]
        for f in as_completed(futs):
            emit(f.result())
            f.release()
    return run


def _local_runner():
    def run(jobs, emit):
        for task, args in jobs.items():
            emit(evaluate_task(*args))
    return run


def check_size(sweep: Sweep, yes: bool) -> None:
    """Refuse a sweep above the model's confirmation size unless *yes*."""
    limit = CONFIRM_ABOVE[sweep.model]
    if sweep.n_points > limit and not yes:
        est = sweep.n_points * COST_S[sweep.model]
        raise InvalidParameter("points", InvalidParameter.NO_VALUE,
                               f"the sweep has {sweep.n_points:,} points (about {_human_s(est)} on one core), more "
                               f"than {limit:,} for the {sweep.model} model; pass --yes (yes=True) to run it")


def _human_s(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def run_sweep(sweep: Sweep, out=None, backend: str = "auto", workers: Optional[int] = None,
              scheduler: Optional[str] = None, resume: bool = False, overwrite: bool = False, yes: bool = False,
              progress: Optional[Callable[[int, int], None]] = None, client=None,
              note: Optional[Callable[[str], None]] = None) -> SweepResult:
    """Run a sweep and return its results as an xarray Dataset labelled by the axes.

    Parameters
    ----------
    sweep : Sweep
        From :func:`load_sweep` or :func:`sweep_from_dict`.
    out : path, optional
        A Zarr store (directory) that receives each block as it finishes.
    backend : {"auto", "local", "processes", "dask"}
        "local" evaluates the blocks in this process; "processes" on a local
        process pool of *workers*; "dask" on a ``dask.distributed`` cluster:
        the scheduler at *scheduler*, or a LocalCluster of *workers* processes
        on 127.0.0.1.  "auto": dask if *scheduler* or *workers* is given, else local.
    workers : int, optional
        Local worker processes (a LocalCluster on 127.0.0.1, or the process pool).
    scheduler : str, optional
        Address of a running ``dask.distributed`` scheduler (e.g. "tcp://10.0.0.5:8786").
    resume : bool
        Continue the store at *out*: only blocks without a done flag are computed.
    overwrite : bool
        Replace an existing store at *out*.
    yes : bool
        Allow a sweep above the model's confirmation size.
    progress : callable(done_points, total_points), optional
        Called after every finished block (reused blocks count at the start).
    client : dask.distributed.Client, optional
        Use this client (backend "dask").
    note : callable(str), optional
        Called with each note on the store as soon as it is known (a stale lock taken over, damaged
        blocks to recompute); they are also in the result's ``notes``.

    Every backend evaluates the same blocks with the same code: the results are
    identical, bit for bit.
    """
    if not isinstance(sweep, Sweep):
        raise InvalidParameter("sweep", sweep, "must be a Sweep (from load_sweep or sweep_from_dict)")
    if backend not in ("auto", "local", "processes", "dask"):
        raise InvalidParameter("backend", backend, "must be 'auto', 'local', 'processes' or 'dask'")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 1024):
        raise InvalidParameter("workers", workers, "must be a whole number from 1 to 1024")
    if scheduler is not None and workers is not None:
        raise InvalidParameter("workers", workers, "give a scheduler address or a number of local workers, not both")
    if backend == "auto":
        backend = "dask" if (scheduler is not None or workers is not None or client is not None) else "local"
    if backend == "processes" and scheduler is not None:
        raise InvalidParameter("scheduler", scheduler, "is for the dask backend")
    if backend == "local" and (workers not in (None, 1) or scheduler is not None):
        raise InvalidParameter("workers", workers, "the local backend runs in this process")
    if resume and out is None:
        raise InvalidParameter("resume", True, "needs a store to resume (out / --out)")
    check_size(sweep, yes)

    t0 = time.perf_counter()
    store = None
    if out is not None:
        out = Path(out)
        if out.suffix.lower() != ".zarr":
            raise InvalidParameter("out", str(out), "must be a Zarr store, a path ending in .zarr")
        check_output_file("out", out, extra_name_bytes=EXTRA_NAME_BYTES, folder_ok=True)
        store = SweepStore(out, sweep, lambda: _template(sweep, lazy=True), resume, overwrite, note)
        try:
            return _run(sweep, store, backend, workers, scheduler, progress, client, t0)
        finally:
            store.close()
    return _run(sweep, None, backend, workers, scheduler, progress, client, t0)


def _run(sweep, store, backend, workers, scheduler, progress, client, t0) -> SweepResult:
    done = store.done() if store is not None else np.zeros(sweep.n_tasks, dtype=bool)
    mem = None if store is not None else _template(sweep, lazy=False)

    def size(task):
        return int(np.prod([s.stop - s.start for s in sweep.task_slices(task)]))

    total = sweep.n_points
    reused = sum(size(t) for t in np.flatnonzero(done))
    todo = [int(t) for t in np.flatnonzero(~done)]
    coords = sweep.coords() if sweep.method != "grid" else None
    payload = _payload(sweep)
    jobs = {}
    for task in todo:
        sl, params = sweep.block_params(task, coords)
        n = int(np.prod([s.stop - s.start for s in sl]))
        params.update({k: v for k, v in sweep.fixed.items()})
        jobs[task] = (payload, task, params, n)

    state = {"done": reused, "computed": 0, "failed": 0, "errors": []}

    def emit(result):
        task, res, errors, n_err = result
        sl = sweep.task_slices(task)
        if store is not None:
            store.write(task, sl, res)
        else:
            shape = tuple(s.stop - s.start for s in sl)
            for o in sweep.outputs:
                mem[o].values[sl] = np.asarray(res[o], dtype=float).reshape(shape)
        n = size(task)
        state["done"] += n
        state["computed"] += n
        state["failed"] += n_err
        for e in errors:
            if len(state["errors"]) < 5 and e not in state["errors"]:
                state["errors"].append(e)
        if progress is not None:
            progress(state["done"], total)

    n_workers = 1
    cluster = own_client = None
    t_compute = [0.0, 0.0]

    def started():  # after every check and connection: the progress bar shows from here
        t_compute[0] = time.perf_counter()
        if progress is not None:
            progress(reused, total)

    try:
        if not jobs:
            started()
        elif backend == "local":
            started()
            _local_runner()(jobs, emit)
        elif backend == "processes":
            n_workers = workers or 2
            started()
            _pool_runner(n_workers)(jobs, emit)
        else:
            if client is None:
                client, cluster = _connect(scheduler, workers)
                own_client = client
            n_workers = len(client.scheduler_info(n_workers=-1).get("workers", {})) or 1
            started()
            _dask_runner(client)(jobs, emit)
    finally:
        t_compute[1] = time.perf_counter()
        if own_client is not None:
            own_client.close()
        if cluster is not None:
            cluster.close()
    elapsed = time.perf_counter() - t0
    if store is not None:
        ds = open_store(store.given, store.state)  # checked at the start, written since by us
    else:
        ds = mem
    compute = t_compute[1] - t_compute[0] if t_compute[0] else 0.0
    return SweepResult(ds, sweep, backend, n_workers, state["computed"], reused, state["failed"], state["errors"],
                       elapsed, None if store is None else str(store.given), compute,
                       list(store.notes) if store is not None else [])


def _connect(scheduler, workers):
    """A dask client: to *scheduler*, or to a new LocalCluster of *workers* processes on loopback."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is a dependency
        raise InvalidParameter("backend", "dask", "needs dask.distributed (pip install 'dask[distributed]')") from None
    import logging

    if scheduler is not None:
        if not isinstance(scheduler, str) or not scheduler.strip():
            raise InvalidParameter("scheduler", scheduler, "must be an address such as tcp://10.0.0.5:8786")
        try:
            return Client(scheduler, timeout="10s"), None
        except (OSError, TimeoutError) as exc:
            raise InvalidParameter("scheduler", scheduler, f"cannot connect ({' '.join(str(exc).split())[:120]})") from None
        except ValueError as exc:
            raise InvalidParameter("scheduler", scheduler, f"is not a scheduler address ({exc})") from None
    # dask's HTTP server always starts: on a free loopback port, not on 8787 (another cluster may hold it)
    cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
    return Client(cluster), cluster



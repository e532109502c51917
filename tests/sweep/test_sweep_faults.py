"""Fault injection on sweep stores: a second writer, damaged blocks, kills during creation, bad output paths.

What must hold (nernst.sweep.store's contract):

* a store in use is locked; a second writer (``--overwrite`` included) is refused with exit 2 naming the
  owner's pid, and the first writer's results are untouched; a lock whose owner was killed is stale: it is
  taken over and the take-over is reported;
* a finished block whose data file is deleted, replaced by another block's or truncated is found by its
  checksum: ``open_sweep`` reads it as NaN and warns, ``--verify`` names it, ``--resume`` recomputes it, and
  the resumed store equals a clean run bit for bit;
* a kill (SIGKILL, no clean-up) at any moment of a store's creation leaves either no store or a whole one:
  ``--resume`` then completes it, equal to a clean run;
* every output path is checked before any work.

Processes run on this machine only; every wait is on a condition with a generous ceiling.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from nernst.errors import InvalidParameter, NernstWarning
from nernst.sweep import open_sweep, run_sweep, sweep_from_dict
from nernst.sweep.store import StoreLock, verify_store
from support.sweeps import assert_bitwise as bitwise_equal

ROOT = Path(__file__).resolve().parents[2]
NERNST = [sys.executable, "-m", "nernst"]


SLOW_SWEEP = """\
title = "slow"
model = "steady"
cell = "kay2017"
chunk = 1
outputs = ["v_rest_mV"]
[[axes]]
parameter = "mechanisms.leak.K.conductance_mS_cm2"
start = 0.2
stop = 0.45
num = {num}
"""


def rest_sweep(chunk=4, num=12):
    return sweep_from_dict({
        "model": "rest", "preset": "mammalian_neuron", "chunk": chunk, "outputs": ["v_rest_mV", "E_K_mV"],
        "axes": [{"parameter": "ions.K.outside", "start": 2, "stop": 40, "num": num, "scale": "log"}]})



def chunk_file(store: Path, output: str, block: int) -> Path:
    # zarr format 2, one dimension: the chunk of block k is the file OUTPUT/k
    return store / output / str(block)


def wait_for(cond, what, ceiling_s=180.0):
    t_end = time.monotonic() + ceiling_s  # a generous ceiling for a loaded machine; the wait is on *cond*
    while not cond():
        if time.monotonic() > t_end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def cli(*args, cwd):
    return subprocess.run(NERNST + list(map(str, args)), cwd=cwd, capture_output=True, text=True, timeout=600)


# =============================================================================
# 1. a second writer
# =============================================================================

def test_a_store_in_use_refuses_a_second_writer_overwrite_included(tmp_path):
    sw = rest_sweep()
    path = tmp_path / "s.zarr"
    run_sweep(sw, out=path)
    before = open_sweep(path).load()
    with StoreLock(path):  # another writer holds it (a separate open file: flock sees two owners)
        for kwargs in ({"overwrite": True}, {"resume": True}):
            with pytest.raises(InvalidParameter) as exc:
                run_sweep(rest_sweep(num=12), out=path, **kwargs)
            assert exc.value.field == "out"
            assert "in use by another sweep" in exc.value.reason and f"pid {os.getpid()}" in exc.value.reason
        assert verify_store(path).owner["pid"] == os.getpid()
    bitwise_equal(before, open_sweep(path), sw.outputs)  # nothing of the first writer's was touched
    assert not path.with_name("s.zarr.lock").exists()  # released
    assert verify_store(path).owner is None


def test_two_cli_writers_the_second_is_refused_and_a_killed_owner_is_stale(tmp_path):
    (tmp_path / "slow.toml").write_text(SLOW_SWEEP.format(num=400))
    (tmp_path / "fast.toml").write_text(SLOW_SWEEP.format(num=400).replace('title = "slow"', 'title = "fast"')
                                        .replace("stop = 0.45", "stop = 0.5"))
    lock = tmp_path / "t.zarr.lock"
    a = subprocess.Popen(NERNST + ["sweep", "slow.toml", "--out", "t.zarr", "--json"], cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: lock.exists() or a.poll() is not None, "the first sweep's lock")
        assert a.poll() is None, a.communicate()
        owner = json.loads(lock.read_text())
        assert owner["pid"] == a.pid
        b = cli("sweep", "fast.toml", "--out", "t.zarr", "--overwrite", cwd=tmp_path)
        assert b.returncode == 2, b.stderr
        line = b.stderr.strip()
        assert "\n" not in line and "--out" in line and "in use by another sweep" in line and f"pid {a.pid}" in line
        assert "Traceback" not in b.stderr
        # the first writer is killed outright: its lock stays, but nobody holds it
        def a_block_done():
            store = tmp_path / "t.zarr"
            return (store.exists() and verify_store(store).done.any()) or a.poll() is not None

        wait_for(a_block_done, "a first block")
        a.send_signal(signal.SIGKILL)
        a.wait(timeout=60)
        assert lock.exists()
        state = verify_store(tmp_path / "t.zarr")
        assert state.owner is None and 0 < state.done.sum() < 400
        # --resume takes the stale lock over and says so; the result equals a clean run
        c = cli("sweep", "slow.toml", "--out", "t.zarr", "--resume", "--json", cwd=tmp_path)
        assert c.returncode == 0, c.stderr
        notes = json.loads(c.stdout)["notes"]
        assert any("stale lock" in n and f"pid {a.pid}" in n for n in notes), notes
    finally:
        if a.poll() is None:
            a.kill()
            a.wait(timeout=60)
    assert not lock.exists()
    d = cli("sweep", "slow.toml", "--out", "clean.zarr", cwd=tmp_path)
    assert d.returncode == 0, d.stderr
    bitwise_equal(open_sweep(tmp_path / "clean.zarr"), open_sweep(tmp_path / "t.zarr"), ["v_rest_mV"])


def test_a_lock_from_another_host_is_not_broken(tmp_path):
    sw = rest_sweep()
    path = tmp_path / "s.zarr"
    path.with_name("s.zarr.lock").write_text(json.dumps({"pid": 1234, "host": "elsewhere.example",
                                                         "started": "2026-01-01 00:00:00 UTC"}))
    with pytest.raises(InvalidParameter) as exc:
        run_sweep(sw, out=path)
    assert "pid 1234 on elsewhere.example" in exc.value.reason and "delete" in exc.value.reason
    assert not path.exists()


def test_a_stale_lock_on_this_host_is_taken_over_and_reported(tmp_path):
    import socket

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=60)
    path = tmp_path / "s.zarr"
    path.with_name("s.zarr.lock").write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(),
                                                         "started": "2026-01-01 00:00:00 UTC"}))
    res = run_sweep(rest_sweep(), out=path)
    assert res.notes and "stale lock" in res.notes[0] and f"pid {dead.pid}" in res.notes[0]
    assert open_sweep(path).attrs["complete"] == 1


# =============================================================================
# 2. integrity of blocks
# =============================================================================

@pytest.fixture()
def finished(tmp_path):
    sw = rest_sweep(chunk=4, num=12)  # 3 blocks of 4 points
    path = tmp_path / "s.zarr"
    clean = run_sweep(sw, out=path)
    assert chunk_file(path, "v_rest_mV", 1).is_file()
    return sw, path, clean


def damage(path, how):
    f1 = chunk_file(path, "v_rest_mV", 1)
    if how == "deleted":
        f1.unlink()
    elif how == "swapped":
        f1.write_bytes(chunk_file(path, "v_rest_mV", 2).read_bytes())
    elif how == "truncated":
        f1.write_bytes(f1.read_bytes()[: len(f1.read_bytes()) // 2])
    elif how == "garbage":
        f1.write_bytes(os.urandom(64))


@pytest.mark.parametrize("how", ["deleted", "swapped", "truncated", "garbage"])
def test_a_damaged_block_is_found_reported_and_recomputed(finished, how):
    sw, path, clean = finished
    damage(path, how)
    state = verify_store(path)
    assert state.blocks() == ["done", "corrupt", "done"] and list(state.corrupt) == [1]
    with pytest.warns(NernstWarning, match=r"block 1 did not match its checksum and reads as NaN"):
        ds = open_sweep(path)
    assert ds.attrs["complete"] == 0 and ds.attrs["tasks_corrupt"] == 1
    v = ds["v_rest_mV"].values
    assert np.isnan(v[4:8]).all() and np.isfinite(v[:4]).all() and np.isfinite(v[8:]).all()  # never a wrong value
    res = run_sweep(sw, out=path, resume=True)
    assert (res.reused_points, res.computed_points) == (8, 4)
    assert any("recomputing block 1: its data did not match its checksum" in n for n in res.notes), res.notes
    bitwise_equal(clean.dataset, res.dataset, sw.outputs)
    assert verify_store(path).complete


def test_a_deleted_flag_or_checksum_makes_the_block_be_recomputed(finished):
    sw, path, clean = finished
    (path / "task_digest" / "2").unlink()
    state = verify_store(path)
    assert state.blocks() == ["done", "done", "corrupt"]
    (path / "task_done" / "0").unlink()
    assert verify_store(path).blocks() == ["missing", "done", "corrupt"]
    res = run_sweep(sw, out=path, resume=True)
    assert res.computed_points == 8
    bitwise_equal(clean.dataset, res.dataset, sw.outputs)


def test_verify_cli_reports_every_block(finished):
    sw, path, clean = finished
    damage(path, "swapped")
    r = cli("sweep", "--verify", path, "--json", cwd=path.parent)
    assert r.returncode == 3, r.stderr
    rep = json.loads(r.stdout)
    assert rep["blocks"] == ["done", "corrupt", "done"] and rep["complete"] is False
    assert rep["corrupt"] == {"1": "its data does not match its checksum (missing, changed or another block's)"}
    r = cli("sweep", "--verify", path, cwd=path.parent)
    assert r.returncode == 3 and "corrupt: block 1" in r.stdout, r.stdout
    run_sweep(sw, out=path, resume=True)
    r = cli("sweep", "--verify", path, cwd=path.parent)
    assert r.returncode == 0 and "3 of 3 blocks done and verified" in r.stdout, r.stdout


def test_verify_takes_no_other_option(finished):
    sw, path, clean = finished
    r = cli("sweep", "--verify", path, "--csv", "t.csv", cwd=path.parent)
    assert r.returncode == 2 and "--verify: checks a store on its own" in r.stderr and "--csv" in r.stderr


def test_verify_refuses_what_is_not_a_store(tmp_path):
    (tmp_path / "x.zarr").mkdir()
    for target in ("x.zarr", "nothere.zarr"):
        r = cli("sweep", "--verify", target, cwd=tmp_path)
        assert r.returncode == 2 and r.stderr.startswith("nernst: error: --verify:"), r.stderr


# =============================================================================
# 3. kills during creation
# =============================================================================

KILLER = textwrap.dedent("""\
    import os, signal, sys
    import zarr, xarray
    stage = sys.argv[1]
    def die():
        os.kill(os.getpid(), signal.SIGKILL)
    def after(obj, name):
        original = getattr(obj, name)
        def patched(*a, **k):
            out = original(*a, **k)
            die()
            return out
        setattr(obj, name, patched)
    if stage == "template":  # the metadata of the outputs written, no flags yet
        after(xarray.Dataset, "to_zarr")
    elif stage == "flags":  # the first flag array made
        after(zarr.Group, "create_array")
    elif stage == "rename":  # just before the finished store is renamed into place
        real = os.rename
        os.rename = lambda *a, **k: die()
    elif stage == "first-block":  # the first block's data written, not its checksum
        import nernst.sweep.store as ss
        real_digest = ss.block_digest
        ss.block_digest = lambda *a, **k: die()
    from nernst.cli import main
    sys.exit(main(sys.argv[2:]))
""")


@pytest.mark.parametrize("overwrite", [False, True])
@pytest.mark.parametrize("stage", ["template", "flags", "rename", "first-block"])
def test_a_kill_during_creation_leaves_a_store_that_resume_completes(tmp_path, stage, overwrite):
    (tmp_path / "s.toml").write_text(textwrap.dedent("""\
        model = "rest"
        preset = "mammalian_neuron"
        chunk = 3
        outputs = ["v_rest_mV"]
        [[axes]]
        parameter = "ions.Na.permeability"
        start = 0.01
        stop = 0.1
        num = 9
        """))
    (tmp_path / "kill.py").write_text(KILLER)
    ref = cli("sweep", "s.toml", "--out", "ref.zarr", cwd=tmp_path)
    assert ref.returncode == 0, ref.stderr
    if overwrite:  # an old store of another sweep is being replaced
        (tmp_path / "old.toml").write_text((tmp_path / "s.toml").read_text().replace("num = 9", "num = 4"))
        assert cli("sweep", "old.toml", "--out", "s.zarr", cwd=tmp_path).returncode == 0
    args = ["sweep", "s.toml", "--out", "s.zarr"] + (["--overwrite"] if overwrite else [])
    k = subprocess.run([sys.executable, "kill.py", stage] + args, cwd=tmp_path, capture_output=True, text=True,
                       timeout=600)
    assert k.returncode == -signal.SIGKILL, (k.returncode, k.stderr)
    assert (tmp_path / "s.zarr.lock").exists()  # killed holding it
    if (tmp_path / "s.zarr").exists() and stage != "first-block" and overwrite:
        # before the rename, the old store is still the old sweep's, whole: resume refuses it, not corrupts it
        r = cli("sweep", "s.toml", "--out", "s.zarr", "--resume", cwd=tmp_path)
        assert r.returncode == 2 and "different sweep" in r.stderr, r.stderr
        r = cli("sweep", "s.toml", "--out", "s.zarr", "--overwrite", cwd=tmp_path)
    else:
        r = cli("sweep", "s.toml", "--out", "s.zarr", "--resume", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    bitwise_equal(open_sweep(tmp_path / "ref.zarr"), open_sweep(tmp_path / "s.zarr"), ["v_rest_mV"])
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".nernst-")]  # no leftovers
    assert not (tmp_path / "s.zarr.lock").exists()


def test_kills_at_random_moments_never_leave_a_store_resume_cannot_finish(tmp_path):
    """SIGKILLs at spread-out moments of a run (six of them, bounded): whenever it lands, --resume finishes
    the store and the result equals a clean run. The moments are not asserted: any moment must do."""
    (tmp_path / "s.toml").write_text(SLOW_SWEEP.format(num=6))
    assert cli("sweep", "s.toml", "--out", "ref.zarr", cwd=tmp_path).returncode == 0
    for i, delay in enumerate((0.3, 0.8, 1.5, 2.5, 4.0, 6.0)):
        p = subprocess.Popen(NERNST + ["sweep", "s.toml", "--out", f"k{i}.zarr"], cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            p.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=60)
        r = cli("sweep", "s.toml", "--out", f"k{i}.zarr", "--resume", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        bitwise_equal(open_sweep(tmp_path / "ref.zarr"), open_sweep(tmp_path / f"k{i}.zarr"), ["v_rest_mV"])


def test_a_store_without_its_flag_array_is_refused_not_rebuilt(tmp_path):
    """The store's own arrays gone (not a block's damage): --resume refuses and deletes nothing; its sweep
    run again with --overwrite starts afresh."""
    import shutil

    sw = rest_sweep()
    path = tmp_path / "s.zarr"
    clean = run_sweep(sw, out=path)
    shutil.rmtree(path / "task_done")
    files = sorted(p.relative_to(path) for p in path.rglob("*"))
    with pytest.raises(InvalidParameter) as exc:
        run_sweep(sw, out=path, resume=True)
    assert exc.value.field == "out" and "damaged beyond its blocks" in exc.value.reason
    assert "--overwrite" in exc.value.reason
    assert sorted(p.relative_to(path) for p in path.rglob("*")) == files  # nothing deleted
    bitwise_equal(clean.dataset, run_sweep(sw, out=path, overwrite=True).dataset, sw.outputs)


def test_a_kill_between_the_renames_of_overwrite_loses_nothing(tmp_path):
    """Killed after the old store was set aside and before the new one was renamed in: the next run puts
    the old store back first (with a note), and --overwrite then replaces it."""
    import os as _os

    old_sweep, new_sweep = rest_sweep(num=8), rest_sweep(num=12)
    path = tmp_path / "s.zarr"
    old = run_sweep(old_sweep, out=path)
    from nernst.sweep.store import _hidden

    aside = _hidden(path, "old")
    _os.rename(path, aside)  # the state the kill left
    with pytest.raises(InvalidParameter, match="interrupted --overwrite"):
        verify_store(path)
    with pytest.raises(InvalidParameter, match="different sweep"):  # put back, then refused: it is not this sweep
        run_sweep(new_sweep, out=path, resume=True)
    bitwise_equal(old.dataset, open_sweep(path), old_sweep.outputs)
    res = run_sweep(new_sweep, out=path, overwrite=True)
    assert res.computed_points == 12 and not aside.exists()


def test_a_store_reached_through_a_link_has_one_lock(tmp_path):
    sw = rest_sweep()
    real = tmp_path / "real"
    real.mkdir()
    run_sweep(sw, out=real / "s.zarr")
    link = tmp_path / "link.zarr"
    link.symlink_to(real / "s.zarr")
    with StoreLock(real / "s.zarr"):
        for kwargs in ({"resume": True}, {"overwrite": True}):
            with pytest.raises(InvalidParameter, match="in use by another sweep"):
                run_sweep(sw, out=link, **kwargs)
    res = run_sweep(sw, out=link, overwrite=True)  # replaces the folder the link points to, keeps the link
    assert link.is_symlink() and res.computed_points == sw.n_points
    assert not (real / "s.zarr.lock").exists() and not (tmp_path / "link.zarr.lock").exists()


def test_a_block_of_negative_nan_is_sound():
    """0/0 gives a NaN with its sign bit set; Zarr does not write an all-NaN chunk and reads it back as its
    fill value (+NaN): the checksum must not tell the two apart."""
    from nernst.sweep.store import block_digest

    with np.errstate(invalid="ignore"):
        neg = np.zeros(3) / np.zeros(3)
    assert np.signbit(neg).all()
    assert block_digest("k", 0, {"v": neg}) == block_digest("k", 0, {"v": np.full(3, np.nan)})
    assert block_digest("k", 0, {"v": neg}) != block_digest("k", 1, {"v": neg})  # the block's number counts


@pytest.mark.parametrize("how", ["swapped", "truncated"])
def test_damaged_coordinates_are_reported_refused_and_rewritten(tmp_path, how):
    sw, other = rest_sweep(num=12), sweep_from_dict({
        "model": "rest", "preset": "mammalian_neuron", "chunk": 4, "outputs": ["v_rest_mV", "E_K_mV"],
        "axes": [{"parameter": "ions.K.outside", "start": 3, "stop": 30, "num": 12}]})
    path, donor = tmp_path / "s.zarr", tmp_path / "d.zarr"
    clean = run_sweep(sw, out=path)
    run_sweep(other, out=donor)
    coord = path / "ions.K.outside" / "0"
    if how == "swapped":  # the axis values of another store: every number would sit at the wrong K_o
        coord.write_bytes((donor / "ions.K.outside" / "0").read_bytes())
    else:
        coord.write_bytes(coord.read_bytes()[:10])
    state = verify_store(path)
    assert state.coords is not None and not state.complete and state.done.all()
    r = cli("sweep", "--verify", path, cwd=tmp_path)
    assert r.returncode == 3 and "damaged: its coordinates" in r.stdout, r.stdout
    with pytest.raises(InvalidParameter, match="coordinates"):
        open_sweep(path)
    res = run_sweep(sw, out=path, resume=True)
    assert res.computed_points == 0 and any("rewrote the store's coordinates" in n for n in res.notes)
    bitwise_equal(clean.dataset, open_sweep(path), sw.outputs)
    np.testing.assert_array_equal(open_sweep(path)["ions.K.outside"].values, clean.dataset["ions.K.outside"].values)


def test_writers_racing_for_one_stale_lock_never_blame_the_dead_owner(tmp_path):
    """Three processes take over the same stale lock at once, ten times: exactly one wins each time, and a
    loser names the winner, never the dead pid (whose lock file is no longer there to delete)."""
    import multiprocessing
    import socket

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=60)
    ctx = multiprocessing.get_context("fork")
    for round_ in range(10):
        store = tmp_path / f"r{round_}.zarr"
        store.with_name(store.name + ".lock").write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname()}))
        start, results = ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_race, args=(store, start, results)) for _ in range(3)]
        for p in procs:
            p.start()
        start.set()
        outcome = [results.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(timeout=120)
        assert sum(o == "won" for o in outcome) == 1, outcome
        assert not any(f"pid {dead.pid} " in o for o in outcome), outcome


def _race(store, start, results):
    start.wait(60)
    try:
        lock = StoreLock(store).acquire()
    except InvalidParameter as exc:
        results.put(str(exc))
        return
    results.put("won")
    time.sleep(0.5)  # hold it while the others look
    lock.release()


def test_a_forked_child_does_not_hold_the_parents_lock(tmp_path):
    """A process pool started by fork (code piped to python) inherits open files: the lock's descriptor is
    closed in the child, so that a killed parent leaves a stale lock, not one held by its orphans."""
    from nernst.sweep.store import _HELD

    with StoreLock(tmp_path / "s.zarr") as lock:
        fd = lock._fd
        assert fd in _HELD
        pid = os.fork()
        if pid == 0:
            try:
                os.fstat(fd)
                os._exit(1)  # still open in the child
            except OSError:
                os._exit(0 if not _HELD else 2)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0


# =============================================================================
# 4. output paths are checked before the work
# =============================================================================

LONG = "a" * 300


@pytest.mark.parametrize("args, flag", [
    (["--csv", "nodir/t.csv"], "--csv"),
    (["--csv", LONG + ".csv"], "--csv"),
    (["--plot", LONG + ".png"], "--plot"),
    (["--plot", "nodir/p.png"], "--plot"),
    (["--out", LONG + ".zarr"], "--out"),
    (["--out", "a" * 252 + ".zarr"], "--out"),  # fits alone, but not with its lock file's ".lock"
    (["--out", "nodir/s.zarr"], "--out"),
    (["--csv", "."], "--csv"),
])
def test_bad_output_paths_stop_the_sweep_before_any_work(tmp_path, args, flag):
    (tmp_path / "s.toml").write_text(SLOW_SWEEP.format(num=400))  # minutes of work if it started
    r = cli("sweep", "s.toml", *args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"nernst: error: {flag}:") and r.stderr.count("\n") == 1, r.stderr
    assert "internal error" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]  # nothing made


def test_a_folder_that_cannot_be_written_is_refused_before_the_work(tmp_path):
    (tmp_path / "s.toml").write_text(SLOW_SWEEP.format(num=400))
    r = cli("sweep", "s.toml", "--csv", "/proc/t.csv", cwd=tmp_path)  # not writable, even for root
    assert r.returncode == 2 and r.stderr.startswith("nernst: error: --csv:"), r.stderr


def test_the_checks_change_no_file_and_leave_none_behind(tmp_path):
    (tmp_path / "s.toml").write_text(SLOW_SWEEP.format(num=400))
    (tmp_path / "old.csv").write_text("an earlier table\n")
    r = cli("sweep", "s.toml", "--csv", "old.csv", "--plot", "new.png", "--out", "nodir/s.zarr", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("nernst: error: --out:"), r.stderr
    assert (tmp_path / "old.csv").read_text() == "an earlier table\n"  # opened to check, not truncated
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.csv", "s.toml"]  # no probe, no new.png

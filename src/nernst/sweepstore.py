"""The sweep's result store: a Zarr folder written block by block, safe against kills, corruption and a
second writer.

* **One writer.** A store in use is locked: ``NAME.zarr.lock`` beside it holds the owner's pid, host and
  start time, and the owner holds an ``flock`` on it, which the kernel releases when the process dies
  (even by SIGKILL).  A second writer (``--overwrite`` included) is refused, naming the owner; a lock whose
  owner is gone is *stale* and is taken over, and the take-over is reported.
* **Atomic creation.** A new store is built under a hidden name and renamed into place, so a kill during
  creation never leaves a half-made store under the user's name (a half-made store of an older version
  is recognised and rebuilt by ``--resume``).
* **Checksums.** Each block's done flag comes with a checksum (BLAKE2b) of the sweep's key, the block's
  number and its data.  Reading a store (``open_sweep``), resuming it and ``nernst sweep --verify`` check
  every finished block against it: a block whose data is missing, truncated or swapped is reported (and
  reads as NaN) or recomputed, never returned as a result.

Blocks are the store's chunks; block *k* is chunk ``numpy.unravel_index(k, grid)``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from .errors import InvalidParameter, NernstWarning

__all__ = ["StoreLock", "SweepStore", "open_store", "verify_store", "block_slices", "STORE_VERSION"]

#: 2: per-block checksums (``task_digest``), atomic creation, the lock file.
STORE_VERSION = 2
LOCK_SUFFIX = ".lock"
#: Bytes a store's name needs beside it (its lock file's suffix).
EXTRA_NAME_BYTES = len(LOCK_SUFFIX)
_FLAGS = "task_done"
_DIGESTS = "task_digest"


# ---------------------------------------------------------------------------
# blocks
# ---------------------------------------------------------------------------

def block_grid(shape, chunks) -> tuple:
    return tuple(-(-s // c) for s, c in zip(shape, chunks))


def block_slices(shape, chunks, task: int) -> tuple:
    """The region of block *task* (C order over the chunk grid)."""
    idx = np.unravel_index(int(task), block_grid(shape, chunks))
    return tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, chunks, shape))


def block_digest(key: str, task: int, blocks: dict) -> int:
    """Checksum of one block: the sweep's key, the block's number, each output's name and float64 data."""
    h = hashlib.blake2b(digest_size=8)
    h.update(key.encode())
    h.update(int(task).to_bytes(8, "little"))
    for name in sorted(blocks):
        h.update(name.encode() + b"\0")
        h.update(np.ascontiguousarray(blocks[name], dtype="<f8").tobytes())
    return int.from_bytes(h.digest(), "little") or 1  # 0 is the fill value: "no checksum"


# ---------------------------------------------------------------------------
# the lock
# ---------------------------------------------------------------------------

def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    except (OSError, OverflowError, ValueError):
        return False
    return True


def _describe(info: dict) -> str:
    return (f"pid {info.get('pid', '?')} on {info.get('host', '?')}, since {info.get('started', '?')}"
            + (f", running {info['command']!r}" if info.get("command") else ""))


class StoreLock:
    """The lock of one store: ``NAME.zarr.lock`` beside it, with the owner's pid, host and start time."""

    def __init__(self, store: Path, field: str = "out"):
        self.store = Path(store)
        self.path = self.store.with_name(self.store.name + LOCK_SUFFIX)
        self.field = field
        self._fd: Optional[int] = None
        self.stale: Optional[str] = None  # the stale lock taken over, described

    @staticmethod
    def read(path: Path) -> dict:
        try:
            return json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def owner(self) -> Optional[dict]:
        """The live owner of the lock (its info), or None when nobody holds it."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        except OSError:
            return self.read(self.path) or {"pid": "?"}
        try:
            return self._held_by(fd)
        finally:
            os.close(fd)

    def _held_by(self, fd: int, keep: bool = False) -> Optional[dict]:
        """The owner's info if someone holds the lock on *fd*'s file; None if nobody does (then, with
        *keep*, this process holds it until *fd* is closed)."""
        import fcntl

        info = self.read(self.path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return info or {"pid": "?"}
        except OSError:  # no flock on this file system: judge by the pid on this host
            if info.get("host") == socket.gethostname() and isinstance(info.get("pid"), int):
                return info if _pid_alive(info["pid"]) else None
            return info or {"pid": "?"}
        if not keep:
            fcntl.flock(fd, fcntl.LOCK_UN)
        if info.get("host") not in (None, socket.gethostname()):
            return info  # another machine's lock: its flock may not reach us, so it is not ours to break
        return None

    def acquire(self) -> "StoreLock":
        import fcntl

        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "command": " ".join(sys.argv)[:200]}
        folder = self.path.parent
        tmp = folder / f".nernst-lock-{os.getpid()}-{os.urandom(4).hex()}"
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, json.dumps(info).encode())
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                pass  # no flock here: the pid and host decide
            for _ in range(5):
                try:
                    os.link(tmp, self.path)  # atomic: the lock appears whole, already flocked
                except FileExistsError:
                    self._break_if_stale()
                    continue
                except OSError:  # no hard links on this file system: create the lock file in place
                    try:
                        direct = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
                    except FileExistsError:
                        self._break_if_stale()
                        continue
                    os.write(direct, json.dumps(info).encode())
                    try:
                        fcntl.flock(direct, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except OSError:
                        pass
                    os.close(fd)
                    fd = direct
                self._fd, fd = fd, None
                return self
            raise InvalidParameter(self.field, str(self.store), "its lock keeps changing hands; try again")
        finally:
            if fd is not None:
                os.close(fd)
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def _break_if_stale(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return  # released meanwhile: try again
        try:
            owner = self._held_by(fd, keep=True)
            if owner is not None:
                raise InvalidParameter(
                    self.field, str(self.store),
                    f"is in use by another sweep ({_describe(owner)}); wait for it to finish or choose another "
                    f"path (if it no longer runs, delete {self.path})")
            info = self.read(self.path)
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                return
            if same:
                try:
                    os.unlink(self.path)
                except FileNotFoundError:
                    return
                self.stale = (f"took over the stale lock {self.path.name} of a sweep that no longer runs "
                              f"({_describe(info)})")
        finally:
            os.close(fd)

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            if os.stat(self.path).st_ino == os.fstat(self._fd).st_ino:
                os.unlink(self.path)
        except OSError:
            pass
        os.close(self._fd)
        self._fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


# ---------------------------------------------------------------------------
# reading and checking a store
# ---------------------------------------------------------------------------

def _read_flags(array) -> np.ndarray:
    """Flags or checksums of a store; an entry that cannot be read (a torn write) counts as 0."""
    try:
        return np.asarray(array[:])
    except Exception:  # noqa: BLE001 - read them one by one
        out = np.zeros(array.shape[0], dtype=array.dtype)
        for i in range(array.shape[0]):
            try:
                out[i] = array[i]
            except Exception:  # noqa: BLE001
                out[i] = 0
        return out


#: Points read at once while checking a store (bounds the memory of a check, whatever the store's size).
SLAB_POINTS = 4_000_000


def _slabs(shape, chunks):
    """Runs of whole block rows along the first axis, each at most SLAB_POINTS (or one block row)."""
    row = int(np.prod([c for c in chunks[:1]] + list(shape[1:]), dtype=np.int64)) or 1
    step = max(1, SLAB_POINTS // row) * chunks[0]
    for start in range(0, shape[0], step):
        yield slice(start, min(start + step, shape[0]))


def _read_region(array, region, shape, chunks, grid):
    """The data of *region* (whole blocks) and the blocks in it that cannot be read (truncated, garbage)."""
    try:
        return np.asarray(array[region], dtype=float), set()
    except Exception:  # noqa: BLE001 - read it block by block
        out = np.full(tuple(r.stop - r.start for r in region), np.nan)
        bad = set()
        lo = [r.start // c for r, c in zip(region, chunks)]
        hi = [-(-r.stop // c) for r, c in zip(region, chunks)]
        for idx in np.ndindex(*[h - l for l, h in zip(lo, hi)]):
            t = int(np.ravel_multi_index([i + l for i, l in zip(idx, lo)], grid))
            sl = block_slices(shape, chunks, t)
            local = tuple(slice(s_.start - r.start, s_.stop - r.start) for s_, r in zip(sl, region))
            try:
                out[local] = array[sl]
            except Exception:  # noqa: BLE001
                bad.add(t)
        return out, bad


@dataclass
class StoreState:
    """What a store holds, block by block."""

    path: str
    key: str
    version: int
    outputs: tuple
    shape: tuple
    chunks: tuple
    done: np.ndarray  # flag set and checksum matches
    corrupt: dict = field(default_factory=dict)  # task -> why (flag set, data missing or not matching)
    owner: Optional[dict] = None  # a live writer, if any

    @property
    def tasks(self) -> int:
        return int(self.done.size)

    @property
    def complete(self) -> bool:
        return bool(self.done.all())

    def blocks(self) -> list:
        """Each block's state: "done", "corrupt" or "missing" (never finished)."""
        return ["done" if d else ("corrupt" if i in self.corrupt else "missing") for i, d in enumerate(self.done)]


def _structure(group, path: str) -> tuple:
    """(outputs, shape, chunks) of a store's group."""
    try:
        outputs = tuple(json.loads(group.attrs["nernst_sweep"])["outputs"])
        first = group[outputs[0]]
    except (KeyError, TypeError, ValueError, IndexError):
        raise InvalidParameter("store", path, "is not a nernst sweep store (its outputs are not recorded)") from None
    return outputs, tuple(first.shape), tuple(first.chunks)


def check_group(group, path: str, key: Optional[str] = None, data: bool = True) -> StoreState:
    """Verify every finished block of an open store group against its checksum."""
    attrs = dict(group.attrs)
    version = int(attrs.get("nernst_store_version", 1))
    key = attrs.get("nernst_sweep_key", "") if key is None else key
    outputs, shape, chunks = _structure(group, path)
    flags = _read_flags(group[_FLAGS]).astype(bool)
    if version < 2 or _DIGESTS not in group:
        raise InvalidParameter("store", path, "was written by an older nernst, without block checksums; run its "
                               "sweep again with --overwrite")
    digests = _read_flags(group[_DIGESTS]).astype(np.uint64)
    corrupt = {}
    if data and flags.any():
        grid = block_grid(shape, chunks)
        for slab in _slabs(shape, chunks):
            region = (slab,) + tuple(slice(0, n) for n in shape[1:])
            first, last = slab.start // chunks[0], -(-slab.stop // chunks[0])
            tasks = [t for t in range(int(np.ravel_multi_index((first,) + (0,) * (len(grid) - 1), grid)),
                                      int(np.ravel_multi_index((last - 1,) + tuple(g - 1 for g in grid[1:]), grid)) + 1)
                     if flags[t]]
            if not tasks:
                continue
            blocks = {}
            for o in outputs:
                blocks[o], bad = _read_region(group[o], region, shape, chunks, grid)
                for t in bad:
                    corrupt.setdefault(t, f"the data of {o} cannot be read")
            for t in tasks:
                if t in corrupt:
                    continue
                if digests[t] == 0:
                    corrupt[t] = "its checksum is missing"
                    continue
                sl = block_slices(shape, chunks, t)
                local = (slice(sl[0].start - slab.start, sl[0].stop - slab.start),) + sl[1:]
                if block_digest(key, t, {o: blocks[o][local] for o in outputs}) != int(digests[t]):
                    corrupt[t] = "its data does not match its checksum (missing, changed or another block's)"
    done = flags.copy()
    done[list(corrupt)] = False
    return StoreState(path, key, version, outputs, shape, chunks, done, corrupt)


def _open_group(path: Path, mode: str, field: str):
    import zarr

    if not (path / ".zgroup").exists() and not (path / "zarr.json").exists():
        raise InvalidParameter(field, str(path), "is not a nernst sweep store (no Zarr group)")
    try:
        g = zarr.open_group(str(path), mode=mode, use_consolidated=False)
        attrs = dict(g.attrs)
    except Exception as exc:  # noqa: BLE001 - anything unreadable is not a store of ours
        raise InvalidParameter(field, str(path), f"is not a nernst sweep store ({type(exc).__name__})") from None
    if "nernst_sweep_key" not in attrs:
        raise InvalidParameter(field, str(path), "is not a nernst sweep store (no sweep recorded in it)")
    return g


def verify_store(path) -> StoreState:
    """Check every block of the store at *path* (``nernst sweep --verify``)."""
    p = Path(path)
    from .paths import exists

    if not exists(p):
        raise InvalidParameter("store", str(path), "not found")
    g = _open_group(p, "r", "store")
    try:
        state = check_group(g, str(path))
    except InvalidParameter:
        raise
    except Exception as exc:  # noqa: BLE001 - a store missing its flag arrays
        raise InvalidParameter("store", str(path), f"is damaged beyond its blocks ({type(exc).__name__}: "
                               f"{' '.join(str(exc).split())[:80]})") from None
    state.owner = StoreLock(p).owner()
    return state


def open_store(path, state: Optional[StoreState] = None):
    """The store as an xarray Dataset; blocks not finished or not matching their checksum read as NaN.

    *state*: what the writer that just closed the store knows of it (its blocks checked when it was
    opened, the rest written by itself under the lock), so that a finished run does not read it all again."""
    import warnings

    import xarray as xr

    state = verify_store(path) if state is None else state
    try:
        ds = xr.open_zarr(str(path), consolidated=True, chunks={})  # dask chunks = the store's blocks
    except Exception as exc:  # noqa: BLE001
        raise InvalidParameter("store", str(path), f"is not a nernst sweep store ({type(exc).__name__})") from None
    ds = ds.drop_vars([v for v in (_FLAGS, _DIGESTS) if v in ds.variables])
    if not state.complete:
        for v in state.outputs:
            ds[v] = (ds[v].dims, _without_blocks(ds[v].data, state), ds[v].attrs)
    if state.corrupt:
        one = len(state.corrupt) == 1
        which = "its checksum and reads" if one else "their checksums and read"
        warnings.warn(f"{path}: {_blocks_phrase(state.corrupt)} did not match {which} as NaN (the sweep run again "
                      f"with --out {path} --resume recomputes {'it' if one else 'them'})", NernstWarning, stacklevel=3)
    ds.attrs["complete"] = int(state.complete)
    ds.attrs["tasks_done"] = int(state.done.sum())
    ds.attrs["tasks"] = state.tasks
    ds.attrs["tasks_corrupt"] = len(state.corrupt)
    if state.owner is not None:
        ds.attrs["in_use_by"] = _describe(state.owner)
    return ds


def _without_blocks(arr, state: StoreState):
    """The dask array *arr* with every block not done replaced by NaN, so that it is never read (a truncated
    chunk cannot be decoded)."""
    import dask.array as da

    grid = block_grid(state.shape, state.chunks)
    if arr.numblocks != grid:
        arr = arr.rechunk(state.chunks)
    blocks = np.empty(grid, dtype=object)
    for idx in np.ndindex(*grid):
        blocks[idx] = arr.blocks[idx]
    for t in np.flatnonzero(~state.done):
        sl = block_slices(state.shape, state.chunks, t)
        blocks[np.unravel_index(int(t), grid)] = da.full(tuple(s.stop - s.start for s in sl), np.nan)
    return da.block(blocks.tolist())


def _blocks_phrase(tasks) -> str:
    """'block 3' or '4 blocks (0-2, 7)'."""
    ids = sorted(int(t) for t in tasks)
    return f"block {ids[0]}" if len(ids) == 1 else f"{len(ids)} blocks ({ranges(ids)})"


def ranges(ids) -> str:
    """'0-3, 7, 9-10' for [0, 1, 2, 3, 7, 9, 10]."""
    out, ids = [], sorted(ids)
    i = 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        out.append(str(ids[i]) if i == j else f"{ids[i]}-{ids[j]}")
        i = j + 1
    return ", ".join(out)


# ---------------------------------------------------------------------------
# writing a store
# ---------------------------------------------------------------------------

def _hidden(store: Path, what: str) -> Path:
    """A hidden sibling of the store for building or retiring it (fixed length, whatever the name)."""
    tag = hashlib.sha256(store.name.encode()).hexdigest()[:12]
    return store.with_name(f".nernst-{what}-{tag}")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()


class SweepStore:
    """A store open for writing by this process, under its lock.

    *layout* is the sweep (``key``, ``outputs``, ``shape``, ``chunks``, ``n_tasks``); *template* makes the
    empty Dataset (NaN outputs, coordinates and attributes) when the store is created.
    """

    def __init__(self, path: Path, layout, template, resume: bool, overwrite: bool):
        self.path = Path(path)
        self.layout = layout
        self.notes: list = []
        self.lock = StoreLock(self.path).acquire()
        try:
            self._open(template, resume, overwrite)
        except BaseException:
            self.lock.release()
            raise
        if self.lock.stale:
            self.notes.insert(0, self.lock.stale)

    def _open(self, template, resume, overwrite):
        import zarr

        path, layout = self.path, self.layout
        for leftover in (_hidden(path, "new"), _hidden(path, "old")):  # a kill's leftovers: ours, under the lock
            _remove(leftover)
        if path.exists() and not resume and not overwrite:
            raise InvalidParameter("out", str(path), "exists; resume it (--resume) or choose another path")
        if path.exists() and not path.is_dir():
            raise InvalidParameter("out", str(path), "exists and is not a Zarr store; not overwriting it")
        state = None
        if resume and path.exists():
            g = _open_group(path, "r+", "out")
            if g.attrs.get("nernst_sweep_key") != layout.key:
                raise InvalidParameter("out", str(path), "holds a different sweep (its file, base or axes "
                                       "changed); choose another path")
            try:
                state = check_group(g, str(path), key=layout.key)
            except InvalidParameter:
                raise
            except Exception:  # noqa: BLE001 - half made (a kill during an older nernst's creation): rebuild
                self.notes.append("the store was half made (its creation was interrupted); it was rebuilt")
                state = None
            else:
                self.group = g
        elif path.exists():
            if not (path / ".zgroup").exists() and not (path / "zarr.json").exists():
                raise InvalidParameter("out", str(path), "exists and is not a Zarr store; not overwriting it")
        if state is None:
            self._create(template)
            state = check_group(self.group, str(path), key=layout.key, data=False)
        elif state.corrupt:
            self._clear(state.corrupt)
            one = len(state.corrupt) == 1
            self.notes.append(f"recomputing {_blocks_phrase(state.corrupt)}: {'its' if one else 'their'} data "
                              f"did not match {'its checksum' if one else 'their checksums'}")
        self.state = state
        self.arrays = {o: self.group[o] for o in layout.outputs}
        self.flags = self.group[_FLAGS]
        self.digests = self.group[_DIGESTS]

    def _create(self, template) -> None:
        """Build the store under a hidden name, then rename it into place (replacing an old one)."""
        import zarr

        new, old = _hidden(self.path, "new"), _hidden(self.path, "old")
        ds = template()
        ds.to_zarr(str(new), mode="w", compute=False, zarr_format=2, consolidated=True)
        g = zarr.open_group(str(new), mode="r+", use_consolidated=False)
        n = self.layout.n_tasks
        g.create_array(_FLAGS, shape=(n,), chunks=(1,), dtype="uint8", fill_value=0)
        g.create_array(_DIGESTS, shape=(n,), chunks=(1,), dtype="uint64", fill_value=0)
        if self.path.exists():
            os.rename(self.path, old)
        os.rename(new, self.path)
        _remove(old)
        self.group = zarr.open_group(str(self.path), mode="r+", use_consolidated=False)

    def _clear(self, tasks) -> None:
        """Remove the flags and chunk files of blocks about to be recomputed (a truncated chunk cannot be
        rewritten in place: Zarr would read it first)."""
        for t in tasks:
            self.group[_FLAGS][t] = 0
            self.group[_DIGESTS][t] = 0
            idx = np.unravel_index(int(t), block_grid(self.layout.shape, self.layout.chunks))
            for o in self.layout.outputs:
                sep = self.group[o].metadata.dimension_separator if hasattr(self.group[o].metadata,
                                                                           "dimension_separator") else "."
                chunk = self.path / o / (sep or ".").join(str(int(i)) for i in idx)
                try:
                    chunk.unlink()
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    if exc.errno != errno.ENOENT:
                        raise

    def done(self) -> np.ndarray:
        return self.state.done.copy()

    def write(self, task: int, sl: tuple, res: dict) -> None:
        """Data first, then its checksum, then the flag: a block without both is recomputed on resume."""
        shape = tuple(s.stop - s.start for s in sl)
        blocks = {o: np.asarray(res[o], dtype=float).reshape(shape) for o in self.layout.outputs}
        for o, arr in self.arrays.items():
            arr[sl] = blocks[o]
        self.digests[task] = block_digest(self.layout.key, task, blocks)
        self.flags[task] = 1
        self.state.done[task] = True
        self.state.corrupt.pop(task, None)

    def finished_state(self) -> StoreState:
        """The store's state as this writer leaves it (for :func:`open_store`)."""
        return self.state

    def close(self) -> None:
        self.lock.release()

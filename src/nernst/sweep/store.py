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

from ..errors import InvalidParameter, NernstWarning
from .._core.paths import exists

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
        a = np.asarray(blocks[name], dtype="<f8")
        a = np.where(np.isnan(a), np.nan, a)  # one NaN: a NaN chunk Zarr never wrote reads back as its fill value
        h.update(name.encode() + b"\0")
        h.update(np.ascontiguousarray(a, dtype="<f8").tobytes())
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


_HELD: set = set()  # lock descriptors this process holds (closed in a forked child: the lock is the parent's)


def _close_held_in_child() -> None:
    for fd in list(_HELD):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_in_child)


def _read_fd(fd: int) -> dict:
    """The JSON a lock file holds, read through an open descriptor (the file itself, not the path)."""
    try:
        return json.loads(os.pread(fd, 65536, 0).decode("utf-8"))
    except (OSError, ValueError):
        return {}


def _same_file(path: Path, fd: int) -> bool:
    try:
        st, ft = os.stat(path), os.fstat(fd)
    except OSError:
        return False
    return (st.st_ino, st.st_dev) == (ft.st_ino, ft.st_dev)


class StoreLock:
    """The lock of one store: ``NAME.zarr.lock`` beside it (beside the real folder, for a store reached through
    a symbolic link), with the owner's pid, host and start time; the owner holds an ``flock`` on it."""

    def __init__(self, store: Path, field: str = "out"):
        self.store = Path(store)
        real = Path(os.path.realpath(self.store))
        self.path = real.with_name(real.name + LOCK_SUFFIX)
        # as the user would name it: beside the given path, unless that is a link
        linked = str(real) != os.path.abspath(self.store)
        self.shown = self.path if linked else self.store.with_name(self.store.name + LOCK_SUFFIX)
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
        """The live owner of the lock (its info), or None when nobody holds it (asked with a shared lock,
        so that asking never looks like an owner to a writer taking the lock over)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        except OSError:
            return self.read(self.path) or {"pid": "?"}
        try:
            return self._held_by(fd, shared=True)
        finally:
            os.close(fd)

    def _held_by(self, fd: int, keep: bool = False, shared: bool = False) -> Optional[dict]:
        """The owner's info if someone holds the lock on *fd*'s file; None if nobody does (then, with
        *keep*, this process holds it until *fd* is closed)."""
        import fcntl

        info = _read_fd(fd)
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
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

    def _clean_temporaries(self) -> None:
        """Remove the temporary lock files of processes on this host that were killed while taking a lock."""
        for p in self.path.parent.glob(".nernst-lock-*"):
            parts = p.name.split("-")
            if len(parts) == 4 and parts[2].isdigit() and not _pid_alive(int(parts[2])):
                try:
                    p.unlink()
                except OSError:
                    pass

    def acquire(self) -> "StoreLock":
        import fcntl

        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "command": " ".join(sys.argv)[:200]}
        folder = self.path.parent
        self._clean_temporaries()
        tmp = folder / f".nernst-lock-{os.getpid()}-{os.urandom(4).hex()}"
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, json.dumps(info).encode())
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                pass  # no flock here: the pid and host decide
            for attempt in range(50):
                try:
                    os.link(tmp, self.path)  # atomic: the lock appears whole, already flocked
                except FileExistsError:
                    self._break_if_stale(last=attempt == 49)
                    continue
                except OSError:  # no hard links on this file system: create the lock file in place
                    try:
                        direct = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
                    except FileExistsError:
                        self._break_if_stale(last=attempt == 49)
                        continue
                    os.write(direct, json.dumps(info).encode())
                    try:
                        fcntl.flock(direct, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except OSError:
                        pass
                    os.close(fd)
                    fd = direct
                self._fd, fd = fd, None
                _HELD.add(self._fd)
                return self
            raise InvalidParameter(self.field, str(self.store), "its lock keeps changing hands; try again")
        finally:
            if fd is not None:
                os.close(fd)
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def _break_if_stale(self, last: bool) -> None:
        """Remove the lock file if nobody holds it; refuse if a live sweep does.  Returns to be tried again
        when the file changed meanwhile, or when it is briefly held by someone who is not its owner
        (another writer taking the same stale lock over, a --verify asking)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return  # released meanwhile: try again
        try:
            owner = self._held_by(fd, keep=True)
            if not _same_file(self.path, fd):
                return  # replaced meanwhile (by a writer that took it over): look again
            if owner is not None:
                briefly = (owner.get("host") == socket.gethostname() and isinstance(owner.get("pid"), int)
                           and not _pid_alive(owner["pid"]))
                if briefly and not last:  # its owner is dead: someone else is looking at it right now
                    time.sleep(0.02)
                    return
                raise InvalidParameter(
                    self.field, str(self.store),
                    f"is in use by another sweep ({_describe(owner)}); wait for it to finish or choose another "
                    f"path (if it no longer runs, delete {self.shown})")
            info = _read_fd(fd)
            try:
                os.unlink(self.path)  # we hold its flock: nobody else can be taking it over now
            except FileNotFoundError:
                return
            self.stale = (f"took over the stale lock {self.path.name} of a sweep that no longer runs "
                          f"({_describe(info)})")
        finally:
            os.close(fd)

    def release(self) -> None:
        if self._fd is None:
            return
        if _same_file(self.path, self._fd):
            try:
                os.unlink(self.path)
            except OSError:
                pass
        _HELD.discard(self._fd)
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


def _regions(shape, chunks):
    """Regions of whole blocks that cover the array, each at most SLAB_POINTS (or one block): runs of block
    rows along the first axis when a row is small enough, else the blocks one by one."""
    row = int(np.prod([chunks[0]] + list(shape[1:]), dtype=np.int64)) or 1
    if row <= SLAB_POINTS:
        step = (SLAB_POINTS // row) * chunks[0]
        for start in range(0, shape[0], step):
            yield (slice(start, min(start + step, shape[0])),) + tuple(slice(0, n) for n in shape[1:])
    else:
        for t in range(int(np.prod(block_grid(shape, chunks), dtype=np.int64))):
            yield block_slices(shape, chunks, t)


def _blocks_in(region, shape, chunks, grid) -> list:
    """The blocks inside *region* (whole blocks), with their slices relative to the region."""
    lo = [r.start // c for r, c in zip(region, chunks)]
    hi = [-(-r.stop // c) for r, c in zip(region, chunks)]
    out = []
    for idx in np.ndindex(*[h - l for l, h in zip(lo, hi)]):
        t = int(np.ravel_multi_index([i + l for i, l in zip(idx, lo)], grid))
        sl = block_slices(shape, chunks, t)
        out.append((t, sl, tuple(slice(a.start - r.start, a.stop - r.start) for a, r in zip(sl, region))))
    return out


def _read_region(array, region, blocks):
    """The data of *region* and the blocks in it that cannot be read (truncated, garbage)."""
    try:
        return np.asarray(array[region], dtype=float), set()
    except Exception:  # noqa: BLE001 - read it block by block
        out = np.full(tuple(r.stop - r.start for r in region), np.nan)
        bad = set()
        for t, sl, local in blocks:
            try:
                out[local] = array[sl]
            except Exception:  # noqa: BLE001
                bad.add(t)
        return out, bad


def coords_digest(group, outputs) -> str:
    """Checksum of a store's coordinates (every array that is not an output, a flag or a checksum)."""
    h = hashlib.blake2b(digest_size=8)
    for name in sorted(n for n in group.array_keys() if n not in outputs and n not in (_FLAGS, _DIGESTS)):
        a = np.asarray(group[name][...])
        h.update(name.encode() + b"\0" + a.dtype.str.encode() + b"\0")
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


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
    coords: Optional[str] = None  # why the coordinates (the axes' values) are damaged; None when sound

    @property
    def tasks(self) -> int:
        return int(self.done.size)

    @property
    def complete(self) -> bool:
        """Every block done and sound, and the coordinates too."""
        return bool(self.done.all()) and self.coords is None

    def blocks(self) -> list:
        """Each block's state: "done", "corrupt" or "missing" (never finished)."""
        return ["done" if d else ("corrupt" if i in self.corrupt else "missing") for i, d in enumerate(self.done)]


def _structure(group, path: str, field: str) -> tuple:
    """(outputs, shape, chunks) of a store's group."""
    try:
        outputs = tuple(json.loads(group.attrs["nernst_sweep"])["outputs"])
        first = group[outputs[0]]
    except (KeyError, TypeError, ValueError, IndexError):
        raise InvalidParameter(field, path, "is not a nernst sweep store (its outputs are not recorded)") from None
    return outputs, tuple(first.shape), tuple(first.chunks)


def check_group(group, path: str, key: Optional[str] = None, field: str = "store") -> StoreState:
    """Verify every finished block of an open store group against its checksum, and its coordinates.

    A store whose flag or checksum arrays are gone (not a block's damage: the store's own) is refused."""
    attrs = dict(group.attrs)
    version = int(attrs.get("nernst_store_version", 1))
    key = attrs.get("nernst_sweep_key", "") if key is None else key
    if version < 2:
        raise InvalidParameter(field, path, "was written by an older nernst, without block checksums; run its "
                               "sweep again with --overwrite")
    outputs, shape, chunks = _structure(group, path, field)
    try:
        flags = _read_flags(group[_FLAGS]).astype(bool)
        digests = _read_flags(group[_DIGESTS]).astype(np.uint64)
    except Exception as exc:  # noqa: BLE001 - the arrays themselves are gone or unreadable
        raise InvalidParameter(field, path, f"is damaged beyond its blocks (its {_FLAGS} or {_DIGESTS} array cannot "
                               f"be read: {type(exc).__name__}); run its sweep again with --overwrite") from None
    if flags.shape != (int(np.prod(block_grid(shape, chunks), dtype=np.int64)),) or digests.shape != flags.shape:
        raise InvalidParameter(field, path, "is damaged beyond its blocks (its flags do not fit its outputs); run "
                               "its sweep again with --overwrite")
    corrupt = {}
    if flags.any():
        grid = block_grid(shape, chunks)
        for region in _regions(shape, chunks):
            blocks = [b for b in _blocks_in(region, shape, chunks, grid) if flags[b[0]]]
            if not blocks:
                continue
            values = {}
            for o in outputs:
                values[o], bad = _read_region(group[o], region, blocks)
                for t in bad:
                    corrupt.setdefault(t, f"the data of {o} cannot be read")
            for t, _sl, local in blocks:
                if t in corrupt:
                    continue
                if digests[t] == 0:
                    corrupt[t] = "its checksum is missing"
                elif block_digest(key, t, {o: values[o][local] for o in outputs}) != int(digests[t]):
                    corrupt[t] = "its data does not match its checksum (missing, changed or another block's)"
    coords = None
    if "nernst_coords_digest" in attrs:
        try:
            if coords_digest(group, outputs) != attrs["nernst_coords_digest"]:
                coords = "its coordinates (the axes' values) do not match their checksum"
        except Exception as exc:  # noqa: BLE001 - a coordinate's file truncated or garbled
            coords = f"its coordinates (the axes' values) cannot be read ({type(exc).__name__})"
    done = flags.copy()
    done[list(corrupt)] = False
    return StoreState(path, key, version, outputs, shape, chunks, done, corrupt, coords=coords)


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

    if not exists(p):
        real = Path(os.path.realpath(p))
        if exists(_hidden(real, "old")):
            raise InvalidParameter("store", str(path), f"not found: an interrupted --overwrite left the previous "
                                   f"store in {_hidden(real, 'old').name}; the next nernst sweep --out {path} "
                                   "puts it back first")
        raise InvalidParameter("store", str(path), "not found")
    g = _open_group(p, "r", "store")
    state = check_group(g, str(path))
    state.owner = StoreLock(p).owner()
    return state


def open_store(path, state: Optional[StoreState] = None):
    """The store as an xarray Dataset; blocks not finished or not matching their checksum read as NaN.

    *state*: what the writer that just closed the store knows of it (its blocks checked when it was
    opened, the rest written by itself under the lock), so that a finished run does not read it all again."""
    import warnings

    import xarray as xr

    state = verify_store(path) if state is None else state
    if state.coords is not None:  # wrong labels would put every number at the wrong parameter value
        raise InvalidParameter("store", str(path), f"{state.coords}; run its sweep again with --out {path} "
                               "--resume to rewrite them")
    try:
        ds = xr.open_zarr(str(path), consolidated=True, chunks={})  # dask chunks = the store's blocks
    except Exception as exc:  # noqa: BLE001
        raise InvalidParameter("store", str(path), f"is not a nernst sweep store ({type(exc).__name__})") from None
    ds = ds.drop_vars([v for v in (_FLAGS, _DIGESTS) if v in ds.variables])
    if not state.done.all():
        import zarr

        g = zarr.open_group(str(path), mode="r", use_consolidated=False)
        for v in state.outputs:
            ds[v] = (ds[v].dims, _finished_blocks(g[v], state), ds[v].attrs)
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


def _finished_blocks(array, state: StoreState):
    """A lazy (dask) array of a store's output in which only finished, sound blocks are read from *array*;
    every other block is NaN without being read (a truncated chunk cannot be decoded).  One task a block."""
    import dask.array as da
    from dask.highlevelgraph import HighLevelGraph

    grid = block_grid(state.shape, state.chunks)
    name = "nernst-store-" + hashlib.sha256(f"{state.path}{state.key}{array.path}".encode()
                                            + state.done.tobytes()).hexdigest()[:16]
    graph = {}
    for t in range(state.tasks):
        sl = block_slices(state.shape, state.chunks, t)
        key = (name,) + tuple(int(i) for i in np.unravel_index(t, grid))
        if state.done[t]:
            graph[key] = (_read_block, array, sl)
        else:
            graph[key] = (np.full, tuple(x.stop - x.start for x in sl), np.nan)
    chunks = tuple(tuple(min(c, n - i) for i in range(0, n, c)) for n, c in zip(state.shape, state.chunks))
    return da.Array(HighLevelGraph.from_collections(name, graph, dependencies=()), name, chunks, dtype=float)


def _read_block(array, sl):
    return np.asarray(array[sl], dtype=float)


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


def _is_store(path: Path) -> bool:
    return (path / ".zgroup").exists() or (path / "zarr.json").exists()


class SweepStore:
    """A store open for writing by this process, under its lock.

    *layout* is the sweep (``key``, ``outputs``, ``shape``, ``chunks``, ``n_tasks``); *template* makes the
    empty Dataset (NaN outputs, coordinates and attributes) when the store is created.  *note* receives each
    note (a stale lock taken over, blocks to recompute) as soon as it is known; all are kept in ``notes``.
    A store reached through a symbolic link is the folder it points to: its lock and its replacement are
    made there.
    """

    def __init__(self, path: Path, layout, template, resume: bool, overwrite: bool, note=None):
        self.given = Path(path)
        self.path = Path(os.path.realpath(self.given))
        self.layout = layout
        self.notes: list = []
        self._note = note
        self.lock = StoreLock(self.given).acquire()
        try:
            if self.lock.stale:
                self._tell(self.lock.stale)
            self._open(template, resume, overwrite)
        except BaseException:
            self.lock.release()
            raise

    def _tell(self, text: str) -> None:
        self.notes.append(text)
        if self._note is not None:
            self._note(text)

    def _open(self, template, resume, overwrite):
        path, layout, shown = self.path, self.layout, str(self.given)
        new, old = _hidden(path, "new"), _hidden(path, "old")
        if not path.exists() and old.is_dir():  # killed between the two renames of --overwrite: put it back
            os.rename(old, path)
            self._tell(f"put back the previous store, which an interrupted --overwrite had set aside in {old.name}")
        for leftover in (new, old):  # a kill's leftovers: ours, under the lock
            _remove(leftover)
        if path.exists():
            if not path.is_dir() or not _is_store(path):
                raise InvalidParameter("out", shown, "exists and is not a sweep store; not touching it: choose "
                                       "another path")
            if not resume and not overwrite:
                raise InvalidParameter("out", shown, "exists; resume it (--resume), replace it (--overwrite) or "
                                       "choose another path")
        if resume and path.exists():
            g = _open_group(path, "r+", "out")
            if g.attrs.get("nernst_sweep_key") != layout.key:
                raise InvalidParameter("out", shown, "holds a different sweep (its file, base or axes changed); "
                                       "choose another path, or replace it (--overwrite)")
            self.state = check_group(g, shown, key=layout.key, field="out")
            self.group = g
            if self.state.coords is not None:
                self._write_coords(template())
                self._tell(f"rewrote the store's coordinates: {self.state.coords}")
                self.state.coords = None
            if self.state.corrupt:
                self._clear(self.state.corrupt)
                one = len(self.state.corrupt) == 1
                self._tell(f"recomputing {_blocks_phrase(self.state.corrupt)}: {'its' if one else 'their'} data "
                           f"did not match {'its checksum' if one else 'their checksums'}")
        else:
            self._create(template)
            self.state = StoreState(shown, layout.key, STORE_VERSION, tuple(layout.outputs), tuple(layout.shape),
                                    tuple(layout.chunks), np.zeros(layout.n_tasks, dtype=bool))
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
        g.attrs["nernst_coords_digest"] = coords_digest(g, self.layout.outputs)
        if self.path.exists():
            os.rename(self.path, old)
        os.rename(new, self.path)
        _remove(old)
        self.group = zarr.open_group(str(self.path), mode="r+", use_consolidated=False)

    def _write_coords(self, ds) -> None:
        """Write the coordinates again from the sweep's definition (they are its axes' values)."""
        for name in ds.coords:
            if name in self.group:
                values = np.asarray(ds[name].values)
                target = self.group[name]
                target[...] = values.astype(target.dtype)
        if coords_digest(self.group, self.layout.outputs) != self.group.attrs.get("nernst_coords_digest"):
            raise InvalidParameter("out", str(self.given), "its coordinates cannot be written again; run its sweep "
                                   "again with --overwrite")

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

    def close(self) -> None:
        self.lock.release()

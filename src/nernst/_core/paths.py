"""Checks on the files a command reads and writes, made before any work.

A sweep that runs for an hour and then cannot write its table, or a figure
whose name is longer than the file system allows, must fail at the start with
one line naming the option.  Every check here raises :class:`InvalidParameter`
with the option's name as the field.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ..errors import InvalidParameter

__all__ = ["exists", "check_input_file", "check_output_file", "check_output_folder", "name_limits"]

_NAME_MAX = 255  # POSIX file systems: bytes in one name (ext4, xfs, tmpfs ...)
_PATH_MAX = 4096  # Linux: bytes in a whole path


def name_limits(folder: Path) -> tuple:
    """(bytes allowed in one name, bytes allowed in a whole path) for files in *folder*."""
    try:
        name_max = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        name_max = _NAME_MAX
    try:
        path_max = os.pathconf(folder, "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):
        path_max = _PATH_MAX
    return int(name_max if name_max and name_max > 0 else _NAME_MAX), \
        int(path_max if path_max and path_max > 0 else _PATH_MAX)


def _check_lengths(field: str, path: Path, folder: Path, extra: int = 0) -> None:
    name_max, path_max = name_limits(folder)
    parts = path.parts
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        allowed = name_max - extra if last else name_max
        n = len(os.fsencode(part))
        if n > allowed:
            what = "the name" if last else f"the folder name {part[:20]!r}..."
            raise InvalidParameter(field, str(path), f"{what} is too long ({n} bytes; this file system allows "
                                   f"{allowed})")
    n = len(os.fsencode(str(path.absolute())))
    if n >= path_max:
        raise InvalidParameter(field, str(path), f"the path is too long ({n} bytes; the limit is {path_max - 1})")


def exists(path) -> bool:
    """Whether *path* exists; a name the file system cannot hold (too long) does not."""
    try:
        return Path(path).exists()
    except OSError:
        return False


def _stat_error(field: str, path: Path, exc: OSError) -> InvalidParameter:
    if exc.errno == errno.ENAMETOOLONG:
        return InvalidParameter(field, str(path), "the name is too long for the file system")
    return InvalidParameter(field, str(path), f"cannot be reached ({exc.strerror or type(exc).__name__})")


def check_input_file(field: str, path) -> Path:
    """A file that will be read: it exists, is a file and can be read."""
    p = Path(path)
    try:
        exists, is_file = p.exists(), p.is_file()
    except OSError as exc:
        raise _stat_error(field, p, exc) from None
    if not exists:
        raise InvalidParameter(field, str(path), "file not found")
    if not is_file:
        raise InvalidParameter(field, str(path), "is not a file")
    if not os.access(p, os.R_OK):
        raise InvalidParameter(field, str(path), "cannot be read (permission denied)")
    return p


def _writable_folder(field: str, path: Path, folder: Path) -> None:
    try:
        ok = folder.is_dir()
    except OSError as exc:
        raise _stat_error(field, path, exc) from None
    if not ok:
        raise InvalidParameter(field, str(path), f"folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidParameter(field, str(path), f"folder {str(folder)!r} is not writable")


def check_output_file(field: str, path, suffixes=None, extra_name_bytes: int = 0, folder_ok: bool = False) -> Path:
    """A file (or, with *folder_ok*, a store directory) that will be written, checked before the work.

    *suffixes*: the allowed endings (lower case, with the dot); *extra_name_bytes*:
    room the writer needs beside the name (a store's ``.lock`` file).  An existing file is opened for
    writing without being changed; for a new one, a hidden file is made in the folder and removed again
    (permissions alone do not tell: root, read-only mounts, /proc).
    """
    p = Path(path)
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise InvalidParameter(field, str(path), "must end in " + " or ".join(suffixes))
    folder = p.parent if str(p.parent) else Path(".")
    _check_lengths(field, p, folder, extra_name_bytes)
    try:
        is_dir, exists, regular = p.is_dir(), p.exists(), p.is_file()
    except OSError as exc:
        raise _stat_error(field, p, exc) from None
    if is_dir and not folder_ok:
        raise InvalidParameter(field, str(path), "is a folder; give a file name")
    if regular:  # overwritten in place: its folder need not be writable
        _open_for_writing(field, p)
    elif not exists:
        _writable_folder(field, p, folder)
        _probe_folder(field, p, folder)
    return p


def _open_for_writing(field: str, path: Path) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK)
    except OSError as exc:
        raise InvalidParameter(field, str(path), f"cannot be written ({exc.strerror or type(exc).__name__})") \
            from None
    os.close(fd)


def _probe_folder(field: str, path: Path, folder: Path) -> None:
    """Make a hidden file in *folder* and remove it: whether files can be made there."""
    probe = folder / f".nernst-probe-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as exc:
        raise InvalidParameter(field, str(path), f"cannot be written in {str(folder)!r} "
                               f"({exc.strerror or type(exc).__name__})") from None
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError:
        pass


def check_output_folder(field: str, path) -> Path:
    """A folder that will receive files (created if its parent exists)."""
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    _check_lengths(field, p, parent)
    try:
        exists, is_dir = p.exists(), p.is_dir()
    except OSError as exc:
        raise _stat_error(field, p, exc) from None
    if exists and not is_dir:
        raise InvalidParameter(field, str(path), "must be a folder")
    if is_dir:
        _writable_folder(field, p, p)
        _probe_folder(field, p, p)
    else:
        _writable_folder(field, p, parent)
        try:  # made and removed again: permissions alone do not tell (root, read-only mounts, /proc)
            os.mkdir(p)
        except OSError as exc:
            raise InvalidParameter(field, str(path), f"cannot be made ({exc.strerror or type(exc).__name__})") \
                from None
        os.rmdir(p)
    return p

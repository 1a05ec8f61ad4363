"""What is wrong with a DuckDB file, read from the file itself, never from an error's wording.

DuckDB's errors describe a held file or a foreign one in sentences that change between
releases. The facts behind them can be read directly, and that is what this module does:

* a DuckDB process holds a POSIX record lock (``fcntl``) on the whole file, a write lock when
  it may write and a read lock when it only reads; ``F_GETLK`` tells whether a lock of ours
  would conflict, and which process holds the conflicting one (its id goes into the message);
* a DuckDB file carries ``DUCK`` at offset 8 of its header;
* a directory, an empty file or something else than a file shows in ``stat``.

POSIX drops every record lock a process holds on a file when that process closes any
descriptor of it. The probes open and close the file, so they run before this process opens
it with DuckDB (or after it let go), never while it holds it. The read commands
(``visma_hrm.warehouse.reading``) and the sync can both ask here.
"""

from __future__ import annotations

import errno
import os
import stat
import struct
import sys
from pathlib import Path
from typing import NamedTuple

from visma_hrm.errors import (
    ConcurrentRunError,
    ConfigurationError,
    DestinationError,
    VismaHrmError,
)
from visma_hrm.messages import text

MAGIC = b"DUCK"
MAGIC_OFFSET = 8

_FLOCK: struct.Struct | None
if sys.platform == "darwin":  # struct flock: off_t start, len; pid_t pid; short type, whence
    _FLOCK = struct.Struct("qqihh")
elif sys.platform.startswith("linux") and struct.calcsize("P") == 8:  # short type, whence; ...
    _FLOCK = struct.Struct("hhqqi4x")
else:  # another layout: the probe cannot tell, and the open's own error is reported
    _FLOCK = None


def file_problem(path: Path, lang: str = "en") -> ConfigurationError | None:
    """What makes ``path`` no DuckDB file to read (a wrong path: the user's to fix), or None."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return ConfigurationError(text("warehouse.missing", lang, path=path))
    except OSError as exc:
        return ConfigurationError(text("warehouse.unreadable", lang, path=path, reason=_why(exc)))
    if stat.S_ISDIR(info.st_mode):
        return ConfigurationError(text("warehouse.directory", lang, path=path))
    if not stat.S_ISREG(info.st_mode):
        return ConfigurationError(text("warehouse.not_a_file", lang, path=path))
    if info.st_size == 0:
        return ConfigurationError(text("warehouse.empty", lang, path=path))
    try:
        with path.open("rb") as file:
            header = file.read(MAGIC_OFFSET + len(MAGIC))
    except OSError as exc:
        return ConfigurationError(text("warehouse.unreadable", lang, path=path, reason=_why(exc)))
    if header[MAGIC_OFFSET:] != MAGIC:
        return ConfigurationError(text("warehouse.foreign", lang, path=path))
    return None


class Holder(NamedTuple):
    """The process whose lock on the file stops us opening it."""

    pid: int
    """0 when it cannot be named (a process in another PID namespace)."""
    writes: bool
    """It holds the file to write (a sync, a DuckDB shell); else it only reads it."""


def lock_holder(path: Path, *, writing: bool) -> Holder | None:
    """Who holds a lock on ``path`` that conflicts with ours, else None.

    ``writing``: we would write (any other lock conflicts); else we only read (another's write
    lock conflicts). None also when the platform's lock record is unknown here.
    """
    if _FLOCK is None:
        return None
    import fcntl

    wanted = fcntl.F_WRLCK if writing else fcntl.F_RDLCK
    if sys.platform == "darwin":
        query = _FLOCK.pack(0, 0, 0, wanted, os.SEEK_SET)
    else:
        query = _FLOCK.pack(wanted, os.SEEK_SET, 0, 0, 0)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
    except OSError:
        return None
    finally:
        os.close(fd)
    fields = _FLOCK.unpack(answer)
    kind, pid = (fields[3], fields[2]) if sys.platform == "darwin" else (fields[0], fields[4])
    if kind == fcntl.F_UNLCK:
        return None
    return Holder(max(int(pid), 0), writes=kind == fcntl.F_WRLCK)


def busy_error(path: Path, holder: Holder, lang: str = "en") -> ConcurrentRunError:
    """Another process holds the file: exit 75 (try again later), naming that process."""
    who = text("warehouse.holder", lang, pid=holder.pid) if holder.pid else ""
    key = "warehouse.busy_writer" if holder.writes else "warehouse.busy_reader"
    return ConcurrentRunError(text(key, lang, path=path, holder=who))


def open_failed(
    path: Path, exc: BaseException, *, writing: bool, lang: str = "en"
) -> VismaHrmError:
    """Why DuckDB could not open ``path``, told from the file, not from ``exc``'s words.

    Probed again after the failure: a lock taken between the first probe and the open, a
    file that is not writable (a read-only file system) or a file that changed; anything else
    is the destination's failure, with DuckDB's own first line.
    """
    holder = lock_holder(path, writing=writing)
    if holder is not None:
        return busy_error(path, holder, lang)
    problem = file_problem(path, lang) or (not_writable(path, lang) if writing else None)
    if problem is not None:
        return problem
    lines = str(exc).strip().splitlines()
    reason = f"{type(exc).__name__}: {lines[0] if lines else ''}"
    return DestinationError(text("warehouse.cannot_open", lang, path=path, reason=reason))


def not_writable(path: Path, lang: str = "en") -> ConfigurationError | None:
    """The file or its folder (where DuckDB keeps its write-ahead log) cannot be written."""
    for place in (path, path.parent):
        if not os.access(place, os.W_OK):
            reason = os.strerror(errno.EROFS if _read_only_mount(place) else errno.EACCES)
            return ConfigurationError(text("warehouse.read_only", lang, path=path, reason=reason))
    return None


def _read_only_mount(place: Path) -> bool:
    try:
        return bool(os.statvfs(place).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__

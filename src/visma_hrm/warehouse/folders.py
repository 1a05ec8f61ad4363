"""The machine-local side of a sync: disposable working folders and the locks between writers.

Nothing here decides what a sync loads: where each tenant and dataset starts is read from the
destination (``visma_hrm.load.positions``). The local folders are a cache of one run: dlt's working
folder and the downloaded files live in a folder of their own per run, under a folder named
after the destination (a hash of its location and dataset), and are removed when the run ends.
A killed run's folder is recognised by its lock being free and removed by the next run, so no
personal data stays behind longer than until the next sync of that destination.

Locks are ``flock`` locks on files in the same place: the operating system releases them when
the process dies, however it dies, so a stale lock never blocks a later run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from visma_hrm.errors import ConcurrentRunError, ConfigurationError

LOCK_SUFFIX = ".lock"
RUN_PREFIX = "run-"
FRESH_LOCK_S = 60.0
"""A run's lock file with no process id in it yet, and younger than this, is never taken for a
killed run's: its run may be about to lock it."""
WAIT_STEP_S = 0.25


def destination_key(location: str) -> str:
    """A short stable name for a destination location (no credentials are part of it)."""
    return hashlib.sha256(location.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DestinationFolder:
    """The local folder of one destination: its runs' working folders and its locks."""

    root: Path
    """``<pipelines dir>/visma_hrm-<key>``."""
    label: str
    """What a person calls the destination (file path, or destination and dataset)."""

    @classmethod
    def for_location(cls, pipelines_dir: Path, location: str, label: str) -> DestinationFolder:
        root = pipelines_dir / f"visma_hrm-{destination_key(location)}"
        try:
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot make the working folder {root} ({exc.strerror}). Set pipelines_dir "
                "(VISMA_HRM_PIPELINES_DIR) to a folder this user can write."
            ) from None
        return cls(root, label)

    def remove_abandoned_runs(self) -> int:
        """Delete working folders of runs that are gone (killed); returns how many."""
        removed = 0
        for lock_file in self.root.glob(f"{RUN_PREFIX}*{LOCK_SUFFIX}"):
            if _unclaimed(lock_file) and _younger_than(lock_file, FRESH_LOCK_S):
                continue  # a run between creating its lock file and locking it
            folder = lock_file.with_suffix("")
            with contextlib.suppress(BlockingIOError), _held(lock_file, blocking=False):
                shutil.rmtree(folder, ignore_errors=True)
                lock_file.unlink(missing_ok=True)
                removed += 1
        return removed

    @contextlib.contextmanager
    def run_folder(self) -> Iterator[Path]:
        """A fresh working folder for this run, held by a lock and removed at the end."""
        name = f"{RUN_PREFIX}{os.getpid()}-{time.time_ns()}"
        folder = self.root / name
        with _held(self.root / (name + LOCK_SUFFIX), blocking=True) as lock:
            folder.mkdir(mode=0o700)
            try:
                yield folder
            finally:
                shutil.rmtree(folder, ignore_errors=True)
                lock.unlink(missing_ok=True)

    @contextlib.contextmanager
    def exclusive(
        self, scope: str, what: str, between: Callable[[], None] | None = None
    ) -> Iterator[None]:
        """Hold the lock ``scope`` for the block. Held by another: without ``between`` fail at
        once naming the holder; with it wait, calling ``between`` between tries."""
        path = self.root / f"{scope}{LOCK_SUFFIX}"
        fd = _acquire(path, blocking=False)
        while fd is None and between is not None:
            between()
            time.sleep(WAIT_STEP_S)
            fd = _acquire(path, blocking=False)
        if fd is None:
            raise ConcurrentRunError(
                f"Another sync of {what} is running{_holder(path)}: two syncs must not write "
                "the same data at once. Wait for it to finish and run again."
            )
        try:
            yield
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def waiting(
        self, scope: str, on_wait: Callable[[str], None], between: Callable[[], None]
    ) -> Iterator[None]:
        """Hold the lock ``scope`` for the block, waiting (and saying so) while another has it.

        ``between`` runs between tries: it raises to stop waiting (a signal arrived), since a
        blocking ``flock`` would sit out SIGTERM until the other run let go.
        """
        path = self.root / f"{scope}{LOCK_SUFFIX}"
        fd = _acquire(path, blocking=False)
        if fd is None:
            on_wait(f"Waiting for another sync's load into {self.label}{_holder(path)}.")
        while fd is None:
            between()
            time.sleep(WAIT_STEP_S)
            fd = _acquire(path, blocking=False)
        try:
            yield
        finally:
            os.close(fd)


@contextlib.contextmanager
def _held(path: Path, *, blocking: bool) -> Iterator[Path]:
    """An ``flock`` on ``path`` for the block; ``BlockingIOError`` when another holds it."""
    fd = _wait_for(path) if blocking else _acquire(path, blocking=False)
    if fd is None:
        raise BlockingIOError(path)
    try:
        yield path
    finally:
        os.close(fd)  # closing releases the lock


def _acquire(path: Path, *, blocking: bool) -> int | None:
    """Lock ``path`` (created if needed) and write this process's id in it; None if held."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


def _unclaimed(path: Path) -> bool:
    """No process id written yet: its run has not locked it (a killed run's file has one)."""
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def _younger_than(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime < seconds
    except FileNotFoundError:
        return True


def _wait_for(path: Path) -> int:
    fd = _acquire(path, blocking=True)
    assert fd is not None  # a blocking flock returns only once it holds the lock
    return fd


def _holder(path: Path) -> str:
    with contextlib.suppress(OSError, ValueError):
        return f" (pid {int(path.read_text().strip())})"
    return ""

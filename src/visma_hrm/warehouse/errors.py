"""Destination failures translated once, at the warehouse boundary, into the connector's errors.

The way httpx's ``map_exceptions`` does it: every call into a destination (dlt's load, its SQL
client, DuckDB, delta-rs) runs inside ``translated(step)``, which turns whatever it raised into
one class of ``visma_hrm.errors``, classified by *type and state*, never by message text:

* a missing driver package (``ImportError``) -> ``ConfigurationError``: install the extra;
* a DuckDB file another process holds -> ``ConcurrentRunError`` (found with ``F_GETLK`` on the
  file, which also names the holder's process);
* a server that refused the connection while it is reachable (a wrong password, a database
  that does not exist, an access rule) -> ``DestinationError``, permanent: trying again
  cannot help; a server that cannot be reached -> ``DestinationUnavailableError``, temporary;
* anything dlt marks as transient (``TransientException``) -> ``DestinationUnavailableError``;
  anything else -> ``DestinationError``, permanent.

Orchestrators retry exactly the temporary ones (``VismaHrmError.retryable``).
"""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import duckdb

from visma_hrm.errors import (
    ConcurrentRunError,
    ConfigurationError,
    DestinationError,
    DestinationUnavailableError,
    VismaHrmError,
)
from visma_hrm.load.dlt_internals import (
    DestinationConnectionError,
    DltException,
    TransientException,
    interruption,
    is_signal_failure,
    missing_extra_message,
    signal_received,
)
from visma_hrm.redact import redact_text
from visma_hrm.warehouse.duckdb_errors import lock_holder

PROBE_TIMEOUT_S = 3.0
OUT_OF_MEMORY_HINT = (
    "DuckDB needed more memory than duckdb_memory_limit allows (128MB by default): raise it "
    "in visma-hrm.toml or VISMA_HRM_DUCKDB_MEMORY_LIMIT, e.g. to 512MB, and run again; what "
    "was loaded is kept"
)
"""Not a temporary failure: the same run needs the same memory again."""


@contextlib.contextmanager
def translated(
    step: str,
    *,
    duckdb_file: Path | None = None,
    server: tuple[str, int] | None = None,
    destination: str = "",
    connecting: bool = False,
) -> Iterator[None]:
    """Run the block; a destination failure leaves it as one error of ``visma_hrm.errors``.

    ``duckdb_file`` and ``server`` say where to look when the failure may be a lock or a
    refused connection; ``connecting``: the block opens a connection, so any failure of it is
    the connection's. The connector's own errors pass through unchanged; a signal that
    stopped a dlt step leaves it as ``Interrupted``, as ``stop_if_signalled`` would.
    """
    try:
        yield
    except VismaHrmError:
        raise
    except Exception as exc:  # the boundary: what the destination raised is classified here
        if is_signal_failure(exc):  # dlt stopped its step for a signal the run holds
            raise interruption(signal_received() or signal.SIGINT) from None
        if not from_the_destination(exc):
            raise  # a bug of ours keeps its traceback
        raise translate(step, exc, duckdb_file, server, destination, connecting) from None


DRIVER_ERRORS = {"Error", "DatabaseError", "InterfaceError", "DeltaError", "ArrowException"}
"""Base classes the destination's libraries raise: PEP 249's (DuckDB, psycopg2, pyodbc),
delta-rs's and pyarrow's."""


def from_the_destination(exc: BaseException) -> bool:
    """Whether ``exc`` came from the destination or its libraries (dlt, a database driver,
    delta-rs, pyarrow, the file system), not from a mistake in visma-hrm's own code."""
    if isinstance(exc, DltException | OSError | ImportError):
        return True
    return any(
        kind.__name__ in DRIVER_ERRORS and kind.__module__ != "builtins"
        for kind in type(exc).__mro__
    )


def translate(
    step: str,
    exc: BaseException,
    duckdb_file: Path | None = None,
    server: tuple[str, int] | None = None,
    destination: str = "",
    connecting: bool = False,
) -> VismaHrmError:
    """The connector's error for a destination failure during ``step``."""
    causes = list(_causes(exc))
    for cause in causes:
        if isinstance(cause, VismaHrmError):
            return cause
        if isinstance(cause, ImportError):
            return ConfigurationError(missing_extra_message(destination or "destination", cause))
    if duckdb_file is not None and (holder := duckdb_lock_holder(duckdb_file)) is not None:
        return ConcurrentRunError(locked_message(duckdb_file, holder))
    message = describe(step, causes[-1])
    if any(isinstance(c, duckdb.OutOfMemoryException) for c in causes):
        return DestinationError(f"{message}. {OUT_OF_MEMORY_HINT}")
    if connecting or any(isinstance(c, DestinationConnectionError) for c in causes):
        if server is not None and reachable(*server):
            return DestinationError(
                f"{message}. The server answered and refused the connection: check the "
                "credentials, the database name and the server's access rules."
            )
        return DestinationUnavailableError(f"{message}. Trying again later may help.")
    if any(isinstance(c, TransientException) or _operational(c) for c in causes):
        return DestinationUnavailableError(message)
    return DestinationError(message)


def _operational(exc: BaseException) -> bool:
    """A database driver's ``OperationalError`` (PEP 249's class for a failure of the database's
    operation rather than of the statement: a dropped connection, a server going down)."""
    return any(kind.__name__ == "OperationalError" for kind in type(exc).__mro__)


def describe(step: str, cause: BaseException) -> str:
    """``The destination failed (<step>): <Type>: <first line>``, secrets redacted."""
    lines = str(cause).strip().splitlines()
    first = lines[0] if lines else ""
    return redact_text(f"The destination failed ({step}): {type(cause).__name__}: {first}")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps, outermost first (dlt wraps in several layers)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = next(
            (
                inner
                for name in ("exception", "inner_exc", "dbapi_exception")
                if isinstance(inner := getattr(current, name, None), BaseException)
            ),
            current.__cause__ or current.__context__,
        )


# ------------------------------------------------------------------------------ DuckDB lock
def duckdb_lock_holder(path: Path) -> int | None:
    """The process holding a lock on a DuckDB file that keeps a writer out, or None.

    DuckDB takes a POSIX record lock on its file; ``F_GETLK`` asks the kernel who holds a lock
    that would conflict with ours (``duckdb_errors.lock_holder``, shared with the commands that
    read). A lock held by this very process never conflicts, so an open connection of our own
    is not taken for another program's.
    """
    holder = lock_holder(path, writing=True)
    return None if holder is None else holder.pid


def locked_message(path: Path, pid: int) -> str:
    return (
        f"The DuckDB file {path} is open in another program that writes to it "
        f"({_program(pid)}, PID {pid}). DuckDB lets one process write a file at a time: close "
        "that program (a DuckDB shell, a notebook, a BI tool) or wait for it, then run again."
    )


def _program(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/exe").resolve().name
    return "another process"


# ------------------------------------------------------------------------------ servers
def reachable(host: str, port: int) -> bool:
    """Whether a TCP connection to the server's port opens: it is up and answering."""
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False

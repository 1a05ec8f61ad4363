"""What visma-hrm knows of dlt beyond its documented API, kept in one place.

dlt's public API (``dlt.pipeline``, ``dlt.source``, ``dlt.resource``) is used everywhere; what
lives below it (signal interception, destination resolution, exception classes of its SQL
clients, the default pipelines folder) is reached only through this module, so that a dlt
upgrade is checked here. The version the project is tested with is ``TESTED_DLT_VERSION``;
every sync checks the installed one against it at start-up (``check_dlt_version``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from types import FrameType
from typing import Any, AnyStr, Protocol, cast

import dlt
from dlt.common.configuration.exceptions import ConfigurationException as DltConfigurationException
from dlt.common.destination.configuration import ParquetFormatConfiguration
from dlt.common.destination.exceptions import DestinationUndefinedEntity
from dlt.common.destination.reference import Destination
from dlt.common.exceptions import DltException, TransientException
from dlt.common.pipeline import get_dlt_pipelines_dir
from dlt.common.runtime import signals as dlt_signals
from dlt.destinations.exceptions import DatabaseUndefinedRelation, DestinationConnectionError
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from visma_hrm.errors import ConfigurationError, Interrupted

TESTED_DLT_VERSION = "1.31.0"


class SqlClient(Protocol):
    """dlt's SQL client, as far as visma-hrm uses it (the same on every SQL destination)."""

    dataset_name: str

    def execute_sql(
        self, sql: AnyStr, *args: Any, **kwargs: Any
    ) -> Sequence[Sequence[Any]] | None: ...

    def execute_query(
        self, query: AnyStr, *args: Any, **kwargs: Any
    ) -> AbstractContextManager[Any]: ...

    def make_qualified_table_name(
        self, table_name: str, quote: bool = True, casefold: bool = True
    ) -> str: ...

    def escape_column_name(
        self, column_name: str, quote: bool = True, casefold: bool = True
    ) -> str: ...

    def begin_transaction(self) -> AbstractContextManager[Any]: ...

    def has_dataset(self) -> bool: ...

    def create_dataset(self) -> None: ...

    @property
    def native_connection(self) -> Any:
        """The driver's own connection (a DuckDB connection, a psycopg2 one, ...)."""


__all__ = [
    "SIGNAL_NAMES",
    "TESTED_DLT_VERSION",
    "DatabaseUndefinedRelation",
    "DestinationConnectionError",
    "DestinationUndefinedEntity",
    "DltException",
    "DuckDbCredentials",
    "FilesFolder",
    "SqlClient",
    "TransientException",
    "active_pipeline",
    "check_dlt_version",
    "default_pipelines_dir",
    "destination_location",
    "duckdb_file",
    "files_folder",
    "intercepted_signals",
    "interruption",
    "is_signal_failure",
    "known_destinations",
    "normalized_files",
    "open_delta_table",
    "quiet_dlt_logs",
    "resolve_destination",
    "signal_received",
]

_EXTRAS = {
    "postgres": "visma-hrm[postgres]",
    "mssql": "visma-hrm[mssql]",
    "fabric": "visma-hrm[mssql]",
    "synapse": f"'dlt[synapse]=={TESTED_DLT_VERSION}'",
    "snowflake": f"'dlt[snowflake]=={TESTED_DLT_VERSION}'",
    "bigquery": f"'dlt[bigquery]=={TESTED_DLT_VERSION}'",
    "filesystem": "visma-hrm[filesystem]",
    "redshift": f"'dlt[redshift]=={TESTED_DLT_VERSION}'",
    "databricks": f"'dlt[databricks]=={TESTED_DLT_VERSION}'",
    "motherduck": f"'dlt[motherduck]=={TESTED_DLT_VERSION}'",
    "clickhouse": f"'dlt[clickhouse]=={TESTED_DLT_VERSION}'",
    "athena": f"'dlt[athena]=={TESTED_DLT_VERSION}'",
    "sqlalchemy": f"'dlt[sqlalchemy]=={TESTED_DLT_VERSION}'",
}


def check_dlt_version(installed: str | None = None) -> str | None:
    """A warning when the installed dlt is not the one this module was checked against.

    Not an error: dlt's public API is stable across patch releases and the pin in
    ``pyproject.toml`` normally holds. But what lives here (signal interception, folder and
    package layout) may change in any release, so a run says so rather than fail oddly.
    """
    if installed is None:
        try:
            installed = version("dlt")
        except PackageNotFoundError:  # a source checkout of dlt: nothing to compare
            return None
    if installed == TESTED_DLT_VERSION:
        return None
    return (
        f"dlt {installed} is installed; visma-hrm is tested with dlt {TESTED_DLT_VERSION}. "
        "If this run misbehaves, install the tested one: "
        f"pip install 'dlt=={TESTED_DLT_VERSION}'."
    )


def active_pipeline() -> dlt.Pipeline | None:
    """The pipeline whose run is going on in this context (a source's resources run in it)."""
    from dlt.common.configuration.container import Container
    from dlt.common.pipeline import PipelineContext

    context = Container()[PipelineContext]
    return cast("dlt.Pipeline", context.pipeline()) if context.is_active() else None


def default_pipelines_dir() -> str:
    """dlt's machine-wide pipelines folder: ``~/.dlt/pipelines``, ``/var/dlt/pipelines`` as root."""
    return str(get_dlt_pipelines_dir())


def uncompressed_parquet() -> ParquetFormatConfiguration:
    """Parquet settings for a destination that reads the run's files from the local disk.

    dlt compresses the Parquet it writes (snappy) whatever the destination; DuckDB then
    decompresses what was compressed a moment before on the same machine. Writing it
    uncompressed (a working folder removed with the run) saves both. A ``data_writer``
    setting the user made still wins (dlt applies its configuration over these).
    """
    return ParquetFormatConfiguration(compression="none")


def known_destinations() -> list[str]:
    """The destination names dlt ships (``dlt.destinations``), for error messages."""
    names: list[str] = list(dlt.destinations.__all__)
    return sorted(n for n in names if n not in ("destination", "dummy"))


def resolve_destination(name: str, credentials: str | None = None) -> Any:
    """dlt's destination factory for a name, or one message that says what to do instead.

    ``credentials``: a connection string; None leaves them to dlt's config and secrets.
    """
    if name not in known_destinations():
        raise ConfigurationError(
            f"Unknown destination {name!r}. Known destinations: {', '.join(known_destinations())}."
        )
    try:
        if credentials is not None:
            return Destination.from_reference(name, credentials=credentials)
        return Destination.from_reference(name)
    except ImportError as exc:
        raise ConfigurationError(missing_extra_message(name, exc)) from None


def missing_extra_message(name: str, exc: BaseException) -> str:
    """The pip command that installs what destination ``name`` needs."""
    package = _EXTRAS.get(name, f"'dlt[{name}]=={TESTED_DLT_VERSION}'")
    missing = getattr(exc, "name", None) or str(exc)
    return (
        f"The {name} destination needs a package that is not installed ({missing}). "
        f"Install it with: pip install {package}"
    )


def destination_location(factory: Any) -> str:
    """Where the destination keeps its data: file, host:port/database, bucket (no credentials).

    Two settings that load into the same place give the same location, whatever folder or
    machine they run from; with the dataset it names the local folder and locks of a sync.
    """
    try:
        config = factory.configuration(None, accept_partial=True)
        location = config.data_location()
    except ImportError as exc:
        raise ConfigurationError(missing_extra_message(factory.destination_name, exc)) from None
    except (DltConfigurationException, ValueError) as exc:  # missing or malformed credentials
        name = factory.destination_name
        raise ConfigurationError(
            f"The {name} destination is not configured ({_first_line(exc)}). Give it its "
            f"credentials the dlt way: DESTINATION__{name.upper()}__CREDENTIALS in the "
            f"environment or [destination.{name}.credentials] in .dlt/secrets.toml "
            "(see docs/configuration.md, Destinations)."
        ) from None
    return str(location or "")


def normalized_files(pipeline: Any) -> dict[str, list[str]]:
    """The files of the pipeline's normalized packages waiting to be loaded, per table."""
    files: dict[str, list[str]] = {}
    for load_id in pipeline.list_normalized_load_packages():
        for job in pipeline.get_load_package_info(load_id).jobs.get("new_jobs", []):
            files.setdefault(job.job_file_info.table_name, []).append(str(job.file_path))
    return files


def open_delta_table(pipeline: dlt.Pipeline, table: str) -> Any | None:
    """The ``deltalake.DeltaTable`` dlt's filesystem destination keeps ``table`` in, or None.

    dlt resolves the table's folder and the storage options (bucket credentials) from its own
    configuration; None when the table was never loaded (no schema entry, no Delta log).
    """
    client: Any
    with pipeline.destination_client() as client:
        try:
            return client.load_open_table("delta", table)
        except DestinationUndefinedEntity:
            return None


@dataclass(frozen=True)
class FilesFolder:
    """The dataset folder of dlt's filesystem destination, for what dlt itself does not do
    there (the run log's Delta tables, vacuum, rewriting the plain position files)."""

    fs: Any
    """The fsspec filesystem dlt reaches the folder or bucket with."""
    path: str
    """The dataset's folder in it, ending with a separator."""
    url: Callable[[str], str]
    """A path of ``fs`` as the URL delta-rs opens (``file:///...``, ``s3://...``)."""
    storage_options: dict[str, str]
    """The bucket credentials for delta-rs, as dlt derives them."""


def files_folder(pipeline: dlt.Pipeline) -> FilesFolder:
    """Where dlt's filesystem destination keeps the pipeline's dataset, and how to reach it."""
    from dlt.common.libs.deltalake import deltalake_storage_options

    client: Any
    with pipeline.destination_client() as client:
        options = deltalake_storage_options(
            client.config.credentials, client.config.deltalake_storage_options
        )
        return FilesFolder(client.fs_client, client.dataset_path, client.make_remote_url, options)


def duckdb_file(pipeline: dlt.Pipeline) -> tuple[str, bool]:
    """The DuckDB file a pipeline's duckdb destination writes (a user's own pipeline), and
    whether its connection was lent to dlt (then it stays open after dlt's use of it, and the
    file cannot be replaced under it)."""
    client: Any
    with pipeline.destination_client() as client:
        credentials = client.config.credentials
        pool = getattr(credentials, "conn_pool", None)
        lent = pool is not None and not getattr(pool, "_conn_owner", True)
        return str(credentials.database), bool(lent)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# -------------------------------------------------------------------------------- signals
def _receive_quietly(sig: int, frame: FrameType | None) -> None:
    """dlt's signal receiver without its console message: the CLI prints its own one line.

    The first signal of a kind sets dlt's flag (dlt's steps check it and stop at a safe point);
    a second one reaches the previous handler (KeyboardInterrupt for SIGINT) and stops at once,
    unless the process was started ignoring that signal.
    """
    counts = dlt_signals._signal_counts
    counts[sig] = counts.get(sig, 0) + 1
    if counts[sig] == 1:
        dlt_signals.set_received_signal(sig)
    else:
        previous = dlt_signals._original_handlers.get(sig, signal.SIG_DFL)
        if callable(previous):
            previous(sig, frame)
        elif previous == signal.SIG_DFL:
            signal.signal(sig, signal.SIG_DFL)
            signal.raise_signal(sig)
        # SIG_IGN: started ignoring it (a background job of a shell, nohup): the first signal's
        # stop at a safe point is what it gets; re-raising it killed the run without its line
    dlt_signals.exit_event.set()


@contextlib.contextmanager
def intercepted_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the whole run, so that none is lost inside a dlt step.

    dlt intercepts both during each of its steps and forgets a signal when the step ends
    without checking for it (a Ctrl-C during a load could end in exit 0). Installed once
    around the run, dlt's own interception nests as a no-op; the run checks
    ``signal_received`` between steps and ends there. dlt finds its receiver by name, so the
    quiet one takes its place for the run. Only the main thread can hold signals.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    original = dlt_signals._signal_receiver
    dlt_signals._signal_receiver = _receive_quietly
    original_hook = sys.unraisablehook
    sys.unraisablehook = _quiet_unraisable_interrupts(original_hook)
    try:
        with dlt_signals.intercepted_signals():
            yield
    finally:
        dlt_signals._signal_receiver = original
        sys.unraisablehook = original_hook


def _quiet_unraisable_interrupts(
    fallback: Callable[[Any], object],
) -> Callable[[Any], object]:
    """An unraisable hook that drops the KeyboardInterrupt of a second Ctrl-C.

    When the second signal's KeyboardInterrupt lands inside a ``__del__`` (dlt's DuckDB
    connection pool has one), Python cannot raise it and prints "Exception ignored in" with a
    traceback. The first signal still stops the run at its next safe point, and a third Ctrl-C
    stops it at once; only this one interrupt's "at once" is lost. Re-sending it to the main
    thread does not help: it is handled in the next bytecode, inside this hook, where it is
    unraisable again. Every other unraisable exception goes to ``fallback``.
    """

    def hook(unraisable: Any) -> object:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            return None
        return fallback(unraisable)

    return hook


def signal_received() -> int | None:
    """The signal received since ``intercepted_signals`` began, if any."""
    received = int(dlt_signals._received_signal)
    return received or None


def is_signal_failure(exc: BaseException) -> bool:
    """True when ``exc`` (or what dlt wrapped in it) stems from a received signal."""
    from dlt.common.exceptions import SignalReceivedException

    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, SignalReceivedException | KeyboardInterrupt):
            return True
        seen = getattr(seen, "exception", None) or seen.__cause__ or seen.__context__
    return False


SIGNAL_NAMES: dict[int, str] = {signal.SIGINT: "SIGINT (Ctrl-C)", signal.SIGTERM: "SIGTERM"}


def interruption(received: int) -> Interrupted:
    """The error a run stopped by ``received`` ends with: every step before it is whole."""
    name = SIGNAL_NAMES.get(received, f"signal {received}")
    return Interrupted(
        received,
        f"Stopped by {name}. Everything loaded before stays as it was; the next sync asks "
        "again for what this one did not finish.",
    )


def quiet_dlt_logs() -> None:
    """dlt logs its own view of failures the run already reports; keep it for ``--verbose``.

    dlt also looks for Airflow's secrets on its first configuration lookup whenever Airflow is
    installed, importing ``airflow.models``; that import reconfigures the process's logging
    (``logging.config.dictConfig`` disables every logger that exists), so ``sync -v`` printed
    no line at all next to Airflow. A command-line run reads its secrets from its own config
    and environment, never from Airflow: the lookup is off unless the user turns it on
    (``PROVIDERS__ENABLE_AIRFLOW_SECRETS=true``). Inside Airflow tasks
    (``visma_hrm.orchestrate``) this function is not called, and dlt keeps its default.
    """
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "CRITICAL")
    os.environ.setdefault("PROVIDERS__ENABLE_AIRFLOW_SECRETS", "false")

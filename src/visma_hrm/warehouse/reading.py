"""Opening the warehouse for the commands that read it: ``changes``, ``analytics``, ``report``
and ``model``.

They read what a sync loaded and never change it, so they must never create it either: a
DuckDB path is checked before DuckDB sees it (which would make an empty database of a missing
or empty file), and each way it can be wrong gets one message that says what to do, worded in
the settings' language and told from the file itself (``visma_hrm.warehouse.duckdb_errors``):
a wrong path is a configuration error (exit 2), a file another process holds is busy (exit 75,
as for the sync), anything else a destination error (exit 1).

``changes`` opens the warehouse read-only. ``analytics``, ``report`` and ``model`` create views
in schemas of their own (never in the synced tables): DuckDB lets only a connection that may
write create a view, so with ``views=True`` the file is opened for writing, after the same
checks. PostgreSQL's credentials come as the sync's do: ``VISMA_HRM_DESTINATION_CREDENTIALS``,
else dlt's own configuration (environment, ``.dlt/secrets.toml``); a session that only reads
is read-only there too.

``status`` and ``tenants list`` read Delta files too (``files=True``): their Delta tables
(opened with delta-rs) and the positions' plain Parquet files are shown, as views over Arrow
datasets, in a DuckDB database in memory, so the same SQL reads them; nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from visma_hrm.config import Settings
from visma_hrm.errors import ConfigurationError, DestinationError
from visma_hrm.messages import text
from visma_hrm.redact import redact_text
from visma_hrm.warehouse.duckdb_errors import (
    busy_error,
    file_problem,
    lock_holder,
    not_writable,
    open_failed,
)
from visma_hrm.warehouse.duckdb_file import duckdb_schema

READABLE = ("duckdb", "postgres")
"""The destinations the read commands read (the SQL they run is written for these two)."""


@dataclass(frozen=True)
class Reading:
    """An open DB-API connection to the warehouse, and where the synced tables are in it."""

    connection: Any
    schema: str
    """The schema holding the synced tables (``main`` in a DuckDB file named like it)."""
    duckdb: bool
    label: str
    """Where, for people: the file, or the server and database."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of ``sql`` (``?`` placeholders) on DuckDB and PostgreSQL alike."""
        return run_query(self.connection, sql, params, duckdb=self.duckdb)

    def has_table(self, name: str) -> bool:
        sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
        sql += "AND table_name = ?"
        if self.duckdb:
            sql += " AND table_catalog = current_database()"
        rows = self.query(sql, [self.schema, name])
        return bool(rows and rows[0][0])


def is_duckdb_connection(connection: Any) -> bool:
    """Whether a DB-API connection someone hands in is DuckDB's (else a psycopg2 one): the SQL
    that differs between the two asks here, not of the destination's name."""
    return type(connection).__module__.split(".")[0] in ("duckdb", "_duckdb")


def run_query(
    connection: Any, sql: str, params: Sequence[Any] = (), *, duckdb: bool
) -> list[tuple[Any, ...]]:
    """Run ``sql`` with ``?`` placeholders on a DuckDB or a psycopg2 connection."""
    if duckdb:
        return list(connection.execute(sql, list(params)).fetchall())
    cursor = connection.cursor()
    try:
        cursor.execute(sql.replace("?", "%s"), tuple(params))
        return list(cursor.fetchall()) if cursor.description else []
    finally:
        cursor.close()


@contextmanager
def open_for_reading(
    settings: Settings, *, views: bool = False, files: bool = False
) -> Iterator[Reading]:
    """The warehouse the settings name, open for reading (``views``: and for views of its own;
    ``files``: Delta files too, read in memory).

    Raises ``ConfigurationError`` for a wrong path or destination, ``ConcurrentRunError`` when
    another process holds the DuckDB file, ``DestinationError`` when it cannot be opened or
    reached otherwise; never creates anything.
    """
    if settings.destination == "duckdb":
        with _duckdb(settings, views) as reading:
            yield reading
    elif settings.destination == "postgres":
        with _postgres(settings, views) as reading:
            yield reading
    elif files and settings.destination == "filesystem":
        with _delta_files(settings) as reading:
            yield reading
    else:
        key = "warehouse.unsupported_files" if files else "warehouse.unsupported"
        message = text(key, settings.lang, destination=settings.destination)
        raise ConfigurationError(message)


@contextmanager
def _duckdb(settings: Settings, views: bool) -> Iterator[Reading]:
    import duckdb

    path, lang = settings.duckdb_path.expanduser(), settings.lang
    problem = file_problem(path, lang) or (not_writable(path, lang) if views else None)
    if problem is not None:
        raise problem
    holder = lock_holder(path, writing=views)
    if holder is not None:
        raise busy_error(path, holder, lang)
    try:
        connection = duckdb.connect(str(path), read_only=not views)
    except duckdb.Error as exc:
        raise open_failed(path, exc, writing=views, lang=lang) from None
    try:
        schema = duckdb_schema(path.resolve(), settings.dataset_name)
        yield Reading(connection, schema, duckdb=True, label=str(path))
    finally:
        connection.close()


@contextmanager
def _postgres(settings: Settings, views: bool) -> Iterator[Reading]:
    from visma_hrm.load.dlt_internals import (
        destination_location,
        missing_extra_message,
        resolve_destination,
    )

    secret = settings.destination_credentials  # as the sync resolves them (warehouse.server)
    factory = resolve_destination("postgres", secret.reveal() if secret else None)
    label = destination_location(factory)  # a configuration dlt cannot read: said here
    credentials = factory.configuration(None, accept_partial=True).credentials
    if credentials is None or not credentials.is_resolved():
        raise ConfigurationError(text("warehouse.no_credentials", settings.lang))
    try:
        import psycopg2  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ConfigurationError(missing_extra_message("postgres", exc)) from None
    try:
        connection = psycopg2.connect(credentials.to_native_representation())
    except psycopg2.Error as exc:
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        reason = redact_text(lines[0])
        message = text("warehouse.cannot_connect", settings.lang, reason=reason)
        raise DestinationError(message) from None
    try:
        if not views:
            connection.set_session(readonly=True)
        yield Reading(connection, settings.dataset_name, duckdb=False, label=label)
    finally:
        connection.close()


@contextmanager
def _delta_files(settings: Settings) -> Iterator[Reading]:
    import duckdb

    from visma_hrm.warehouse.delta_upkeep import readable
    from visma_hrm.warehouse.errors import translated
    from visma_hrm.warehouse.files import FilesWarehouse

    warehouse = FilesWarehouse.of(settings)
    with translated("reading the Delta tables", destination="filesystem"):
        datasets = readable(warehouse.inspect())
    connection = duckdb.connect()
    try:
        schema = settings.dataset_name
        connection.execute(f'CREATE SCHEMA "{schema}"')
        for name, dataset in datasets.items():
            connection.register(f"_arrow_{name}", dataset)
            connection.execute(f'CREATE VIEW "{schema}"."{name}" AS FROM "_arrow_{name}"')
        yield Reading(connection, schema, duckdb=True, label=warehouse.label)
    finally:
        connection.close()

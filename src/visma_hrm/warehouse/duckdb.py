"""The DuckDB file kind: one writing process at a time, bounded memory, everything local.

The file's name and schema rules and the adoption of the old default file are in
``visma_hrm.warehouse.duckdb_file``. Here: the dlt destination of the file (a memory limit so
that a large merge spills next to the file instead of taking the machine's RAM), the whole run
holding the file, a tenant's first load appended (``visma_hrm.load.first_load``), and the rows
received unchanged counted by reading the load's Parquet files next to the stored rows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import dlt
import duckdb

from visma_hrm.catalog import DELETED_COLUMN, TENANT_COLUMN, Dataset, is_bookkeeping
from visma_hrm.config import Settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.load.dlt_internals import (
    DuckDbCredentials,
    duckdb_file,
    normalized_files,
    uncompressed_parquet,
)
from visma_hrm.messages import Note
from visma_hrm.warehouse.base import STEPS, Prepared, Session, Warehouse
from visma_hrm.warehouse.duckdb_file import (
    adopt_old_default,
    compacted_copy,
    duckdb_schema,
    remove_stale_copy,
    take_place,
)
from visma_hrm.warehouse.errors import translated
from visma_hrm.warehouse.sql import SqlClient, SqlSession, stored_columns


class DuckDbWarehouse(Warehouse):
    """A DuckDB file (the default destination)."""

    kind = "duckdb"
    supported_steps = frozenset(STEPS)
    single_writer = True

    def __init__(self, settings: Settings, path: Path) -> None:
        factory = duckdb_destination(duckdb_credentials(path, settings))
        super().__init__(settings, factory, duckdb_schema(path, settings.dataset_name), str(path))
        self.path = path
        self.replacement: Path | None = None
        """The compacted copy to take the file's place when the run's connection closes."""

    @classmethod
    def of(cls, settings: Settings) -> DuckDbWarehouse:
        if settings.table_format is not None:
            raise ConfigurationError(
                "table_format applies to the filesystem destination only, not to duckdb."
            )
        path = settings.duckdb_path.expanduser().resolve()
        if path.is_dir():
            raise ConfigurationError(
                f"duckdb_path {path} is a folder: name a file in it (e.g. {path / 'hr.duckdb'})."
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot make the folder of duckdb_path {path.parent} ({exc.strerror})."
            ) from None
        return cls(settings, path)

    def prepare(self) -> Prepared:
        prepared = super().prepare()
        with translated("moving the file of the old default name", duckdb_file=self.path):
            moved = adopt_old_default(self.settings.duckdb_path, self.settings.dataset_name)
            remove_stale_copy(self.path)  # a compacted copy a killed run left behind
        prepared.notes += [moved] if moved else []
        return prepared

    @contextlib.contextmanager
    def opened(self) -> Iterator[Any]:
        """One connection to the file for the whole run, lent to dlt as its credentials: the
        file is opened and checkpointed once, not per step, and no other program (a BI tool)
        can take it between two steps of the run. A compacted copy the run made (erasure)
        takes the file's place once that connection is closed."""
        self.replacement = None
        with translated("opening the file", duckdb_file=self.path, destination="duckdb"):
            connection = duckdb.connect(str(self.path), config=connection_config(self.settings))
        try:
            yield duckdb_destination(connection)
        finally:
            connection.close()
        if self.replacement is not None:
            with translated("replacing the file by its compacted copy", duckdb_file=self.path):
                take_place(self.path, self.replacement)

    def session(self, pipeline: dlt.Pipeline) -> Session:
        return DuckDbSession(pipeline, self)


def connection_config(settings: Settings) -> dict[str, Any]:
    """A merge of a large export spills to disk rather than taking the machine's RAM (DuckDB's
    default limit is 80% of it); insertion order is not kept because nothing reads these
    tables in load order. One DuckDB thread: a load of dlt's Parquet files buffers per thread,
    and with two it ran out of the 128 MB at 100,000 employees' contracts (DuckDB 1.5) where
    one thread loaded them, in less time and with 350 instead of 485 MB peak (BENCHMARKS.md);
    the run's Python side keeps the other core busy."""
    return {
        "memory_limit": settings.duckdb_memory_limit,
        "preserve_insertion_order": False,
        "threads": 1,
    }


def duckdb_destination(credentials: Any) -> Any:
    """dlt's DuckDB destination as every run and reader gets it: its Parquet uncompressed."""
    return dlt.destinations.duckdb(credentials=credentials, parquet_format=uncompressed_parquet())


def duckdb_credentials(path: Path, settings: Settings) -> DuckDbCredentials:
    """The file as dlt's credentials, for reading it outside a run (``Warehouse.inspect``)."""
    return DuckDbCredentials(str(path), global_config=connection_config(settings))


class DuckDbSession(SqlSession):
    """A run's DuckDB file, through dlt's SQL client on the run's one connection.

    Its failures are never probed for a lock holder: this process holds the file, and opening
    and closing it to ask would drop the process's POSIX locks, DuckDB's own among them.
    """

    appends_first_loads = True
    erases_bytes = True
    load_workers = 1
    """One table at a time: dlt's load jobs share the run's connection and its memory limit, and
    three jobs at once ran out of 128 MB where each alone loaded in it (DuckDB 1.5 and 2.0:
    three 750,000-row, 88-column Parquet files into one file, BENCHMARKS.md). DuckDB loads on
    one thread anyway (``connection_config``)."""

    def __init__(self, pipeline: dlt.Pipeline, owner: DuckDbWarehouse | None = None) -> None:
        super().__init__(pipeline)
        self.owner = owner
        """The warehouse holding the run's connection (None: a user's own pipeline)."""

    @property
    def file(self) -> Path:
        return self.owner.path if self.owner is not None else Path(duckdb_file(self.pipeline)[0])

    def erase(self) -> Note:
        """A copy of what the file holds now, marked erased, takes the file's place once no
        connection is open on it: at the end of the run (``DuckDbWarehouse.opened``), or at
        once for a user's own pipeline whose connections dlt opens and closes. A user's own
        connection lent to dlt stays open: then the erasure waits (it stays pending)."""
        path, lent = (self.owner.path, False) if self.owner else duckdb_file(self.pipeline)
        file = Path(path)
        if lent:
            return Note("note.erase_waiting.duckdb", file=str(file))
        with self.sql() as sql, self.translated("compacting the file"):
            fresh = compacted_copy(sql, file, self.pipeline.dataset_name)
        before, after = file.stat().st_size, fresh.stat().st_size
        if self.owner is not None:
            self.owner.replacement = fresh
        else:
            with self.translated("replacing the file by its compacted copy"):
                take_place(file, fresh)
        return Note("note.erased.duckdb", file=str(file), before=_mb(before), after=_mb(after))

    def settle(self) -> None:
        """Checkpoint the run's connection: DuckDB keeps the rows a transaction wrote in memory
        until a checkpoint moves them to the file. With the run's one connection nothing else
        checkpoints, so an incremental load of 20,000 employees held 107 of the 128 MB before
        history began, and its first join ran out of memory. A user's own pipeline (no owner)
        opens and closes dlt's connections, which checkpoints; a connection it lent may be in a
        transaction of its own, where a checkpoint would fail."""
        if self.owner is None:
            return
        with self.sql() as sql:
            sql.execute_sql("CHECKPOINT")

    def maintain(self) -> list[Note]:
        """Checkpoint the file; nothing when an erasure's compacted copy takes its place at the
        end of the run (written anew, checkpointed: its note says the sizes)."""
        if self.owner is not None and self.owner.replacement is not None:
            return []
        wal = self.file.with_name(self.file.name + ".wal")
        before = self.file.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        with self.sql() as sql, self.translated("checkpointing the file"):
            sql.execute_sql("CHECKPOINT")
        after = _mb(self.file.stat().st_size)
        return [
            Note("note.maintained.duckdb", file=str(self.file), before=_mb(before), after=after)
        ]

    def count_unchanged(self, datasets: Sequence[Dataset]) -> dict[tuple[str, str], int] | None:
        """Per (tenant, table), the rows about to be merged that equal the stored row exactly.

        Read between normalize and load: the package's files (Parquet) joined with the stored
        rows on the key, every column the export carries compared. Both sides are local here;
        on a server a second read of the warehouse per run would cost more than the figure.
        """
        package_files = normalized_files(self.pipeline)
        counts: dict[tuple[str, str], int] = {}
        with self.sql() as sql:
            for dataset in datasets:
                parquet = [
                    f for f in package_files.get(dataset.table, []) if f.endswith(".parquet")
                ]
                stored = set(stored_columns(sql, dataset.table)) if parquet else set()
                if stored:
                    counts.update(_unchanged_rows(sql, dataset, parquet, stored))
        return counts


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f}"


def _unchanged_rows(
    sql: SqlClient, dataset: Dataset, files: Sequence[str], stored: set[str]
) -> dict[tuple[str, str], int]:
    source = "read_parquet([" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "])"
    with sql.execute_query(f"SELECT * FROM {source} LIMIT 0") as cursor:
        incoming = [str(d[0]) for d in cursor.description]
    q = sql.escape_column_name
    keys = set(dataset.key)
    compared = [c for c in incoming if c in stored and c not in keys and not is_bookkeeping(c)]
    on = " AND ".join(f"i.{q(k)} = t.{q(k)}" for k in dataset.key)
    same = " AND ".join([f"i.{q(c)} IS NOT DISTINCT FROM t.{q(c)}" for c in compared] or ["TRUE"])
    table = sql.make_qualified_table_name(dataset.table)
    # The stored rows the package touches, found on the key columns alone, before any other
    # column is read: a join comparing every column read them all for every stored row (0.55
    # of an incremental sync's 3 s CPU at 100,000 employees; 2.5x faster on 1M rows).
    touched = f"SELECT t.rowid FROM {table} t SEMI JOIN {source} i ON {on}"
    rows = sql.execute_sql(
        f"SELECT i.{q(TENANT_COLUMN)}, count(*) FROM {source} i "
        f"JOIN (SELECT * FROM {table} WHERE rowid IN ({touched})) t ON {on} "
        f"WHERE {same} AND NOT t.{q(DELETED_COLUMN)} GROUP BY 1"
    )
    return {(str(t), dataset.name): int(n) for t, n in rows or []}

"""The run log: what every run did, kept in the destination beside the data it loaded.

Two tables, written by the engine at the end of every run whichever entry point ran it (the
command line, Dagster, Airflow, the dlt source's ``finish``), so the log survives machines and
pods as the positions do:

* ``_visma_runs``: one row per run (its id, entry point, version, start, end, outcome, what
  stopped it, and whether removed personal data was erased from the file's bytes);
* ``_visma_run_datasets``: one row per tenant and dataset of the run (full or incremental, rows
  received, new, changed, unchanged, marked deleted and rejected, the error code and its
  message, redacted), with the run's start and end, so a tenant's history is one table.

The tenant ids are in the second table only: forgetting a tenant deletes its rows there, and a
run left with no row of any tenant goes too. Here are the records, the tables' columns and the
SQL every SQL destination and the in-memory reading of Delta tables share; each kind of
``Session`` writes them its own way (``sql.py``, ``files.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import astuple, dataclass, field
from typing import Any, Literal

from visma_hrm.load.dlt_internals import DatabaseUndefinedRelation, SqlClient
from visma_hrm.warehouse.bulk import insert_rows

RUNS_TABLE = "_visma_runs"
RUN_DATASETS_TABLE = "_visma_run_datasets"
RUN_LOG_TABLES = (RUNS_TABLE, RUN_DATASETS_TABLE)

Erasure = Literal["pending", "done", "off", "server"]
"""``pending``: removed values are still in the file's bytes (the next run erases them);
``done``: erased; ``off``: ``compact_after_erasure = false``; ``server``: the server keeps its
own copies (docs/privacy.md)."""


@dataclass(frozen=True)
class DatasetRun:
    """One tenant and dataset of a run, as the run's report has it."""

    tenant_id: str
    dataset: str
    mode: str
    status: str
    rows_received: int = 0
    rows_new: int = 0
    rows_changed: int = 0
    rows_unchanged: int | None = None
    rows_deleted: int = 0
    rows_rejected: int = 0
    error_code: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class RunRecord:
    """One run: the row of ``_visma_runs`` and the rows of ``_visma_run_datasets``."""

    run_id: str
    entry_point: str
    version: str
    started_at: dt.datetime
    ended_at: dt.datetime
    outcome: str
    error_code: str | None = None
    message: str | None = None
    erasure: Erasure | None = None
    datasets: tuple[DatasetRun, ...] = field(default=())

    def run_row(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name, _, _ in RUN_COLUMNS)

    def dataset_rows(self) -> list[tuple[Any, ...]]:
        """Each dataset's row: the run's id, then the dataset's values, then start and end."""
        return [(self.run_id, *astuple(d), self.started_at, self.ended_at) for d in self.datasets]


TEXT, BIG_TEXT, COUNT, MOMENT = "VARCHAR(64)", "TEXT", "BIGINT", "TIMESTAMP WITH TIME ZONE"
RUN_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("run_id", TEXT, "string"),
    ("entry_point", TEXT, "string"),
    ("version", TEXT, "string"),
    ("started_at", MOMENT, "moment"),
    ("ended_at", MOMENT, "moment"),
    ("outcome", TEXT, "string"),
    ("error_code", TEXT, "string"),
    ("message", BIG_TEXT, "string"),
    ("erasure", TEXT, "string"),
)
"""(column, SQL type, Arrow kind) of ``_visma_runs``."""
DATASET_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("run_id", TEXT, "string"),
    ("tenant_id", TEXT, "string"),
    ("dataset", TEXT, "string"),
    ("mode", TEXT, "string"),
    ("status", TEXT, "string"),
    ("rows_received", COUNT, "count"),
    ("rows_new", COUNT, "count"),
    ("rows_changed", COUNT, "count"),
    ("rows_unchanged", COUNT, "count"),
    ("rows_deleted", COUNT, "count"),
    ("rows_rejected", COUNT, "count"),
    ("error_code", TEXT, "string"),
    ("message", BIG_TEXT, "string"),
    ("started_at", MOMENT, "moment"),
    ("ended_at", MOMENT, "moment"),
)
"""(column, SQL type, Arrow kind) of ``_visma_run_datasets``."""
COLUMNS = {RUNS_TABLE: RUN_COLUMNS, RUN_DATASETS_TABLE: DATASET_COLUMNS}


def create_sql(table: str, qualified: str) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for one of the run log's tables."""
    columns = ", ".join(f"{name} {kind}" for name, kind, _ in COLUMNS[table])
    return f"CREATE TABLE IF NOT EXISTS {qualified} ({columns})"


def arrow_schema(table: str) -> Any:
    """The Arrow schema of a run log table (Delta files)."""
    import pyarrow as pa

    kinds = {"string": pa.string(), "count": pa.int64(), "moment": pa.timestamp("us", tz="UTC")}
    return pa.schema([pa.field(name, kinds[kind]) for name, _, kind in COLUMNS[table]])


def arrow_table(table: str, rows: Sequence[tuple[Any, ...]]) -> Any:
    """Rows of a run log table as an Arrow table of its schema."""
    import pyarrow as pa

    schema = arrow_schema(table)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.table(
        [pa.array(list(c), type=f.type) for c, f in zip(columns, schema, strict=True)],
        schema=schema,
    )


# --------------------------------------------------------------------------- SQL destinations
def write_run(sql: SqlClient, record: RunRecord) -> None:
    """The run's rows, in one transaction (the tables made the first time, and the dataset's
    schema when a first run loaded nothing)."""
    if not sql.has_dataset():
        sql.create_dataset()
    for table in RUN_LOG_TABLES:
        sql.execute_sql(create_sql(table, sql.make_qualified_table_name(table)))
    with sql.begin_transaction():
        _insert(sql, RUNS_TABLE, [record.run_row()])
        _insert(sql, RUN_DATASETS_TABLE, record.dataset_rows())


def _insert(sql: SqlClient, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    insert_rows(sql, table, [name for name, _, _ in COLUMNS[table]], rows)


def erasure_pending(sql: SqlClient) -> bool:
    """A run removed personal data whose bytes are not erased yet (a run stopped in between)."""
    try:
        rows = sql.execute_sql(
            f"SELECT count(*) FROM {sql.make_qualified_table_name(RUNS_TABLE)} "
            "WHERE erasure = 'pending'"
        )
    except DatabaseUndefinedRelation:
        return False
    return bool(rows and rows[0][0])


# --------------------------------------------------------------------------- reading it back
def summary_sql(datasets: str) -> str:
    """Per tenant and dataset (``datasets``: the qualified ``_visma_run_datasets``): the start
    of the newest successful incremental and full load, since when it fails (the first failure
    after its last success), and its newest run's status, error, message and rejected rows.
    Datasets a tenant did not approve (``skipped``) count for nothing here. Plain SQL that
    DuckDB and PostgreSQL both run."""
    return f"""
WITH d AS (SELECT * FROM {datasets} WHERE status <> 'skipped'),
ranked AS (
    SELECT d.*, row_number() OVER (
        PARTITION BY tenant_id, dataset ORDER BY started_at DESC, run_id DESC) AS newest
    FROM d),
agg AS (
    SELECT tenant_id, dataset,
           max(CASE WHEN status = 'ok' AND mode = 'incremental' THEN started_at END) AS inc,
           max(CASE WHEN status = 'ok' AND mode = 'full' THEN started_at END) AS full_at,
           max(CASE WHEN status = 'ok' THEN started_at END) AS ok_at
    FROM d GROUP BY tenant_id, dataset)
SELECT a.tenant_id, a.dataset, a.inc, a.full_at,
       (SELECT min(f.started_at) FROM d f
        WHERE f.tenant_id = a.tenant_id AND f.dataset = a.dataset AND f.status = 'failed'
          AND (a.ok_at IS NULL OR f.started_at > a.ok_at)) AS failing_since,
       r.status, r.error_code, r.message, r.rows_rejected
FROM agg a JOIN ranked r ON r.tenant_id = a.tenant_id AND r.dataset = a.dataset
WHERE r.newest = 1
ORDER BY a.tenant_id, a.dataset"""


def skipped_sql(datasets: str) -> str:
    """The (tenant, dataset) pairs only ever skipped (never approved by the tenant)."""
    return (
        f"SELECT tenant_id, dataset FROM {datasets} GROUP BY tenant_id, dataset "
        "HAVING max(CASE WHEN status <> 'skipped' THEN 1 ELSE 0 END) = 0"
    )

"""File destinations (dlt's ``filesystem``): how synced tables live as files, in one place.

Power BI and Microsoft Fabric read a folder of files directly, so ``--destination filesystem``
is a first-class target. What SQL destinations do with SQL, this module does on files:

* **Tables are Delta tables.** Every dataset table is merged on its key, and dlt can merge
  only into Delta (or Iceberg) tables: on plain Parquet it *falls back to append*, so an
  incremental run or a re-run would add a second copy of every row it received and exit 0.
  Plain Parquet is therefore refused (``table_format = "parquet"`` -> ``ConfigurationError``)
  and Delta is the default. A Delta table is itself a folder of Parquet files plus a
  transaction log, which Power BI (``DeltaLake.Table``), Fabric and DuckDB read.
* **Deletions** are marked in place with delta-rs (``mark_deleted``), with the same
  columns, the same rule and the same idempotence as ``pipeline.mark_deleted`` on SQL.
* **Counts** for the summary (rows per tenant before and after the load) are read from the
  Delta tables with pyarrow.
* **Positions** (``_visma_sync_state`` joined with ``_dlt_loads``) stay plain files: both are
  append-only, so nothing has to be updated in place, and dlt's SQL client over the files
  (DuckDB views, no DuckDB extension needed) reads them; see ``sql_client``.

``_visma_rejected_rows`` is a Delta table too (it comes from the dataset resources), so the raw
text of rejected rows is emptied in place when a column is excluded, as on SQL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from visma_hrm.catalog import (
    DELETED_AT_COLUMN,
    DELETED_COLUMN,
    REJECTED_ROWS_TABLE,
    SYNC_STATE_TABLE,
    SYNCED_AT_COLUMN,
    TENANT_COLUMN,
    Dataset,
)
from visma_hrm.client.settings import FieldSelection
from visma_hrm.errors import ConfigurationError
from visma_hrm.load.dlt_internals import open_delta_table

FILESYSTEM = "filesystem"
DELTA = "delta"
PARQUET = "parquet"


def is_file_destination(pipeline: Any) -> bool:
    """True for dlt's filesystem destination (a folder or bucket of files)."""
    destination = getattr(pipeline, "destination", None)
    return destination is not None and FILESYSTEM in destination.destination_type


# --------------------------------------------------------------------------- settings
def check_table_format(destination: str, table_format: str | None) -> str | None:
    """The table format a run writes (``delta`` on filesystem, None elsewhere), or one message.

    Plain Parquet is refused rather than loaded wrongly: dlt's filesystem destination cannot
    merge into it and appends instead, so every incremental run and re-run would duplicate the
    rows it received, and deleted rows could not be marked.
    """
    if destination != FILESYSTEM:
        if table_format is not None:
            raise ConfigurationError(
                f"table_format applies to the filesystem destination only, not to {destination}."
            )
        return None
    chosen = (table_format or DELTA).strip().lower()
    if chosen == PARQUET:
        raise ConfigurationError(
            "table_format = parquet cannot hold a sync: dlt's filesystem destination cannot "
            "merge into plain Parquet files and appends instead, so every incremental run or "
            "re-run would duplicate rows, and rows deleted at the source could not be marked. "
            'Use table_format = "delta" (the default): Delta tables are Parquet files plus a '
            "transaction log, which Power BI, Fabric and DuckDB read."
        )
    if chosen != DELTA:
        raise ConfigurationError(
            f"Unknown table_format {table_format!r}: the filesystem destination writes "
            f"{DELTA!r} tables ({PARQUET!r} is refused, see docs/configuration.md)."
        )
    _require_deltalake()
    return DELTA


def _require_deltalake() -> None:
    try:
        import deltalake  # noqa: F401
    except ImportError:
        raise ConfigurationError(
            "Delta tables on the filesystem destination need the deltalake package, which is "
            "not installed. Install it with: pip install 'visma-hrm[filesystem]'"
        ) from None


def with_table_format(source: Any, pipeline: Any) -> Any:
    """On the filesystem destination, make every dataset table of the source a Delta table.

    dlt's ``table_format`` resource hint; ``check_table_format`` refused any other format
    before the run began.

    The rejected rows follow them. The positions (``_visma_sync_state``) stay plain files
    (dlt's ``native`` format): append-only, read by dlt's SQL client without DuckDB's delta
    extension, which cannot be downloaded everywhere.
    """
    if is_file_destination(pipeline):
        for resource in source.resources.values():
            resource.apply_hints(table_format=DELTA)
            # the variant exists before the source adds its position rows, which keep it
            resource.apply_hints(
                table_name=SYNC_STATE_TABLE, table_format="native", create_table_variant=True
            )
    return source


def refuse_plain_tables(pipeline: Any) -> None:
    """Stop before anything is asked when the folder holds tables an earlier version wrote as
    plain Parquet (appended, never merged): continuing from their positions would start Delta
    tables holding only the rows of one incremental export."""
    if not is_file_destination(pipeline) or not pipeline.default_schema_name:
        return
    schema = pipeline.default_schema
    plain = sorted(
        name
        for name in schema.data_table_names(seen_data_only=True)
        if name != SYNC_STATE_TABLE and schema.tables[name].get("table_format") != DELTA
    )
    if plain:
        raise ConfigurationError(
            f"The destination folder holds table(s) written as plain Parquet by an earlier "
            f"version ({', '.join(plain)}): they were appended, not merged, and may hold "
            "duplicate rows. Sync into a new folder (bucket_url or dataset_name), or delete "
            "that dataset's folder, and the next sync loads everything again as Delta tables."
        )


# ---------------------------------------------------------------------------- reading
@contextlib.contextmanager
def sql_client(pipeline: Any) -> Iterator[Any]:
    """dlt's SQL client over the destination's files (DuckDB views), for the positions.

    It needs the schema (taken from the destination by ``sync_destination``); before the first
    load there is none, and None means "nothing loaded yet".
    """
    if not pipeline.default_schema_name:
        yield None
        return
    with pipeline.sql_client() as client:
        yield client


def _delta_table(pipeline: Any, table: str) -> Any | None:
    return open_delta_table(pipeline, table)


def count_rows(pipeline: Any, tables: Sequence[str]) -> dict[tuple[str, str], int]:
    """Rows per (tenant, table) in the Delta tables; a table not created yet counts as empty."""
    counts: dict[tuple[str, str], int] = {}
    for name in tables:
        delta = _delta_table(pipeline, name)
        if delta is None:
            continue
        tenants = delta.to_pyarrow_dataset().to_table(columns=[TENANT_COLUMN])
        per_tenant = tenants.group_by(TENANT_COLUMN).aggregate([([], "count_all")])
        for row in per_tenant.to_pylist():
            counts[(str(row[TENANT_COLUMN]), name)] = int(row["count_all"])
    return counts


# ----------------------------------------------------------------------------- writing
def mark_deleted(pipeline: Any, tenant_id: str, dataset: str, cutoff: dt.datetime) -> int:
    """``pipeline.mark_deleted`` for a Delta table of the filesystem destination."""
    delta = _delta_table(pipeline, dataset)
    if delta is None:
        return 0  # the full export carried no rows and nothing was ever loaded
    return _mark(
        delta,
        tenant_id,
        cutoff,
        TENANT_COLUMN,
        SYNCED_AT_COLUMN,
        DELETED_COLUMN,
        DELETED_AT_COLUMN,
    )


def empty_columns(
    pipeline: Any,
    dataset: Dataset,
    selection: FieldSelection,
    started: dt.datetime,
    bookkeeping: Callable[[str], bool],
) -> tuple[list[str], int] | None:
    """Empty, in the stored Delta rows, the columns ``selection`` keeps out (as on SQL).

    ``bookkeeping`` tells the connector's own columns (never emptied). Raw rejected rows of the
    dataset loaded before ``started`` lose their text too. Returns the columns and the rows
    that held a value, or None when nothing held one.
    """
    delta = _delta_table(pipeline, dataset.table)
    if delta is None:
        return None
    stored = [f.name for f in delta.schema().fields]
    if selection.include:
        keep = {*selection.include, *dataset.key}
        columns = [c for c in stored if c not in keep and not bookkeeping(c)]
    else:
        columns = [c for c in selection.exclude if c in stored]
    if not columns:
        return None
    holding = " OR ".join(f"{_column(c)} IS NOT NULL" for c in columns)
    metrics = delta.update(predicate=holding, updates={_column(c): "NULL" for c in columns})
    found = int(metrics["num_updated_rows"])
    if not found:
        return None
    _forget_raw_rejected(pipeline, dataset, started)
    return columns, found


def _forget_raw_rejected(pipeline: Any, dataset: Dataset, started: dt.datetime) -> None:
    """Rejected rows keep the export's raw text, excluded columns included: drop that text."""
    delta = _delta_table(pipeline, REJECTED_ROWS_TABLE)
    if delta is not None:
        delta.update(
            predicate=(
                f"dataset = {_text(dataset.name)} AND synced_at < {_moment(started)} "
                "AND raw IS NOT NULL"
            ),
            updates={"raw": "NULL"},
        )


def _moment(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("a moment must be timezone-aware (in UTC)")
    return _text(value.astimezone(dt.UTC).isoformat())


def _column(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def mark_deleted_delta(
    table_uri: str,
    tenant_id: str,
    cutoff: dt.datetime,
    *,
    tenant_column: str = TENANT_COLUMN,
    synced_at_column: str = SYNCED_AT_COLUMN,
    deleted_column: str = DELETED_COLUMN,
    deleted_at_column: str = DELETED_AT_COLUMN,
    storage_options: Mapping[str, str] | None = None,
) -> int:
    """Soft-delete the tenant's rows last synced before ``cutoff`` (the full export's start).

    Sets ``deleted_column`` true and ``deleted_at_column`` to ``cutoff`` on rows of
    ``tenant_id`` whose ``synced_at_column`` is older than ``cutoff`` and that are not marked
    yet. Returns the rows marked now; a second call marks nothing and writes no new version.
    A table that does not exist yet holds nothing to mark: 0.
    """
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    if cutoff.tzinfo is None:
        raise ValueError("cutoff must be timezone-aware (the export's start, in UTC)")
    options = dict(storage_options) if storage_options else None
    try:
        table = DeltaTable(table_uri, storage_options=options)
    except TableNotFoundError:
        return 0
    return _mark(
        table,
        tenant_id,
        cutoff,
        tenant_column,
        synced_at_column,
        deleted_column,
        deleted_at_column,
    )


def _mark(
    table: Any,
    tenant_id: str,
    cutoff: dt.datetime,
    tenant_column: str,
    synced_at_column: str,
    deleted_column: str,
    deleted_at_column: str,
) -> int:
    if cutoff.tzinfo is None:
        raise ValueError("cutoff must be timezone-aware (the export's start, in UTC)")
    moment = _moment(cutoff)
    predicate = (
        f"{_column(tenant_column)} = {_text(tenant_id)} "
        f"AND {_column(synced_at_column)} < {moment} "
        f"AND NOT coalesce({_column(deleted_column)}, false)"
    )
    metrics = table.update(
        predicate=predicate,
        updates={_column(deleted_column): "true", _column(deleted_at_column): moment},
    )
    return int(metrics["num_updated_rows"])


__all__ = [
    "check_table_format",
    "count_rows",
    "empty_columns",
    "is_file_destination",
    "mark_deleted",
    "mark_deleted_delta",
    "refuse_plain_tables",
    "sql_client",
    "with_table_format",
]

"""Delta tables, the way the filesystem destination keeps every dataset: what SQL does elsewhere.

Power BI and Microsoft Fabric read a folder of files directly, so ``--destination filesystem``
is a first-class target (``visma_hrm.warehouse.files``). Here are the operations on its tables:

* **Tables are Delta tables.** Every dataset table is merged on its key, and dlt can merge
  only into Delta (or Iceberg) tables: on plain Parquet it *falls back to append*, so an
  incremental run or a re-run would add a second copy of every row it received and exit 0.
  Plain Parquet is therefore refused (``table_format = "parquet"`` -> ``ConfigurationError``)
  and Delta is the default. A Delta table is itself a folder of Parquet files plus a
  transaction log, which Power BI (``DeltaLake.Table``), Fabric and DuckDB read.
* **Deletions** are marked in place with delta-rs (``mark_deleted``), with the same
  columns, the same rule and the same idempotence as the UPDATE on SQL destinations; excluded
  columns are emptied in place the same way.
* **Counts** for the summary (rows per tenant before and after the load) are read from the
  Delta tables with pyarrow.
* **Positions** (``_visma_sync_state`` joined with ``_dlt_loads``) stay plain files: both are
  append-only, so nothing has to be updated in place, and dlt's SQL client over the files
  (DuckDB views, no DuckDB extension needed) reads them.

``_visma_rejected_rows`` is a Delta table too (it comes from the dataset resources), so the raw
text of rejected rows is emptied in place when a column is excluded, as on SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from visma_hrm.catalog import (
    DELETED_AT_COLUMN,
    DELETED_COLUMN,
    REJECTED_ROWS_TABLE,
    SYNC_STATE_TABLE,
    SYNCED_AT_COLUMN,
    TENANT_COLUMN,
)
from visma_hrm.errors import ConfigurationError
from visma_hrm.load.dlt_internals import open_delta_table

FILESYSTEM = "filesystem"
DELTA = "delta"
PARQUET = "parquet"


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


def with_table_format(source: Any) -> Any:
    """Make every dataset table of the source a Delta table.

    dlt's ``table_format`` resource hint; ``check_table_format`` refused any other format
    before the run began.

    The rejected rows follow them. The positions (``_visma_sync_state``) stay plain files
    (dlt's ``native`` format): append-only, read by dlt's SQL client without DuckDB's delta
    extension, which cannot be downloaded everywhere.
    """
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
    if not pipeline.default_schema_name:
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


def current_rows(pipeline: Any, tenant_id: str, table: str) -> int:
    """The tenant's rows of ``table`` not marked deleted."""
    import pyarrow.compute as pc

    found = _delta_table(pipeline, table)
    if found is None:
        return 0
    rows = found.to_pyarrow_dataset().to_table(columns=[TENANT_COLUMN, DELETED_COLUMN])
    tenants = pc.cast(rows.column(TENANT_COLUMN), "string")  # delta-rs may give string_view
    mine = pc.and_(pc.equal(tenants, tenant_id), pc.invert(rows.column(DELETED_COLUMN)))
    return int(pc.sum(pc.cast(mine, "int64")).as_py() or 0)


def stored_columns(pipeline: Any, table: str) -> list[str]:
    """The columns of a Delta table (none when it was never written)."""
    found = _delta_table(pipeline, table)
    return [] if found is None else [f.name for f in found.schema().fields]


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


def empty_columns(pipeline: Any, table: str, columns: Sequence[str]) -> tuple[list[str], int]:
    """Empty ``columns`` in the stored Delta rows that hold a value in one (as on SQL).

    Returns the columns present in the table and the rows that held a value (none: nothing
    was written, no new table version).
    """
    delta = _delta_table(pipeline, table)
    if delta is None:
        return [], 0
    stored = {f.name for f in delta.schema().fields}
    present = [c for c in columns if c in stored]
    if not present:
        return [], 0
    holding = " OR ".join(f"{_column(c)} IS NOT NULL" for c in present)
    metrics = delta.update(predicate=holding, updates={_column(c): "NULL" for c in present})
    found = int(metrics["num_updated_rows"])
    return (present, found) if found else ([], 0)


def forget_raw_rejected(pipeline: Any, dataset: str, started: dt.datetime) -> None:
    """Rejected rows keep the export's raw text, excluded columns included: drop that text."""
    delta = _delta_table(pipeline, REJECTED_ROWS_TABLE)
    if delta is not None:
        delta.update(
            predicate=(
                f"dataset = {_text(dataset)} AND synced_at < {_moment(started)} AND raw IS NOT NULL"
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

"""Phase 2, load: one dlt extract/normalize/load over every spooled export, then the counts.

The source (``visma_hrm.load.source``) parses the spooled files into typed Arrow batches; each
export's position row travels in the same load package as its rows, so the destination counts
a position only once dlt has recorded the whole package as loaded. Rows inserted, updated and
(on DuckDB) received unchanged are counted per (tenant, dataset) for the report. A failed load
fails every pair it carried; a signal stops the run between dlt's steps.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import dlt
import pyarrow as pa

from visma_hrm.catalog import DELETED_COLUMN, TENANT_COLUMN, Dataset, is_bookkeeping
from visma_hrm.load import first_load
from visma_hrm.load.dlt_internals import (
    DatabaseUndefinedRelation,
    is_signal_failure,
    normalized_files,
)
from visma_hrm.load.pseudonyms import Pseudonymizer
from visma_hrm.load.source import ParseTally, SpooledExport, visma_source
from visma_hrm.sync.extract import Outcome
from visma_hrm.sync.interrupt import stop_if_signalled
from visma_hrm.sync.report import Reporter, SyncReport, TableReport
from visma_hrm.warehouse import files
from visma_hrm.warehouse.base import destination_error, sql_client
from visma_hrm.warehouse.sql import stored_columns


def release_arrow_memory_promptly() -> None:
    """Give parsed batches' memory back to the system as soon as they are written.

    pyarrow's default allocator (jemalloc) keeps freed memory for reuse, so a sync's peak RSS
    grew with the export; with the system allocator it stays bounded by the batches in flight
    (bench/: 815 -> 480 MB at 208k rows together with DuckDB's memory limit).
    """
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):  # a pool the user chose wins
        pa.set_memory_pool(pa.system_memory_pool())


def load_exports(
    pipeline: dlt.Pipeline,
    outcomes: Sequence[Outcome],
    started: datetime,
    report: SyncReport,
    reporter: Reporter,
    pseudonymizer: Pseudonymizer | None = None,
) -> None:
    """Phase 2: one dlt run over every spooled export, then the per-tenant row counts."""
    if not outcomes:
        return
    tables = sorted({o.table.dataset for o in outcomes})
    before = count_rows(pipeline, tables)
    tally = ParseTally(on_rows=lambda t, d, n: reporter.stage(t, d, "parsing", n))
    clock = time.monotonic()
    try:
        for outcome in outcomes:
            reporter.stage(outcome.table.tenant_id, outcome.table.dataset, "loading")
        unchanged = _extract_normalize_load(
            pipeline,
            [o.export for o in outcomes if o.export],
            started,
            tally,
            reporter,
            pseudonymizer,
            before,
        )
    except Exception as exc:
        if is_signal_failure(exc):
            stop_if_signalled()
        error = destination_error("load", exc)
        for outcome in outcomes:
            outcome.table.fail(error)
            reporter.stage(outcome.table.tenant_id, outcome.table.dataset, "failed")
        return
    finally:
        report.load_seconds = round(time.monotonic() - clock, 3)
    after = count_rows(pipeline, tables)
    for outcome in outcomes:
        _fill_counts(outcome.table, tally, before, after, unchanged)
        reporter.stage(outcome.table.tenant_id, outcome.table.dataset, outcome.table.status)


def _extract_normalize_load(
    pipeline: dlt.Pipeline,
    exports: list[SpooledExport],
    started: datetime,
    tally: ParseTally,
    reporter: Reporter,
    pseudonymizer: Pseudonymizer | None = None,
    stored: dict[tuple[str, str], int] | None = None,
) -> dict[tuple[str, str], int] | None:
    """dlt's three steps one by one, stopping between them when a signal arrived.

    The extract step puts data and position rows in one load package; the destination counts
    the positions only once dlt has recorded the whole package as loaded. ``stored`` (rows per
    tenant and table before the run) lets first loads append (``visma_hrm.load.first_load``).
    """
    reporter.info(f"Parsing {len(exports)} export(s) (dlt extract)")
    duck = pipeline.destination is not None and pipeline.destination.destination_name == "duckdb"
    pairs = [(e.tenant_id, e.dataset) for e in exports]
    append = first_load.append_tables(pairs, stored) if duck and stored is not None else set()
    source = visma_source(exports, started, tally, pseudonymizer=pseudonymizer, append=append)
    pipeline.extract(files.with_table_format(source, pipeline))
    stop_if_signalled()
    reporter.info("Normalizing (dlt normalize)")
    pipeline.normalize()
    stop_if_signalled()
    if append:
        datasets = {e.dataset for e in exports}
        first_load.collapse_duplicate_keys(normalized_files(pipeline), datasets, append)
    unchanged = count_unchanged(pipeline, sorted({e.dataset for e in exports}, key=str))
    reporter.info(f"Loading into {pipeline.destination.destination_name} (dlt load)")
    pipeline.load()
    return unchanged


def _fill_counts(
    table: TableReport,
    tally: ParseTally,
    before: dict[tuple[str, str], int],
    after: dict[tuple[str, str], int],
    unchanged: dict[tuple[str, str], int] | None,
) -> None:
    key = (table.tenant_id, table.dataset)
    table.rows_received = tally.received.get(key, 0)
    table.rows_rejected = tally.rejected.get(key, 0)
    table.seconds = round(table.seconds + tally.seconds.get(key, 0.0), 3)
    table.rows_inserted = max(after.get(key, 0) - before.get(key, 0), 0)
    resent = max(table.rows_received - table.rows_inserted, 0)
    if unchanged is not None:
        table.rows_unchanged = min(unchanged.get(key, 0), resent)
        resent -= table.rows_unchanged
    table.rows_updated = resent
    if key in tally.failed:
        table.fail(tally.failed[key])


def count_unchanged(
    pipeline: dlt.Pipeline, datasets: Sequence[Dataset]
) -> dict[tuple[str, str], int] | None:
    """Per (tenant, table), the rows about to be merged that equal the stored row exactly.

    Read between normalize and load: the package's files (Parquet, on this machine) joined with
    the stored rows on the key, every column the export carries compared. Only on DuckDB,
    where both sides are local; elsewhere None (a second read of the warehouse per run would
    cost more than the figure is worth).
    """
    if pipeline.destination is None or pipeline.destination.destination_name != "duckdb":
        return None
    package_files = normalized_files(pipeline)
    counts: dict[tuple[str, str], int] = {}
    with sql_client(pipeline) as client:
        for dataset in datasets:
            parquet = [f for f in package_files.get(dataset.table, []) if f.endswith(".parquet")]
            stored = set(stored_columns(client, dataset.table)) if parquet else set()
            if stored:
                counts.update(_unchanged_rows(client, dataset, parquet, stored))
    return counts


def _unchanged_rows(
    client: Any, dataset: Dataset, files: Sequence[str], stored: set[str]
) -> dict[tuple[str, str], int]:
    source = "read_parquet([" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "])"
    with client.execute_query(f"SELECT * FROM {source} LIMIT 0") as cursor:
        incoming = [str(d[0]) for d in cursor.description]
    q = client.escape_column_name
    keys = set(dataset.key)
    compared = [c for c in incoming if c in stored and c not in keys and not is_bookkeeping(c)]
    on = " AND ".join(f"i.{q(k)} = t.{q(k)}" for k in dataset.key)
    same = " AND ".join([f"i.{q(c)} IS NOT DISTINCT FROM t.{q(c)}" for c in compared] or ["TRUE"])
    table = client.make_qualified_table_name(dataset.table)
    rows = client.execute_sql(
        f"SELECT i.{q(TENANT_COLUMN)}, count(*) FROM {source} i JOIN {table} t ON {on} "
        f"WHERE {same} AND NOT t.{q(DELETED_COLUMN)} GROUP BY 1"
    )
    return {(str(t), dataset.name): int(n) for t, n in rows or []}


def count_rows(pipeline: dlt.Pipeline, tables: Sequence[str]) -> dict[tuple[str, str], int]:
    """Rows per (tenant, table) in the destination; a table not created yet counts as empty."""
    if files.is_file_destination(pipeline):
        return files.count_rows(pipeline, tables)
    counts: dict[tuple[str, str], int] = {}
    with sql_client(pipeline) as client:
        if client is None:
            return counts
        tenant = client.escape_column_name(TENANT_COLUMN)
        for name in tables:
            query = (
                f"SELECT {tenant}, count(*) FROM {client.make_qualified_table_name(name)} "
                f"GROUP BY {tenant}"
            )
            try:
                rows = client.execute_sql(query) or []
            except DatabaseUndefinedRelation:  # not created yet: nothing loaded so far
                continue
            counts.update({(str(t), name): int(n) for t, n in rows})
    return counts

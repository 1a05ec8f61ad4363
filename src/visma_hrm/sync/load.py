"""Phase 2, load: one dlt extract/normalize/load over every spooled export, then the counts.

The only place that runs a dlt pipeline. The source (``visma_hrm.load.source``) parses the
spooled files into typed Arrow batches; each export's position row travels in the same load
package as its rows, so the destination counts a position only once dlt has recorded the whole
package as loaded. Rows inserted, updated and (where the warehouse can tell) received unchanged
are counted per (tenant, dataset) for the report. A failed load fails every pair it carried; a
signal stops the run between dlt's steps.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from datetime import datetime

import pyarrow as pa

from visma_hrm.errors import DestinationError
from visma_hrm.load import first_load
from visma_hrm.load.dlt_internals import normalized_files
from visma_hrm.load.pseudonyms import Pseudonymizer
from visma_hrm.load.source import ParseTally, SpooledExport, visma_source
from visma_hrm.sync.extract import Outcome
from visma_hrm.sync.interrupt import stop_if_signalled
from visma_hrm.sync.report import Reporter, SyncReport, TableReport
from visma_hrm.warehouse.base import Session


def release_arrow_memory_promptly() -> None:
    """Give parsed batches' memory back to the system as soon as they are written.

    pyarrow's default allocator (jemalloc) keeps freed memory for reuse, so a sync's peak RSS
    grew with the export; with the system allocator it stays bounded by the batches in flight
    (bench/: 815 -> 480 MB at 208k rows together with DuckDB's memory limit).
    """
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):  # a pool the user chose wins
        pa.set_memory_pool(pa.system_memory_pool())


def load_exports(
    session: Session,
    outcomes: Sequence[Outcome],
    started: datetime,
    report: SyncReport,
    reporter: Reporter,
    pseudonymizer: Pseudonymizer | None = None,
) -> None:
    """Phase 2: one dlt run over every spooled export, then the per-tenant row counts."""
    exports = [o.export for o in outcomes if o.export]
    if not exports:
        return
    tables = sorted({o.table.dataset for o in outcomes})
    before = session.count_rows(tables)
    tally = ParseTally(on_rows=lambda t, d, n: reporter.stage(t, d, "parsing", n))
    clock = time.monotonic()
    for outcome in outcomes:
        reporter.stage(outcome.table.tenant_id, outcome.table.dataset, "loading")
    try:
        with session.translated("load"):
            unchanged = _extract_normalize_load(
                session, exports, started, tally, reporter, pseudonymizer, before
            )
    except DestinationError as error:
        for outcome in outcomes:
            outcome.fail(error)
            reporter.stage(outcome.table.tenant_id, outcome.table.dataset, "failed")
        return
    finally:
        report.load_seconds = round(time.monotonic() - clock, 3)
    after = session.count_rows(tables)
    for outcome in outcomes:
        fill_counts(outcome.table, tally, before, after, unchanged)
        reporter.stage(outcome.table.tenant_id, outcome.table.dataset, outcome.table.status)


def _extract_normalize_load(
    session: Session,
    exports: list[SpooledExport],
    started: datetime,
    tally: ParseTally,
    reporter: Reporter,
    pseudonymizer: Pseudonymizer | None,
    stored: dict[tuple[str, str], int],
) -> dict[tuple[str, str], int] | None:
    """dlt's three steps one by one, stopping between them when a signal arrived.

    The extract step puts data and position rows in one load package; the destination counts
    the positions only once dlt has recorded the whole package as loaded. ``stored`` (rows per
    tenant and table before the run) lets first loads append (``visma_hrm.load.first_load``)
    where the warehouse allows it.
    """
    pipeline = session.pipeline
    reporter.info(f"Parsing {len(exports)} export(s) (dlt extract)")
    pairs = [(e.tenant_id, e.dataset) for e in exports]
    append = first_load.append_tables(pairs, stored) if session.appends_first_loads else set()
    source = visma_source(exports, started, tally, pseudonymizer=pseudonymizer, append=append)
    pipeline.extract(session.prepare_source(source))
    stop_if_signalled()
    reporter.info("Normalizing (dlt normalize)")
    pipeline.normalize()
    stop_if_signalled()
    if append:
        datasets = {e.dataset for e in exports}
        first_load.collapse_duplicate_keys(normalized_files(pipeline), datasets, append)
    unchanged = session.count_unchanged(sorted({e.dataset for e in exports}, key=str))
    reporter.info(f"Loading into {session.label} (dlt load)")
    pipeline.load(workers=session.load_workers)
    return unchanged


def fill_counts(
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

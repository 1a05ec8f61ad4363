"""The dlt resources: one per dataset, parsing export files spooled to disk, for both faces.

Phase 1 of a sync (``visma_hrm.sync``) downloads every file of every export before the
resources read any, so a failed download never leaves a half-loaded table. The resources turn
those files into Arrow tables (dlt's fast path), add the bookkeeping columns, and after each
export's last batch yield its **position row** to ``_visma_sync_state`` (cursor, full or
incremental, complete or not). The row travels in the same load package as the data, so the
destination holds a position only together with the rows it stands for
(``visma_hrm.load.positions`` reads it back).

``dataset_resource`` is the one resource builder: the engine's source (``visma_source``) hands
it exports already spooled, the public ``visma_hrm_source`` a function that downloads them when
the user's pipeline extracts. Both apply the same transformation (pseudonyms, bookkeeping).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import dlt
import pyarrow as pa
from dlt.sources import DltSource

from visma_hrm.catalog import (
    REJECTED_ROWS_TABLE,
    SYNC_STATE_TABLE,
    TENANT_COLUMN,
    Dataset,
)
from visma_hrm.client.models import RejectedRow
from visma_hrm.errors import VismaHrmError
from visma_hrm.load.native_heap import give_back_freed_memory
from visma_hrm.load.rows import TIMESTAMP_US, split_missing_keys, with_bookkeeping

if TYPE_CHECKING:
    from visma_hrm.load.pseudonyms import Pseudonymizer

SOURCE_NAME = "visma_hrm"
"""Name of the dlt source, hence of its schema and of its section in the pipeline state."""


RejectedCallback = Callable[[RejectedRow], None]
Reader = Callable[[Dataset, Sequence[Path], RejectedCallback], Iterable[pa.RecordBatch]]
"""Parses export files into typed batches (``visma_hrm.client.read_export`` in production)."""

_REJECTED_SCHEMA = pa.schema(
    [
        pa.field(TENANT_COLUMN, pa.string(), nullable=False),
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("file", pa.string(), nullable=False),
        pa.field("record", pa.int64()),
        pa.field("raw", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("synced_at", TIMESTAMP_US, nullable=False),
    ]
)

_STATE_SCHEMA = pa.schema(
    [
        pa.field(TENANT_COLUMN, pa.string(), nullable=False),
        pa.field("dataset", pa.string(), nullable=False),
        pa.field("change_timestamp_before", pa.string()),
        pa.field("since", pa.string()),
        pa.field("full_export", pa.bool_(), nullable=False),
        pa.field("complete_export", pa.bool_(), nullable=False),
        pa.field("synced_at", TIMESTAMP_US, nullable=False),
        pa.field("rows_received", pa.int64(), nullable=False),
        pa.field("rows_rejected", pa.int64(), nullable=False),
        pa.field("fields", pa.string()),
        pa.field("load_id", pa.string(), nullable=False),
    ]
)


@dataclass(frozen=True)
class SpooledExport:
    """One (tenant, dataset) export whose files are all on local disk, ready to parse."""

    tenant_id: str
    dataset: Dataset
    files: tuple[Path, ...]
    change_timestamp_before: str | None
    full: bool
    since: str | None = None
    """The cursor this export continued from (None for a full export)."""
    fields: str | None = None
    """The ``fields`` value sent to the API, for the record."""


@dataclass
class ParseTally:
    """Counts filled while dlt extracts, read by the pipeline for the summary.

    Keyed by (tenant_id, dataset name). ``failed`` holds exports whose files could not be
    parsed: their cursor did not move, the pipeline reports them as failed.
    """

    received: dict[tuple[str, str], int] = field(default_factory=dict)
    rejected: dict[tuple[str, str], int] = field(default_factory=dict)
    seconds: dict[tuple[str, str], float] = field(default_factory=dict)
    failed: dict[tuple[str, str], VismaHrmError] = field(default_factory=dict)
    on_rows: Callable[[str, str, int], None] | None = None
    """Called with (tenant, dataset, rows so far) after each batch, for progress displays."""

    def add(self, counter: dict[tuple[str, str], int], key: tuple[str, str], n: int) -> int:
        counter[key] = counter.get(key, 0) + n
        return counter[key]


BATCH_ROWS = 16_384
"""Rows per Arrow batch handed to dlt: wide HR rows (70+ columns) make a 64k-row batch cost
about 100 MB in flight; 16k rows keep memory flat at no measurable cost in speed (bench/)."""
EXPORTS_A_TRIM = 50
"""How many exports a resource parses between two ``give_back_freed_memory`` calls: often
enough for hundreds of small tenants, rarely enough that one big tenant's run (a few
hundred files) does not pay for it (a trim walks every free block, 5-40 ms on a large heap)."""


READ_AHEAD_BYTES = 8 << 20
"""Exports smaller than this are parsed in the consumer's thread: one or two batches leave
nothing to overlap, and a run of 1,000 small tenants would start 7,000 threads (the bench's
1,000 x 200 case measured the same CPU either way: 0.132 s a tenant)."""


def default_reader(
    dataset: Dataset, files: Sequence[Path], on_rejected: RejectedCallback
) -> Iterable[pa.RecordBatch]:
    """The production reader: the client's streaming CSV parser, on a heap kept small, one
    batch ahead in a worker thread (``visma_hrm.load.read_ahead``) when the export is large."""
    from visma_hrm.client import read_export
    from visma_hrm.load.native_heap import keep_native_heap_small
    from visma_hrm.load.read_ahead import read_ahead

    keep_native_heap_small()
    paths = list(files)
    if sum(path.stat().st_size for path in paths) < READ_AHEAD_BYTES:
        return read_export(dataset, paths, on_rejected=on_rejected, batch_rows=BATCH_ROWS)
    return read_ahead(
        lambda collect: read_export(dataset, paths, on_rejected=collect, batch_rows=BATCH_ROWS),
        on_rejected,
    )


def visma_source(
    exports: Sequence[SpooledExport],
    synced_at: datetime,
    tally: ParseTally | None = None,
    reader: Reader = default_reader,
    pseudonymizer: Pseudonymizer | None = None,
    append: Collection[str] = frozenset(),
) -> DltSource:
    """A dlt source with one merge resource per dataset present in ``exports``.

    ``synced_at`` is the run's start: every row gets it as ``_visma_synced_at``, which is what
    deletion reconciliation compares after a full export. With a ``pseudonymizer`` every batch
    and rejected row is pseudonymized before dlt sees it, and the load carries its marker.
    Tables named in ``append`` are appended instead (a first load: ``visma_hrm.load.first_load``).
    """
    tally = tally if tally is not None else ParseTally()
    by_dataset: dict[str, list[SpooledExport]] = {}
    for export in exports:
        by_dataset.setdefault(export.dataset.name, []).append(export)

    @dlt.source(name=SOURCE_NAME, max_table_nesting=0, root_key=False)
    def _source() -> list[Any]:
        resources = [
            dataset_resource(
                group[0].dataset,
                _given(group),
                synced_at,
                tally,
                reader,
                pseudonymizer,
                "append" if group[0].dataset.table in append else "merge",
            )
            for group in by_dataset.values()
        ]
        return resources + marker_resources(pseudonymizer, synced_at)

    return _source()


def marker_resources(pseudonymizer: Pseudonymizer | None, synced_at: datetime) -> list[Any]:
    """The privacy marker's resource when the run pseudonymizes (``load.pseudonyms``)."""
    if pseudonymizer is None:
        return []
    from visma_hrm.load.pseudonyms import marker_resource

    return [marker_resource(pseudonymizer, synced_at)]


Exports = Callable[[], Iterable[SpooledExport]]
"""Gives a dataset's exports, spooled, when the resource runs (the engine's are spooled already;
the public source downloads them then)."""


def _given(exports: Sequence[SpooledExport]) -> Exports:
    return lambda: exports


def dataset_resource(
    dataset: Dataset,
    exports: Exports,
    synced_at: datetime,
    tally: ParseTally,
    reader: Reader = default_reader,
    pseudonymizer: Pseudonymizer | None = None,
    disposition: Literal["merge", "append"] = "merge",
    strict: bool = False,
) -> Any:
    """The dataset's merge (or first-load append) resource over the exports ``exports`` gives.

    ``strict``: an export that could not be parsed stops the extract (the public source: the
    user's pipeline then loads nothing of the run); else it is left in ``tally.failed`` for the
    engine's report, and its cursor does not move.
    """

    def rows() -> Iterator[Any]:
        # Position rows travel as one table after the dataset's last export: still in the
        # same load package as the rows, with dlt's per-item schema work done once.
        # Small exports' tables are gathered into batches of BATCH_ROWS too: dlt recomputes
        # and validates a table's schema for every Arrow item, a fixed cost per item that
        # made hundreds of small tenants slow.
        positions: list[dict[str, Any]] = []
        pending: list[pa.Table] = []
        pending_rows = 0
        for number, export in enumerate(exports(), start=1):
            if number % EXPORTS_A_TRIM == 0:
                give_back_freed_memory()
            for item in export_items(export, synced_at, tally, reader, pseudonymizer, positions):
                if not isinstance(item, pa.Table):  # rejected rows: a table variant
                    yield item
                    continue
                pending.append(item)
                pending_rows += item.num_rows
                if pending_rows >= BATCH_ROWS:
                    yield _joined(pending)
                    pending, pending_rows = [], 0
        if pending:
            yield _joined(pending)
        if positions:
            yield _positions_table(positions)
        failed = [e for (_, name), e in tally.failed.items() if name == dataset.name]
        if strict and failed:
            raise failed[0]

    columns: Any = dataset.dlt_columns()
    return dlt.resource(
        rows(),
        name=dataset.name,
        table_name=dataset.table,
        write_disposition=disposition,
        primary_key=list(dataset.key),
        columns=columns,
    )


def _joined(tables: list[pa.Table]) -> pa.Table:
    """One table of several exports' tables (columns one lacks are null in its rows)."""
    if len(tables) == 1:
        return tables[0]
    return pa.concat_tables(tables, promote_options="default")


def export_items(
    export: SpooledExport,
    synced_at: datetime,
    tally: ParseTally,
    reader: Reader,
    pseudonymizer: Pseudonymizer | None = None,
    positions: list[dict[str, Any]] | None = None,
) -> Iterator[Any]:
    """Yield one tenant's batches, then its rejected rows, then move its cursor.

    A parse failure stops this export only: rows already yielded are real rows and stay (the
    merge makes a later re-load harmless), but the cursor does not move, so the next run asks
    again from the old position. With ``positions`` the position row is appended there, for
    the caller to yield in the same extract, instead of being yielded here.
    """
    key = (export.tenant_id, export.dataset.name)
    started = time.monotonic()
    rejected: list[RejectedRow] = []
    try:
        for batch in reader(export.dataset, export.files, rejected.append):
            kept, without_key = split_missing_keys(batch, export.dataset)
            rejected.extend(without_key)
            if pseudonymizer is not None:
                kept = pseudonymizer.table(kept, export.dataset)
                rejected[:] = pseudonymizer.rejected(rejected)
            table = with_bookkeeping(kept, export.tenant_id, synced_at, export.dataset.key)
            total = tally.add(tally.received, key, table.num_rows)
            if tally.on_rows is not None:
                tally.on_rows(export.tenant_id, export.dataset.name, total)
            if table.num_rows:
                yield table
            if rejected:
                yield _rejected_item(rejected, export.tenant_id, synced_at)
                tally.add(tally.rejected, key, len(rejected))
                rejected.clear()
    except VismaHrmError as exc:
        tally.failed[key] = pseudonymizer.error(exc) if pseudonymizer else exc
        return
    finally:
        tally.seconds[key] = tally.seconds.get(key, 0.0) + time.monotonic() - started
    if rejected and pseudonymizer is not None:
        rejected[:] = pseudonymizer.rejected(rejected)
    if rejected:
        yield _rejected_item(rejected, export.tenant_id, synced_at)
        tally.add(tally.rejected, key, len(rejected))
    tally.received.setdefault(key, 0)
    row = position_row(export, synced_at, tally.received[key], tally.rejected.get(key, 0))
    if positions is None:
        yield _positions_table([row])
    else:
        positions.append(row)


def position_row(
    export: SpooledExport, synced_at: datetime, received: int, rejected: int
) -> dict[str, Any]:
    """The export's row for ``_visma_sync_state``, tagged with the load package it travels in.

    ``complete_export`` is what deletions rest on: a full export whose every row was parsed.
    A rejected row is not evidence that the row is gone, so such an export deletes nothing.
    """
    row = {
        TENANT_COLUMN: export.tenant_id,
        "dataset": export.dataset.name,
        # an export with a rejected row keeps the old cursor: the next run asks for the same
        # window again, and exits 3 again, until the source is fixed (never past a lost row)
        "change_timestamp_before": export.since if rejected else export.change_timestamp_before,
        "since": export.since,
        "full_export": export.full,
        "complete_export": export.full and rejected == 0,
        "synced_at": synced_at,
        "rows_received": received,
        "rows_rejected": rejected,
        "fields": export.fields,
        "load_id": dlt.current.load_package_state()["load_id"],
    }
    return row


def _positions_table(rows: list[dict[str, Any]]) -> Any:
    """Position rows as an append-only table variant into ``_visma_sync_state``."""
    hints = dlt.mark.make_hints(
        table_name=SYNC_STATE_TABLE,
        write_disposition="append",
        columns=[],
        primary_key=[],
        merge_key=[],
    )
    table = pa.Table.from_pylist(rows, schema=_STATE_SCHEMA)
    return dlt.mark.with_hints(table, hints, create_table_variant=True)


# ---------------------------------------------------------------------------- arrow helpers
def _rejected_item(rows: Sequence[RejectedRow], tenant_id: str, synced_at: datetime) -> Any:
    """Rejected rows as an append-only table variant, apart from the dataset's merge table."""
    table = pa.table(
        {
            TENANT_COLUMN: [tenant_id] * len(rows),
            "dataset": [r.dataset for r in rows],
            "file": [Path(r.file).name for r in rows],
            "record": [r.record for r in rows],
            "raw": [r.raw for r in rows],
            "reason": [r.reason for r in rows],
            "synced_at": [synced_at] * len(rows),
        },
        schema=_REJECTED_SCHEMA,
    )
    hints = dlt.mark.make_hints(
        table_name=REJECTED_ROWS_TABLE,
        write_disposition="append",
        columns=[],
        primary_key=[],
        merge_key=[],
    )
    return dlt.mark.with_hints(table, hints, create_table_variant=True)


def run_start() -> datetime:
    """Now, in UTC, at microsecond precision (what the destination stores)."""
    return datetime.now(UTC)

"""After the load, reconcile: make the stored rows equal the source beyond what the merge did.

Each step takes the run as ``Loaded`` (its pipeline, settings, plan, outcomes, start and
report) and runs whole, after phase 2, in this order (``run.py`` checks for a signal between):

- **deletions**: a (tenant, dataset) whose newest complete full export (every row parsed)
  started at T has its rows not received since T marked deleted (``sync.steps.deletions``, or
  ``files_reconcile`` on the filesystem destination). The UPDATE is idempotent and repeated
  every run, which also heals a crash between load and reconciliation;
- **excluded columns**: columns the user keeps out (``fields``, privacy profile) are emptied in
  rows stored before, once the API accepted the selection;
- **history** (opt-in per dataset, ``sync.steps.history``): every version with its validity;
- **change feed** (opt-in, ``sync.steps.changes``), **retention** (``sync.steps.retention``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dlt

from visma_hrm.catalog import DATASETS, REJECTED_ROWS_TABLE, Dataset, is_bookkeeping
from visma_hrm.client.settings import FieldSelection
from visma_hrm.config import Settings
from visma_hrm.errors import DestinationError, VismaHrmError
from visma_hrm.load.dlt_internals import DatabaseUndefinedRelation
from visma_hrm.load.positions import Positions
from visma_hrm.sync.extract import Outcome
from visma_hrm.sync.plan import Plan, field_selection
from visma_hrm.sync.report import Reporter, SyncReport, TableReport
from visma_hrm.sync.steps.changes import PERSONAL, update_feed
from visma_hrm.sync.steps.deletions import mark_deleted
from visma_hrm.sync.steps.history import empty_history_columns, history_datasets, update_history
from visma_hrm.sync.steps.retention import retention_step
from visma_hrm.warehouse import files
from visma_hrm.warehouse.base import destination_error, destination_message, sql_client
from visma_hrm.warehouse.sql import stored_columns


@dataclass(frozen=True)
class Loaded:
    """A run whose load is done: what every reconcile step reads, and where it reports."""

    pipeline: dlt.Pipeline
    settings: Settings
    plan: Plan
    outcomes: Sequence[Outcome]
    started: datetime
    """When the run started: the cutoff of this run's full exports, the feed's moment."""
    report: SyncReport
    reporter: Reporter


def mark_deletions(run: Loaded) -> None:
    """Mark rows gone from the newest complete full export as deleted, for this run's pairs."""
    pipeline, report, started = run.pipeline, run.report, run.started
    targets = []
    for outcome in run.outcomes:
        table = outcome.table
        if table.status == "skipped":
            continue
        cutoff = _deletion_evidence(outcome, started, run.plan.positions)
        if cutoff is not None:
            targets.append((table, cutoff))
        if outcome.export and outcome.export.full and table.rows_rejected:
            report.notes.append(
                f"{table.tenant_id} {table.dataset}: the full export had {table.rows_rejected} "
                "rejected row(s), so it is no evidence of deletions: no row was marked deleted."
            )
    if not targets:
        return
    if files.is_file_destination(pipeline):
        _mark_all(lambda t, d, c: files.mark_deleted(pipeline, t, d, c), targets)
    else:
        with sql_client(pipeline) as client:
            if client is None:
                report.warnings.append(
                    f"The {report.destination} destination has no SQL client: rows deleted at "
                    "the source are not marked as deleted."
                )
                return
            _mark_all(lambda t, d, c: mark_deleted(client, t, d, c), targets)
    for table, _ in targets:
        if table.rows_deleted:
            run.reporter.info(
                f"{table.tenant_id} {table.dataset}: {table.rows_deleted} rows marked deleted"
            )


def _mark_all(
    mark: Callable[[str, str, datetime], int],
    targets: Sequence[tuple[TableReport, datetime]],
) -> None:
    """Mark each pair; a pair whose marking failed fails (exit 1): its rows are loaded, but
    rows gone at the source still look current, so the destination is not equal to it. The
    next run repeats the (idempotent) marking from the stored evidence."""
    for table, cutoff in targets:
        try:
            table.rows_deleted += mark(table.tenant_id, table.dataset, cutoff)
        except Exception as exc:
            step = f"marking deleted rows of {table.dataset}"
            table.fail(
                DestinationError(
                    f"{destination_message(step, exc)}. The rows are loaded; rows deleted at "
                    "the source are not marked yet: the next sync marks them."
                )
            )


def _deletion_evidence(
    outcome: Outcome, started: datetime, positions: Positions
) -> datetime | None:
    """Start of the newest complete full export of the pair: this run's, or a stored one."""
    table, export = outcome.table, outcome.export
    if export and export.full and table.status == "ok" and not table.rows_rejected:
        return started
    return positions.complete_full_at(table.tenant_id, table.dataset)


# -------------------------------------------------------------------------- retention
def apply_retention(run: Loaded) -> None:
    """Empty or remove the data of people gone longer than ``retention`` (sync.steps.retention)."""
    tenants, day = run.plan.tenants, run.started.date()
    try:
        with sql_client(run.pipeline) as sql:
            notes, warnings = retention_step(sql, run.settings, tenants, day)
    except VismaHrmError:
        raise
    except Exception as exc:
        raise destination_error("applying retention", exc) from None
    for note in notes:
        run.reporter.info(note)
    run.report.notes += notes
    run.report.warnings += warnings


def update_histories(run: Loaded) -> None:
    """Keep every version of the datasets ``history`` names (visma_hrm.sync.steps.history)."""
    for dataset in history_datasets(run.settings.history, run.plan.datasets):
        try:
            with sql_client(run.pipeline) as sql:
                if sql is None:
                    return
                count = update_history(sql, dataset, run.plan.tenants)
        except Exception as exc:
            raise destination_error(f"updating {dataset.table}_history", exc) from None
        run.report.notes.append(count.note())
        run.reporter.info(count.note())


def update_change_feed(run: Loaded) -> None:
    """Add this sync's business events to ``changes`` (sync.steps.changes)."""
    if not run.settings.change_feed:
        return
    selection = field_selection(run.settings, DATASETS["employees"])
    ignored: frozenset[str] = frozenset()
    if selection is not None:
        kept = set(selection.include)
        ignored = (
            frozenset(c for c in PERSONAL if c not in kept)
            if kept
            else frozenset(selection.exclude)
        )
    try:
        with sql_client(run.pipeline) as sql:
            if sql is None:
                return
            added = update_feed(sql, run.plan.tenants, run.started, ignored)
    except Exception as exc:
        raise destination_error("updating the change feed", exc) from None
    note = f"changes: {added:,} new event(s)"
    run.report.notes.append(note)
    run.reporter.info(note)


# -------------------------------------------------------------------------- exclusions
def empty_excluded_columns(run: Loaded) -> None:
    """Empty, in every stored row of the dataset, the columns the user's ``fields`` keep out.

    Excluding a column at the API keeps it out of new exports; rows loaded before the exclusion
    still hold it. Here they lose it too, for every tenant of the table, in the same run, and
    raw rejected rows of the dataset loaded before this run (which may hold it) lose their text.
    Only once every export of the dataset in this run succeeded: a selection the API refused
    (a mistyped column in an include list) must not empty anything.
    """
    pipeline, plan, report, started = run.pipeline, run.plan, run.report, run.started
    statuses: dict[str, set[str]] = {}
    for table in report.tables:
        statuses.setdefault(table.dataset, set()).add(table.status)
    wanted = [
        (d, s)
        for d in plan.datasets
        if (s := plan.selections.get(d.name)) is not None
        and "ok" in statuses.get(d.name, ())
        and "failed" not in statuses.get(d.name, ())
    ]
    for dataset in plan.datasets:
        if plan.selections.get(dataset.name) and "failed" in statuses.get(dataset.name, ()):
            report.notes.append(
                f"{dataset.table}: columns kept out by fields were not emptied in stored rows, "
                "because an export of it failed (the API must accept the selection first); "
                "the next successful run empties them."
            )
    if not wanted:
        return
    on_files = files.is_file_destination(pipeline)
    with contextlib.nullcontext() if on_files else sql_client(pipeline) as client:
        if client is None and not on_files:
            report.warnings.append(
                f"The {report.destination} destination has no SQL client: columns excluded "
                "after an earlier load keep their old values in the stored files."
            )
            return
        for dataset, selection in wanted:
            try:
                if on_files:
                    emptied = files.empty_columns(
                        pipeline, dataset, selection, started, is_bookkeeping
                    )
                else:
                    emptied = _empty_columns_of(client, dataset, selection, started)
            except Exception as exc:
                step = f"emptying excluded columns of {dataset.table}"
                raise destination_error(step, exc) from None
            if emptied:
                columns, rows = emptied
                note = f"{dataset.table}: emptied {', '.join(columns)} in {rows:,} stored row(s)"
                report.notes.append(note + " (excluded by fields or privacy profile).")
                run.reporter.info(note)


def _empty_columns_of(
    client: Any, dataset: Dataset, selection: FieldSelection, started: datetime
) -> tuple[list[str], int] | None:
    stored = stored_columns(client, dataset.table)
    if selection.include:
        keep = {*selection.include, *dataset.key}
        columns = [c for c in stored if c not in keep and not is_bookkeeping(c)]
    else:
        columns = [c for c in selection.exclude if c in stored]
    if not columns:
        return None
    _forget_raw_rejected(client, dataset, started)  # first: idempotent, never skipped
    empty_history_columns(client, dataset.table, columns)  # every old version too
    name = client.make_qualified_table_name(dataset.table)
    escaped = {c: client.escape_column_name(c) for c in columns}
    # only the columns that still hold a value are named in the report: the others were
    # emptied by an earlier run, and saying so again would misstate what this run did
    counts = client.execute_sql(
        "SELECT " + ", ".join(f"count({e})" for e in escaped.values()) + f" FROM {name}"
    )
    columns = [c for c, n in zip(columns, counts[0] if counts else (), strict=False) if n]
    if not columns:
        return None
    holding = " OR ".join(f"{escaped[c]} IS NOT NULL" for c in columns)
    rows = client.execute_sql(f"SELECT count(*) FROM {name} WHERE {holding}")
    found = int(rows[0][0]) if rows else 0
    assignments = ", ".join(f"{escaped[c]} = NULL" for c in columns)
    client.execute_sql(f"UPDATE {name} SET {assignments} WHERE {holding}")
    return columns, found


def _forget_raw_rejected(client: Any, dataset: Dataset, started: datetime) -> None:
    """Rejected rows keep the export's raw text, excluded columns included: drop that text."""
    name = client.make_qualified_table_name(REJECTED_ROWS_TABLE)
    with contextlib.suppress(DatabaseUndefinedRelation):
        client.execute_sql(
            f"UPDATE {name} SET raw = NULL WHERE dataset = %s AND synced_at < %s "
            "AND raw IS NOT NULL",
            dataset.name,
            started,
        )

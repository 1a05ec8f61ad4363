"""Step: history mode, every version of every row of the chosen datasets, with its validity.

For a dataset in the ``history`` setting, table ``<dataset>_history`` holds one row per version:
the dataset's columns plus ``valid_from`` and ``valid_to`` (open-ended, NULL, for the current
version). It is kept after each load by comparing the current table with the open versions:

* a row whose values differ from its open version closes that version and opens a new one;
* a row marked deleted (``_visma_deleted``: only a complete full export marks it, see
  ``visma_hrm.deletions``) closes its open version; a row that reappears opens a new one;
* a row an incremental export did not carry is simply unchanged in the current table, so it is
  never retired: the evidence rule of deletions holds for history too.

Each open version remembers when the current row was last compared with it
(``_visma_seen_at``, the row's ``_visma_synced_at`` then). A live row whose sync moment is
among its tenant's open versions' moments was compared when it was loaded and not loaded
since: it is left out before any join (``history_versions``), so an incremental run's history
work follows the rows it loaded (and the rows deletions marked), not the size of the table.
Every run leaves one open version per live row; a run that finds otherwise (a table changed
behind the connector's back) compares every row, as a run without moments would.

Validity is the moment of the export that delivered the value: its ``changeTimestampBefore``
(kept per export in ``_visma_sync_state``; the sync's start when that row is missing), so a
re-run that brings the same values opens nothing. Rows present when history is switched on
start at the moment their current value was loaded. Each dataset is updated in one transaction,
so a killed run leaves either the old or the new history, and the next run finishes the work.

Why not dlt's ``scd2`` merge strategy: it retires every row absent from a load (an incremental
export carries only changed rows), one load mixes full and incremental exports of many tenants,
and retirement must follow the deletion marks made *after* the load; comparing the loaded table
with its open versions in SQL follows exactly those rules on every SQL destination tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from visma_hrm.catalog import Dataset, is_added_column
from visma_hrm.messages import Note
from visma_hrm.sync.plan import RunPlan
from visma_hrm.sync.steps.base import StepContext, StepResult
from visma_hrm.sync.steps.history_moments import export_moments
from visma_hrm.sync.steps.history_versions import VersionSql, history_table
from visma_hrm.warehouse.sql import SqlClient, stored_columns

__all__ = ["History", "HistoryCount", "history_table", "update_history"]


@dataclass(frozen=True)
class HistoryCount:
    """Versions one run opened and closed in one dataset's history."""

    dataset: str
    opened: int
    closed: int

    def note(self) -> Note:
        return Note(
            "note.history",
            changed=bool(self.opened or self.closed),
            table=history_table(self.dataset),
            opened=self.opened,
            closed=self.closed,
        )


class History:
    """Bring ``<dataset>_history`` up to the current table, for the datasets ``history`` names."""

    name = "history"

    def wanted(self, plan: RunPlan) -> bool:
        return bool(plan.history)

    def run(self, context: StepContext) -> StepResult:
        result = StepResult()
        for dataset in context.plan.history:
            context.session.settle()  # each dataset's versions are one transaction's writes
            with context.session.sql() as sql:
                count = update_history(sql, dataset, context.tenants)
            result.notes.append(count.note())
        return result


def update_history(client: SqlClient, dataset: Dataset, tenants: Sequence[str]) -> HistoryCount:
    """Bring ``<dataset>_history`` up to the current table for ``tenants``, in one transaction."""
    stored = stored_columns(client, dataset.table)
    if not stored or not tenants:
        return HistoryCount(dataset.name, 0, 0)
    values = [c for c in stored if not is_added_column(c)]  # the tenant stays a value
    sql = VersionSql(client, dataset, values)
    with client.begin_transaction():
        sql.ensure_table(stored)
        moments = export_moments(client, dataset)
        if not sql.versioned(tenants):  # no open version (history just switched on): all open
            opened = sum(
                sql.open(t, at, moments.get((t, at), at), versioned=False)
                for t, at in sql.to_open_unversioned(tenants)
            )
            return HistoryCount(dataset.name, opened, 0)
        sql.look_at(tenants, every_row=False)
        opened, closed = sql.catch_up(tenants, moments)
        if not sql.one_open_version_a_row(tenants):
            sql.look_at(tenants, every_row=True)
            more_opened, more_closed = sql.catch_up(tenants, moments)
            opened, closed = opened + more_opened, closed + more_closed
        sql.forget_looked_at()
    return HistoryCount(dataset.name, opened, closed)

"""Step: columns the user keeps out (``fields``, a privacy profile) leave storage altogether.

Excluding a column at the API keeps it out of new exports; rows loaded before the exclusion
still hold it. Here they lose it too, in every tenant's rows of the table, in every version of
its history, in the change feed's stored events and in the raw text of rejected rows, in the
same run. Only once the API accepted the selection: the newest loaded export of every tenant
of the dataset was asked with it (a selection the API refused, such as a mistyped column in an
include list, must not empty anything). That is read from the destination, so a crash between
load and this step, or a user's own pipeline, empties the same columns later.
"""

from __future__ import annotations

from visma_hrm.catalog import Dataset, is_bookkeeping
from visma_hrm.client.settings import FieldSelection
from visma_hrm.messages import Note
from visma_hrm.sync.plan import RunPlan
from visma_hrm.sync.steps.base import StepContext, StepResult
from visma_hrm.sync.steps.changes import CHANGES_TABLE
from visma_hrm.sync.steps.feed_purge import purge_columns
from visma_hrm.sync.steps.history import history_table


class Exclusions:
    """Empty the excluded columns of every stored row, version, event and rejected row."""

    name = "exclusions"

    def wanted(self, plan: RunPlan) -> bool:
        return any(plan.selections.values())

    def run(self, context: StepContext) -> StepResult:
        result = StepResult()
        for dataset in context.plan.datasets:
            selection = context.plan.selections.get(dataset.name)
            if selection is None:
                continue
            if not _accepted(context, dataset):
                if any(pair[1] == dataset.name for pair in context.failed):
                    result.notes.append(Note("note.exclusions.waiting", table=dataset.table))
                continue
            emptied = _empty(context, dataset, selection)
            result.notes += emptied
            result.erased = result.erased or bool(emptied)
        return result


def _accepted(context: StepContext, dataset: Dataset) -> bool:
    """The newest loaded export of every tenant holding the dataset was asked with the
    selection (so the API accepted it), and at least one tenant holds it."""
    wanted = context.plan.selection_param(dataset.name)
    held = [t for t in context.tenants if (t, dataset.name) in context.positions.by_pair]
    return bool(held) and all(context.positions.fields(t, dataset.name) == wanted for t in held)


def _empty(context: StepContext, dataset: Dataset, selection: FieldSelection) -> list[Note]:
    session = context.session
    stored = session.stored_columns(dataset.table)
    if selection.include:
        keep = {*selection.include, *dataset.key}
        columns = [c for c in stored if c not in keep and not is_bookkeeping(c)]
    else:
        columns = [c for c in selection.exclude if c in stored]
    if not columns:
        return []
    session.forget_raw_rejected(dataset.name, context.started)  # first: idempotent
    session.empty_columns(history_table(dataset.table), columns)  # every old version too
    notes = []
    held, rows = session.empty_columns(dataset.table, columns)
    if held:
        notes.append(
            Note("note.exclusions.emptied", table=dataset.table, columns=", ".join(held), rows=rows)
        )
    if session.stored_columns(CHANGES_TABLE):
        with session.sql() as sql:
            events = purge_columns(sql, dataset.name, columns)
        if events:
            notes.append(Note("note.exclusions.feed", columns=", ".join(columns), events=events))
    return notes

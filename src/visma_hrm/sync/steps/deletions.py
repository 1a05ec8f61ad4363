"""Step: rows gone at the source marked deleted, on the evidence of a complete full export.

A row is never removed: it gets ``_visma_deleted = true`` and ``_visma_deleted_at``. Only a
complete full export (every row parsed and loaded; ``visma_hrm.load.positions``) is evidence:
a tenant's rows it did not carry are the ones with ``_visma_synced_at`` before its start. The
evidence is read from the destination after the load, so the step marks the same rows whether
it runs right after the load, after a crash in between, or in a user's own pipeline; the
marking is idempotent and repeated every run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from visma_hrm.catalog import DATASETS
from visma_hrm.errors import DestinationError
from visma_hrm.load.positions import Positions
from visma_hrm.sync.plan import RunPlan
from visma_hrm.sync.steps.base import Pair, StepContext, StepResult
from visma_hrm.warehouse.base import Session


class Deletions:
    """Mark rows not received since the newest complete full export of their pair."""

    name = "deletions"

    def wanted(self, plan: RunPlan) -> bool:
        return True

    def run(self, context: StepContext) -> StepResult:
        pairs = [(t, d.name) for t in context.tenants for d in context.plan.datasets]
        return mark_all(context.session, context.positions, pairs)


def mark_all(session: Session, positions: Positions, pairs: Iterable[Pair]) -> StepResult:
    """Mark each pair's rows gone since its newest complete full export (none: skipped), a
    dataset's tenants together."""
    result = StepResult()
    cutoffs: dict[str, dict[str, dt.datetime]] = {}
    for tenant, name in pairs:
        cutoff = positions.complete_full_at(tenant, name)
        if cutoff is not None and name in DATASETS:
            cutoffs.setdefault(name, {})[tenant] = cutoff
    for name, of_tenants in cutoffs.items():
        table = DATASETS[name].table
        try:
            marked = session.mark_deleted(table, of_tenants)
        except DestinationError as error:
            # loaded, but rows gone at the source still look current: not equal to it
            for tenant in of_tenants:
                result.failures[(tenant, name)] = DestinationError(
                    f"{error.message}. The rows are loaded; rows deleted at the source are not "
                    "marked yet: the next sync marks them.",
                    tenant_id=tenant,
                    dataset=name,
                )
            continue
        for tenant, count in marked.items():
            if count:
                result.deleted[(tenant, name)] = count
                result.current[(tenant, name)] = session.current_rows(tenant, table)
    return result

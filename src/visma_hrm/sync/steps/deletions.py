"""Step: rows gone at the source marked deleted, on the evidence of a complete full export.

A row is never removed: it gets ``_visma_deleted = true`` and ``_visma_deleted_at``. Only a
complete full export (every row parsed and loaded; ``visma_hrm.load.positions``) is evidence:
a tenant's rows it did not carry are the ones with ``_visma_synced_at`` before its start. The
evidence is read from the destination after the load, so the step marks the same rows whether
it runs right after the load, after a crash in between, or in a user's own pipeline; the
marking is idempotent and repeated every run.
"""

from __future__ import annotations

from visma_hrm.errors import DestinationError
from visma_hrm.sync.plan import RunPlan
from visma_hrm.sync.steps.base import StepContext, StepResult


class Deletions:
    """Mark rows not received since the newest complete full export of their pair."""

    name = "deletions"

    def wanted(self, plan: RunPlan) -> bool:
        return True

    def run(self, context: StepContext) -> StepResult:
        result = StepResult()
        for tenant in context.tenants:
            for dataset in context.plan.datasets:
                cutoff = context.positions.complete_full_at(tenant, dataset.name)
                if cutoff is None:
                    continue
                pair = (tenant, dataset.name)
                try:
                    marked = context.session.mark_deleted(tenant, dataset.table, cutoff)
                except DestinationError as error:
                    # loaded, but rows gone at the source still look current: not equal to it
                    result.failures[pair] = DestinationError(
                        f"{error.message}. The rows are loaded; rows deleted at the source are "
                        "not marked yet: the next sync marks them.",
                        tenant_id=tenant,
                        dataset=dataset.name,
                    )
                    continue
                if marked:
                    result.deleted[pair] = marked
                    result.current[pair] = context.session.current_rows(tenant, dataset.table)
        return result

"""The after-load steps of a run, in their order: the one place the order is said.

1. **deletions**: rows gone from a complete full export marked deleted;
2. **exclusions**: columns kept out by ``fields`` or a privacy profile emptied everywhere;
3. **retention**: the data of people gone longer than ``retention`` emptied or removed;
4. **history**: every version of the datasets ``history`` names;
5. **change feed**: the business events since the last sync;
6. **custom fields**: the analytics' views with a column per custom field made again, so a
   field new at the source is a column (the views read what the steps above left).

Why this order: every step sees rows after the same privacy and retention rules. History and
the feed compare what is stored, so the columns a profile keeps out and the data of people past
retention must be gone before they look (a row the API sends again for such a person would
otherwise open a version, or raise an event, that differs from the stored one only by what the
rules then empty). Each step has the signature of ``visma_hrm.sync.steps.base.Step``.
"""

from __future__ import annotations

from collections.abc import Callable

from visma_hrm.sync.steps.base import Step, StepContext, StepResult
from visma_hrm.sync.steps.changes import ChangeFeed
from visma_hrm.sync.steps.custom_fields import CustomFields
from visma_hrm.sync.steps.deletions import Deletions
from visma_hrm.sync.steps.exclusions import Exclusions
from visma_hrm.sync.steps.history import History
from visma_hrm.sync.steps.retention import Retention

STEPS: tuple[Step, ...] = (
    Deletions(),
    Exclusions(),
    Retention(),
    History(),
    ChangeFeed(),
    CustomFields(),
)

__all__ = ["STEPS", "Step", "StepContext", "StepResult", "run_steps"]


def run_steps(
    context: StepContext, between: Callable[[], None] = lambda: None
) -> list[tuple[Step, StepResult]]:
    """Every step the plan asks for, in order, each on a settled destination
    (``Session.settle``), ``between`` called after each (a signal stops the run there); then
    the tenants all steps brought level are recorded as done through their newest load
    (``Session.record_steps``)."""
    done = []
    for step in STEPS:
        if step.wanted(context.plan):
            context.session.settle()
            done.append((step, step.run(context)))
            between()
    failed = {tenant for _, result in done for tenant, _ in result.failures}
    through = {
        tenant: moment
        for tenant in context.tenants
        if tenant not in failed and (moment := context.positions.newest_load(tenant)) is not None
    }
    context.session.record_steps(through)
    return done

"""What every after-load step has in common: one signature, one kind of result.

A step reads the run through ``StepContext`` (the frozen plan, the warehouse session, the run's
start, the positions as the destination records them after the load) and returns what it did
as a ``StepResult`` (notes, warnings, rows marked deleted, pairs it failed), instead of writing
into a shared report. The engine merges the results into the run's report; the order of the
steps is visible in one place, ``visma_hrm.sync.steps.STEPS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from visma_hrm.errors import VismaHrmError
from visma_hrm.load.positions import Positions
from visma_hrm.messages import Note
from visma_hrm.sync.plan import RunPlan
from visma_hrm.warehouse.base import Session

Pair = tuple[str, str]
"""(tenant id, dataset name)."""


@dataclass(frozen=True)
class StepContext:
    """The run as every step sees it, after the load."""

    plan: RunPlan
    session: Session
    started: dt.datetime
    """When the run started: this run's full exports' cutoff, the feed's moment, retention's
    day."""
    positions: Positions
    """Where each (tenant, dataset) stands, read from the destination after the load."""
    failed: frozenset[Pair] = frozenset()
    """Pairs whose export or load failed in this run."""

    @property
    def tenants(self) -> Sequence[str]:
        return self.plan.tenants


@dataclass
class StepResult:
    """What one step did."""

    notes: list[Note] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    deleted: dict[Pair, int] = field(default_factory=dict)
    """Rows marked deleted now, per pair (the deletions step)."""
    current: dict[Pair, int] = field(default_factory=dict)
    """Rows not marked deleted after the step, per pair it marked rows of."""
    failures: dict[Pair, VismaHrmError] = field(default_factory=dict)
    """Pairs the step could not bring level with the source: they fail the run (exit 1)."""
    erased: bool = False
    """The step removed or emptied stored values (retention, exclusions): their bytes are
    erased at the end of the run (``visma_hrm.sync.runlog``)."""


class Step(Protocol):
    """One after-load step."""

    name: str
    """One of ``visma_hrm.warehouse.base.STEPS``: what the warehouse is asked it supports."""

    def wanted(self, plan: RunPlan) -> bool:
        """Whether the plan's settings ask for this step."""
        ...

    def run(self, context: StepContext) -> StepResult: ...

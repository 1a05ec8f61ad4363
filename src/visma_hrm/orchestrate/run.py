"""One tenant's run through the engine, and its report mapped to what an orchestrator judges.

Dagster and Airflow schedule, retry and alert per tenant; both call ``sync_tenant``, which runs
the engine (``visma_hrm.sync.run_plan``) exactly as ``visma-hrm sync`` does, with every
setting of the visma-hrm configuration (privacy profiles, fields, history, change feed,
retention), for one tenant, then maps its report to a ``TenantOutcome`` the way dagster-dlt
maps dlt's ``LoadInfo``. What keeps parallel runs of one destination apart is the warehouse
seam: a DuckDB file is taken in turns, PostgreSQL runs hold a tenant each in the warehouse.
Nothing here imports dlt.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from visma_hrm.catalog import DATASETS
from visma_hrm.client.models import ExportProgress
from visma_hrm.config import Settings
from visma_hrm.errors import DatasetNotApprovedError, VismaHrmError
from visma_hrm.sync import RunPlan, SyncReport, TableReport, run_plan
from visma_hrm.sync.plan import EntryPoint
from visma_hrm.warehouse.base import Warehouse

log = logging.getLogger("visma_hrm.orchestrate")

DEFAULT_DELETED_SHARE_LIMIT = 0.2


@dataclass(frozen=True)
class DatasetOutcome:
    """One dataset of one tenant's run, as the engine reported it."""

    dataset: str
    rows_received: int
    rows_rejected: int
    full_export: bool
    rows_marked_deleted: int
    rows_current: int | None
    """The tenant's rows of the dataset not marked deleted, after a run that marked some."""

    @property
    def deleted_share(self) -> float:
        """Share of the tenant's rows this run marked deleted."""
        if not self.rows_marked_deleted:
            return 0.0
        before = self.rows_marked_deleted + (self.rows_current or 0)
        return self.rows_marked_deleted / before


@dataclass(frozen=True)
class TenantOutcome:
    tenant_id: str
    datasets: dict[str, DatasetOutcome]
    skipped: tuple[str, ...] = ()
    """Datasets the tenant did not approve (left out, as ``visma-hrm sync`` does)."""
    failures: tuple[VismaHrmError, ...] = ()
    """Why datasets failed (their rows stay as they were; the others loaded)."""


def sync_tenant(
    settings: Settings,
    tenant_id: str,
    datasets: Sequence[str] | None = None,
    *,
    full_refresh: bool = False,
    entry_point: EntryPoint = "dagster",
) -> TenantOutcome:
    """Load one tenant's datasets (default: every one it approved) through the engine.

    ``datasets`` named explicitly must be approved (else they fail); by default unapproved ones
    are skipped, but a tenant that granted none of them fails: its token was refused for every
    dataset, and an empty success would hide that.
    """
    chosen = replace(settings, tenants=(tenant_id,), datasets=tuple(datasets or settings.datasets))
    plan = RunPlan.of(chosen, full_refresh=full_refresh, entry_point=entry_point)
    for warning in plan.warnings:
        log.warning(warning)
    report = run_plan(plan, Warehouse.of(chosen), LogReporter(), take_turns=True)
    log_tables(report)
    outcome = tenant_outcome(report, tenant_id)
    if not outcome.datasets and not outcome.failures:
        wanted = [d.name for d in plan.datasets]
        raise DatasetNotApprovedError(
            f"Tenant {tenant_id} granted none of {', '.join(wanted)}: Visma Connect refused "
            "its token for every one. Ask the customer to approve the application's datasets "
            "(App Store), then run this tenant again.",
            tenant_id=tenant_id,
        )
    return outcome


def log_tables(report: SyncReport) -> None:
    """One line per dataset with the run's figures (as the run log has them), in the
    orchestrator's task log, so that what happened is read there without opening the
    warehouse."""
    for t in report.tables:
        if t.status == "ok":
            log.info(
                "tenant %s %s: %s, %d rows received (%d new, %d changed), %d rejected, "
                "%d marked deleted",
                t.tenant_id,
                t.dataset,
                t.mode,
                t.rows_received,
                t.rows_inserted,
                t.rows_updated,
                t.rows_rejected,
                t.rows_deleted,
            )
        else:
            log.warning(
                "tenant %s %s: %s (%s) %s",
                t.tenant_id,
                t.dataset,
                t.status,
                t.error_code,
                t.message or "",
            )


def tenant_outcome(report: SyncReport, tenant_id: str) -> TenantOutcome:
    """The engine's report of one tenant as an orchestrator reads it."""
    tables = [t for t in report.tables if t.tenant_id == tenant_id]
    loaded = {t.dataset: _dataset(t) for t in tables if t.status == "ok"}
    skipped = tuple(t.dataset for t in tables if t.status == "skipped")
    failures = tuple(t.error for t in tables if t.status == "failed" and t.error is not None)
    return TenantOutcome(tenant_id, loaded, skipped, failures)


def _dataset(table: TableReport) -> DatasetOutcome:
    return DatasetOutcome(
        dataset=table.dataset,
        rows_received=table.rows_received,
        rows_rejected=table.rows_rejected,
        full_export=table.mode == "full",
        rows_marked_deleted=table.rows_deleted,
        rows_current=table.rows_current,
    )


def visma_error(exc: BaseException) -> VismaHrmError | None:
    """The connector's own error behind what an orchestrator wrapped around it."""
    todo: list[BaseException] = [exc]
    seen: set[int] = set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, VismaHrmError):
            return current
        for nxt in (getattr(current, "exception", None), current.__cause__, current.__context__):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
    return None


def is_temporary(exc: BaseException) -> bool:
    """Whether trying again can help: the connector's classification (``retryable``)."""
    error = visma_error(exc)
    return error is not None and error.retryable


def check_problems(outcome: DatasetOutcome, deleted_share_limit: float) -> list[str]:
    """Why this dataset's run needs a person's eye (empty: nothing unusual)."""
    problems = []
    if outcome.rows_rejected:
        problems.append(
            f"{outcome.rows_rejected} row(s) of {outcome.dataset} rejected "
            "(see _visma_rejected_rows)"
        )
    if outcome.deleted_share > deleted_share_limit:
        problems.append(
            f"{outcome.deleted_share:.0%} of {outcome.dataset} marked deleted "
            f"(limit {deleted_share_limit:.0%})"
        )
    return problems


class LogReporter:
    """The engine's progress as log lines of ``visma_hrm.orchestrate`` (an orchestrator's task
    log): every step, and each dataset as it finishes."""

    def export_progress(self, progress: ExportProgress) -> None:
        pass

    def stage(self, tenant_id: str, dataset: str, state: str, rows: int | None = None) -> None:
        if state in ("ok", "failed", "skipped", "downloaded"):
            log.info("tenant %s %s: %s", tenant_id, dataset, state)

    def info(self, message: str) -> None:
        log.info(message)


__all__ = [
    "DATASETS",
    "DEFAULT_DELETED_SHARE_LIMIT",
    "DatasetOutcome",
    "LogReporter",
    "TenantOutcome",
    "check_problems",
    "is_temporary",
    "sync_tenant",
    "tenant_outcome",
    "visma_error",
]

"""The end of every run: its report into the run log, and removed values erased from the bytes.

Whichever entry point ran the engine (the command line, Dagster, Airflow through ``run_plan``;
the dlt source through ``finish``), the run's report becomes one ``RunRecord`` written by the
warehouse session (``visma_hrm.warehouse.runs``): per tenant and dataset full or incremental,
rows received, new, changed, marked deleted and rejected, the error code and its message
(redacted, as the report has it). A run stopped by an error is logged too, each of its
datasets failed with that error, so that ``visma-hrm status`` says since when a tenant fails.

**Erasure.** When a step removed or emptied personal data (retention, exclusions) the values
stay in a DuckDB file's free blocks and in a Delta table's replaced files. With
``compact_after_erasure`` (the default) the run then erases them (the file compacted, the
tables vacuumed) and says so in its report; the run log marks the erasure ``pending`` before
and the erasure itself marks it ``done``, so a run stopped in between is finished by the next
one.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable

from visma_hrm import __version__
from visma_hrm.errors import Interrupted, VismaHrmError
from visma_hrm.messages import Note
from visma_hrm.redact import redact_text
from visma_hrm.sync.plan import RunPlan
from visma_hrm.sync.report import EXIT_OK, EXIT_REJECTED_ROWS, SyncReport, TableReport
from visma_hrm.warehouse.base import Session
from visma_hrm.warehouse.runs import DatasetRun, Erasure, RunRecord

log = logging.getLogger("visma_hrm.sync")


def new_run_id() -> str:
    return uuid.uuid4().hex


def outcome_of(report: SyncReport) -> str:
    """ok, rejected_rows (exit 3: loaded, some rows unparsable) or failed."""
    return {EXIT_OK: "ok", EXIT_REJECTED_ROWS: "rejected_rows"}.get(report.exit_code, "failed")


def dataset_run(table: TableReport) -> DatasetRun:
    return DatasetRun(
        tenant_id=table.tenant_id,
        dataset=table.dataset,
        mode=table.mode,
        status=table.status,
        rows_received=table.rows_received,
        rows_new=table.rows_inserted,
        rows_changed=table.rows_updated,
        rows_unchanged=table.rows_unchanged,
        rows_deleted=table.rows_deleted,
        rows_rejected=table.rows_rejected,
        error_code=table.error_code,
        message=table.message,
    )


def close_run(session: Session, plan: RunPlan, report: SyncReport, erased: bool) -> list[Note]:
    """Log the run, then erase what it (or a run stopped before erasing) removed; the erasure
    is said in the report's notes, which are returned too (to be shown)."""
    erasure = _erasure(session, plan, erased)
    record = RunRecord(
        run_id=report.run_id,
        entry_point=plan.entry_point,
        version=__version__,
        started_at=_moment(report.started_at),
        ended_at=dt.datetime.now(dt.UTC),
        outcome=outcome_of(report),
        erasure=erasure,
        datasets=tuple(dataset_run(t) for t in report.tables),
    )
    try:
        session.record_run(record)
    except VismaHrmError as unlogged:
        if report.ok:  # the data is loaded; a run the log does not know must not look fine
            raise
        report.warnings.append(f"The run log could not record this failed run: {unlogged.message}")
        return []
    said: list[Note] = []
    if erasure in ("pending", "server"):
        said += [note] if (note := session.erase()) else []
    elif erasure == "off":
        said.append(Note("note.erasure_off"))
    report.notes += said
    return said


def _erasure(session: Session, plan: RunPlan, erased: bool) -> Erasure | None:
    if not session.erases_bytes:
        return "server" if erased else None
    if not (erased or session.erasure_pending()):
        return None
    return "pending" if plan.compact_after_erasure else "off"


def log_stopped_run(
    session: Session, plan: RunPlan, report: SyncReport, error: VismaHrmError
) -> None:
    """Log a run an error stopped: every dataset it was asked for failed with that error
    (those the tenant did not approve stay skipped). Best effort: the destination may be what
    failed, and the run's own error is what the caller raises."""
    skipped = {(t.tenant_id, t.dataset) for t in report.tables if t.status == "skipped"}
    message = redact_text(error.message)
    datasets = tuple(
        DatasetRun(
            tenant,
            d.name,
            _mode(report.tables, tenant, d.name),
            "failed",
            error_code=error.code,
            message=message,
        )
        for tenant in plan.tenants
        for d in plan.datasets
        if (tenant, d.name) not in skipped
    )
    record = RunRecord(
        run_id=report.run_id,
        entry_point=plan.entry_point,
        version=__version__,
        started_at=_moment(report.started_at),
        ended_at=dt.datetime.now(dt.UTC),
        outcome="interrupted" if isinstance(error, Interrupted) else "failed",
        error_code=error.code,
        message=message,
        datasets=datasets,
    )
    try:
        session.record_run(record)
    except VismaHrmError as unlogged:
        log.warning("the run log could not record this run: %s", unlogged.message)


def _mode(tables: Iterable[TableReport], tenant: str, dataset: str) -> str:
    """The export's mode when phase 1 decided it, else ``unknown`` (stopped before)."""
    found = next((t for t in tables if t.tenant_id == tenant and t.dataset == dataset), None)
    return found.mode if found is not None else "unknown"


def _moment(iso: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(iso)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

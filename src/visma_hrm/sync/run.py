"""The engine: one run, plan -> extract -> load -> steps, whichever entry point drives it.

The CLI (``sync``), the Dagster assets, the Airflow task all call ``run``; the reusable dlt
source runs the same plan, extract and steps around a user's own pipeline
(``visma_hrm.dlt_source``). **Where a run starts** is read from the destination it loads into
(``Session.positions``), never from a local folder: an empty or new destination gets full
exports, a restored backup gets what it lacks. dlt's working folder is a cache of this run only
(``visma_hrm.warehouse.folders``), removed at its end; a killed run's folder is removed by the
next run, which asks again for what the killed one did not finish.

- **plan**: the settings validated into a ``RunPlan`` (before this module is called), the
  destination asked whether it supports every step the settings ask for;
- **extract** (phase 1): every export downloaded side by side to the spool (``extract.py``);
- **load** (phase 2): one dlt run over the spooled files (``load.py``);
- **steps**: deletions, exclusions, retention, history, change feed (``steps``), in the order
  ``visma_hrm.sync.steps.STEPS`` gives.

Two runs never write the same data at once: a DuckDB file is held by one run; on server
databases each tenant is held by one run and loads take turns. SIGINT and SIGTERM stop the run
at a safe point with ``Interrupted`` (``interrupt.py``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from visma_hrm.config import Settings
from visma_hrm.errors import VismaHrmError
from visma_hrm.load.dlt_internals import check_dlt_version, intercepted_signals
from visma_hrm.load.source import run_start
from visma_hrm.messages import Note
from visma_hrm.sync.extract import Outcome, extract_all, extract_or_stop
from visma_hrm.sync.interrupt import stop_if_signalled
from visma_hrm.sync.load import load_exports, release_arrow_memory_promptly
from visma_hrm.sync.plan import Plan, RunPlan
from visma_hrm.sync.report import NullReporter, Reporter, SyncReport
from visma_hrm.sync.runlog import close_run, log_stopped_run, new_run_id
from visma_hrm.sync.steps import Step, StepContext, StepResult, run_steps
from visma_hrm.warehouse.base import Session, Warehouse


@dataclass(frozen=True)
class SyncSettings:
    """What one ``sync`` run does: the settings plus the run's own switches."""

    settings: Settings
    full_refresh: bool = False


def sync(run: SyncSettings, reporter: Reporter | None = None) -> SyncReport:
    """One command-line run: the settings planned, the warehouse made, the engine run."""
    plan = RunPlan.of(run.settings, full_refresh=run.full_refresh, entry_point="cli")
    return run_plan(plan, Warehouse.of(run.settings), reporter)


def run_plan(
    plan: RunPlan,
    warehouse: Warehouse,
    reporter: Reporter | None = None,
    *,
    take_turns: bool = False,
) -> SyncReport:
    """Run ``plan`` into ``warehouse`` and return its report; raises only for what stops all.

    ``take_turns``: wait while another run holds the destination (orchestrators, which run
    tenants side by side) instead of failing at once naming it (the command line).
    Raises ``ConfigurationError`` (a step the destination cannot do, contradictory settings),
    ``DestinationError`` (the destination failed before or after the load),
    ``ConcurrentRunError`` (another run writes the same data) and ``Interrupted``.
    """
    reporter = reporter or NullReporter()
    plan, adapted = plan.where_supported(warehouse.supports)
    warehouse.refuse_unsupported(plan.wanted_steps())
    dlt_warning = check_dlt_version()
    release_arrow_memory_promptly()
    clock = time.monotonic()
    between = stop_if_signalled if take_turns else None
    with (
        intercepted_signals(),
        warehouse.run(plan.settings.pipeline_name, plan.tenants, between) as session,
    ):
        started = run_start()
        report = _new_report(plan, warehouse, started, session)
        report.warnings += [dlt_warning] if dlt_warning else []
        report.notes += adapted
        export_plan = _checked(session, plan, report, reporter)
        try:
            erased = _run(session, export_plan, started, report, reporter)
        except VismaHrmError as error:
            log_stopped_run(session, plan, report, error)
            raise
        for note in close_run(session, plan, report, erased):
            reporter.info(note.in_lang(plan.settings.lang))
    report.seconds = round(time.monotonic() - clock, 3)
    return report


def _checked(session: Session, plan: RunPlan, report: SyncReport, reporter: Reporter) -> Plan:
    """The destination read and checked before anything is asked of Visma: a run refused
    here changes nothing, not even the run log."""
    for note in session.prepared.notes:
        report.notes.append(note)
        reporter.info(note.in_lang(plan.settings.lang))
    session.sync_destination()
    export_plan = Plan(plan, session.positions())
    session.check_privacy(plan.pseudonymizer)
    report.notes += [
        Note("note.selection_changed", dataset=d) for d in export_plan.changed_selections()
    ]
    return export_plan


def _run(
    session: Session, export_plan: Plan, started: datetime, report: SyncReport, reporter: Reporter
) -> bool:
    """Phases 1 and 2 and the steps into ``report``; whether a step removed or emptied stored
    values."""
    plan = export_plan.run
    extraction = extract_all(export_plan, session.work_dir / "spool", reporter)
    outcomes = extract_or_stop(extraction)
    report.tables = [o.table for o in outcomes]
    with session.loading(reporter.info, stop_if_signalled):
        return _load_and_finish(session, plan, outcomes, started, report, reporter)


def _new_report(
    plan: RunPlan, warehouse: Warehouse, started: datetime, session: Session
) -> SyncReport:
    report = SyncReport(started.isoformat(), warehouse.name, warehouse.dataset_name)
    report.run_id = new_run_id()
    report.location = warehouse.label
    report.privacy_profile = plan.settings.privacy_profile
    report.fields = {d.name: p for d in plan.datasets if (p := plan.selection_param(d.name))}
    report.interrupted_runs_removed = session.prepared.abandoned_runs_removed
    return report


def _load_and_finish(
    session: Session,
    plan: RunPlan,
    outcomes: Sequence[Outcome],
    started: datetime,
    report: SyncReport,
    reporter: Reporter,
) -> bool:
    """Phase 2 and the steps after it, each whole, a signal checked between them; whether a
    step removed or emptied stored values."""
    load_exports(session, outcomes, started, report, reporter, plan.pseudonymizer)
    stop_if_signalled()
    report.notes += _no_evidence_notes(outcomes)
    failed = frozenset((o.table.tenant_id, o.table.dataset) for o in outcomes if o.error)
    context = StepContext(plan, session, started, session.positions(), failed)
    done = run_steps(context, stop_if_signalled)
    for step, result in done:
        merge_step(step, result, report, reporter, plan.settings.lang)
    stop_if_signalled()  # a signal in the last step must not end in exit 0 unseen
    return any(result.erased for _, result in done)


def _no_evidence_notes(outcomes: Sequence[Outcome]) -> list[Note]:
    """A full export with rejected rows proves no deletion: say so where it happened."""
    return [
        Note(
            "note.rejected_no_evidence",
            tenant=o.table.tenant_id,
            dataset=o.table.dataset,
            rows=o.table.rows_rejected,
        )
        for o in outcomes
        if o.export and o.export.full and o.table.rows_rejected
    ]


def merge_step(
    step: Step, result: StepResult, report: SyncReport, reporter: Reporter, lang: str
) -> None:
    """A step's result into the run's report (figures, failures, notes) and the display."""
    tables = {(t.tenant_id, t.dataset): t for t in report.tables}
    for (tenant, dataset), rows in result.deleted.items():
        if (table := tables.get((tenant, dataset))) is not None:
            table.rows_deleted += rows
            table.rows_current = result.current.get((tenant, dataset))
        reporter.info(Note("note.deleted", tenant=tenant, dataset=dataset, rows=rows).in_lang(lang))
    for pair, error in result.failures.items():
        if (table := tables.get(pair)) is not None:
            table.fail(error)
    report.notes += result.notes
    report.warnings += result.warnings
    for note in result.notes:
        reporter.info(note.in_lang(lang))

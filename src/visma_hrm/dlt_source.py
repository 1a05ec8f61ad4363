"""A dlt source for your own pipelines: ``visma_hrm_source``, the way dlt's verified sources are.

It takes the settings ``visma-hrm sync`` takes (``docs/configuration.md``), as arguments or
from dlt's own config and secrets (``[sources.visma_hrm]`` in ``.dlt/config.toml`` /
``secrets.toml``, ``SOURCES__VISMA_HRM__CLIENT_SECRET`` and friends), and validates them into
the engine's ``RunPlan`` when it is made, before anything is asked of Visma. Its rows pass
through the same transformation as the CLI's: the ``fields`` and ``contact`` exclusions asked
of the API, pseudonyms on every batch, the bookkeeping columns, each export's position row in
the same load package as its rows. Where each tenant and dataset starts is read from the
destination of the pipeline running it, never from dlt's local state.

The after-load steps (deletions, exclusions, retention, history, change feed) need the load to
be done: call ``finish(pipeline, source)`` after ``pipeline.run(source)``. A load whose steps
never ran (``finish`` forgotten, a crash in between) is caught up when the source next runs,
before it downloads anything, and logged: a setting is never silently skipped. A destination
that cannot do a step the settings ask for (history on Delta files) stops the run before any
API call, naming the setting.

A failed export stops the extract, so dlt loads nothing of that run and the next run asks
again: nothing is half loaded. In an orchestrator, run one source per tenant.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import tempfile
from collections.abc import Collection, Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import dlt

from visma_hrm.catalog import DATASETS, Dataset
from visma_hrm.config import DEFAULT_API_URL, DEFAULT_TOKEN_URL, build_settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.load.dlt_internals import active_pipeline
from visma_hrm.load.source import (
    SOURCE_NAME,
    ParseTally,
    SpooledExport,
    dataset_resource,
    marker_resources,
    run_start,
)
from visma_hrm.messages import Note
from visma_hrm.sync.extract import extract_all
from visma_hrm.sync.load import fill_counts
from visma_hrm.sync.plan import Plan, RunPlan
from visma_hrm.sync.report import NullReporter, SyncReport, TableReport
from visma_hrm.sync.run import merge_step
from visma_hrm.sync.runlog import close_run, log_stopped_run, new_run_id
from visma_hrm.sync.steps import StepContext, run_steps
from visma_hrm.sync.steps.deletions import mark_all
from visma_hrm.warehouse.base import Session, Warehouse

log = logging.getLogger("visma_hrm.source")
T = TypeVar("T")
RUN_ATTRIBUTE = "visma_run"


@dlt.source(name=SOURCE_NAME, max_table_nesting=0, root_key=False)
def visma_hrm_source(
    client_id: str = dlt.config.value,
    client_secret: str = dlt.secrets.value,
    tenants: list[str] = dlt.config.value,
    datasets: list[str] | None = None,
    api_url: str = DEFAULT_API_URL,
    token_url: str = DEFAULT_TOKEN_URL,
    full_refresh: bool = False,
    concurrency: int = 4,
    fields: dict[str, str] | None = None,
    privacy_profile: str | None = None,
    pseudonym_key: str | None = dlt.secrets.value,
    pseudonymize_keys: bool = False,
    history: list[str] | str | None = None,
    change_feed: bool | None = None,
    retention: int | None = None,
    retention_action: str = "empty",
    compact_after_erasure: bool = True,
) -> list[Any]:
    """Every dataset (or ``datasets``) of every tenant, fully the first time, then what changed.

    A dataset a tenant did not approve is skipped for that tenant (logged), unless it was named
    in ``datasets``: then it fails the run, as in ``visma-hrm sync``. The other arguments mean
    what the settings of the same name mean (``docs/configuration.md``).
    """
    values: dict[str, Any] = {
        "api_url": api_url,
        "token_url": token_url,
        "client_id": client_id,
        "tenants": list(tenants or ()),
        "datasets": list(datasets or ()),
        "concurrency": concurrency,
        "fields": dict(fields or {}),
        "privacy_profile": privacy_profile,
        "pseudonymize_keys": pseudonymize_keys,
        "history": history or (),
        "change_feed": change_feed,
        "retention": retention,
        "retention_action": retention_action,
        "compact_after_erasure": compact_after_erasure,
    }
    secrets = {"client_secret": client_secret, "pseudonym_key": pseudonym_key}
    plan = RunPlan.of(
        build_settings(values, secrets), full_refresh=full_refresh, entry_point="source"
    )
    for warning in plan.warnings:
        log.warning(warning)
    run = _SourceRun(plan)
    resources = [_resource(dataset, run) for dataset in plan.datasets]
    for resource in resources:  # finish(pipeline, source) reads the run back from them
        setattr(resource, RUN_ATTRIBUTE, run)
    return resources + marker_resources(plan.pseudonymizer, run.started)


@dataclass
class _SourceRun:
    """One extract of the source: its plan, its start, what was checked before it asked, and
    what the run log needs from it (``finish`` writes the log, as the engine does)."""

    plan: RunPlan
    started: Any = field(default_factory=run_start)
    session: Session | None = None
    tally: ParseTally = field(default_factory=ParseTally)
    tables: list[TableReport] = field(default_factory=list)
    """Every (tenant, dataset) phase 1 handled, as the engine's report has them."""
    before: dict[tuple[str, str], int] = field(default_factory=dict)
    """Rows per (tenant, table) before the load, to count the new ones after it."""
    run_id: str = field(default_factory=new_run_id)
    logged: bool = False

    def prepared(self) -> Session:
        """The destination checked before the first download (once per extract)."""
        if self.session is None:
            pipeline = active_pipeline()
            if pipeline is None:
                raise ConfigurationError("visma_hrm_source runs inside a dlt pipeline's run.")
            session = Warehouse.attach(pipeline)
            self.plan, adapted = self.plan.where_supported(session.supports)
            for note in adapted:
                log.warning(note)
            session.refuse_unsupported(self.plan.wanted_steps())
            session.check_privacy(self.plan.pseudonymizer)
            _catch_up(session, self.plan)
            self.before = session.count_rows([d.table for d in self.plan.datasets])
            _RUNS[_pipeline_key(pipeline)] = self
            self.session = session
        return self.session

    def report(self, session: Session, after: dict[tuple[str, str], int]) -> SyncReport:
        """The run as the engine reports it, counted from the rows before and ``after``."""
        report = SyncReport(self.started.isoformat(), session.label, session.pipeline.dataset_name)
        report.run_id = self.run_id
        report.tables = self.tables
        for table in self.tables:
            if table.status == "ok":
                fill_counts(table, self.tally, self.before, after, None)
        return report


def _resource(dataset: Dataset, run: _SourceRun) -> Any:
    def exports() -> Iterator[SpooledExport]:
        session = run.prepared()
        only = dataclasses.replace(run.plan, datasets=(dataset,))
        with tempfile.TemporaryDirectory(prefix="visma-hrm-") as spool:
            yield from _download(run, Plan(only, session.positions()), Path(spool))

    return dataset_resource(
        dataset, exports, run.started, run.tally, pseudonymizer=run.plan.pseudonymizer, strict=True
    )


def _download(run: _SourceRun, plan: Plan, spool: Path) -> list[SpooledExport]:
    """Phase 1 of the engine (``visma_hrm.sync.extract``); any failure stops the extract.

    Stopping keeps dlt from loading anything of this run, so nothing is half loaded and the
    next run asks again; the run log says so (every dataset of the run failed with that
    error). A dataset a tenant did not approve is only logged (see the source).
    """
    outcomes = _run(extract_all(plan, spool, NullReporter()))
    run.tables += [outcome.table for outcome in outcomes]
    for outcome in outcomes:
        table = outcome.table
        if table.status == "skipped":
            log.warning("tenant %s did not approve %s: skipped", table.tenant_id, table.dataset)
        elif outcome.error is not None:
            if run.session is not None and not run.logged:
                log_stopped_run(run.session, run.plan, run.report(run.session, {}), outcome.error)
                run.logged = True
            raise outcome.error
    return [outcome.export for outcome in outcomes if outcome.export]


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run the downloads to the end, also where the caller already runs an event loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


# ------------------------------------------------------------------------------ after the load
_RUNS: dict[tuple[str, str], _SourceRun] = {}
"""The run of the source a pipeline last extracted in this process, for ``finish``."""


@dataclass(frozen=True)
class Finished:
    """What the after-load steps did in a user's pipeline."""

    deleted: Mapping[tuple[str, str], int]
    """Rows marked deleted now, per (tenant, dataset)."""
    notes: tuple[Note, ...] = ()
    warnings: tuple[str, ...] = ()


def finish(pipeline: dlt.Pipeline, source: Any | None = None) -> Finished:
    """Run the after-load steps the source's settings ask for, after ``pipeline.run(source)``.

    Deletions (rows a complete full export no longer carried), exclusions (columns kept out
    emptied in stored rows), retention, history and the change feed, in the engine's order and
    with its rules (``visma_hrm.sync.steps``), then the run into the run log (once per run)
    and, when a step removed personal data, its erasure from the destination's bytes, as the
    engine does. ``source``: the source that was run (default: the one this pipeline last
    extracted in this process). Idempotent: call it after every run.
    """
    run = _RUNS.get(_pipeline_key(pipeline))
    if source is not None:
        run = _run_of(source)
    if run is None:
        raise ConfigurationError(
            "finish(pipeline) follows pipeline.run(visma_hrm_source(...)) in the same process; "
            "pass the source you ran: finish(pipeline, source)."
        )
    session = Warehouse.attach(pipeline)
    report = run.report(session, session.count_rows([d.table for d in run.plan.datasets]))
    done = _finish(session, run.plan)
    for step, result in done:
        merge_step(step, result, report, NullReporter(), run.plan.settings.lang)
    if run.tables and not run.logged:
        run.logged = True
        close_run(session, run.plan, report, any(result.erased for _, result in done))
    deleted = {pair: n for _, result in done for pair, n in result.deleted.items()}
    warnings = tuple(w for _, result in done for w in result.warnings)
    failures = [error for _, result in done for error in result.failures.values()]
    if failures:
        raise failures[0]
    return Finished(deleted, tuple(report.notes), warnings)


def apply_deletions(
    pipeline: dlt.Pipeline, tenants: Collection[str] | None = None
) -> dict[tuple[str, str], int]:
    """Only the deletions step: mark rows gone from each pair's newest complete full export
    (of ``tenants``, default every tenant the destination holds); per pair, how many.

    Kept from before ``finish``, which runs every step the source's settings ask for.
    """
    session = Warehouse.attach(pipeline)
    positions = session.positions()
    pairs = [p for p in positions.by_pair if tenants is None or p[0] in tenants]
    result = mark_all(session, positions, pairs)
    if result.failures:
        raise next(iter(result.failures.values()))
    return result.deleted


def _finish(session: Session, plan: RunPlan) -> list[Any]:
    plan, _ = plan.where_supported(session.supports)
    context = StepContext(plan, session, run_start(), session.positions())
    return run_steps(context)


def _catch_up(session: Session, plan: RunPlan) -> None:
    """Run the steps of earlier loads whose steps never ran, before this run asks anything."""
    positions = session.positions()
    done = session.steps_done()
    pending = [
        t
        for t in plan.tenants
        if (newest := positions.newest_load(t)) is not None and (t not in done or done[t] < newest)
    ]
    if not pending:
        return
    log.warning(Note("note.steps_caught_up").in_lang(plan.settings.lang))
    for _, result in run_steps(StepContext(plan, session, run_start(), positions)):
        for error in result.failures.values():
            raise error


def _run_of(source: Any) -> _SourceRun:
    resources = getattr(source, "resources", {})
    runs = [getattr(r, RUN_ATTRIBUTE, None) for r in resources.values()]
    run = next((r for r in runs if isinstance(r, _SourceRun)), None)
    if run is None:
        raise ConfigurationError("finish(pipeline, source) takes a visma_hrm_source.")
    return run


def _pipeline_key(pipeline: Any) -> tuple[str, str]:
    return (str(pipeline.pipeline_name), str(pipeline.pipelines_dir))


__all__ = ["DATASETS", "Finished", "apply_deletions", "finish", "visma_hrm_source"]

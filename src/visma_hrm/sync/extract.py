"""Phase 1, extract: every wanted (tenant, dataset) export downloaded to the run's spool folder.

Exports run side by side with a bound (``Settings.concurrency``) through ``VismaClient``; the
client spools every file of each job. One failure is recorded on its ``TableReport`` (and kept
as ``Outcome.error``) and does not stop the others; a dataset the tenant did not approve is
skipped, or failed when it was named explicitly. SIGINT or SIGTERM cancels every request.
``visma-hrm sync`` and the reusable dlt source (``visma_hrm.dlt_source``) both download here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visma_hrm.catalog import Dataset
from visma_hrm.client import VismaClient
from visma_hrm.client.models import ExportProgress
from visma_hrm.errors import DatasetNotApprovedError, VismaHrmError
from visma_hrm.load.dlt_internals import signal_received
from visma_hrm.load.source import SpooledExport
from visma_hrm.sync.interrupt import stop_if_signalled
from visma_hrm.sync.plan import Plan
from visma_hrm.sync.report import Reporter, Status, TableReport


@dataclass
class Outcome:
    """One (tenant, dataset) after phase 1: its report line, and its files when downloaded."""

    table: TableReport
    export: SpooledExport | None = None
    error: VismaHrmError | None = None
    """Why the export failed or was skipped (the report keeps only its code and message)."""

    def fail(self, error: VismaHrmError, status: Status = "failed") -> None:
        self.table.fail(error, status)
        self.error = error


def extract_or_stop(extraction: Coroutine[Any, Any, list[Outcome]]) -> list[Outcome]:
    """Phase 1 (``extract_all``), ended early (every request cancelled) by SIGINT or SIGTERM."""

    async def until_signalled() -> None:
        while signal_received() is None:
            await asyncio.sleep(0.1)

    async def race() -> list[Outcome]:
        work = asyncio.ensure_future(extraction)
        watch = asyncio.ensure_future(until_signalled())
        await asyncio.wait({work, watch}, return_when=asyncio.FIRST_COMPLETED)
        watch.cancel()
        if not work.done():
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
            stop_if_signalled()
        return work.result()

    outcomes = asyncio.run(race())
    stop_if_signalled()
    return outcomes


async def extract_all(plan: Plan, spool: Path, reporter: Reporter) -> list[Outcome]:
    """Phase 1: every (tenant, dataset) export spooled to disk, failures recorded one by one."""
    bound = asyncio.Semaphore(plan.run.settings.concurrency)
    async with VismaClient(plan.run.client) as client:
        per_tenant = await asyncio.gather(
            *(_tenant_exports(client, t, plan, spool, bound, reporter) for t in plan.tenants)
        )
    return [outcome for outcomes in per_tenant for outcome in outcomes]


async def _tenant_exports(
    client: VismaClient,
    tenant_id: str,
    plan: Plan,
    spool: Path,
    bound: asyncio.Semaphore,
    reporter: Reporter,
) -> list[Outcome]:
    outcomes = [
        Outcome(
            TableReport(
                tenant_id, d.name, "incremental" if plan.since(tenant_id, d.name) else "full"
            )
        )
        for d in plan.datasets
    ]
    try:
        async with bound:
            approval = await client.approved_datasets(tenant_id, list(plan.datasets))
    except VismaHrmError as exc:
        for outcome in outcomes:
            outcome.fail(exc)
            reporter.stage(tenant_id, outcome.table.dataset, "failed")
        return outcomes
    runs = []
    for dataset, outcome in zip(plan.datasets, outcomes, strict=True):
        if dataset.name in approval.approved:
            runs.append(_export_one(client, dataset, outcome, plan, spool, bound, reporter))
        else:
            _not_approved(outcome, approval.refused.get(dataset.name), plan.explicit, reporter)
    await asyncio.gather(*runs)
    return outcomes


def _not_approved(outcome: Outcome, reason: str | None, explicit: bool, reporter: Reporter) -> None:
    table = outcome.table
    message = reason or (
        f"Tenant {table.tenant_id} did not approve dataset {table.dataset} for this application "
        "(the customer accepts datasets under My Apps in the Visma App Store)."
    )
    error = DatasetNotApprovedError(message, tenant_id=table.tenant_id, dataset=table.dataset)
    outcome.fail(error, "failed" if explicit else "skipped")
    reporter.stage(table.tenant_id, table.dataset, table.status)


def _timing_job(table: TableReport, reporter: Reporter) -> Callable[[ExportProgress], None]:
    """Pass progress on, noting how long the API took to finish the job (until downloads).

    The API's own job time is not the connector's work: bench/ subtracts it to compare ours
    with the lower bound, and a person sees whether a slow night was Visma or us.
    """

    def progress(event: ExportProgress) -> None:
        if event.phase == "downloading" and table.job_seconds is None:
            table.job_seconds = round(event.elapsed_s, 3)
        reporter.export_progress(event)

    return progress


async def _export_one(
    client: VismaClient,
    dataset: Dataset,
    outcome: Outcome,
    plan: Plan,
    spool: Path,
    bound: asyncio.Semaphore,
    reporter: Reporter,
) -> None:
    table = outcome.table
    since = plan.since(table.tenant_id, dataset.name)
    folder = spool / table.tenant_id / dataset.name
    folder.mkdir(parents=True, exist_ok=True)
    async with bound:
        try:
            export = await client.export(
                table.tenant_id,
                dataset,
                since=since,
                fields=plan.selection(dataset.name),
                spool_dir=folder,
                progress=_timing_job(table, reporter),
            )
        except DatasetNotApprovedError as exc:
            # approvals are per scope, and one scope can cover datasets approved one by one
            _not_approved(outcome, exc.message, plan.explicit, reporter)
            return
        except VismaHrmError as exc:
            outcome.fail(exc)
            reporter.stage(table.tenant_id, dataset.name, "failed")
            return
    table.files, table.bytes, table.seconds = len(export.files), export.bytes, export.seconds
    outcome.export = SpooledExport(
        tenant_id=table.tenant_id,
        dataset=dataset,
        files=tuple(export.files),
        change_timestamp_before=export.change_timestamp_before,
        full=since is None,
        since=since,
        fields=plan.run.selection_param(dataset.name),
    )
    reporter.stage(table.tenant_id, dataset.name, "downloaded")

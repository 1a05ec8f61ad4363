"""Dagster's freshness checks: per dataset asset, every tenant judged by ``status``'s rule.

One check per asset (``fresh_in_every_tenant``), run by the job ``visma_hrm_freshness`` every
hour (schedule ``visma_hrm_freshness_hourly``). It reads the run log in the warehouse
(``visma_hrm.sync.status``), so it sees what every run wrote wherever it ran, and fails when a
tenant's dataset fails, or its newest load is older than ``max_age`` (default 26 hours) or its
newest full export older than ``max_full_age`` (default 8 days): the same words as
``visma-hrm status`` prints, in the check's metadata. When one fails the job's run fails
too, after recording every check, so that a run-failure sensor (docs/operations.md has one)
or Dagster+'s alert policies tell someone.
"""

from collections.abc import Iterator, Sequence
from typing import Any

import dagster as dg

from visma_hrm.errors import VismaHrmError
from visma_hrm.orchestrate.dagster_resource import VismaHrmResource
from visma_hrm.sync.status import ALL_DATASETS, PairStatus

FRESH = "fresh_in_every_tenant"
FRESHNESS_JOB_NAME = "visma_hrm_freshness"
RETRY = dg.RetryPolicy(max_retries=3, delay=300, backoff=dg.Backoff.LINEAR)
"""The run log could not be read for a temporary reason (on DuckDB: a sync holds the file):
again in 5, 10 and 15 minutes, within the hour before the next check."""


def freshness_specs(assets: Sequence[dg.AssetSpec]) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            FRESH,
            asset=spec.key,
            description="Every tenant's newest load and full export are recent enough, and "
            "its newest run did not fail (the rule of `visma-hrm status`).",
            blocking=False,
        )
        for spec in assets
    ]


def freshness_checks(specs: Sequence[dg.AssetCheckSpec]) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        specs=specs, name="visma_hrm_freshness", can_subset=True, retry_policy=RETRY
    )
    def visma_hrm_freshness(
        context: dg.AssetCheckExecutionContext, visma_hrm: VismaHrmResource
    ) -> Iterator[dg.AssetCheckResult]:
        try:
            pairs = visma_hrm.status()
        except VismaHrmError as error:
            if error.retryable:  # a DuckDB file a sync holds, a server out of reach: later
                raise
            raise dg.Failure(description=error.message, allow_retries=False) from error
        failed = []
        for key in context.selected_asset_check_keys:
            check = result(key.asset_key, pairs)
            failed += [] if check.passed else [key.asset_key.path[-1]]
            yield check
        if failed:  # the run fails too, so that a run-failure sensor can tell someone
            raise dg.Failure(
                description=f"stale or failing tenants in {', '.join(failed)} "
                "(see the checks' metadata, or `visma-hrm status`)",
                allow_retries=False,
            )

    return visma_hrm_freshness


def result(asset: dg.AssetKey, pairs: Sequence[PairStatus]) -> dg.AssetCheckResult:
    """The check of one dataset asset: which tenants are stale or failing, and why."""
    import datetime as dt

    dataset = asset.path[-1]
    now = dt.datetime.now(dt.UTC)
    troubled = [p for p in pairs if p.dataset in (dataset, ALL_DATASETS) and p.problems]
    problems = {p.tenant_id: "; ".join(q.in_lang("en", now) for q in p.problems) for p in troubled}
    judged = {p.tenant_id for p in pairs if p.dataset in (dataset, ALL_DATASETS) and p.judged}
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=FRESH,
        passed=not troubled,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "tenants_checked": len(judged),
            "tenants_stale_or_failing": len(problems),
            "problems": dg.MetadataValue.json(problems),
        },
    )


def freshness_job(specs: Sequence[dg.AssetCheckSpec]) -> Any:
    return dg.define_asset_job(
        FRESHNESS_JOB_NAME,
        selection=dg.AssetSelection.checks(*(spec.key for spec in specs)),
        description="Judge every tenant's freshness from the run log in the warehouse.",
    )


def freshness_schedule(job: Any) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="visma_hrm_freshness_hourly",
        job=job,
        cron_schedule="0 * * * *",
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )

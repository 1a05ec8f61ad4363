"""A ready Dagster code location: ``dagster dev -m visma_hrm.orchestrate.dagster_defs``.

One asset per dataset of the catalog (``visma_hrm/employees``, ...), one dynamic partition per
tenant. A run materialises one tenant through the engine ``visma-hrm sync`` runs
(``visma_hrm.orchestrate.run``), with every setting of the visma-hrm configuration: where it
starts is read from the destination, so runs of different tenants share nothing local and run
side by side (the multiprocess executor, several runs at once). Errors classified as temporary
(network, 429, 5xx, an unreachable warehouse, a concurrent run of the same tenant) are retried
with exponential backoff; others fail the partition at once with the connector's message.
Asset checks flag rejected rows and an unusual share of rows marked deleted.

The tenants come from the visma-hrm configuration (``visma-hrm.toml`` / ``VISMA_HRM_CONFIG`` /
``VISMA_HRM_TENANTS``): the sensor ``visma_hrm_tenants`` adds a partition for each new one (and
loads it at once) and removes dropped ones; ``visma_hrm_daily`` runs every partition once a
day at its slot in the window ``VISMA_HRM_DAGSTER_WINDOW`` (default 02:00-06:00 UTC), with
full exports on its own weekday (``visma_hrm.orchestrate.stagger``). The op runs in the
concurrency pool ``visma_hrm`` (``VISMA_HRM_DAGSTER_POOL``): its limit, set on the instance,
bounds the export jobs one client id has running across all runs (docs/operations.md sizes
it). Freshness checks per asset judge the run log hourly (``dagster_freshness``).
Secrets come from the environment through ``dagster.EnvVar`` (``VISMA_HRM_CLIENT_SECRET``,
``VISMA_HRM_DESTINATION_CREDENTIALS``), never from code or run config. See ``docs/scale.md``.
"""

import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg

from visma_hrm.catalog import DATASETS
from visma_hrm.errors import ConfigurationError, VismaHrmError
from visma_hrm.orchestrate.dagster_freshness import (
    freshness_checks,
    freshness_job,
    freshness_schedule,
    freshness_specs,
)
from visma_hrm.orchestrate.dagster_resource import VismaHrmResource
from visma_hrm.orchestrate.run import DatasetOutcome, TenantOutcome, check_problems
from visma_hrm.orchestrate.stagger import DEFAULT_WINDOW, Window, due
from visma_hrm.orchestrate.tenants import tenant_changes

GROUP = "visma_hrm"
JOB_NAME = "visma_hrm_sync"
TENANTS_NAME = "visma_hrm_tenants"
TENANTS = dg.DynamicPartitionsDefinition(name=TENANTS_NAME)
RETRY = dg.RetryPolicy(
    max_retries=3, delay=60, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
"""Temporary errors only (the others raise ``Failure(allow_retries=False)``): 1, 3, 7 minutes."""
NO_REJECTED_ROWS = "no_rejected_rows"
DELETED_SHARE = "deleted_share_within_limit"
SECRET_ENV = "VISMA_HRM_CLIENT_SECRET"
CREDENTIALS_ENV = "VISMA_HRM_DESTINATION_CREDENTIALS"
FULL_REFRESH_TAG = "visma_hrm/full_refresh"
"""Run tag: ``true`` makes the run's exports full, so rows gone at the source get marked."""
WINDOW_ENV = "VISMA_HRM_DAGSTER_WINDOW"
POOL_ENV = "VISMA_HRM_DAGSTER_POOL"
POOL = os.environ.get(POOL_ENV) or "visma_hrm"
"""The concurrency pool of the sync op: one per client id (its limit is set on the instance:
``dagster instance concurrency set visma_hrm 2``)."""
_RETIRED = ("VISMA_HRM_DAGSTER_CRON", "VISMA_HRM_DAGSTER_FULL_CRON")


def _window() -> Window:
    """The daily window; the cron settings of earlier versions are refused, never ignored."""
    retired = [name for name in _RETIRED if os.environ.get(name)]
    if retired:
        raise ConfigurationError(
            f"{', '.join(retired)} is no longer read: daily runs are spread over "
            f"{WINDOW_ENV} (HH:MM-HH:MM in UTC, default {DEFAULT_WINDOW}) and each tenant's "
            "full export falls on its own weekday (docs/scale.md). Set the window instead."
        )
    return Window.parse(os.environ.get(WINDOW_ENV) or DEFAULT_WINDOW, WINDOW_ENV)


WINDOW = _window()


def _asset_specs() -> list[dg.AssetSpec]:
    """One asset per dataset of the catalog, in group visma_hrm, skippable (a dataset the
    tenant did not approve is left out)."""
    return [
        dg.AssetSpec(
            key=dg.AssetKey([GROUP, dataset.name]),
            group_name=GROUP,
            description=dataset.description,
            skippable=True,
            kinds={"dlt", "visma"},
        )
        for dataset in DATASETS.values()
    ]


SPECS = _asset_specs()
FRESHNESS_SPECS = freshness_specs(SPECS)
CHECKS = [
    dg.AssetCheckSpec(
        name,
        asset=spec.key,
        description=description,
        blocking=True,
    )
    for spec in SPECS
    for name, description in (
        (NO_REJECTED_ROWS, "The run parsed every row (none went to _visma_rejected_rows)."),
        (DELETED_SHARE, "The run marked no more than the configured share of rows deleted."),
    )
]


@dg.multi_asset(
    name="visma_hrm",
    specs=SPECS,
    check_specs=CHECKS,
    partitions_def=TENANTS,
    can_subset=True,
    retry_policy=RETRY,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
    op_tags={"visma_hrm/one_tenant_per_run": "true"},
    pool=POOL,
)
def visma_hrm_assets(
    context: dg.AssetExecutionContext, visma_hrm: VismaHrmResource
) -> Iterator[dg.MaterializeResult[Any] | dg.AssetCheckResult]:
    """The partition's tenant: every selected dataset, then the checks of what was loaded."""
    tenant = context.partition_key
    wanted = {key.path[-1]: key for key in context.selected_asset_keys}
    try:
        full = context.run.tags.get(FULL_REFRESH_TAG, "").lower() == "true"
        outcome = visma_hrm.sync(tenant, list(wanted), full)
    except VismaHrmError as error:
        if error.retryable:
            raise  # RETRY: backoff, then again
        raise dg.Failure(description=error.message, allow_retries=False) from error
    for skipped in outcome.skipped:
        context.log.warning(f"tenant {tenant} did not approve {skipped}: left out")
    yield from _results(context, visma_hrm, outcome, wanted)
    if outcome.failures:  # the others are loaded and recorded; the run fails for these
        failure = outcome.failures[0]
        if failure.retryable:
            raise failure  # RETRY: backoff, then again
        raise dg.Failure(description=failure.message, allow_retries=False)


def _results(
    context: dg.AssetExecutionContext,
    visma_hrm: VismaHrmResource,
    outcome: TenantOutcome,
    wanted: Mapping[str, dg.AssetKey],
) -> Iterator[dg.MaterializeResult[Any] | dg.AssetCheckResult]:
    tenant = outcome.tenant_id
    for name, result in outcome.datasets.items():
        key = wanted[name]
        yield dg.MaterializeResult(asset_key=key, metadata=_metadata(result, outcome))
        problems = check_problems(result, visma_hrm.deleted_share_limit)
        checks = {
            NO_REJECTED_ROWS: not result.rows_rejected,
            DELETED_SHARE: result.deleted_share <= visma_hrm.deleted_share_limit,
        }
        for check, passed in checks.items():
            if dg.AssetCheckKey(key, check) in context.selected_asset_check_keys:
                yield dg.AssetCheckResult(
                    asset_key=key,
                    check_name=check,
                    passed=passed,
                    severity=dg.AssetCheckSeverity.ERROR,
                    metadata={"tenant": tenant, "problems": "; ".join(problems) or "none"},
                )


def _metadata(result: DatasetOutcome, outcome: TenantOutcome) -> Mapping[str, Any]:
    return {
        "tenant": outcome.tenant_id,
        "full_export": result.full_export,
        "rows_received": result.rows_received,
        "rows_rejected": result.rows_rejected,
        "rows_marked_deleted": result.rows_marked_deleted,
    }


SYNC_JOB = dg.define_asset_job(
    JOB_NAME,
    selection=dg.AssetSelection.groups(GROUP)
    - dg.AssetSelection.checks(*(spec.key for spec in FRESHNESS_SPECS)),
    partitions_def=TENANTS,
    description="One tenant (the partition): every dataset it approved, then the checks.",
)


@dg.sensor(
    job=SYNC_JOB,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def visma_hrm_tenants(
    context: dg.SensorEvaluationContext, visma_hrm: VismaHrmResource
) -> dg.SensorResult:
    """Make the partitions the configured tenants: add new ones (and load them), drop others."""
    known = context.instance.get_dynamic_partitions(TENANTS_NAME)
    changes = tenant_changes(known, visma_hrm.tenants())
    requests: list[Any] = []
    if changes.add:
        requests.append(TENANTS.build_add_request(list(changes.add)))
    if changes.remove:
        requests.append(TENANTS.build_delete_request(list(changes.remove)))
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=t) for t in changes.add],
        dynamic_partitions_requests=requests,
    )


@dg.schedule(
    job=SYNC_JOB,
    cron_schedule=WINDOW.cron(),
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def visma_hrm_daily(context: dg.ScheduleEvaluationContext) -> Iterator[dg.RunRequest]:
    """Each tenant partition once a day at its slot in the window, full on its weekday
    (``visma_hrm.orchestrate.stagger``); a missed tick is caught up at the next one (the run
    key names the tenant and the day, so none runs twice)."""
    tenants = context.instance.get_dynamic_partitions(TENANTS_NAME)
    for run in due(tenants, context.scheduled_execution_time, WINDOW, catch_up=True):
        tags = {FULL_REFRESH_TAG: "true"} if run.full else {}
        yield dg.RunRequest(run_key=run.run_key, partition_key=run.tenant_id, tags=tags)


def _resource() -> VismaHrmResource:
    """Secrets through ``EnvVar`` (read by Dagster at run time, never stored in run config)."""
    extra: dict[str, Any] = {}
    if CREDENTIALS_ENV in os.environ:
        extra["destination_credentials"] = dg.EnvVar(CREDENTIALS_ENV)
    return VismaHrmResource(client_secret=dg.EnvVar(SECRET_ENV), **extra)


FRESHNESS_CHECKS = freshness_checks(FRESHNESS_SPECS)
FRESHNESS_JOB = freshness_job(FRESHNESS_SPECS)

defs = dg.Definitions(
    assets=[visma_hrm_assets],
    asset_checks=[FRESHNESS_CHECKS],
    jobs=[SYNC_JOB, FRESHNESS_JOB],
    schedules=[visma_hrm_daily, freshness_schedule(FRESHNESS_JOB)],
    sensors=[visma_hrm_tenants],
    resources={"visma_hrm": _resource()},
    executor=dg.multiprocess_executor.configured(
        # each step a process of its own, forked from a server that imported dlt and dagster once
        {"start_method": {"forkserver": {"preload_modules": [__name__]}}}
    ),
)


def sync_job() -> dg.JobDefinition:
    """The job, for ``dagster.reconstructable`` (runs in other processes import this module)."""
    return defs.resolve_job_def(JOB_NAME)

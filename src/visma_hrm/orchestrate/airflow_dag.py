"""An Airflow DAG factory: one DAG, one mapped task per tenant (dynamic task mapping).

Put a file in your dags folder::

    from visma_hrm.orchestrate.airflow_dag import make_dag
    dag = make_dag()

Each run lists the tenants at run time (Airflow Variable ``visma_hrm_tenants``, a JSON list,
else the visma-hrm configuration), then maps ``sync_tenant`` over them: a task instance per
tenant, named by its tenant id, failing and retrying on its own. Each runs the engine
``visma-hrm sync`` runs, with every setting of the visma-hrm configuration (``config_file``,
else ``$VISMA_HRM_CONFIG`` or ./visma-hrm.toml); ``make_dag``'s own arguments, when given, win.
Temporary errors (``retryable``: network, 429, 5xx, an unreachable warehouse, a concurrent run
of the tenant) are retried with exponential backoff; anything else fails the tenant's task at
once (``AirflowFailException``). A run that rejected rows or marked an unusual share of rows
deleted loads its data, then fails its task so that it is seen. Secrets come from Airflow
connections, never from code: ``visma_hrm`` (login: client id, password: client secret, extra
``{"api_url": ..., "token_url": ...}``) and, for a server destination, ``visma_hrm_destination``
(its URI). See ``docs/scale.md``.

By default the DAG ticks every ten minutes in ``window`` (02:00-06:00 UTC) and each tick maps
over the tenants whose slot it is, each full on its own weekday (``visma_hrm.orchestrate.
stagger``); a run triggered by hand takes every tenant. The sync tasks run in the Airflow pool
``visma_hrm`` (``pool``), which bounds the export jobs of one client id across every DAG run
(create it: ``airflow pools set visma_hrm 2 "visma-hrm exports"``; docs/operations.md sizes it).
Every tick may have its run at once (``max_active_runs``): Airflow creates no run for a tick
while the limit is reached and then jumps to the newest one, so one slow tick would skip the
tenants of the ticks after it. ``on_failure_callback`` is called when a tenant's task failed
for good; ``deadline`` takes Airflow's ``DeadlineAlert`` (docs/operations.md has an example).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from airflow.sdk import DAG, BaseHook, Variable, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

from visma_hrm.config import Settings, load_settings
from visma_hrm.errors import VismaHrmError
from visma_hrm.orchestrate.run import (
    DEFAULT_DELETED_SHARE_LIMIT,
    TenantOutcome,
    check_problems,
    sync_tenant,
)
from visma_hrm.orchestrate.stagger import DEFAULT_WINDOW, Window, due, is_full_day
from visma_hrm.orchestrate.tenants import configured_tenants
from visma_hrm.redact import Secret

TENANTS_VARIABLE = "visma_hrm_tenants"
VISMA_CONN_ID = "visma_hrm"
DESTINATION_CONN_ID = "visma_hrm_destination"
POOL = "visma_hrm"
WINDOWED = "windowed"
"""``schedule``'s default: ticks in ``window``, each mapping over the tenants whose slot it is."""


def make_dag(
    dag_id: str = "visma_hrm",
    *,
    schedule: str | None = WINDOWED,
    window: str = DEFAULT_WINDOW,
    pool: str = POOL,
    on_failure_callback: Callable[[Mapping[str, Any]], None] | None = None,
    deadline: Any = None,
    start_date: datetime = datetime(2026, 1, 1),
    destination: str | None = None,
    duckdb_path: str | None = None,
    dataset_name: str | None = None,
    datasets: list[str] | None = None,
    config_file: str | None = None,
    deleted_share_limit: float = DEFAULT_DELETED_SHARE_LIMIT,
    full_refresh: bool = False,
    retries: int = 3,
    retry_delay: timedelta = timedelta(minutes=1),
    max_active_tenants: int = 8,
) -> DAG:
    """The DAG; every argument is a non-secret setting (secrets: the connections above).

    ``destination``, ``duckdb_path``, ``dataset_name`` and ``datasets`` left out come from the
    visma-hrm configuration, as every other setting does. ``schedule``: by default the ticks
    of ``window``; any other schedule runs every tenant at each run, full on its weekday.
    """
    spread = Window.parse(window, "make_dag(window=...)")
    windowed = schedule == WINDOWED
    overrides: dict[str, Any] = {
        "destination": destination,
        "duckdb_path": duckdb_path,
        "dataset_name": dataset_name,
        "datasets": tuple(datasets) if datasets else None,
    }

    @dag(
        dag_id=dag_id,
        schedule=spread.cron() if windowed else schedule,
        start_date=start_date,
        catchup=False,
        max_active_runs=spread.slots if windowed else 1,
        tags=["visma-hrm"],
        params={"full_refresh": full_refresh},  # full exports mark rows gone at the source
        doc_md=__doc__,
        default_args={"on_failure_callback": on_failure_callback} if on_failure_callback else {},
        deadline=deadline,
    )
    def visma_hrm() -> None:
        @task
        def tenants() -> list[str]:
            listed = Variable.get(TENANTS_VARIABLE, default=None)
            every = [str(t) for t in json.loads(listed)] if listed else None
            every = every or list(configured_tenants(config_file))
            tick = _scheduled_tick(get_current_context())
            if tick is None or not windowed:
                return every
            return [run.tenant_id for run in due(every, tick, spread)]

        @task(
            retries=retries,
            retry_delay=retry_delay,
            retry_exponential_backoff=2.0,
            max_retry_delay=timedelta(minutes=30),
            max_active_tis_per_dag=max_active_tenants,
            map_index_template="{{ tenant_id }}",
            pool=pool,
        )
        def sync(tenant: str) -> dict[str, Any]:
            context = get_current_context()
            context["tenant_id"] = tenant  # type: ignore[typeddict-unknown-key]
            tick = _scheduled_tick(context)
            weekly = tick is not None and is_full_day(tenant, spread.day_of(tick))
            full = bool(context["params"].get("full_refresh")) or weekly
            settings = _settings(config_file, overrides)
            try:
                outcome = sync_tenant(settings, tenant, full_refresh=full, entry_point="airflow")
            except VismaHrmError as error:
                _fail(error)
            if outcome.failures:
                _fail(outcome.failures[0])
            _judge(tenant, outcome, deleted_share_limit)
            return {
                name: {"rows_received": o.rows_received, "full_export": o.full_export}
                for name, o in outcome.datasets.items()
            }

        sync.expand(tenant=tenants())

    return visma_hrm()


def _scheduled_tick(context: Mapping[str, Any]) -> datetime | None:
    """The tick a scheduled run belongs to (None: triggered by hand, a backfill, ...)."""
    run = context.get("dag_run")
    kind = getattr(run, "run_type", None)
    if getattr(kind, "value", kind) != "scheduled":
        return None
    moment = context.get("logical_date") or getattr(run, "run_after", None)
    return moment if isinstance(moment, datetime) else None


def _settings(config_file: str | None, overrides: dict[str, Any]) -> Settings:
    """The visma-hrm settings, the DAG's arguments on top, secrets from Airflow connections."""
    settings = load_settings(Path(config_file) if config_file else None, overrides=overrides)
    conn = BaseHook.get_connection(VISMA_CONN_ID)
    if not conn.login or not conn.password:
        raise AirflowFailException(
            f"Airflow connection {VISMA_CONN_ID} needs login = the client id (isv_...) and "
            "password = the client secret (Visma Developer Portal, Credentials tab)."
        )
    extra = conn.extra_dejson
    return replace(
        settings,
        client_id=conn.login,
        client_secret=Secret(conn.password),
        api_url=extra.get("api_url", settings.api_url),
        token_url=extra.get("token_url", settings.token_url),
        destination_credentials=_destination_secret() or settings.destination_credentials,
    )


def _fail(error: VismaHrmError) -> NoReturn:
    if error.retryable:
        raise error  # retried with backoff
    raise AirflowFailException(error.message) from error


def _judge(tenant: str, outcome: TenantOutcome, deleted_share_limit: float) -> None:
    """Loaded; a run that needs a person's eye fails without retries so that one looks."""
    problems = [
        p for o in outcome.datasets.values() for p in check_problems(o, deleted_share_limit)
    ]
    if problems:
        raise AirflowFailException(f"tenant {tenant}: " + "; ".join(problems))


def _destination_secret() -> Secret | None:
    try:
        conn = BaseHook.get_connection(DESTINATION_CONN_ID)
    except AirflowNotFoundException:  # no such connection: a DuckDB file, or dlt's own config
        return None
    return Secret(conn.get_uri())

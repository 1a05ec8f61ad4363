"""The Dagster code location against the sandbox over HTTP: every tenant a partition, runs side
by side on the multiprocess executor into one PostgreSQL dataset, full then incremental, equal
to the truth; a tenant whose token is refused fails alone and completes once fixed.

PostgreSQL, not DuckDB, for the parallel runs: a DuckDB file admits one writing process, so
runs into one file take turns (``visma_hrm.orchestrate.run``); the DuckDB path is covered by
the Airflow test.
"""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.orchestrate.support import assert_truth, newest_modes, reader, rows, write_config
from tests.support.postgres_server import PostgresServer
from visma_hrm.catalog import DATASETS
from visma_hrm.sandbox import FaultConfig, Sandbox, SandboxConfig, start_sandbox

dg = pytest.importorskip("dagster")

from dagster import DagsterInstance, execute_job, reconstructable  # noqa: E402

from visma_hrm.orchestrate import dagster_defs  # noqa: E402

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(900)]

TENANTS = 20
SIDE_BY_SIDE = 4
SCHEMA = "hr_dagster"
LOADED = ("employees", "contracts", "users")
"""The datasets the resource is configured with (``datasets`` in visma-hrm.toml): three keep
the 40-odd runs of this test within CI's budget; the other four are skippable assets."""


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=TENANTS, employees=5, seed=16)) as sandbox:
        yield sandbox


@pytest.fixture
def instance(
    sb: Sandbox, postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DagsterInstance]:
    """A persistent Dagster instance; configuration and secrets the way a deployment has them."""
    dsn = postgres_server.dsn("postgres").replace("postgres@", "postgres:unused@", 1)
    config = write_config(sb, tmp_path / "visma-hrm.toml", destination="postgres")
    monkeypatch.setenv("VISMA_HRM_CONFIG", str(config))
    monkeypatch.setenv("VISMA_HRM_DATASET_NAME", SCHEMA)
    monkeypatch.setenv("VISMA_HRM_DATASETS", ",".join(LOADED))
    monkeypatch.setenv(dagster_defs.SECRET_ENV, sb.client_secret)
    monkeypatch.setenv(dagster_defs.CREDENTIALS_ENV, dsn)
    (tmp_path / "dagster").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "dagster")) as local:
        yield local


def _register_tenants(instance: DagsterInstance) -> list[str]:
    """One tick of the tenants sensor, applied as the daemon applies it."""
    context = dg.build_sensor_context(
        instance=instance, resources={"visma_hrm": dagster_defs.VismaHrmResource()}
    )
    result = dagster_defs.visma_hrm_tenants(context)
    for request in result.dynamic_partitions_requests:
        instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
    return [r.partition_key for r in result.run_requests]


def _materialise(instance: DagsterInstance, tenants: Sequence[str]) -> dict[str, Any]:
    """One run per tenant partition, several at once (as a run queue with a limit launches them)."""
    job = reconstructable(dagster_defs.sync_job)

    def one(tenant: str) -> Any:
        return execute_job(job, instance, tags={"dagster/partition": tenant})

    with concurrent.futures.ThreadPoolExecutor(SIDE_BY_SIDE) as pool:
        return dict(zip(tenants, pool.map(one, tenants), strict=True))


def _step_pids(instance: DagsterInstance, results: dict[str, Any]) -> set[int]:
    pids = set()
    for result in results.values():
        for record in instance.all_logs(result.run_id):
            event = record.dagster_event
            if event is not None and event.event_type_value == "STEP_START":
                pids.add(event.pid)
    return pids


def _checks(result: Any) -> dict[tuple[str, str], bool]:
    return {
        (e.asset_key.path[-1], e.check_name): e.passed for e in result.get_asset_check_evaluations()
    }


def test_every_tenant_in_parallel_full_then_incremental_and_a_failed_tenant_alone(
    sb: Sandbox, instance: DagsterInstance, tmp_path: Path
) -> None:
    tenants = list(sb.tenant_ids)
    assert _register_tenants(instance) == tenants
    assert instance.get_dynamic_partitions(dagster_defs.TENANTS_NAME) == tenants
    assert _register_tenants(instance) == []  # nothing new on the next tick

    first = _materialise(instance, tenants)
    assert [t for t, r in first.items() if not r.success] == []
    pids = _step_pids(instance, first)
    assert os.getpid() not in pids and len(pids) == TENANTS  # a process of its own per run
    assert all(all(_checks(r).values()) for r in first.values())
    assert len(_checks(first[tenants[0]])) == 2 * len(LOADED)
    check = reader(tmp_path, _destination(), SCHEMA)
    assert_truth(sb, check, tenants, deleted_may_linger=False, datasets=LOADED)
    assert set(map(frozenset, newest_modes(check, tenants).values())) == {frozenset({True})}

    # the clock moves; one customer withdraws every approval: its token is refused
    sb.advance(days=30)
    broken = tenants[3]
    sb.approve(broken, [])
    second = _materialise(instance, tenants)
    assert [t for t, r in second.items() if not r.success] == [broken]
    failure = _failure_message(instance, second[broken])
    assert broken in failure and "approve" in failure  # the connector's own message
    others = [t for t in tenants if t != broken]
    assert set(map(frozenset, newest_modes(check, others).values())) == {frozenset({False})}
    assert_truth(sb, check, others, deleted_may_linger=True, datasets=LOADED)

    # fixed: a re-run of the failed partition completes it
    sb.approve(broken, list(DATASETS))  # every dataset again
    again = _materialise(instance, [broken])
    assert again[broken].success
    assert_truth(sb, check, tenants, deleted_may_linger=True, datasets=LOADED)

    # a tenant reloaded from scratch (docs/scale.md: delete its position rows) whose export
    # carries a malformed row: the run loads it, then its blocking check fails the run
    with check.sql_client() as client:
        state = client.make_qualified_table_name("_visma_sync_state")
        client.execute_sql(f"DELETE FROM {state} WHERE tenant_id = %s", tenants[0])
    sb.set_faults(FaultConfig(malformed_datasets=("users",)))
    flagged = _materialise(instance, [tenants[0]])[tenants[0]]
    assert not flagged.success
    assert newest_modes(check, [tenants[0]]) == {tenants[0]: {True}}  # loaded all the same
    rejected = [r for r in rows(check, "_visma_rejected_rows") if r["tenant_id"] == tenants[0]]
    assert {r["dataset"] for r in rejected} == {"users"}
    checks = _checks(flagged)
    assert checks[("users", dagster_defs.NO_REJECTED_ROWS)] is False
    assert all(ok for (name, _), ok in checks.items() if name != "users")


def _destination() -> Any:
    import dlt

    return dlt.destinations.postgres(credentials=os.environ[dagster_defs.CREDENTIALS_ENV])


def _failure_message(instance: DagsterInstance, result: Any) -> str:
    messages = []
    for record in instance.all_logs(result.run_id):
        event = record.dagster_event
        if event is not None and event.event_type_value == "STEP_FAILURE":
            error = event.event_specific_data.error
            messages.append(error.message if error else "")
    return "\n".join(messages)

"""Operating many tenants on Dagster: freshness checks from the run log, the concurrency pool,
the staggered schedule, and the documented run-failure sensor.

The freshness job runs in-process against a DuckDB file the sandbox was synced into over
HTTP; one tenant's newest ``employees`` load moved three days back makes that asset's check
fail, naming the tenant, while ``contracts`` stays fresh. The schedule is evaluated at every
tick of a week for fifty tenants: each runs once a day inside the window, full on one weekday,
spread over the slots and the week.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.orchestrate.support import write_config
from tests.support.runs import run_ok
from tests.support.settings import sandbox_settings
from visma_hrm.orchestrate.stagger import Window
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox
from visma_hrm.warehouse.runs import RUN_DATASETS_TABLE

dg = pytest.importorskip("dagster")

from visma_hrm.orchestrate import dagster_defs, dagster_freshness  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("pool_runner.py")


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=2, employees=5, seed=34)) as sandbox:
        yield sandbox


@pytest.mark.slow
def test_the_freshness_check_fails_for_a_stale_asset(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = sandbox_settings(sb, tmp_path, datasets=("employees", "contracts"))
    run_ok(settings)
    config = write_config(sb, tmp_path / "visma-hrm.toml", duckdb_path=str(settings.duckdb_path))
    monkeypatch.setenv("VISMA_HRM_CONFIG", str(config))
    monkeypatch.setenv(dagster_defs.SECRET_ENV, sb.client_secret)
    job = dagster_defs.defs.resolve_job_def(dagster_freshness.FRESHNESS_JOB_NAME)

    first = _run(job)
    assert first.success
    fresh = _checks(first)
    assert set(fresh) == set(dagster_defs.DATASETS) and all(c.passed for c in fresh.values())

    stale, kept = sb.tenant_ids
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute(
            f"UPDATE visma_hrm.{RUN_DATASETS_TABLE} SET started_at = started_at - INTERVAL 3 DAY "
            "WHERE tenant_id = ? AND dataset = 'employees'",
            [stale],
        )
    stale_run = _run(job)
    assert not stale_run.success  # so that a run-failure sensor tells someone
    checked = _checks(stale_run)
    assert not checked["employees"].passed
    problems = checked["employees"].metadata["problems"].value
    assert set(problems) == {stale} and "newest load 3 d 0 h ago (limit 26 h)" in problems[stale]
    assert checked["contracts"].passed and kept not in problems


def _run(job: Any) -> Any:
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def _checks(result: Any) -> dict[str, Any]:
    return {e.asset_key.path[-1]: e for e in result.get_asset_check_evaluations()}


def test_the_sync_runs_in_a_concurrency_pool_by_default() -> None:
    assert dagster_defs.visma_hrm_assets.op.pool == "visma_hrm"
    job = dagster_defs.defs.resolve_job_def(dagster_defs.JOB_NAME)
    assert [node.pool for node in job.graph.node_defs] == ["visma_hrm"]
    checks = dagster_defs.defs.resolve_job_def(dagster_freshness.FRESHNESS_JOB_NAME)
    assert [node.pool for node in checks.graph.node_defs] == [None]  # reading needs no slot


def test_the_schedule_spreads_daily_runs_over_the_window_and_full_exports_over_the_week(
    tmp_path: Path,
) -> None:
    tenants = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(50)]
    window = dagster_defs.WINDOW
    assert window == Window.parse("02:00-06:00") and window.cron() == "*/10 2,3,4,5 * * *"
    seen: dict[str, dg.RunRequest] = {}
    ticks: dict[str, dt.datetime] = {}
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        instance.add_dynamic_partitions(dagster_defs.TENANTS_NAME, tenants)
        monday = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
        for minute in range(0, 7 * 24 * 60, 10):
            tick = monday + dt.timedelta(minutes=minute)
            if tick.hour not in (2, 3, 4, 5, 7):  # the cron's hours, and one outside
                continue
            with dg.build_schedule_context(
                instance=instance, scheduled_execution_time=tick
            ) as context:
                requests = list(dagster_defs.visma_hrm_daily(context))
            for request in requests:
                assert request.run_key is not None
                if request.run_key not in seen:  # Dagster skips a run key it has seen
                    seen[request.run_key] = request
                    ticks[request.run_key] = tick
    days = Counter((r.partition_key, ticks[k].date()) for k, r in seen.items())
    assert set(days.values()) == {1} and len(days) == 50 * 7  # each tenant once a day
    full = [r for r in seen.values() if r.tags.get(dagster_defs.FULL_REFRESH_TAG) == "true"]
    assert Counter(r.partition_key for r in full) == Counter({t: 1 for t in tenants})
    assert all(2 <= t.hour < 6 for t in ticks.values())
    assert len({t.time() for t in ticks.values()}) >= 15  # spread over the window's slots
    weekdays = Counter(ticks[k].weekday() for k, r in seen.items() if r in full)
    assert len(weekdays) == 7 and max(weekdays.values()) <= 15  # not all on one day


def test_a_missed_tick_is_caught_up_at_the_next_one(tmp_path: Path) -> None:
    tenants = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(30)]
    window = dagster_defs.WINDOW
    early = [t for t in tenants if window.slot(t) == 0]
    assert early
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        instance.add_dynamic_partitions(dagster_defs.TENANTS_NAME, tenants)
        late = dt.datetime(2026, 1, 5, 2, 10, tzinfo=dt.UTC)  # the 02:00 tick never ran
        with dg.build_schedule_context(instance=instance, scheduled_execution_time=late) as context:
            asked = {r.partition_key for r in dagster_defs.visma_hrm_daily(context)}
    assert set(early) <= asked


def test_the_documented_run_failure_sensor_builds() -> None:
    """The example of docs/operations.md, as a user copies it into their code location."""
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(# Dagster: a run-failure sensor.*?)```", text, re.DOTALL)
    assert block, "docs/operations.md lost its run-failure sensor example"
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), "docs/operations.md", "exec"), namespace)
    sensor = namespace["visma_hrm_failures"]
    assert isinstance(sensor, dg.SensorDefinition)
    assert namespace["defs"].resolve_sensor_def("visma_hrm_failures") is not None
    assert namespace["defs"].resolve_job_def(dagster_defs.JOB_NAME) is not None


@pytest.mark.slow
@pytest.mark.postgres
def test_the_pool_bounds_runs_of_one_client_id_across_runs(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Four tenants launched side by side into PostgreSQL (which would take them all at once)
    with the pool's limit at one: their sync steps never overlap, and all load. In a process of
    its own (``pool_runner.py``), as the multiprocess executor's server keeps its environment."""
    from tests.engine.entry_points import _script
    from tests.support.postgres_server import PostgresServer

    server: PostgresServer = request.getfixturevalue("postgres_server")
    with start_sandbox(SandboxConfig(tenants=4, employees=4, seed=36)) as sb:
        config = write_config(
            sb, tmp_path / "visma-hrm.toml", destination="postgres", dataset_name="hr_pool"
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("VISMA_HRM_")},
            "VISMA_HRM_CONFIG": str(config),
            "VISMA_HRM_DATASETS": "cost_centers",
            dagster_defs.SECRET_ENV: sb.client_secret,
            dagster_defs.CREDENTIALS_ENV: server.dlt_dsn(),
        }
        (tmp_path / "dagster").mkdir()
        result = _script(Path(sys.executable), RUNNER, tmp_path / "dagster", env, tmp_path)
    assert result["success"] == [True] * 4, result
    spans = sorted(tuple(span) for span in result["spans"])
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans
    assert (result["slots"], result["active"]) == (1, 0)


@pytest.mark.slow
def test_the_task_log_has_a_line_per_dataset_with_its_figures(
    sb: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What an Airflow task's (or a Dagster step's) log says of each dataset."""
    import logging

    from visma_hrm.orchestrate.run import sync_tenant

    tenant = sb.tenant_ids[0]
    settings = sandbox_settings(sb, tmp_path, datasets=("employees", "contracts"))
    with caplog.at_level(logging.INFO, logger="visma_hrm.orchestrate"):
        outcome = sync_tenant(settings, tenant, entry_point="airflow")
    said = sorted(r.getMessage() for r in caplog.records if "rows received" in r.getMessage())
    assert said == [
        f"tenant {tenant} {name}: full, {o.rows_received} rows received "
        f"({o.rows_received} new, 0 changed), 0 rejected, 0 marked deleted"
        for name, o in sorted(outcome.datasets.items())
    ]

"""The Airflow DAG factory with ``dag.test()`` over a handful of sandbox tenants into DuckDB:
one mapped task per tenant, named by its tenant id, full then incremental, equal to the truth.
Secrets come as Airflow connections in the environment, the tenants as an Airflow Variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dlt
import pytest

pytest.importorskip("airflow")

from tests.orchestrate.support import assert_truth, newest_modes, reader
from visma_hrm.sandbox import FaultConfig, Sandbox, SandboxConfig, start_sandbox

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

RUNNER = Path(__file__).with_name("airflow_runner.py")
BIN = Path(sys.executable).parent


def _environment(sb: Sandbox, home: Path) -> dict[str, str]:
    connection = {
        "conn_type": "generic",
        "login": sb.client_id,
        "password": sb.client_secret,
        "extra": {"api_url": sb.api_url, "token_url": sb.token_url},
    }
    return {
        **_without_cli_defaults(os.environ),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW_CONN_VISMA_HRM": json.dumps(connection),
        "AIRFLOW_VAR_VISMA_HRM_TENANTS": json.dumps(list(sb.tenant_ids)),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }


def _without_cli_defaults(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without what an in-process CLI run of an earlier test may have set
    (``quiet_dlt_logs``), so that each subprocess shows its own defaults."""
    cli_defaults = ("PROVIDERS__ENABLE_AIRFLOW_SECRETS", "RUNTIME__LOG_LEVEL")
    return {k: v for k, v in environ.items() if k not in cli_defaults}


DAG_FILE = """
from visma_hrm.orchestrate.airflow_dag import make_dag

dag = make_dag("visma_hrm_test", schedule=None, duckdb_path={path!r}, dataset_name="hr")
"""


def _dag_test(env: dict[str, str], dag_file: Path, cwd: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(dag_file)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=400,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stdout[-3000:] + done.stderr[-3000:]
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("RESULT "))
    return result


def test_dag_test_maps_one_task_per_tenant_full_then_incremental(tmp_path: Path) -> None:
    home = tmp_path / "airflow"
    (home / "dags").mkdir(parents=True)
    duckdb = tmp_path / "hrm.duckdb"
    dag_file = home / "dags" / "visma_hrm_dag.py"  # as a deployment has it
    dag_file.write_text(DAG_FILE.format(path=str(duckdb)), encoding="utf-8")
    with start_sandbox(SandboxConfig(tenants=3, employees=5, seed=18)) as sb:
        env = _environment(sb, home)
        migrate = subprocess.run(
            [str(BIN / "airflow"), "db", "migrate"], env=env, capture_output=True, text=True
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]

        first = _dag_test(env, dag_file, tmp_path)
        assert first["state"] == "success", first
        mapped = [t for t in first["tasks"] if t["task_id"] == "sync"]
        assert sorted(t["name"] for t in mapped) == sorted(sb.tenant_ids)
        assert {t["state"] for t in mapped} == {"success"}
        check = reader(tmp_path, dlt.destinations.duckdb(str(duckdb)), "hr")
        assert_truth(sb, check, sb.tenant_ids, deleted_may_linger=False)
        assert set(map(frozenset, newest_modes(check, sb.tenant_ids).values())) == {
            frozenset({True})
        }

        sb.advance(days=30)
        second = _dag_test(env, dag_file, tmp_path)
        assert second["state"] == "success", second
        assert set(map(frozenset, newest_modes(check, sb.tenant_ids).values())) == {
            frozenset({False})
        }
        assert_truth(sb, check, sb.tenant_ids, deleted_may_linger=True)


def test_the_command_line_logs_its_steps_with_airflow_installed(tmp_path: Path) -> None:
    """dlt imported ``airflow.models`` on its first lookup of settings, and Airflow's logging
    set-up silenced every logger: ``sync -v`` printed nothing (issue 16's known leftover)."""
    with start_sandbox(SandboxConfig(tenants=1, employees=5, seed=18)) as sb:
        # a 429 on the first job query: the client logs it through the ``visma_hrm`` logger
        sb.set_faults(FaultConfig(endpoints=("query",), rate_limit_first=1, retry_after=1))
        env = {
            **_without_cli_defaults(os.environ),
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "VISMA_HRM_CLIENT_SECRET": sb.client_secret,
            "RUNTIME__DLTHUB_TELEMETRY": "false",
        }
        done = subprocess.run(
            [
                str(BIN / "visma-hrm"),
                "sync",
                "-v",
                f"--api-url={sb.api_url}",
                f"--token-url={sb.token_url}",
                f"--client-id={sb.client_id}",
                f"--tenant={sb.tenant_ids[0]}",
                "--dataset=cost_centers",
                f"--duckdb-path={tmp_path / 'hrm.duckdb'}",
            ],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "visma_hrm.client: polling export job" in done.stderr, done.stderr[-3000:]
    assert "429 at" in done.stderr, done.stderr[-3000:]


ALERTING_DAG = """
from visma_hrm.orchestrate.airflow_dag import make_dag


def record(context):
    ti = context["task_instance"]
    with open({sink!r}, "a", encoding="utf-8") as sink:
        error = type(context.get("exception")).__name__
        sink.write(f"{{ti.task_id}} {{ti.rendered_map_index}} {{error}}\\n")


dag = make_dag(
    "visma_hrm_alerts",
    schedule=None,
    duckdb_path={path!r},
    datasets=["employees"],
    on_failure_callback=record,
)
"""


def test_a_tenant_that_fails_for_good_calls_on_failure_callback(tmp_path: Path) -> None:
    home = tmp_path / "airflow"
    (home / "dags").mkdir(parents=True)
    sink = tmp_path / "failed.txt"
    dag_file = home / "dags" / "visma_hrm_alerts.py"
    source = ALERTING_DAG.format(sink=str(sink), path=str(tmp_path / "hrm.duckdb"))
    dag_file.write_text(source, encoding="utf-8")
    with start_sandbox(SandboxConfig(tenants=2, employees=5, seed=35)) as sb:
        refused, fine = sb.tenant_ids
        sb.approve(refused, [])  # the customer withdrew every approval
        env = _environment(sb, home)
        migrate = subprocess.run(
            [str(BIN / "airflow"), "db", "migrate"], env=env, capture_output=True, text=True
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        run = _dag_test(env, dag_file, tmp_path)
    states = {t["name"]: t["state"] for t in run["tasks"] if t["task_id"] == "sync"}
    assert states == {refused: "failed", fine: "success"}
    assert sink.read_text(encoding="utf-8").splitlines() == [f"sync {refused} AirflowFailException"]


def test_the_sync_tasks_run_in_a_pool_on_the_windows_ticks_by_default() -> None:
    from visma_hrm.orchestrate.airflow_dag import make_dag
    from visma_hrm.orchestrate.stagger import DEFAULT_WINDOW, Window

    dag = make_dag("visma_hrm_defaults")
    assert dag.get_task("sync").pool == "visma_hrm"
    expression = Window.parse(DEFAULT_WINDOW).cron()
    assert dag.timetable.expression == expression == "*/10 2,3,4,5 * * *"
    assert make_dag("other", pool="hr_exports").get_task("sync").pool == "hr_exports"
    hourly = make_dag("hourly", schedule="@hourly", window="22:00-02:00")
    assert hourly.timetable.expression == "0 * * * *"


def test_the_documented_deadline_example_builds(tmp_path: Path) -> None:
    """The Airflow example of docs/operations.md, as a user copies it into the dags folder."""
    import re

    text = (Path(__file__).parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(# dags/visma_hrm.py\nfrom datetime.*?)```", text, re.DOTALL)
    assert block, "docs/operations.md lost its Airflow example"
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), "docs/operations.md", "exec"), namespace)
    dag = namespace["dag"]
    assert dag.deadline is not None
    assert dag.get_task("sync").on_failure_callback is namespace["tenant_failed"]


def test_a_slow_tick_does_not_skip_the_next_ticks_tenants() -> None:
    """Each tick of the window maps over its own tenants, and Airflow (``catchup=False``)
    creates no run for a tick while ``max_active_runs`` runs are active, then jumps to the
    newest tick: with one run at a time, a tick that took longer than ten minutes would skip
    the tenants of the ticks after it, the same ones every day (their slots are stable). So
    every tick of the window may have its run; the pool bounds the work, not the runs."""
    from visma_hrm.orchestrate.airflow_dag import make_dag
    from visma_hrm.orchestrate.stagger import DEFAULT_WINDOW, Window

    assert make_dag("windowed").max_active_runs >= Window.parse(DEFAULT_WINDOW).slots
    night = make_dag("night", window="22:00-02:00")
    assert night.max_active_runs >= Window.parse("22:00-02:00").slots
    assert make_dag("daily", schedule="@daily").max_active_runs == 1  # all tenants in one run

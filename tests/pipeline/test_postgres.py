"""Another dlt destination by name, configured the usual dlt way: a real PostgreSQL server."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import psycopg2
import pytest

from tests.support.cli import CLI
from tests.support.postgres_server import PostgresServer, use_as_dlt_destination
from tests.support.settings import sandbox_settings
from tests.support.tables import fetch_rows
from tests.support.truth import assert_equal_to_truth, differences
from visma_hrm.catalog import DELETED_COLUMN
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox
from visma_hrm.sync import SyncSettings, sync

pytestmark = pytest.mark.slow  # full, incremental and concurrent syncs into PostgreSQL


@pytest.mark.postgres
def test_full_incremental_and_full_refresh_into_postgres(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dlt insists on a password; the test server trusts every local connection
    schema = use_as_dlt_destination(postgres_server, monkeypatch, "hrm")
    with start_sandbox(SandboxConfig(tenants=2, employees=30, seed=13)) as sb:
        settings = sandbox_settings(sb, tmp_path, destination="postgres", dataset_name=schema)
        first = sync(SyncSettings(settings))
        assert first.ok, [t for t in first.tables if t.status != "ok"]
        assert_equal_to_truth(sb, settings)

        sb.advance(days=30)
        second = sync(SyncSettings(settings))
        assert second.ok and {t.mode for t in second.tables} == {"incremental"}
        assert_equal_to_truth(sb, settings, deleted_may_linger=True)

        sb.advance(days=720)  # long enough for the sandbox to delete rows
        third = sync(SyncSettings(settings, full_refresh=True))
        assert third.ok
        assert_equal_to_truth(sb, settings)
        deleted = sum(t.rows_deleted for t in third.tables)
        assert deleted > 0
        marked = sum(
            1
            for name in ("employees", "contracts")
            for r in fetch_rows(settings, name)
            if r[DELETED_COLUMN]
        )
        assert 0 < marked <= deleted


def _cli_env(sb: Sandbox, dsn: str, schema: str, tenants: list[str]) -> dict[str, str]:
    """The environment of a user's CLI run into PostgreSQL (default pipelines folder)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISMA_HRM_")}
    env.update(
        {
            "RUNTIME__DLTHUB_TELEMETRY": "false",
            "DESTINATION__POSTGRES__CREDENTIALS": dsn,
            "VISMA_HRM_DESTINATION": "postgres",
            "VISMA_HRM_DATASET_NAME": schema,
            "VISMA_HRM_API_URL": sb.api_url,
            "VISMA_HRM_TOKEN_URL": sb.token_url,
            "VISMA_HRM_CLIENT_ID": sb.client_id,
            "VISMA_HRM_CLIENT_SECRET": sb.client_secret,
            "VISMA_HRM_TENANTS": ",".join(tenants),
            "VISMA_HRM_DATASETS": "employees,contracts,users",
        }
    )
    return env


def _start(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [CLI, "sync", "--json"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.postgres
def test_syncs_of_different_tenants_run_side_by_side_and_the_same_tenant_never_twice(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = use_as_dlt_destination(postgres_server, monkeypatch, "hrm")
    dsn = postgres_server.dlt_dsn()
    # jobs long enough that the first worker surely still holds its tenants when the third
    # process (seconds of imports on a busy machine) asks for one of them
    config = SandboxConfig(tenants=4, employees=15, seed=17, job_duration_s=8.0)
    with start_sandbox(config) as sb:
        first, second = sb.tenant_ids[:2], sb.tenant_ids[2:]
        # two workers, two folders, one warehouse: different tenants at the same time
        runs = [
            _start(_cli_env(sb, dsn, schema, tenants), _folder(tmp_path, name))
            for name, tenants in (("a", first), ("b", second))
        ]
        # and a third one for a tenant the first worker is syncing right now (once its
        # exports run, so it surely holds its locks)
        seen = _first_stderr_line(runs[0])
        # from another machine (its own dlt folder): only the warehouse's own lock sees it
        elsewhere = {
            **_cli_env(sb, dsn, schema, first[:1]),
            "VISMA_HRM_PIPELINES_DIR": str(tmp_path / "other-machine"),
        }
        clash = _start(elsewhere, _folder(tmp_path, "c"))
        out, err = clash.communicate(timeout=120)
        assert clash.returncode == 75, err
        assert "Another sync of tenant" in err and "held in the warehouse" in err, err
        assert "Traceback" not in err
        for run in runs:
            out, err = run.communicate(timeout=240)
            err = (seen if run is runs[0] else "") + err
            assert run.returncode == 0, err
            assert json.loads(out)["ok"]
        settings = sandbox_settings(
            sb,
            tmp_path,
            destination="postgres",
            dataset_name=schema,
            datasets=("employees", "contracts", "users"),
        )
        for name in ("employees", "contracts", "users"):
            loaded = fetch_rows(settings, name)
            for tenant in sb.tenant_ids:
                assert not differences(sb.truth(tenant, name), loaded, name, tenant), name
    # staging copies are emptied after each load: no second copy of personal data
    with psycopg2.connect(postgres_server.dsn("postgres")) as conn, conn.cursor() as cur:
        cur.execute(f'SELECT count(*) FROM "{schema}_staging"."employees"')
        assert cur.fetchone() == (0,)


def _first_stderr_line(run: subprocess.Popen[str]) -> str:
    """Wait for the run's first progress line (printed once it holds its locks)."""
    assert run.stderr is not None
    line = run.stderr.readline()
    assert line, "the run ended without a word"
    return line


def _folder(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder

"""Another dlt destination by name, configured the usual dlt way: a real PostgreSQL server."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.pipeline.truth import assert_equal_to_truth, fetch_rows, sandbox_settings
from tests.postgres_server import PostgresServer
from visma_hrm.catalog import DELETED_COLUMN
from visma_hrm.pipeline import SyncSettings, sync
from visma_hrm.sandbox import SandboxConfig, start_sandbox


@pytest.mark.postgres
def test_full_incremental_and_full_refresh_into_postgres(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dlt insists on a password; the test server trusts every local connection
    dsn = postgres_server.dsn("postgres").replace("postgres@", "postgres:unused@", 1)
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", dsn)
    schema = f"hrm_{uuid.uuid4().hex[:8]}"
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

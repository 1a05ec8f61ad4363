"""A large tenant with history and the change feed on, at DuckDB's default memory limit.

The run holds one DuckDB connection from the load to its last step. DuckDB keeps what a
transaction wrote in memory until a checkpoint moves it to the file, so without one between
the load and the steps, an incremental run over 20,000 employees held most of the default
128 MB before history began and failed in its first join (found by the bench). The test runs
what a user runs: the CLI, the default memory limit, a full sync, a day later an incremental one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import cli_env, cli_process
from visma_hrm.sandbox import SandboxConfig, start_sandbox

pytestmark = pytest.mark.slow


def test_an_incremental_run_of_20000_employees_with_history_and_feed_fits_the_default_memory(
    tmp_path: Path,
) -> None:
    config = SandboxConfig(tenants=1, employees=20_000, seed=7, job_duration_s=0)
    with start_sandbox(config) as sb:
        env = cli_env(sb, tmp_path, VISMA_HRM_HISTORY="all", VISMA_HRM_CHANGE_FEED="true")
        assert "VISMA_HRM_DUCKDB_MEMORY_LIMIT" not in env  # the default, as users have it
        full = cli_process(["sync", "--json", "--full-refresh"], env, tmp_path)
        assert full.returncode == 0, full.stdout + full.stderr[-2000:]
        sb.advance(days=1)
        incremental = cli_process(["sync", "--json"], env, tmp_path)
        assert incremental.returncode == 0, incremental.stdout + incremental.stderr[-2000:]
        report = json.loads(incremental.stdout)
        assert {t["mode"] for t in report["tables"]} == {"incremental"}
        assert any(t["rows_received"] for t in report["tables"])

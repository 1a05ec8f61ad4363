"""``visma-hrm maintain``: routine upkeep leaves every row as it was and the next sync going on.

Three syncs into Delta files leave a file per run in each run log table and in the positions;
``maintain`` compacts each Delta table into one file and gathers the positions into one, every
row of the folder unchanged (read around visma-hrm), and the next sync continues incrementally
from the gathered positions. On DuckDB it checkpoints the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deltalake import DeltaTable

from tests.operations.support import Destination, lake_rows, settings_for
from tests.support.cli import run_cli
from tests.support.runs import run_ok
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox
from visma_hrm.warehouse.runs import RUN_LOG_TABLES

pytestmark = pytest.mark.slow


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=2, employees=6, seed=37)) as sandbox:
        yield sandbox


def _canonical(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    return {
        t: sorted(json.dumps(r, sort_keys=True, default=str) for r in rs) for t, rs in rows.items()
    }


def test_maintain_compacts_delta_tables_and_gathers_the_positions(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = tmp_path / "lake"
    monkeypatch.setenv("DESTINATION__FILESYSTEM__BUCKET_URL", str(lake))
    where = Destination("filesystem", settings_for(sb, tmp_path, "filesystem"), lake=lake)
    for _ in range(3):
        run_ok(where.settings)
        sb.advance(days=10)
    dataset = lake / where.settings.dataset_name
    assert {t: len(DeltaTable(str(dataset / t)).file_uris()) for t in RUN_LOG_TABLES} == {
        t: 3 for t in RUN_LOG_TABLES
    }
    assert len(list((dataset / "_visma_sync_state").glob("*.parquet"))) == 3
    before = _canonical(lake_rows(lake))

    done = run_cli(["maintain"], where.env(sb))
    assert done.exit_code == 0, done.output
    assert "_visma_runs: 3 small file(s) compacted into 1." in done.output
    assert "_visma_sync_state: 3 small file(s) compacted into 1." in done.output
    assert {t: len(DeltaTable(str(dataset / t)).file_uris()) for t in RUN_LOG_TABLES} == {
        t: 1 for t in RUN_LOG_TABLES
    }
    assert len(list((dataset / "_visma_sync_state").glob("*.parquet"))) == 1
    assert _canonical(lake_rows(lake)) == before

    after = run_ok(where.settings)
    assert {t.mode for t in after.tables} == {"incremental"}


def test_maintain_checkpoints_a_duckdb_file(sb: Sandbox, tmp_path: Path) -> None:
    where = Destination("duckdb", settings_for(sb, tmp_path, "duckdb"))
    run_ok(where.settings)
    before = _canonical(where.rows())
    done = run_cli(["maintain", "--lang", "nl"], where.env(sb))
    assert done.exit_code == 0, done.output
    assert "checkpoint gedaan" in done.output and "Onderhoud van " in done.output
    assert _canonical(where.rows()) == before


def test_maintain_erase_reports_the_file_it_leaves(sb: Sandbox, tmp_path: Path) -> None:
    """With ``--erase`` the compacted copy takes the file's place: a checkpoint note measured
    on the file being replaced would contradict the erasure's own sizes."""
    where = Destination("duckdb", settings_for(sb, tmp_path, "duckdb"))
    run_ok(where.settings)
    before = _canonical(where.rows())
    done = run_cli(["maintain", "--erase"], where.env(sb))
    assert done.exit_code == 0, done.output
    assert "Erased: " in done.output and "checkpointed" not in done.output, done.output
    assert _canonical(where.rows()) == before

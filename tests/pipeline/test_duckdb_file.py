"""The default DuckDB file: tables in schema visma_hrm whatever the file is called, and a file
of the old default name (``visma_hrm.duckdb``, tables in ``main``) adopted by the next sync."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.support.cli import cli_env, cli_process
from tests.support.settings import sandbox_settings
from tests.support.truth import assert_truth
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox

pytestmark = pytest.mark.slow  # every case runs CLI syncs in a subprocess


def _user_env(sb: Sandbox, tmp_path: Path) -> dict[str, str]:
    """A user's environment: no duckdb path and no pipelines folder set (the real defaults)."""
    env = cli_env(sb, tmp_path, VISMA_HRM_DATASETS="users,cost_centers")
    for name in ("VISMA_HRM_DUCKDB_PATH", "VISMA_HRM_PIPELINES_DIR"):
        env.pop(name)
    return env


def _schemas(path: Path) -> dict[str, set[str]]:
    with duckdb.connect(str(path), read_only=True) as db:
        rows = db.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database()"
        ).fetchall()
    out: dict[str, set[str]] = {}
    for schema, table in rows:
        out.setdefault(str(schema), set()).add(str(table))
    return out


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=2, employees=10, seed=23)) as sandbox:
        yield sandbox


@pytest.mark.parametrize("name", ["visma-hrm.duckdb", "other.duckdb"])
def test_tables_sit_in_schema_visma_hrm_whatever_the_file_is_called(
    sb: Sandbox, tmp_path: Path, name: str
) -> None:
    env = _user_env(sb, tmp_path)
    args = ["sync"] if name == "visma-hrm.duckdb" else ["sync", "--duckdb-path", name]
    done = cli_process(args, env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert {"users", "cost_centers", "_visma_sync_state"} <= _schemas(tmp_path / name)["visma_hrm"]
    with duckdb.connect(str(tmp_path / name), read_only=True) as db:  # the README's query
        assert db.execute("SELECT count(*) FROM visma_hrm.users").fetchone() != (0,)


def test_a_file_of_the_old_default_name_is_adopted_by_the_next_sync(
    sb: Sandbox, tmp_path: Path
) -> None:
    env = _user_env(sb, tmp_path)
    # what visma-hrm 0.1 left: visma_hrm.duckdb with the tables in main
    first = cli_process(["sync", "--duckdb-path", "visma_hrm.duckdb"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "users" in _schemas(tmp_path / "visma_hrm.duckdb")["main"]

    sb.advance(days=30)
    done = cli_process(["sync", "--json"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert any("Moved visma_hrm.duckdb" in n for n in report["notes"]), report["notes"]
    # what the old file held stays: the next run is incremental, not a full reload
    assert {t["mode"] for t in report["tables"]} == {"incremental"}
    assert not (tmp_path / "visma_hrm.duckdb").exists()
    schemas = _schemas(tmp_path / "visma-hrm.duckdb")
    assert {"users", "cost_centers", "_dlt_loads"} <= schemas["visma_hrm"]
    assert not schemas.get("main")
    settings = sandbox_settings(
        sb, tmp_path, duckdb_path=tmp_path / "visma-hrm.duckdb", datasets=("users", "cost_centers")
    )
    pairs = [(t, d) for t in sb.tenant_ids for d in ("users", "cost_centers")]
    assert_truth(sb, settings, pairs, deleted_may_linger=False)

    again = cli_process(["sync", "--json"], env, tmp_path)
    assert again.returncode == 0 and not json.loads(again.stdout)["notes"]


def test_a_move_cut_short_after_the_rename_is_finished_by_the_next_sync(
    sb: Sandbox, tmp_path: Path
) -> None:
    env = _user_env(sb, tmp_path)
    first = cli_process(["sync", "--duckdb-path", "visma_hrm.duckdb"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    os.rename(tmp_path / "visma_hrm.duckdb", tmp_path / "visma-hrm.duckdb")  # then a crash
    done = cli_process(["sync", "--json"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert {t["mode"] for t in json.loads(done.stdout)["tables"]} == {"incremental"}
    assert not _schemas(tmp_path / "visma-hrm.duckdb").get("main")

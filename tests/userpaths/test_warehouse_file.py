"""The warehouse file decides where a sync starts, whatever folder it is run from.

Issue 10, cases 1 and 2: a deleted warehouse file used to get incremental exports
only (8 of 148 employees, exit 0), and a second project folder on the same machine inherited
the first one's cursors and columns, because both lived in dlt's machine-wide folder under a
fixed name. Plus: a warehouse replaced by an older copy, and one warehouse synced from two
folders one after the other.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.userpaths.helpers import (
    DEFAULT_FILE,
    all_pairs,
    assert_no_run_left,
    assert_truth,
    cli,
    columns_of,
    remove_destination_folder,
    rows_of,
    sync_ok,
    truth_count,
    user_env,
)
from visma_hrm.sandbox import FaultConfig, Sandbox, SandboxConfig, start_sandbox

pytestmark = pytest.mark.slow  # whole user journeys: several CLI syncs each

Project = Callable[[str], Path]


def _all_full(run_modes: dict[tuple[str, str], str]) -> bool:
    return set(run_modes.values()) == {"full"}


def test_a_deleted_warehouse_file_gets_full_exports(
    sb: Sandbox, home: Path, project: Project
) -> None:
    folder = project("hr")
    env = user_env(sb, home)
    first = sync_ok(env, folder)
    assert _all_full(first.modes())
    sb.advance(days=30)
    (folder / DEFAULT_FILE).unlink()
    (folder / (DEFAULT_FILE + ".wal")).unlink(missing_ok=True)

    again = sync_ok(env, folder)
    assert _all_full(again.modes()), again.modes()
    for (tenant, dataset), table in again.pairs().items():
        assert table["rows_inserted"] == truth_count(sb, tenant, dataset), (tenant, dataset)
        assert table["rows_deleted"] == 0
    assert_truth(sb, folder / DEFAULT_FILE)
    assert_no_run_left(folder / DEFAULT_FILE)


def test_a_warehouse_replaced_by_an_older_copy_gets_what_it_lacks(
    sb: Sandbox, home: Path, project: Project, tmp_path: Path
) -> None:
    folder = project("hr")
    env, db = user_env(sb, home), folder / DEFAULT_FILE
    sync_ok(env, folder)
    backup = tmp_path / "backup.duckdb"
    shutil.copy2(db, backup)
    sb.advance(days=30)
    second = sync_ok(env, folder)
    assert set(second.modes().values()) == {"incremental"}
    assert sum(t["rows_received"] for t in second.pairs().values()) > 0, "nothing changed"

    shutil.copy2(backup, db)  # the backup restored over the newer file
    third = sync_ok(env, folder)
    # asked again from the copy's own positions: the same exports as the second run
    assert third.modes() == second.modes()
    for pair, table in third.pairs().items():
        assert table["rows_received"] == second.pairs()[pair]["rows_received"], pair
    assert_truth(sb, db, linger=True)
    full = sync_ok(env, folder, "--full-refresh")
    assert _all_full(full.modes())
    assert_truth(sb, db)


def test_one_warehouse_synced_from_two_folders_continues_where_it_stands(
    sb: Sandbox, home: Path, project: Project, tmp_path: Path
) -> None:
    shared = tmp_path / "shared" / "warehouse.duckdb"
    first, second = project("laptop"), project("server")
    env = user_env(sb, home)
    try:
        run1 = sync_ok(env, first, "--duckdb-path", str(shared))
        assert _all_full(run1.modes())
        sb.advance(days=30)
        run2 = sync_ok(env, second, "--duckdb-path", str(shared))
        assert set(run2.modes().values()) == {"incremental"}, run2.modes()
        assert_truth(sb, shared, linger=True)
        assert not (first / DEFAULT_FILE).exists() and not (second / DEFAULT_FILE).exists()
        assert_no_run_left(shared)
    finally:
        remove_destination_folder(shared)


def test_a_second_project_folder_inherits_no_cursor_and_no_column(
    home: Path, project: Project
) -> None:
    drift = FaultConfig(drift_datasets=("employees",), drift_add=("x_badge_colour",))
    config = SandboxConfig(tenants=2, employees=15, seed=12, faults=drift)
    with start_sandbox(config) as sb:
        one, other = project("customer-a"), project("customer-b")
        # customer A: a column only its API sends, and a column it keeps out
        env_a = user_env(sb, home)
        sync_ok(env_a, one, "--fields", "employees=!nickname")
        assert "x_badge_colour" in columns_of(one / DEFAULT_FILE, "employees")
        assert all(r["nickname"] is None for r in rows_of(one / DEFAULT_FILE, "employees"))

        sb.set_faults(FaultConfig())  # customer B's API sends the catalog's columns only
        sb.advance(days=30)
        tenant = sb.tenant_ids[1]
        run = sync_ok(user_env(sb, home, tenants=[tenant]), other)
        assert _all_full(run.modes()), run.modes()
        assert {t for t, _ in run.pairs()} == {tenant}
        db = other / DEFAULT_FILE
        assert "x_badge_colour" not in columns_of(db, "employees")
        assert any(r["nickname"] for r in rows_of(db, "employees")), "B's nickname was emptied"
        assert_truth(sb, db, all_pairs(sb, [tenant]))
        assert {r["tenant_id"] for r in rows_of(db, "contracts")} == {tenant}

        # and A goes on from its own positions, its exclusion still in force
        again = cli(["sync", "--fields", "employees=!nickname"], env_a, one)
        assert again.code == 0, again.explain()
        assert set(again.modes().values()) == {"incremental"}
        assert_truth(sb, one / DEFAULT_FILE, linger=True, excluded={"employees": ["nickname"]})

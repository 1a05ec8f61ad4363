"""What a person changes between runs: tenants, one dataset's refresh, a dataset approved later.

Each change is made the way a person makes it: ``visma-hrm.toml`` edited in the project
folder, a flag on one run, the customer approving a dataset in the Visma App Store (the
sandbox's admin approvals). Where a run starts is read from the warehouse, pair by pair: a
(tenant, dataset) the warehouse never received starts with a full export, the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.userpaths.helpers import (
    ALL,
    DEFAULT_FILE,
    all_pairs,
    assert_truth,
    rows_of,
    sync_ok,
    tenant_rows,
    truth_count,
    user_env,
)
from visma_hrm.catalog import SYNC_STATE_TABLE
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox

pytestmark = pytest.mark.slow  # whole user journeys: several CLI syncs each

Project = Callable[[str], Path]


def _write_config(folder: Path, sb: Sandbox, tenants: list[str]) -> None:
    """``visma-hrm.toml`` and the owner-only secrets file, as ``visma-hrm init`` writes them."""
    quoted = ", ".join(f'"{t}"' for t in tenants)
    (folder / "visma-hrm.toml").write_text(
        "[visma_hrm]\n"
        f'api_url = "{sb.api_url}"\n'
        f'token_url = "{sb.token_url}"\n'
        f'client_id = "{sb.client_id}"\n'
        f"tenants = [{quoted}]\n",
        encoding="utf-8",
    )
    secrets = folder / ".visma-hrm.secrets.toml"
    secrets.write_text(f'client_secret = "{sb.client_secret}"\n', encoding="utf-8")
    secrets.chmod(0o600)


def test_tenants_added_and_removed_in_the_config_file(
    sb: Sandbox, home: Path, project: Project
) -> None:
    folder = project("hr")
    db = folder / DEFAULT_FILE
    env = {
        k: v
        for k, v in user_env(sb, home).items()
        if k not in ("VISMA_HRM_TENANTS", "VISMA_HRM_CLIENT_SECRET", "VISMA_HRM_CLIENT_ID")
    }
    first, added = sb.tenant_ids
    _write_config(folder, sb, [first])
    run1 = sync_ok(env, folder)
    assert {t for t, _ in run1.pairs()} == {first}

    # a tenant added to an existing warehouse: its first run is full, the other goes on
    sb.advance(days=30)
    _write_config(folder, sb, [first, added])
    run2 = sync_ok(env, folder)
    for (tenant, dataset), table in run2.pairs().items():
        assert table["mode"] == ("full" if tenant == added else "incremental"), (tenant, dataset)
        if tenant == added:
            assert table["rows_inserted"] == truth_count(sb, tenant, dataset)
    assert_truth(sb, db, all_pairs(sb, [added]))
    assert_truth(sb, db, all_pairs(sb, [first]), linger=True)

    # a tenant removed from the config: its rows and positions stay exactly as they were
    before = {d: tenant_rows(db, d, first) for d in (*ALL, SYNC_STATE_TABLE)}
    sb.advance(days=30)
    _write_config(folder, sb, [added])
    run3 = sync_ok(env, folder)
    assert {t for t, _ in run3.pairs()} == {added}
    assert set(run3.modes().values()) == {"incremental"}
    assert {d: tenant_rows(db, d, first) for d in before} == before
    assert_truth(sb, db, all_pairs(sb, [added]), linger=True)


def test_a_full_refresh_of_one_dataset_leaves_the_others_alone(
    sb: Sandbox, home: Path, project: Project
) -> None:
    folder = project("hr")
    db, env = folder / DEFAULT_FILE, user_env(sb, home)
    sync_ok(env, folder)
    sb.advance(days=45)
    others = [d for d in ALL if d != "employees"]
    before = {(t, d): tenant_rows(db, d, t) for t in sb.tenant_ids for d in others}

    refresh = sync_ok(env, folder, "--full-refresh", "--dataset", "employees")
    assert refresh.modes() == {(t, "employees"): "full" for t in sb.tenant_ids}
    assert_truth(sb, db, all_pairs(sb, datasets=["employees"]))  # deletions marked too
    assert {(t, d): tenant_rows(db, d, t) for t in sb.tenant_ids for d in others} == before

    after = sync_ok(env, folder)
    assert set(after.modes().values()) == {"incremental"}, after.modes()
    employees = [after.pairs()[(t, "employees")] for t in sb.tenant_ids]
    assert all(e["rows_inserted"] == 0 for e in employees), "the refresh's cursor was lost"
    assert_truth(sb, db, all_pairs(sb, datasets=["employees"]))
    assert_truth(sb, db, all_pairs(sb, datasets=others), linger=True)


def test_a_dataset_approved_later_starts_with_a_full_export(home: Path, project: Project) -> None:
    later = "contracts"
    config = SandboxConfig(
        tenants=2, employees=15, seed=14, approvals={0: [d for d in ALL if d != later]}
    )
    with start_sandbox(config) as sb:
        folder = project("hr")
        db, env = folder / DEFAULT_FILE, user_env(sb, home)
        waiting, approved = sb.tenant_ids
        run1 = sync_ok(env, folder)
        assert run1.pairs()[(waiting, later)]["status"] == "skipped"
        assert {r["tenant_id"] for r in rows_of(db, later)} == {approved}

        sb.approve(waiting, list(ALL))  # the customer accepts the dataset in the App Store
        sb.advance(days=30)
        run2 = sync_ok(env, folder)
        for (tenant, dataset), table in run2.pairs().items():
            first = (tenant, dataset) == (waiting, later)
            assert table["mode"] == ("full" if first else "incremental"), (tenant, dataset)
        assert run2.pairs()[(waiting, later)]["rows_inserted"] == truth_count(sb, waiting, later)
        assert_truth(sb, db, [(waiting, later)])
        assert_truth(sb, db, linger=True)

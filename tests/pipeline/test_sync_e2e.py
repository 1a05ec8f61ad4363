"""End to end: the sandbox over real HTTP on loopback, the real client, dlt, a real DuckDB file.

Every comparison is against ``sb.truth`` (what a full export would carry now), for every key
and every column, per tenant.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from tests.support.settings import sandbox_settings
from tests.support.tables import fetch_rows
from tests.support.truth import assert_equal_to_truth, truth_problems
from visma_hrm.catalog import DATASETS, DELETED_AT_COLUMN, DELETED_COLUMN, TENANT_COLUMN
from visma_hrm.config import Settings
from visma_hrm.sandbox import FaultConfig, Sandbox, SandboxConfig, start_sandbox
from visma_hrm.sync import SyncReport, SyncSettings, sync
from visma_hrm.sync.steps.base import StepResult
from visma_hrm.sync.steps.deletions import Deletions

EMPLOYEES = 40


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=2, employees=EMPLOYEES, seed=11)) as sandbox:
        yield sandbox


def _sync(settings: Settings, full_refresh: bool = False) -> SyncReport:
    report = sync(SyncSettings(settings, full_refresh=full_refresh))
    assert report.ok, [t for t in report.tables if t.status != "ok"]
    return report


def _snapshot(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    """Table contents without the columns a re-run is allowed to touch (sync time, dlt ids)."""
    out = {}
    for name in DATASETS:
        rows = fetch_rows(settings, name)
        out[name] = sorted(
            tuple(
                sorted((k, str(v)) for k, v in r.items() if not k.startswith(("_dlt", "_visma_s")))
            )
            for r in rows
        )
    return out


def _vanished_keys(sb: Sandbox, before: dict[tuple[str, str], set[tuple[object, ...]]]) -> int:
    gone = 0
    for (tenant, name), keys in before.items():
        now = {tuple(r[k] for k in DATASETS[name].primary_key) for r in sb.truth(tenant, name)}
        gone += len(keys - now)
    return gone


def _truth_keys(sb: Sandbox) -> dict[tuple[str, str], set[tuple[object, ...]]]:
    return {
        (t, name): {tuple(r[k] for k in DATASETS[name].primary_key) for r in sb.truth(t, name)}
        for t in sb.tenant_ids
        for name in DATASETS
    }


def test_full_sync_equals_the_truth_and_tenants_never_mix(sb: Sandbox, tmp_path: Path) -> None:
    settings = sandbox_settings(sb, tmp_path)
    report = _sync(settings)
    assert_equal_to_truth(sb, settings)
    assert {t.mode for t in report.tables} == {"full"}
    assert len(report.tables) == len(sb.tenant_ids) * len(DATASETS)
    for entry in report.tables:
        expected = len(sb.truth(entry.tenant_id, entry.dataset))
        assert (entry.rows_received, entry.rows_inserted, entry.rows_updated) == (
            expected,
            expected,
            0,
        )
        assert entry.files >= 1 and entry.bytes > 0
    # the tenants share source keys: were the tenant not part of the key, one tenant's rows
    # would overwrite the other's, and the comparison above would have failed
    contracts = fetch_rows(settings, "contracts")
    first, second = (
        {
            (r["employeeid"], r["contractid"], r["subcontractid"])
            for r in contracts
            if r[TENANT_COLUMN] == t
        }
        for t in sb.tenant_ids
    )
    assert first & second


@pytest.mark.slow
def test_incremental_rerun_and_full_refresh_reconcile_deletions(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = sandbox_settings(sb, tmp_path)
    _sync(settings)
    before = _truth_keys(sb)
    sb.advance(days=30)
    report = _sync(settings)
    assert {t.mode for t in report.tables} == {"incremental"}
    assert_equal_to_truth(sb, settings, deleted_may_linger=True)
    received = sum(t.rows_received for t in report.tables)
    assert 0 < received < sum(len(sb.truth(t, n)) for t in sb.tenant_ids for n in DATASETS)

    # a re-run changes nothing (the API's inexact filter resends rows: the merge absorbs them)
    snapshot = _snapshot(settings)
    rerun = _sync(settings)
    assert sum(t.rows_inserted for t in rerun.tables) == 0
    assert _snapshot(settings) == snapshot

    # let time pass until the source has deleted rows, then a full refresh marks them
    for _ in range(8):
        if _vanished_keys(sb, before):
            break
        sb.advance(days=120)
    vanished = _vanished_keys(sb, before)
    assert vanished, "the sandbox deleted nothing: the test would prove nothing"
    _sync(settings)  # incremental: cannot see deletions, leaves the rows current
    assert_equal_to_truth(sb, settings, deleted_may_linger=True)
    full = _sync(settings, full_refresh=True)
    assert {t.mode for t in full.tables} == {"full"}
    assert_equal_to_truth(sb, settings)
    assert sum(t.rows_deleted for t in full.tables) >= vanished
    marked = [r for n in DATASETS for r in fetch_rows(settings, n) if r[DELETED_COLUMN]]
    assert len(marked) == sum(t.rows_deleted for t in full.tables)
    assert {r[DELETED_AT_COLUMN].isoformat() for r in marked} == {full.started_at}
    # idempotent: the next run marks nothing again and keeps the marks
    again = _sync(settings)
    assert sum(t.rows_deleted for t in again.tables) == 0
    assert_equal_to_truth(sb, settings)


@pytest.mark.slow
def test_the_cursor_survives_a_lost_pipeline_folder(sb: Sandbox, tmp_path: Path) -> None:
    settings = sandbox_settings(sb, tmp_path)
    _sync(settings)
    shutil.rmtree(tmp_path / "pipelines")
    sb.advance(days=30)
    report = _sync(settings)
    assert {t.mode for t in report.tables} == {"incremental"}
    assert_equal_to_truth(sb, settings, deleted_may_linger=True)


@pytest.mark.slow
def test_unapproved_datasets_are_skipped_unless_asked_for(tmp_path: Path) -> None:
    config = SandboxConfig(
        tenants=2, employees=EMPLOYEES, seed=3, approvals={0: ["employees", "contracts"]}
    )
    with start_sandbox(config) as sandbox:
        limited, full_tenant = sandbox.tenant_ids
        report = sync(SyncSettings(sandbox_settings(sandbox, tmp_path)))
        assert report.ok and report.exit_code == 0
        skipped = {t.dataset for t in report.tables if t.status == "skipped"}
        assert skipped == set(DATASETS) - {"employees", "contracts"}
        assert all(t.tenant_id == limited for t in report.tables if t.status == "skipped")
        assert all(
            t.error_code == "dataset_not_approved" for t in report.tables if t.status == "skipped"
        )

        asked = sandbox_settings(sandbox, tmp_path, datasets=("users", "contracts"))
        report = sync(SyncSettings(asked))
        assert not report.ok and report.exit_code == 1
        assert report.table(limited, "users").status == "failed"
        assert report.table(limited, "contracts").status == "ok"
        assert report.table(full_tenant, "users").status == "ok"
        users = fetch_rows(asked, "users")
        assert {r[TENANT_COLUMN] for r in users} == {full_tenant}


@pytest.mark.slow
def test_privacy_profile_keeps_contact_data_at_the_source(sb: Sandbox, tmp_path: Path) -> None:
    settings = sandbox_settings(sb, tmp_path, datasets=("employees",), privacy_profile="contact")
    _sync(settings)
    rows = fetch_rows(settings, "employees")
    assert rows and all(r["homeemailaddress"] is None for r in rows)
    assert all(r["mobilephonenumber"] is None for r in rows)
    assert any(r["businessemailaddress"] for r in rows)


@pytest.mark.slow
def test_one_tenant_failing_neither_stops_nor_spoils_the_others(
    sb: Sandbox, tmp_path: Path
) -> None:
    unlinked = sb.unlinked_tenant_ids[0]
    settings = sandbox_settings(
        sb, tmp_path, tenants=(sb.tenant_ids[0], unlinked, sb.tenant_ids[1])
    )
    report = sync(SyncSettings(settings))
    assert report.exit_code == 1
    failed = [t for t in report.tables if t.status == "failed"]
    assert {t.tenant_id for t in failed} == {unlinked} and len(failed) == len(DATASETS)
    assert {t.error_code for t in failed} == {"tenant_not_linked"}
    assert all(unlinked in (t.message or "") for t in failed)
    assert_equal_to_truth(sb, settings)


@pytest.mark.slow
def test_deletions_missed_by_a_crash_after_the_load_are_marked_by_the_next_run(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = sandbox_settings(sb, tmp_path)
    _sync(settings)
    sb.advance(days=720)  # long enough for the sandbox to delete rows
    with monkeypatch.context() as crash:
        # the full refresh loads, then "dies" before reconciling deletions
        crash.setattr(Deletions, "run", lambda self, context: StepResult())
        _sync(settings, full_refresh=True)
    with pytest.raises(AssertionError, match="not marked deleted"):
        assert_equal_to_truth(sb, settings)
    report = _sync(settings)  # an ordinary incremental run
    assert {t.mode for t in report.tables} == {"incremental"}
    assert sum(t.rows_deleted for t in report.tables) > 0
    assert_equal_to_truth(sb, settings)


@pytest.mark.slow
def test_failed_jobs_malformed_rows_and_schema_drift_are_reported_and_contained(
    sb: Sandbox, tmp_path: Path
) -> None:
    sb.set_faults(
        FaultConfig(
            failed_datasets=("contracts",),
            malformed_datasets=("users",),
            drift_datasets=("employees",),
            drift_add=("favouritecolour",),
            drift_drop=("nickname",),
        )
    )
    settings = sandbox_settings(sb, tmp_path)
    report = sync(SyncSettings(settings))
    assert report.exit_code == 1
    failed = {(t.dataset, t.error_code) for t in report.tables if t.status == "failed"}
    assert failed == {("contracts", "job_failed")}
    for tenant in sb.tenant_ids:
        users = report.table(tenant, "users")
        assert users.status == "ok" and users.rows_rejected == 1
        assert users.rows_received == len(sb.truth(tenant, "users")) - 1
    rejected = fetch_rows(settings, "_visma_rejected_rows")
    assert {r["dataset"] for r in rejected} == {"users"} and len(rejected) == 2
    employees = fetch_rows(settings, "employees")
    # a column the catalog does not know arrives (empty in the sandbox) and gets a place
    assert all("favouritecolour" in r for r in employees)
    assert all(r["nickname"] is None for r in employees)  # a dropped one stays, empty

    sb.set_faults(FaultConfig())
    report = _sync(settings)
    assert report.table(sb.tenant_ids[0], "contracts").mode == "full"  # no cursor moved
    # its full export had a rejected row: no position past it, so it is asked for in full again
    assert report.table(sb.tenant_ids[0], "users").mode == "full"
    # rows received while nickname was dropped keep it empty until a full export repairs them
    _sync(settings, full_refresh=True)
    assert_equal_to_truth(sb, settings)


@pytest.mark.slow
def test_the_report_tells_the_apis_job_time_from_the_connectors_work(tmp_path: Path) -> None:
    config = SandboxConfig(tenants=1, employees=10, seed=3, job_duration_s=1.0)
    with start_sandbox(config) as sandbox:
        settings = sandbox_settings(sandbox, tmp_path)
        report = _sync(settings)
    for entry in report.tables:
        assert entry.job_seconds is not None
        # the sandbox held each job InProgress for a second; downloads come after that
        assert 1.0 <= entry.job_seconds <= entry.seconds
    assert "job_seconds" in report.to_dict()["tables"][0]


@pytest.mark.slow
def test_a_field_selection_the_api_refuses_empties_nothing_and_a_good_one_empties_stored_rows(
    tmp_path: Path,
) -> None:
    # a service that refuses an include list naming an unknown column (a sandbox switch)
    config = SandboxConfig(tenants=2, employees=10, seed=11, unknown_fields="reject")
    with start_sandbox(config) as sb:
        _refused_then_accepted(sb, tmp_path)


def _refused_then_accepted(sb: Sandbox, tmp_path: Path) -> None:
    settings = sandbox_settings(sb, tmp_path, datasets=("users",))
    _sync(settings)
    holding = [r for r in fetch_rows(settings, "users") if r["emailaddress"]]
    assert holding, "no e-mail addresses stored: the test would prove nothing"

    # a typo in an include list: the API refuses it, nothing stored may be emptied
    typo = replace(settings, fields={"users": "userid,usernam"})
    report = sync(SyncSettings(typo))
    assert report.exit_code == 1
    assert any("not emptied" in note for note in report.notes), report.notes
    assert [r for r in fetch_rows(settings, "users") if r["emailaddress"]] == holding

    # an exclude list the API accepts: the same run empties the column in every stored row
    # (the changed selection makes the export full; rows it does not carry are emptied too)
    hidden = replace(settings, fields={"users": "!emailaddress"})
    report = _sync(hidden)
    assert {t.mode for t in report.tables} == {"full"}
    assert any("selection" in note for note in report.notes), report.notes
    rows = fetch_rows(settings, "users")
    assert rows and not [r for r in rows if r["emailaddress"]]


@pytest.mark.slow
def test_rows_sent_again_unchanged_are_told_from_rows_that_changed(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = sandbox_settings(sb, tmp_path, datasets=("users", "employees"))
    _sync(settings)
    # nothing changed at the source: a full export sends every row again, all unchanged
    again = _sync(settings, full_refresh=True)
    for entry in again.tables:
        assert entry.rows_received > 0
        assert (entry.rows_inserted, entry.rows_updated) == (0, 0)
        assert entry.rows_unchanged == entry.rows_received
    # one stored value differs from the source: exactly that row counts as changed
    with duckdb.connect(str(settings.duckdb_path)) as db:
        db.execute(
            "UPDATE visma_hrm.users SET emailaddress = 'stale@example.org' WHERE rowid IN "
            "(SELECT min(rowid) FROM visma_hrm.users)"
        )
    third = _sync(settings, full_refresh=True)
    users = [t for t in third.tables if t.dataset == "users"]
    assert sum(t.rows_updated for t in users) == 1
    assert sum(t.rows_unchanged or 0 for t in users) == sum(t.rows_received for t in users) - 1
    assert not [
        r for r in fetch_rows(settings, "users") if r["emailaddress"] == "stale@example.org"
    ]


@pytest.mark.slow
def test_an_incremental_export_with_a_rejected_row_is_asked_again_until_it_loads(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = sandbox_settings(sb, tmp_path, datasets=("contracts",))
    _sync(settings)
    sb.advance(days=120)  # many changed contracts: the malformed (second) row is one of them
    sb.set_faults(FaultConfig(malformed_datasets=("contracts",)))
    broken = sync(SyncSettings(settings))
    sb.set_faults(FaultConfig())
    assert broken.exit_code == 3 and {t.mode for t in broken.tables} == {"incremental"}
    pairs = [(t, "contracts") for t in sb.tenant_ids]
    assert truth_problems(sb, settings, pairs), "the rejected row changed nothing: no proof"
    # the cursor did not move past the rejected row: the same window is asked again
    fixed = _sync(settings)
    assert {t.mode for t in fixed.tables} == {"incremental"}
    assert not truth_problems(sb, settings, pairs)

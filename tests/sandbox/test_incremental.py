"""Change over time: advance the clock, then incremental and full exports over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.sandbox_api import PATHS, export, get_token, keyed, start_job
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox

Keyed = dict[tuple[str | None, ...], dict[str, str | None]]


@pytest.fixture(scope="module")
def moved() -> Iterator[tuple[Sandbox, dict[str, Keyed], dict[str, Keyed], str]]:
    """A sandbox, its truth before and after 180 days, and the cursor of the first exports."""
    config = SandboxConfig(
        tenants=1,
        employees=200,
        seed=3,
        job_duration_s=0,
        rows_per_file=5000,
        incremental_unchanged_fraction=0.1,
    )
    with start_sandbox(config) as sb:
        tenant = sb.tenant_ids[0]
        token = get_token(sb, tenant)
        answer, _h, _rows = export(sb, token, "contracts")
        cursor = answer["changeTimestampBefore"]
        before = {d: keyed(d, sb.truth(tenant, d)) for d in PATHS}
        assert sb.advance(180) == "2026-06-30T00:00:00.0000000Z"
        after = {d: keyed(d, sb.truth(tenant, d)) for d in PATHS}
        yield sb, before, after, cursor


@pytest.mark.parametrize("dataset", list(PATHS))
def test_incremental_has_every_change_and_only_current_rows(
    moved: tuple[Sandbox, dict[str, Keyed], dict[str, Keyed], str], dataset: str
) -> None:
    sb, before, after, cursor = moved
    token = get_token(sb, sb.tenant_ids[0])
    answer, _h, rows = export(sb, token, dataset, {"changeTimestampAfter": cursor})
    assert answer["changeTimestampBefore"] == "2026-06-30T00:00:00.0000000Z"
    got = keyed(dataset, rows)
    changed = {k: r for k, r in after[dataset].items() if before[dataset].get(k) != r}
    for key, row in changed.items():
        assert got.get(key) == row, f"changed row {key} missing or stale"
    for key, row in got.items():
        assert after[dataset][key] == row  # a superset of the changes, but never stale rows
    if dataset not in ("cost_centers",):
        assert changed, "180 days should change something"
    unchanged = [k for k in got if k not in changed]
    if len(after[dataset]) > 100:
        assert unchanged, "the inexact filter should also send some unchanged rows"
        assert len(unchanged) < len(after[dataset]) / 2


@pytest.mark.slow
def test_full_export_after_advance_drops_deleted_rows(
    moved: tuple[Sandbox, dict[str, Keyed], dict[str, Keyed], str],
) -> None:
    sb, before, after, _cursor = moved
    token = get_token(sb, sb.tenant_ids[0])
    deleted_total = 0
    for dataset in ("employees", "contracts", "employee_udf_histories", "contract_udf_histories"):
        _a, _h, rows = export(sb, token, dataset)
        got = keyed(dataset, rows)
        assert got == after[dataset]
        deleted = set(before[dataset]) - set(after[dataset])
        assert not deleted & set(got)
        deleted_total += len(deleted)
    assert deleted_total > 0


def test_advance_makes_the_kinds_of_change_hr_sees(
    moved: tuple[Sandbox, dict[str, Keyed], dict[str, Keyed], str],
) -> None:
    _sb, before, after, _cursor = moved
    old, new = before["contracts"], after["contracts"]
    new_ids = {r["employeeid"] for r in new.values()} - {r["employeeid"] for r in old.values()}
    assert new_ids, "hires get new employeeids"
    ended = [k for k, r in new.items() if k in old and r["enddate"] and not old[k]["enddate"]]
    assert any(new[k]["endreason"] for k in ended), "terminations with an end reason"
    new_versions = [k for k in new if k not in old and k[0] not in new_ids]
    assert new_versions, "transfers and raises as new subcontracts"
    transfers = [k for k in new_versions if new[k]["orgunit"] != new[(k[0], k[1], "1")]["orgunit"]]
    assert transfers
    employees_new = set(after["employees"]) - set(before["employees"])
    assert any(k[0] not in new_ids for k in employees_new), "address changes: new versions"
    assert set(after["organization_units"]) != set(before["organization_units"])
    stamps = sorted(k[1] or "" for k in employees_new)
    assert stamps[0] > "2026-01-01" and stamps[-1] <= "2026-06-30", "changes inside the interval"


def test_incremental_from_before_the_start_sends_recent_history(sb: Sandbox) -> None:
    tenant = sb.tenant_ids[0]
    token = get_token(sb, tenant)
    _a, _h, rows = export(sb, token, "contracts", {"changeTimestampAfter": "2025-07-01T00:00:00Z"})
    truth = keyed("contracts", sb.truth(tenant, "contracts"))
    recent = {k for k, r in truth.items() if (r["existencestartutc"] or "") > "2025-07-01"}
    assert recent <= set(keyed("contracts", rows))
    bad = export_status(sb, token, "2025-13-45")
    assert bad == 400


def export_status(sb: Sandbox, token: str, after: str) -> int:
    return start_job(sb, token, "contracts", {"changeTimestampAfter": after}).status_code


@pytest.mark.slow
def test_admin_api_moves_the_clock_and_changes_approvals() -> None:
    with start_sandbox(SandboxConfig(tenants=1, employees=40, job_duration_s=0)) as sb:
        tenant = sb.tenant_ids[0]
        before = sb.truth(tenant, "contracts")
        moved = httpx.post(f"{sb.base_url}/sandbox/clock/advance", json={"days": 60})
        assert moved.json() == {"clock": "2026-03-02T00:00:00.0000000Z"}
        assert sb.clock == "2026-03-02T00:00:00.0000000Z"
        assert sb.truth(tenant, "contracts") != before
        back = httpx.post(f"{sb.base_url}/sandbox/clock/advance", json={"days": -1})
        assert back.status_code == 400
        url = f"{sb.base_url}/sandbox/tenants/{tenant}/approvals"
        assert httpx.put(url, json={"datasets": ["users"]}).json()["approvals"] == ["users"]
        token = get_token(sb, tenant, scope="hrmanalytics:nlhrm:exportusers")
        answer, _h, _rows = export(sb, token, "users")
        assert answer["changeTimestampBefore"] == "2026-03-02T00:00:00.0000000Z"

"""Export jobs over real HTTP: lifecycle, files, fields, request shapes, links, isolation."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.sandbox_api import (
    PATHS,
    export,
    get_token,
    keyed,
    parse_csv,
    query_job,
    start_job,
    wait_job,
)
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox


@pytest.fixture(scope="module")
def patient_sb() -> Iterator[Sandbox]:
    """Jobs that stay InProgress long enough to be seen so on a busy machine (the shared
    sandbox's 0.3 s can pass between the POST and the first GET under load)."""
    config = SandboxConfig(tenants=2, employees=30, rows_per_file=40, job_duration_s=2.0)
    with start_sandbox(config) as sandbox:
        yield sandbox


@pytest.mark.parametrize("dataset", list(PATHS))
def test_full_job_lifecycle_matches_truth(patient_sb: Sandbox, dataset: str) -> None:
    sb = patient_sb
    tenant = sb.tenant_ids[0]
    token = get_token(sb, tenant)
    started = start_job(sb, token, dataset)
    assert started.status_code == 200
    job_id = started.json()["jobId"]
    running = query_job(sb, token, dataset, job_id)
    assert running.status_code == 202
    assert running.json() == {
        "status": "InProgress",
        "changeTimestampBefore": None,
        PATHS[dataset][1]: None,
    }
    done = wait_job(sb, token, dataset, job_id)
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "Completed"
    assert body["changeTimestampBefore"] == "2026-01-01T00:00:00.0000000Z"
    texts = []
    for uri in body[PATHS[dataset][1]]:
        assert uri.startswith(sb.base_url + "/files/")
        response = httpx.get(uri)  # pre-signed: no Authorization header
        assert response.status_code == 200
        assert int(response.headers["content-length"]) == len(response.content)
        assert response.content.endswith(b"\r\n")
        texts.append(response.content.decode("utf-8"))
    header, rows = parse_csv(texts)
    truth = sb.truth(tenant, dataset)
    assert rows == truth
    assert len(rows) > 0
    assert header == list(truth[0])
    assert all(c == c.lower() for c in header)
    keyed(dataset, rows)  # keys unique


def test_export_is_split_over_several_files(sb: Sandbox) -> None:
    token = get_token(sb, sb.tenant_ids[0])
    answer, _header, rows = export(sb, token, "contracts")
    uris = answer["contractFileUris"]
    assert len(rows) > 40
    assert len(uris) == -(-len(rows) // 40)  # rows_per_file=40


def test_values_look_like_the_real_export(sb: Sandbox) -> None:
    tenant = sb.tenant_ids[0]
    contracts = sb.truth(tenant, "contracts")
    employees = sb.truth(tenant, "employees")
    import re

    stamp = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")
    day = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for row in contracts:
        assert stamp.match(row["existencestartutc"] or "")
        assert day.match(row["startdate"] or "")
        assert row["enddate"] is None or day.match(row["enddate"])
        assert re.match(r"^[01]\.\d{4}$", row["ptfactor"] or "")
        assert re.match(r"^\d+\.\d{2}$", row["salaryfulltime"] or "")
        assert row["ispooler"] in ("True", "False")
        assert (row["employeeid"] or "").isdigit()
    assert any(r["enddate"] for r in contracts) and any(r["enddate"] is None for r in contracts)
    assert any(r["endreason"] for r in contracts)
    assert len({r["ptfactor"] for r in contracts}) > 2
    assert any(r["subcontractid"] != "1" for r in contracts)
    assert any(r["prefixbirthname"] for r in employees)  # tussenvoegsels
    # several employeeids for one person (a new employeeid per contract)
    persons: dict[tuple[str | None, ...], set[str | None]] = {}
    for r in employees:
        persons.setdefault((r["initials"], r["dateofbirth"], r["birthname"]), set()).add(
            r["employeeid"]
        )
    assert any(len(ids) > 1 for ids in persons.values())
    by_id: dict[str | None, int] = {}
    for r in employees:
        by_id[r["employeeid"]] = by_id.get(r["employeeid"], 0) + 1
    assert any(n > 1 for n in by_id.values())  # more than one row per employeeid
    units = sb.truth(tenant, "organization_units")
    assert len(units) > len({u["orgunitid"] for u in units})  # history rows
    users = {u["userid"]: u["employeeid"] for u in sb.truth(tenant, "users")}
    assert {r["manageruserid"] for r in contracts} <= set(users)


def test_csv_quotes_commas_quotes_and_line_breaks(sb: Sandbox) -> None:
    """RFC 4180: a value with a comma, a quote or CRLF survives the round trip."""
    token = get_token(sb, sb.tenant_ids[0])
    big = SandboxConfig(tenants=1, employees=120, rows_per_file=10_000, job_duration_s=0)
    with start_sandbox(big) as sb2:
        token = get_token(sb2, sb2.tenant_ids[0])
        _a, _h, employees = export(sb2, token, "employees")
        _a, _h, units = export(sb2, token, "organization_units")
        values = [v for r in employees + units for v in r.values() if v]
        assert any("," in v for v in values)
        assert any("\r\n" in v for v in values)
        assert any('"' in v for v in values)
        assert employees == sb2.truth(sb2.tenant_ids[0], "employees")


def test_fields_include_and_exclude(sb: Sandbox) -> None:
    tenant = sb.tenant_ids[0]
    token = get_token(sb, tenant)
    truth = sb.truth(tenant, "employees")
    _a, header, rows = export(
        sb, token, "employees", {"fields": "employeeid,existencestartutc,firstname"}
    )
    assert header == ["firstname", "employeeid", "existencestartutc"]  # export order, not request
    assert rows == [{c: r[c] for c in header} for r in truth]
    excluded = ["homeemailaddress", "homephonenumber", "mobilephonenumber"]
    _a, header, rows = export(sb, token, "employees", {"fields": "!" + ",".join(excluded)})
    assert not set(excluded) & set(header)
    assert len(header) == len(truth[0]) - 3
    assert rows == [{c: r[c] for c in header} for r in truth]


PRODUCTION_EXCLUDES = (
    "rosterid,ptfactor,scaletype_en,scaletype,scale,step,stepname,garscaletype,garstep,"
    "garstepname,catsscale,catsscalename,catsscaleid,catsrspfactor,salaryhour,garsalaryhour,"
    "salaryhourort,salaryhourtravel,salaryhourextra,salarytype,distance,maxdistance,dayspw,"
    "tariffid,tariffname_en,tariffname,publictransportregid,publictransportregname_en,"
    "publictransportregname,publictransportunits,salaryfulltime"
)
"""The exclude list a public identity-provisioning client sends for contracts in production."""


@pytest.mark.slow
def test_the_production_exclude_list_is_accepted_and_applied(sb: Sandbox) -> None:
    tenant = sb.tenant_ids[0]
    token = get_token(sb, tenant)
    _a, full_header, _rows = export(sb, token, "contracts")
    assert set(PRODUCTION_EXCLUDES.split(",")) <= set(full_header)  # every name is a real column
    _a, header, rows = export(sb, token, "contracts", {"fields": "!" + PRODUCTION_EXCLUDES})
    assert not set(PRODUCTION_EXCLUDES.split(",")) & set(header)
    truth = sb.truth(tenant, "contracts")
    assert rows == [{c: r[c] for c in header} for r in truth]


def test_excluding_a_column_the_dataset_lacks_is_accepted(sb: Sandbox) -> None:
    token = get_token(sb, sb.tenant_ids[0])
    _a, header, _rows = export(sb, token, "users", {"fields": "!emailaddress,catsrspfactor"})
    assert header == ["userid", "employeeid"]


def test_an_unknown_included_column_is_ignored_by_default(sb: Sandbox) -> None:
    token = get_token(sb, sb.tenant_ids[0])
    _a, header, _rows = export(sb, token, "users", {"fields": "userid,salary"})
    assert header == ["userid"]


def test_an_unknown_included_column_is_400_when_the_switch_says_reject() -> None:
    config = SandboxConfig(tenants=1, employees=5, unknown_fields="reject", job_duration_s=0)
    with start_sandbox(config) as sb:
        token = get_token(sb, sb.tenant_ids[0])
        response = start_job(sb, token, "users", {"fields": "userid,salary"})
        assert response.status_code == 400
        assert "salary" in response.json()["message"]
        excluded = start_job(sb, token, "users", {"fields": "!salary"})
        assert excluded.status_code == 200  # excludes stay lenient under the switch


def test_public_client_request_shapes(sb: Sandbox) -> None:
    token = get_token(sb, sb.tenant_ids[0])
    with_body = start_job(
        sb, token, "users", json={"callbackAddress": "https://example.invalid/hook"}
    )
    without_body = start_job(sb, token, "users")
    empty_json = start_job(sb, token, "users", json={})
    excluded = start_job(sb, token, "users", {"fields": "!emailaddress,employeeid"})
    for response in (with_body, without_body, empty_json, excluded):
        assert response.status_code == 200
        assert set(response.json()) == {"jobId"}
    done = wait_job(sb, token, "users", excluded.json()["jobId"])
    text = httpx.get(done.json()["usersFileUris"][0]).text
    assert text.split("\r\n")[0] == "userid"
    bad = start_job(sb, token, "users", content=b"{not json")
    assert bad.status_code == 400


def test_unknown_export_path_is_404(sb: Sandbox) -> None:
    token = get_token(sb, sb.tenant_ids[0])
    response = httpx.post(
        f"{sb.api_url}/v1/command/nl/hrm/salaries", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404


def test_jobs_belong_to_their_tenant(sb: Sandbox) -> None:
    mine, theirs = (get_token(sb, t) for t in sb.tenant_ids)
    job_id = start_job(sb, mine, "contracts").json()["jobId"]
    assert wait_job(sb, mine, "contracts", job_id).status_code == 200
    assert query_job(sb, theirs, "contracts", job_id).status_code == 404
    assert query_job(sb, mine, "employees", job_id).status_code == 404  # other dataset's path
    assert (
        query_job(sb, mine, "contracts", "00000000-0000-4000-8000-000000000000").status_code == 404
    )


def test_tenants_have_different_data(sb: Sandbox) -> None:
    a, b = (sb.truth(t, "employees") for t in sb.tenant_ids)
    assert a != b


def test_same_seed_same_data() -> None:
    config = SandboxConfig(tenants=1, employees=15, seed=7)
    with start_sandbox(config) as one, start_sandbox(config) as two:
        assert one.tenant_ids == two.tenant_ids
        assert one.client_secret == two.client_secret
        for dataset in PATHS:
            assert one.truth(one.tenant_ids[0], dataset) == two.truth(two.tenant_ids[0], dataset)
        one.advance(30)
        two.advance(30)
        assert one.truth(one.tenant_ids[0], "contracts") == two.truth(
            two.tenant_ids[0], "contracts"
        )
    with start_sandbox(SandboxConfig(tenants=1, employees=15, seed=8)) as other:
        assert other.tenant_ids != one.tenant_ids


@pytest.mark.slow
def test_link_expiry_is_403_and_requery_gives_fresh_links() -> None:
    config = SandboxConfig(tenants=1, employees=10, link_ttl_s=1, job_duration_s=0)
    with start_sandbox(config) as sb:
        token = get_token(sb, sb.tenant_ids[0])
        job_id = start_job(sb, token, "users").json()["jobId"]
        first = wait_job(sb, token, "users", job_id).json()["usersFileUris"][0]
        assert httpx.get(first).status_code == 200
        time.sleep(2.1)
        expired = httpx.get(first)
        assert expired.status_code == 403
        assert expired.text.startswith("<?xml")
        assert "AuthenticationFailed" in expired.text
        fresh = query_job(sb, token, "users", job_id).json()["usersFileUris"][0]
        assert fresh != first
        assert fresh.split("?")[0] == first.split("?")[0]
        assert httpx.get(fresh).status_code == 200
        tampered = fresh[:-1] + ("0" if fresh[-1] != "0" else "1")
        assert httpx.get(tampered).status_code == 403


@pytest.mark.slow
def test_in_progress_200_variant_and_bom() -> None:
    config = SandboxConfig(
        tenants=1, employees=10, in_progress_status=200, csv_bom=True, job_duration_s=0.5
    )
    with start_sandbox(config) as sb:
        token = get_token(sb, sb.tenant_ids[0])
        job_id = start_job(sb, token, "cost_centers").json()["jobId"]
        running = query_job(sb, token, "cost_centers", job_id)
        assert running.status_code == 200
        assert running.json()["status"] == "InProgress"
        done = wait_job(sb, token, "cost_centers", job_id)
        content = httpx.get(done.json()["costCentersFileUris"][0]).content
        assert content.startswith(b"\xef\xbb\xbfcostcenter,costcentername\r\n")


def test_admin_api(sb: Sandbox) -> None:
    tenants = httpx.get(f"{sb.base_url}/sandbox/tenants").json()
    linked = [t["tenantId"] for t in tenants["tenants"] if t["linked"]]
    assert linked == sb.tenant_ids
    assert any(not t["linked"] for t in tenants["tenants"])
    truth = httpx.get(f"{sb.base_url}/sandbox/truth/{sb.tenant_ids[0]}/users").json()
    expected = sb.truth(sb.tenant_ids[0], "users")
    assert truth["columns"] == ["userid", "emailaddress", "employeeid"]
    assert [dict(zip(truth["columns"], r, strict=True)) for r in truth["rows"]] == expected
    assert httpx.get(f"{sb.base_url}/sandbox/clock").json()["clock"] == sb.clock
    bad = httpx.put(
        f"{sb.base_url}/sandbox/tenants/{sb.tenant_ids[0]}/approvals", json={"datasets": ["x"]}
    )
    assert bad.status_code == 400


def test_export_files_are_deleted_when_the_server_stops() -> None:
    with start_sandbox(SandboxConfig(tenants=1, employees=5, job_duration_s=0)) as sb:
        token = get_token(sb, sb.tenant_ids[0])
        export(sb, token, "users")
        root = sb.state.jobs.root
        assert any(root.rglob("*.csv"))
    assert not root.exists()


def test_link_lifetime_is_exact_to_the_millisecond() -> None:
    """A ttl of 0 gives links that are expired at once (not "until the next whole second")."""
    config = SandboxConfig(tenants=1, employees=5, link_ttl_s=0, job_duration_s=0)
    with start_sandbox(config) as sb:
        token = get_token(sb, sb.tenant_ids[0])
        job_id = start_job(sb, token, "users").json()["jobId"]
        uri = wait_job(sb, token, "users", job_id).json()["usersFileUris"][0]
        assert httpx.get(uri).status_code == 403

"""Every injectable fault, shown over real HTTP."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.sandbox_api import (
    export,
    get_token,
    parse_csv,
    query_job,
    start_job,
    token_response,
    wait_job,
)
from visma_hrm.sandbox import FaultConfig, Sandbox, SandboxConfig, start_sandbox


@pytest.fixture()
def fsb() -> Iterator[Sandbox]:
    """A fresh sandbox per test: faults and their counters never leak between tests."""
    config = SandboxConfig(tenants=2, employees=20, rows_per_file=10_000, job_duration_s=0.05)
    with start_sandbox(config) as sandbox:
        yield sandbox


def _completed_uri(sb: Sandbox, token: str, dataset: str = "contracts") -> str:
    job_id = start_job(sb, token, dataset).json()["jobId"]
    answer = wait_job(sb, token, dataset, job_id).json()
    return str(answer["contractFileUris" if dataset == "contracts" else "usersFileUris"][0])


def test_429_on_first_calls_with_retry_after(fsb: Sandbox) -> None:
    token = get_token(fsb, fsb.tenant_ids[0])
    fsb.set_faults(FaultConfig(rate_limit_first=2, retry_after=3))
    for _ in range(2):
        refused = start_job(fsb, token, "users")
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "3"
    assert start_job(fsb, token, "users").status_code == 200


def test_429_without_retry_after(fsb: Sandbox) -> None:
    token = get_token(fsb, fsb.tenant_ids[0])
    fsb.set_faults(FaultConfig(rate_limit_first=1, retry_after=None))
    refused = start_job(fsb, token, "users")
    assert refused.status_code == 429
    assert "Retry-After" not in refused.headers


@pytest.mark.slow
def test_rate_faults_are_reproducible(fsb: Sandbox) -> None:
    token = get_token(fsb, fsb.tenant_ids[0])

    def statuses() -> list[int]:
        fsb.set_faults(FaultConfig(rate_limit_rate=0.3, error_rate=0.2, seed=5))
        return [start_job(fsb, token, "users").status_code for _ in range(30)]

    first = statuses()
    assert first == statuses()
    assert {200, 429} <= set(first)
    assert set(first) - {200, 429} <= {500, 502, 503}
    assert len(set(first) - {200, 429}) >= 1


def test_5xx_on_first_calls_then_recovery(fsb: Sandbox) -> None:
    token = get_token(fsb, fsb.tenant_ids[0])
    fsb.set_faults(FaultConfig(error_first=3, error_statuses=(502,), endpoints=("query",)))
    job_id = start_job(fsb, token, "users").json()["jobId"]  # command is not targeted
    assert [query_job(fsb, token, "users", job_id).status_code for _ in range(3)] == [502] * 3
    assert wait_job(fsb, token, "users", job_id).status_code == 200


def test_faults_can_target_the_token_and_file_endpoints(fsb: Sandbox) -> None:
    token = get_token(fsb, fsb.tenant_ids[0])
    uri = _completed_uri(fsb, token, "users")
    fsb.set_faults(FaultConfig(error_first=1, error_statuses=(503,), endpoints=("file", "token")))
    assert httpx.get(uri).status_code == 503
    assert httpx.get(uri).status_code == 200
    fsb.set_faults(FaultConfig(rate_limit_first=1, endpoints=("token",)))
    assert token_response(fsb, fsb.tenant_ids[0]).status_code == 429
    assert token_response(fsb, fsb.tenant_ids[0]).status_code == 200


def test_slow_responses(fsb: Sandbox) -> None:
    token = get_token(fsb, fsb.tenant_ids[0])
    fsb.set_faults(FaultConfig(delay_s=0.6))
    started = time.monotonic()
    assert start_job(fsb, token, "users").status_code == 200
    assert time.monotonic() - started >= 0.6


def test_connection_reset_in_the_middle_of_a_download(fsb: Sandbox) -> None:
    token = get_token(fsb, fsb.tenant_ids[0])
    uri = _completed_uri(fsb, token)
    fsb.set_faults(FaultConfig(reset_downloads=1))
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(uri)
    complete = httpx.get(uri)
    assert complete.status_code == 200
    assert complete.content.endswith(b"\r\n")


def test_truncated_download_has_a_matching_content_length(fsb: Sandbox) -> None:
    token = get_token(fsb, fsb.tenant_ids[0])
    uri = _completed_uri(fsb, token)
    full = httpx.get(uri).content
    fsb.set_faults(FaultConfig(truncate_downloads=1))
    cut = httpx.get(uri)
    assert cut.status_code == 200
    assert int(cut.headers["content-length"]) == len(cut.content) < len(full)
    assert full.startswith(cut.content)
    assert not cut.content.endswith(b"\r\n")  # only a content check can tell
    cut.content.decode("utf-8")  # never cut inside a character
    assert httpx.get(uri).content == full


def test_stuck_job_never_leaves_in_progress(fsb: Sandbox) -> None:
    token = get_token(fsb, fsb.tenant_ids[0])
    fsb.set_faults(FaultConfig(stuck_datasets=("contracts",)))
    job_id = start_job(fsb, token, "contracts").json()["jobId"]
    other = start_job(fsb, token, "users").json()["jobId"]
    time.sleep(0.6)
    response = query_job(fsb, token, "contracts", job_id)
    assert response.status_code == 202
    assert response.json()["status"] == "InProgress"
    assert wait_job(fsb, token, "users", other).json()["status"] == "Completed"


def test_failed_job_has_an_unknown_status(fsb: Sandbox) -> None:
    token = get_token(fsb, fsb.tenant_ids[0])
    fsb.set_faults(FaultConfig(failed_datasets=("users",)))
    job_id = start_job(fsb, token, "users").json()["jobId"]
    response = wait_job(fsb, token, "users", job_id)
    assert response.status_code == 200
    assert response.json() == {
        "status": "Failed",
        "changeTimestampBefore": None,
        "usersFileUris": None,
    }


def test_malformed_row_has_an_extra_field(fsb: Sandbox) -> None:
    token = get_token(fsb, fsb.tenant_ids[0])
    fsb.set_faults(FaultConfig(malformed_datasets=("contracts",)))
    text = httpx.get(_completed_uri(fsb, token)).text
    records = list(csv.reader(io.StringIO(text, newline="")))
    widths = [len(r) for r in records]
    assert widths.count(widths[0] + 1) == 1
    assert widths.count(widths[0]) == len(records) - 1


def test_token_outage_first_calls_and_always(fsb: Sandbox) -> None:
    fsb.set_faults(FaultConfig(token_outage_first=2))
    tenant = fsb.tenant_ids[0]
    outage = [token_response(fsb, tenant) for _ in range(2)]
    assert [r.status_code for r in outage] == [503, 503]
    assert outage[0].json()["error"] == "temporarily_unavailable"
    assert token_response(fsb, tenant).status_code == 200
    fsb.set_faults(FaultConfig(token_outage=True))
    assert all(token_response(fsb, tenant).status_code == 503 for _ in range(3))


@pytest.mark.slow
def test_very_short_token_lifetime(fsb: Sandbox) -> None:
    fsb.set_faults(FaultConfig(token_lifetime_s=1))
    response = token_response(fsb, fsb.tenant_ids[0])
    assert response.json()["expires_in"] == 1
    token = response.json()["access_token"]
    time.sleep(2.1)
    assert start_job(fsb, token, "users").status_code == 401


@pytest.mark.slow
def test_per_tenant_token_bucket(fsb: Sandbox) -> None:
    one, two = (get_token(fsb, t) for t in fsb.tenant_ids)
    fsb.set_faults(FaultConfig(tenant_rate=1, tenant_burst=3))  # 4 calls well within 1 s
    assert [start_job(fsb, one, "users").status_code for _ in range(3)] == [200] * 3
    limited = start_job(fsb, one, "users")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert start_job(fsb, two, "users").status_code == 200  # the other tenant has its own bucket
    time.sleep(1.1)
    assert start_job(fsb, one, "users").status_code == 200


def test_schema_drift_adds_and_drops_columns(fsb: Sandbox) -> None:
    tenant = fsb.tenant_ids[0]
    token = get_token(fsb, tenant)
    fsb.set_faults(
        FaultConfig(
            drift_add=("contractnote",), drift_drop=("nickname",), drift_datasets=("contracts",)
        )
    )
    _a, header, rows = export(fsb, token, "contracts")
    assert "contractnote" in header and "nickname" not in header
    assert rows == fsb.truth(tenant, "contracts")
    _a, header, _rows = export(fsb, token, "employees")
    assert "nickname" in header and "contractnote" not in header
    # excluding a dropped column is not an error: the API still knows it
    assert start_job(fsb, token, "contracts", {"fields": "!nickname"}).status_code == 200


def test_faults_through_the_admin_api(fsb: Sandbox) -> None:
    url = f"{fsb.base_url}/sandbox/faults"
    assert httpx.get(url).json()["rate_limit_first"] == 0
    put = httpx.put(url, json={"stuck_datasets": ["users"], "retry_after": None})
    assert put.status_code == 200
    assert put.json()["stuck_datasets"] == ["users"]
    assert fsb.faults == FaultConfig(stuck_datasets=("users",), retry_after=None)
    assert httpx.put(url, json={"rate_limit_rat": 1}).status_code == 400
    assert httpx.put(url, json={"stuck_datasets": ["salaries"]}).status_code == 400


def test_fault_spec_parsing() -> None:
    parsed = FaultConfig.parse("rate_limit_rate=0.2,retry_after=1,stuck_datasets=contracts|users")
    assert parsed == FaultConfig(
        rate_limit_rate=0.2, retry_after=1, stuck_datasets=("contracts", "users")
    )
    assert FaultConfig.parse("retry_after=none,token_outage=true").retry_after is None
    assert FaultConfig.parse("error_statuses=502|503").error_statuses == (502, 503)
    assert FaultConfig.parse("") == FaultConfig()
    for bad in ("bogus=1", "rate_limit_rate=lots", "stuck_datasets=salaries", "rate_limit_rate"):
        with pytest.raises(ValueError):
            FaultConfig.parse(bad)
    assert FaultConfig.from_json(parsed.to_json()) == parsed


def test_faults_never_touch_the_truth(fsb: Sandbox) -> None:
    tenant = fsb.tenant_ids[0]
    token = get_token(fsb, tenant)
    before = fsb.truth(tenant, "users")
    fsb.set_faults(FaultConfig(malformed_datasets=("users",)))
    assert fsb.truth(tenant, "users") == before
    text = httpx.get(_completed_uri(fsb, token, "users")).text
    with pytest.raises(AssertionError):
        parse_csv([text])

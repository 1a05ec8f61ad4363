"""The sandbox over plain httpx, the way a public client would talk to it.

Deliberately independent of ``visma_hrm.client``: the sandbox and the client are checked
against the notes separately, so one cannot hide the other's mistake.
"""

from __future__ import annotations

import csv
import io
import time
from typing import Any, Protocol

import httpx

from visma_hrm.sandbox import Sandbox

PATHS = {
    "employees": ("nl/hrm/employees", "employeeFileUris"),
    "employee_udf_histories": (
        "nl/hrm/employees/user-defined-field-histories",
        "employeeUdfHistoryFileUris",
    ),
    "contracts": ("nl/hrm/contracts", "contractFileUris"),
    "contract_udf_histories": (
        "nl/hrm/contracts/user-defined-field-histories",
        "contractUdfHistoryFileUris",
    ),
    "organization_units": ("nl/hrm/metadata/organization-units", "organizationUnitsFileUris"),
    "cost_centers": ("nl/hrm/metadata/cost-centers", "costCentersFileUris"),
    "users": ("nl/hrm/users", "usersFileUris"),
}
KEYS = {
    "employees": ("employeeid", "existencestartutc"),
    "employee_udf_histories": ("employeeid", "fieldname", "startdate"),
    "contracts": ("employeeid", "contractid", "subcontractid"),
    "contract_udf_histories": (
        "employeeid",
        "contractid",
        "subcontractid",
        "fieldname",
        "startdate",
    ),
    "organization_units": ("orgunitid", "startdate"),
    "cost_centers": ("costcenter",),
    "users": ("userid",),
}
ALL_SCOPES = " ".join(
    f"hrmanalytics:nlhrm:export{s}"
    for s in ("employees", "contracts", "organizationunits", "metadata", "users")
)


class Api(Protocol):
    """Where the analytics API is: a ``Sandbox`` handle, or a sandbox in another process."""

    @property
    def api_url(self) -> str: ...


def token_response(sb: Sandbox, tenant_id: str, **form: str) -> httpx.Response:
    """The token endpoint's answer to a client-credentials request (``form`` overrides)."""
    data = {
        "grant_type": "client_credentials",
        "client_id": sb.client_id,
        "client_secret": sb.client_secret,
        "tenant_id": tenant_id,
        "scope": ALL_SCOPES,
    }
    data.update(form)
    return httpx.post(sb.token_url, data={k: v for k, v in data.items() if v is not None})


def get_token(sb: Sandbox, tenant_id: str, **form: str) -> str:
    """An access token for the tenant (the request must succeed)."""
    response = token_response(sb, tenant_id, **form)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def start_job(
    sb: Api, token: str, dataset: str, params: dict[str, str] | None = None, **kw: Any
) -> httpx.Response:
    """Start an export job (the command endpoint)."""
    path = PATHS[dataset][0]
    return httpx.post(
        f"{sb.api_url}/v1/command/{path}",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        **kw,
    )


def query_job(sb: Api, token: str, dataset: str, job_id: str) -> httpx.Response:
    """Ask once how an export job stands (the query endpoint)."""
    path = PATHS[dataset][0]
    return httpx.get(
        f"{sb.api_url}/v1/query/{path}/{job_id}", headers={"Authorization": f"Bearer {token}"}
    )


def wait_job(sb: Api, token: str, dataset: str, job_id: str, timeout: float = 60) -> httpx.Response:
    """Poll until the job is no longer InProgress; returns the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        response = query_job(sb, token, dataset, job_id)
        if response.status_code not in (200, 202) or response.json()["status"] != "InProgress":
            return response
        assert time.monotonic() < deadline, "job did not finish"
        time.sleep(0.05)


def parse_csv(texts: list[str]) -> tuple[list[str], list[dict[str, str | None]]]:
    """Parse every file of an export; all files must carry the same header."""
    header: list[str] | None = None
    rows: list[dict[str, str | None]] = []
    for text in texts:
        reader = csv.reader(io.StringIO(text, newline=""))
        file_header = next(reader)
        assert header is None or file_header == header
        header = file_header
        for record in reader:
            assert len(record) == len(header), "row with a wrong number of fields"
            rows.append({c: (v if v != "" else None) for c, v in zip(header, record, strict=True)})
    assert header is not None
    return header, rows


def export(
    sb: Sandbox,
    token: str,
    dataset: str,
    params: dict[str, str] | None = None,
) -> tuple[dict[str, Any], list[str], list[dict[str, str | None]]]:
    """Run a whole job: command, poll, download every file; returns (answer, header, rows)."""
    started = start_job(sb, token, dataset, params)
    assert started.status_code == 200, started.text
    done = wait_job(sb, token, dataset, started.json()["jobId"])
    assert done.status_code == 200, done.text
    answer = done.json()
    assert answer["status"] == "Completed"
    texts = []
    for uri in answer[PATHS[dataset][1]]:
        response = httpx.get(uri)
        assert response.status_code == 200
        assert response.content.endswith(b"\r\n")
        texts.append(response.content.decode("utf-8"))
    header, rows = parse_csv(texts)
    return answer, header, rows


def keyed(
    dataset: str, rows: list[dict[str, str | None]]
) -> dict[tuple[str | None, ...], dict[str, str | None]]:
    """Rows by their primary key (refuses duplicate keys)."""
    out = {tuple(r[k] for k in KEYS[dataset]): r for r in rows}
    assert len(out) == len(rows), f"duplicate keys in {dataset}"
    return out

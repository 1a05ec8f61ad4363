"""Visma Connect's token endpoint: success and every documented failure."""

from __future__ import annotations

import base64
import time

import httpx
import jwt
import pytest

from tests.support.sandbox_api import ALL_SCOPES, PATHS, start_job, token_response
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox

ALL_DATASETS = list(PATHS)


def test_token_success_carries_the_claims(sb: Sandbox) -> None:
    tenant = sb.tenant_ids[0]
    response = token_response(sb, tenant)  # scope space-separated, as public clients send it
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == set(ALL_SCOPES.split())
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["tenant_id"] == tenant
    assert claims["client_id"] == "isv_sandbox"
    assert claims["jti"]
    assert claims["exp"] - time.time() > 3500
    assert set(claims["scope"].split()) == set(ALL_SCOPES.split())


def test_token_without_scope_gets_every_approved_scope(sb: Sandbox) -> None:
    response = token_response(sb, sb.tenant_ids[0], scope=None)  # type: ignore[arg-type]
    assert response.status_code == 200
    assert "hrmanalytics:nlhrm:exportcontactinformation" in response.json()["scope"]


def test_token_accepts_http_basic_client_authentication(sb: Sandbox) -> None:
    basic = base64.b64encode(f"{sb.client_id}:{sb.client_secret}".encode()).decode()
    response = httpx.post(
        sb.token_url,
        data={"grant_type": "client_credentials", "tenant_id": sb.tenant_ids[1]},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200


def test_unknown_client_and_wrong_secret_are_told_apart(sb: Sandbox) -> None:
    unknown = token_response(sb, sb.tenant_ids[0], client_id="isv_nobody")
    wrong = token_response(sb, sb.tenant_ids[0], client_secret="not-the-secret")
    for response in (unknown, wrong):
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
    assert unknown.json()["error_description"] != wrong.json()["error_description"]
    assert "isv_nobody" in unknown.json()["error_description"]
    assert "not-the-secret" not in wrong.text


def test_unlinked_tenant_is_invalid_grant_naming_the_tenant(sb: Sandbox) -> None:
    tenant = sb.unlinked_tenant_ids[0]
    response = token_response(sb, tenant)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert tenant in response.json()["error_description"]


def test_wrong_grant_type_and_missing_tenant(sb: Sandbox) -> None:
    assert token_response(sb, sb.tenant_ids[0], grant_type="password").json()["error"] == (
        "unsupported_grant_type"
    )
    missing = token_response(sb, "")
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"


def test_unknown_scope_is_invalid_scope(sb: Sandbox) -> None:
    response = token_response(sb, sb.tenant_ids[0], scope="hrmanalytics:nlhrm:exportsalaries")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def _limited(mode: str) -> SandboxConfig:
    return SandboxConfig(
        tenants=1,
        employees=5,
        scope_mode=mode,
        approvals={0: ["employees", "employee_udf_histories"]},
        contact_information=False,
    )


def test_unapproved_scope_rejected_in_reject_mode() -> None:
    with start_sandbox(_limited("reject")) as sb:
        tenant = sb.tenant_ids[0]
        response = token_response(sb, tenant)
        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "invalid_scope"
        assert "exportcontracts" in body["error_description"]
        assert tenant in body["error_description"]
        ok = token_response(sb, tenant, scope="hrmanalytics:nlhrm:exportemployees")
        assert ok.status_code == 200


def test_unapproved_scope_narrowed_then_command_forbidden() -> None:
    with start_sandbox(_limited("narrow")) as sb:
        response = token_response(sb, sb.tenant_ids[0])
        assert response.status_code == 200
        granted = response.json()["scope"]
        assert granted == "hrmanalytics:nlhrm:exportemployees"
        token = response.json()["access_token"]
        assert start_job(sb, token, "contracts").status_code == 403
        assert start_job(sb, token, "employees").status_code == 200


def test_approval_change_takes_effect(sb: Sandbox) -> None:
    tenant = sb.tenant_ids[1]
    token = token_response(sb, tenant).json()["access_token"]
    sb.approve(tenant, ["employees"])
    try:
        # the token still has the scope, but the customer withdrew the dataset
        assert start_job(sb, token, "employee_udf_histories").status_code == 403
        assert token_response(sb, tenant).json()["error"] == "invalid_scope"
    finally:
        sb.approve(tenant, ALL_DATASETS)


@pytest.mark.slow
def test_expired_and_forged_tokens_are_401() -> None:
    with start_sandbox(SandboxConfig(tenants=1, employees=5, token_lifetime_s=1)) as sb:
        response = token_response(sb, sb.tenant_ids[0])
        assert response.json()["expires_in"] == 1
        token = response.json()["access_token"]
        assert start_job(sb, token, "users").status_code == 200
        time.sleep(2.1)
        expired = start_job(sb, token, "users")
        assert expired.status_code == 401
        assert "expired" in expired.json()["message"]
        forged = jwt.encode(
            {
                "tenant_id": sb.tenant_ids[0],
                "client_id": sb.client_id,
                "scope": ALL_SCOPES,
                "exp": int(time.time()) + 60,
            },
            "a-guessed-key-that-is-long-enough-for-hs256",
            algorithm="HS256",
        )
        assert start_job(sb, forged, "users").status_code == 401
        assert start_job(sb, "not-a-jwt", "users").status_code == 401
        no_header = httpx.post(f"{sb.api_url}/v1/command/nl/hrm/users")
        assert no_header.status_code == 401


# --------------------------------------------------------------------- token_errors shapes
SHAPE_ANSWERS = {
    # shape: {failure: (status, error, words the description must hold or None for absent)}
    "standard": {
        "unknown_client": (401, "invalid_client", "isv_nobody"),
        "wrong_secret": (401, "invalid_client", "secret"),
        "unlinked_tenant": (400, "invalid_grant", "{tenant}"),
        "scope": (400, "invalid_scope", "exportcontracts"),
    },
    "bare": {
        "unknown_client": (400, "invalid_client", None),
        "wrong_secret": (400, "invalid_client", None),
        "unlinked_tenant": (400, "invalid_grant", None),
        "scope": (400, "invalid_scope", None),
    },
    "status401": {
        "unknown_client": (401, "invalid_client", "Client"),
        "wrong_secret": (401, "invalid_client", "Client"),
        "unlinked_tenant": (401, "invalid_grant", "{tenant}"),
        "scope": (401, "invalid_scope", "scope"),
    },
    "unauthorized_client": {
        "unknown_client": (401, "unauthorized_client", "Unknown client"),
        "wrong_secret": (401, "unauthorized_client", "secret"),
        "unlinked_tenant": (400, "unauthorized_client", "{tenant}"),
        "scope": (400, "unauthorized_client", "exportcontracts"),
    },
    "invalid_request": {
        "unknown_client": (400, "invalid_request", "Client"),
        "wrong_secret": (400, "invalid_request", "Secret"),
        "unlinked_tenant": (400, "invalid_request", "{tenant}"),
        "scope": (400, "invalid_request", "exportcontracts"),
    },
    "opaque": {
        failure: (400, "access_denied", "denied")
        for failure in ("unknown_client", "wrong_secret", "unlinked_tenant", "scope")
    },
}


def test_every_token_error_shape_is_tested_here() -> None:
    from visma_hrm.sandbox import TOKEN_ERROR_SHAPES

    assert set(SHAPE_ANSWERS) == set(TOKEN_ERROR_SHAPES)


@pytest.mark.parametrize("shape", list(SHAPE_ANSWERS))
def test_token_failures_come_in_the_configured_shape(shape: str) -> None:
    config = SandboxConfig(
        tenants=1,
        employees=2,
        token_errors=shape,
        approvals={0: ["employees"]},
        contact_information=False,
    )
    with start_sandbox(config) as sb:
        tenant, unlinked = sb.tenant_ids[0], sb.unlinked_tenant_ids[0]
        answers = {
            "unknown_client": token_response(sb, tenant, client_id="isv_nobody"),
            "wrong_secret": token_response(sb, tenant, client_secret="not-the-secret"),
            "unlinked_tenant": token_response(sb, unlinked),
            "scope": token_response(sb, tenant),
        }
        for failure, response in answers.items():
            status, error, words = SHAPE_ANSWERS[shape][failure]
            body = response.json()
            assert (response.status_code, body["error"]) == (status, error), failure
            if words is None:
                assert "error_description" not in body
            else:
                assert words.format(tenant=unlinked) in body["error_description"], failure
            assert "not-the-secret" not in response.text
        assert token_response(sb, tenant, scope="hrmanalytics:nlhrm:exportemployees").is_success

"""Visma Connect's token endpoint: the client-credentials grant, per tenant and scope.

Refusals come in the shape ``SandboxConfig.token_errors`` names (the real service's error
bodies are not documented, and public clients have seen several), and a scope the customer
did not approve is either rejected or narrowed, as ``scope_mode`` says.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
import uuid
from urllib.parse import parse_qs, unquote

import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from visma_hrm.sandbox.config import TOKEN_ERROR_SHAPES
from visma_hrm.sandbox.replies import apply_faults, oauth_error
from visma_hrm.sandbox.spec import CONTACT_SCOPE, DATASETS, KNOWN_SCOPES
from visma_hrm.sandbox.state import SandboxState, expiry


def token_refusal(answer: tuple[int, str, str], **values: str | None) -> JSONResponse:
    """A token failure in the configured shape (``SandboxConfig.token_errors``).

    A shape without a description leaves ``error_description`` out, as IdentityServer does.
    """
    status, error, template = answer
    body = {"error": error}
    if template:
        body["error_description"] = template.format(**values)
    return JSONResponse(body, status_code=status)


async def _form(request: Request) -> dict[str, str]:
    """The form-encoded body, parsed here (Starlette's parser needs python-multipart)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    """From the form, or HTTP Basic (both are allowed by OAuth2 for confidential clients)."""
    client_id, secret = form.get("client_id"), form.get("client_secret")
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic ") and client_id is None:
        try:
            decoded = base64.b64decode(auth[6:]).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        user, _, password = decoded.partition(":")
        return unquote(user), unquote(password)
    return client_id, secret


async def token(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    cfg = state.config
    if state.faults.token_outage():
        return oauth_error(503, "temporarily_unavailable", "The token service is unavailable.")
    refused = await apply_faults(state, "token", None)
    if refused is not None:
        return refused
    form = await _form(request)
    if form.get("grant_type") != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported.")
    client_id, secret = _client_credentials(request, form)
    shape = TOKEN_ERROR_SHAPES[cfg.token_errors]
    if client_id != cfg.client_id:
        return token_refusal(shape["unknown_client"], client_id=client_id)
    if not isinstance(secret, str) or not hmac.compare_digest(secret, cfg.secret):
        return token_refusal(shape["wrong_secret"])
    tenant_id = form.get("tenant_id")
    if not isinstance(tenant_id, str) or not tenant_id:
        return oauth_error(400, "invalid_request", "The tenant_id parameter is missing.")
    tenant = state.world.tenants.get(tenant_id)
    if tenant is None:
        return token_refusal(shape["unlinked_tenant"], tenant=tenant_id)
    granted = {DATASETS[d].scope for d in tenant.approvals}
    if tenant.contact:
        granted.add(CONTACT_SCOPE)
    raw = form.get("scope")
    requested = set(raw.split()) if isinstance(raw, str) and raw.strip() else set(granted)
    unknown = sorted(requested - KNOWN_SCOPES)
    if unknown:
        return oauth_error(400, "invalid_scope", f"Unknown scope(s): {' '.join(unknown)}.")
    missing = sorted(requested - granted)
    if missing and cfg.scope_mode == "reject":
        return token_refusal(shape["scope"], tenant=tenant_id, scopes=" ".join(missing))
    scope = " ".join(sorted(requested & granted))
    lifetime = state.faults.faults.token_lifetime_s or cfg.token_lifetime_s
    now = time.time()
    claims = {
        "iss": state.base_url or "visma-hrm-sandbox",
        "client_id": cfg.client_id,
        "tenant_id": tenant_id,
        "scope": scope,
        "jti": str(uuid.uuid4()),
        "iat": int(now),
        "nbf": int(now),
        "exp": float(expiry(lifetime, now)),
    }
    access_token = jwt.encode(claims, state.key, algorithm="HS256")
    return JSONResponse(
        {
            "access_token": access_token,
            "expires_in": lifetime,
            "token_type": "Bearer",
            "scope": scope,
        },
        headers={"Cache-Control": "no-store"},
    )

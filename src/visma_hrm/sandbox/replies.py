"""The answers endpoints share: Visma's error shapes, injected refusals, reading a JSON body."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from visma_hrm.sandbox.faults import Refusal
from visma_hrm.sandbox.state import SandboxState


def oauth_error(status: int, error: str, description: str) -> JSONResponse:
    body = {"error": error, "error_description": description}
    return JSONResponse(body, status_code=status)


def refusal_response(refusal: Refusal) -> Response:
    headers = {}
    if refusal.retry_after is not None:
        headers["Retry-After"] = str(refusal.retry_after)
    body = {"error": refusal.error, "message": refusal.message}
    return JSONResponse(body, status_code=refusal.status, headers=headers)


async def apply_faults(
    state: SandboxState, endpoint: str, tenant_id: str | None
) -> Response | None:
    delay, refusal = state.faults.on_call(endpoint, tenant_id)
    if delay > 0:
        await asyncio.sleep(delay)
    return refusal_response(refusal) if refusal else None


def unauthorized(message: str) -> Response:
    return JSONResponse(
        {"error": "invalid_token", "message": message},
        status_code=401,
        headers={
            "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{message}"'
        },
    )


def forbidden(message: str) -> Response:
    return JSONResponse({"error": "insufficient_scope", "message": message}, status_code=403)


def bad_request(message: str) -> Response:
    return JSONResponse({"error": "bad_request", "message": message}, status_code=400)


def not_found(message: str = "Not found.") -> Response:
    return JSONResponse({"error": "not_found", "message": message}, status_code=404)


async def json_body(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    payload = json.loads(body)
    if not isinstance(payload, dict):
        raise ValueError("expected a JSON object")
    return payload

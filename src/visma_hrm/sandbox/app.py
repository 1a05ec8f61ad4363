"""The HTTP surface: the analytics API (export commands and job queries) and the routes.

Visma Connect's token endpoint is ``connect.py``, the pre-signed file links ``files.py``, the
sandbox's own admin API ``admin.py``. Nothing here logs a token, a secret or a signed link.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from visma_hrm.sandbox import admin
from visma_hrm.sandbox.clock import format_ticks, parse_ticks
from visma_hrm.sandbox.connect import token
from visma_hrm.sandbox.files import FileEndpoint
from visma_hrm.sandbox.replies import (
    apply_faults,
    bad_request,
    forbidden,
    not_found,
    unauthorized,
)
from visma_hrm.sandbox.spec import BY_PATH, DatasetSpec
from visma_hrm.sandbox.state import SandboxState
from visma_hrm.sandbox.world import output_columns

__all__ = ["SandboxState", "build_app"]


@dataclass(frozen=True)
class Caller:
    tenant_id: str
    scopes: frozenset[str]


def authenticate(state: SandboxState, request: Request) -> Caller | Response:
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("bearer "):
        return unauthorized("Missing bearer token.")
    try:
        claims = jwt.decode(
            auth[7:].strip(),
            state.key,
            algorithms=["HS256"],
            # pyjwt compares exp in whole seconds; the sandbox checks it to the millisecond
            options={"require": ["exp", "tenant_id", "scope", "client_id"], "verify_exp": False},
        )
    except jwt.PyJWTError:
        return unauthorized("The access token is not valid.")
    if not isinstance(claims["exp"], int | float) or claims["exp"] <= time.time():
        return unauthorized("The access token expired.")
    tenant_id = claims["tenant_id"]
    if tenant_id not in state.world.tenants or claims["client_id"] != state.config.client_id:
        return unauthorized("The access token is not valid.")
    return Caller(tenant_id, frozenset(str(claims["scope"]).split()))


def check_access(state: SandboxState, caller: Caller, spec: DatasetSpec) -> Response | None:
    if spec.scope not in caller.scopes:
        return forbidden(f"The token lacks the scope {spec.scope}.")
    if spec.name not in state.world.tenants[caller.tenant_id].approvals:
        return forbidden("The customer did not approve this dataset.")
    return None


def parse_fields(
    spec: DatasetSpec, raw: str | None, reject_unknown: bool
) -> tuple[bool, list[str]] | str | None:
    """``a,b`` includes, ``!a,b`` excludes; returns an error message for bad input.

    Excluding a column the dataset does not have is never an error (a real client excludes a
    fixed list whatever the customer's columns); including one is, only with ``reject_unknown``.
    """
    if raw is None or not raw.strip():
        return None
    include = not raw.startswith("!")
    names = [n.strip().lower() for n in raw.lstrip("!").split(",") if n.strip()]
    unknown = [n for n in names if n not in spec.columns]
    if unknown and include and reject_unknown:
        return f"Unknown field(s) for {spec.path}: {', '.join(unknown)}."
    return include, names


async def admit(
    state: SandboxState, request: Request, path: str, endpoint: str
) -> tuple[DatasetSpec, Caller] | Response:
    """What every API call passes, in order: a known export, a valid token, the injected
    faults (which know the tenant from the token), then scope and approval."""
    spec = BY_PATH.get(path)
    if spec is None:
        return not_found("Unknown export.")
    caller = authenticate(state, request)
    if isinstance(caller, Response):
        return caller
    if state.faults.token_revoked():
        return unauthorized("The access token was revoked.")
    refused = await apply_faults(state, endpoint, caller.tenant_id)
    if refused is not None:
        return refused
    denied = check_access(state, caller, spec)
    return denied if denied is not None else (spec, caller)


async def command(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    admitted = await admit(state, request, request.path_params["path"], "command")
    if isinstance(admitted, Response):
        return admitted
    spec, caller = admitted
    after_raw = request.query_params.get("changeTimestampAfter")
    try:
        after = parse_ticks(after_raw) if after_raw else None
    except ValueError:
        return bad_request(f"changeTimestampAfter is not a date-time: {after_raw!r}.")
    fields = parse_fields(
        spec, request.query_params.get("fields"), state.config.unknown_fields == "reject"
    )
    if isinstance(fields, str):
        return bad_request(fields)
    callback = None
    body = await request.body()
    if body.strip():
        try:
            payload = json.loads(body)
        except ValueError:
            return bad_request("The body is not JSON.")
        if isinstance(payload, dict) and isinstance(payload.get("callbackAddress"), str):
            callback = payload["callbackAddress"]
    faults = state.faults.faults
    fate = "normal"
    if spec.name in faults.stuck_datasets:
        fate = "stuck"
    elif spec.name in faults.failed_datasets:
        fate = "failed"
    job = state.jobs.create(
        caller.tenant_id,
        spec,
        after=after,
        columns=output_columns(spec, faults, fields),
        fate=fate,
        failed_status=faults.failed_status,
        malformed=spec.name in faults.malformed_datasets,
        callback=callback,
    )
    late = state.faults.late_answer()
    if late > 0:
        await asyncio.sleep(late)  # the job runs; the client may have given up on the answer
    return JSONResponse({"jobId": job.id})


async def query(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    path, _, job_id = request.path_params["path"].rpartition("/")
    admitted = await admit(state, request, path, "query")
    if isinstance(admitted, Response):
        return admitted
    spec, caller = admitted
    job = state.jobs.get(job_id)
    if job is None or job.tenant_id != caller.tenant_id or job.spec is not spec:
        return not_found("No such job.")
    job.queries += 1
    status = state.jobs.status(job, state.config.job_duration_s)
    body: dict[str, Any] = {"status": status, "changeTimestampBefore": None, spec.uris_field: None}
    if status == "Completed":
        body["changeTimestampBefore"] = format_ticks(job.ts)
        body[spec.uris_field] = state.links(job)
        return JSONResponse(body)
    if status == "InProgress":
        return JSONResponse(body, status_code=state.config.in_progress_status)
    return JSONResponse(body)


def build_app(state: SandboxState) -> Starlette:
    routes: list[Route] = [
        Route("/connect/token", token, methods=["POST"]),
        Route("/v1/command/{path:path}", command, methods=["POST"]),
        Route("/v1/query/{path:path}", query, methods=["GET"]),
        Route("/files/{job_id}/{name}", FileEndpoint(state), methods=["GET"]),
        Route("/sandbox/clock/advance", admin.advance, methods=["POST"]),
        Route("/sandbox/clock", admin.clock, methods=["GET"]),
        Route("/sandbox/faults", admin.faults, methods=["GET", "PUT"]),
        Route("/sandbox/tenants", admin.tenants, methods=["GET"]),
        Route("/sandbox/tenants/{tenant_id}/approvals", admin.approvals, methods=["PUT"]),
        Route("/sandbox/truth/{tenant_id}/{dataset}", admin.truth, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = state
    return app

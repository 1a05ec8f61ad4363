"""The HTTP surface: Visma Connect's token endpoint, the analytics API, pre-signed file links,
and the sandbox's own admin API under ``/sandbox/``.

Only the admin API is not Visma's; it needs no authentication (the sandbox listens on
loopback by default). Nothing here logs a token, a secret or a signed link.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import anyio
import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from visma_hrm.sandbox.clock import format_ticks, parse_ticks
from visma_hrm.sandbox.config import TOKEN_ERROR_SHAPES, FaultConfig, SandboxConfig
from visma_hrm.sandbox.faults import FaultState, Refusal
from visma_hrm.sandbox.jobs import Job, JobStore
from visma_hrm.sandbox.spec import BY_PATH, CONTACT_SCOPE, DATASETS, KNOWN_SCOPES, DatasetSpec
from visma_hrm.sandbox.world import World, output_columns

log = logging.getLogger("visma_hrm.sandbox")
CHUNK = 64 * 1024


class SandboxState:
    """Everything the endpoints share: settings, world, faults and jobs."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.world = World(config)
        self.faults = FaultState(config.faults)
        self.jobs = JobStore(self.world)
        self.key = config.signing_key
        self.base_url = ""  # set by the server once the port is known

    def close(self) -> None:
        self.jobs.close()

    # ------------------------------------------------------------------ links
    def sign(self, job_id: str, index: int, exp: str) -> str:
        msg = f"{job_id}/{index}/{exp}".encode()
        return hmac.new(self.key, msg, hashlib.sha256).hexdigest()[:40]

    def links(self, job: Job) -> list[str]:
        """Fresh pre-signed links: every query of a completed job signs them anew."""
        exp = _expiry(self.config.link_ttl_s)
        return [
            f"{self.base_url}/files/{job.id}/{n}.csv?exp={exp}&sig={self.sign(job.id, n, exp)}"
            for n in range(len(job.files))
        ]


_EXPIRY = re.compile(r"\d{1,12}\.\d{3}")


def _expiry(lifetime_s: float, now: float | None = None) -> str:
    """Unix time ``lifetime_s`` from now, to the millisecond: whole seconds would make a
    1-second lifetime anything between 0 and 1 s."""
    return f"{(time.time() if now is None else now) + lifetime_s:.3f}"


def oauth_error(status: int, error: str, description: str) -> JSONResponse:
    body = {"error": error, "error_description": description}
    return JSONResponse(body, status_code=status)


def token_refusal(answer: tuple[int, str, str], **values: str | None) -> JSONResponse:
    """A token failure in the configured shape (``SandboxConfig.token_errors``).

    A shape without a description leaves ``error_description`` out, as IdentityServer does.
    """
    status, error, template = answer
    body = {"error": error}
    if template:
        body["error_description"] = template.format(**values)
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


# ---------------------------------------------------------------------------- token
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
        "exp": float(_expiry(lifetime, now)),
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


# ---------------------------------------------------------------------------- API
@dataclass(frozen=True)
class Caller:
    tenant_id: str
    scopes: frozenset[str]


def authenticate(state: SandboxState, request: Request) -> Caller | Response:
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("bearer "):
        return _unauthorized("Missing bearer token.")
    try:
        claims = jwt.decode(
            auth[7:].strip(),
            state.key,
            algorithms=["HS256"],
            # pyjwt compares exp in whole seconds; the sandbox checks it to the millisecond
            options={"require": ["exp", "tenant_id", "scope", "client_id"], "verify_exp": False},
        )
    except jwt.PyJWTError:
        return _unauthorized("The access token is not valid.")
    if not isinstance(claims["exp"], int | float) or claims["exp"] <= time.time():
        return _unauthorized("The access token expired.")
    tenant_id = claims["tenant_id"]
    if tenant_id not in state.world.tenants or claims["client_id"] != state.config.client_id:
        return _unauthorized("The access token is not valid.")
    return Caller(tenant_id, frozenset(str(claims["scope"]).split()))


def _unauthorized(message: str) -> Response:
    return JSONResponse(
        {"error": "invalid_token", "message": message},
        status_code=401,
        headers={
            "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{message}"'
        },
    )


def _forbidden(message: str) -> Response:
    return JSONResponse({"error": "insufficient_scope", "message": message}, status_code=403)


def _bad_request(message: str) -> Response:
    return JSONResponse({"error": "bad_request", "message": message}, status_code=400)


def _not_found(message: str = "Not found.") -> Response:
    return JSONResponse({"error": "not_found", "message": message}, status_code=404)


def check_access(state: SandboxState, caller: Caller, spec: DatasetSpec) -> Response | None:
    if spec.scope not in caller.scopes:
        return _forbidden(f"The token lacks the scope {spec.scope}.")
    if spec.name not in state.world.tenants[caller.tenant_id].approvals:
        return _forbidden("The customer did not approve this dataset.")
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
        return _not_found("Unknown export.")
    caller = authenticate(state, request)
    if isinstance(caller, Response):
        return caller
    if state.faults.token_revoked():
        return _unauthorized("The access token was revoked.")
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
        return _bad_request(f"changeTimestampAfter is not a date-time: {after_raw!r}.")
    fields = parse_fields(
        spec, request.query_params.get("fields"), state.config.unknown_fields == "reject"
    )
    if isinstance(fields, str):
        return _bad_request(fields)
    callback = None
    body = await request.body()
    if body.strip():
        try:
            payload = json.loads(body)
        except ValueError:
            return _bad_request("The body is not JSON.")
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
        return _not_found("No such job.")
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


# ---------------------------------------------------------------------------- files
def _blob_error(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<Error><Code>{code}</Code><Message>{message}\nRequestId:{uuid.uuid4()}\n"
        f"Time:{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}</Message></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")


class FileEndpoint:
    """Raw ASGI, so a fault can break a download off mid-body or cut it short."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._serve(scope, send)
        if response is not None:
            await response(scope, receive, send)

    async def _serve(self, scope: Scope, send: Send) -> Response | None:
        state = self.state
        request = Request(scope)
        job_id, name = scope["path_params"]["job_id"], scope["path_params"]["name"]
        exp_raw, sig = request.query_params.get("exp", ""), request.query_params.get("sig", "")
        index_raw = name.removesuffix(".csv")
        if not (_EXPIRY.fullmatch(exp_raw) and index_raw.isdigit()):
            return _blob_error(403, "AuthenticationFailed", "Signature fields not well formed.")
        index = int(index_raw)
        if not hmac.compare_digest(sig, state.sign(job_id, index, exp_raw)):
            return _blob_error(
                403,
                "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of "
                "Authorization header is formed correctly including the signature.",
            )
        if float(exp_raw) <= time.time():
            return _blob_error(403, "AuthenticationFailed", "Signed expiry time has passed.")
        job = state.jobs.get(job_id)
        if job is None or index >= len(job.files) or not job.files[index].exists():
            return _blob_error(404, "BlobNotFound", "The specified blob does not exist.")
        refused = await apply_faults(state, "file", job.tenant_id)
        if refused is not None:
            return refused
        path = job.files[index]
        size = path.stat().st_size
        fault = state.faults.download_fault()
        send_bytes = size
        if fault == "truncate":
            send_bytes = _mid_row_cut(path, size)
        elif fault == "reset":
            send_bytes = size // 2
        headers = [
            (b"content-type", b"text/csv; charset=utf-8"),
            (b"content-length", str(size if fault == "reset" else send_bytes).encode()),
            (b"x-ms-blob-type", b"BlockBlob"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        remaining = send_bytes
        async with await anyio.open_file(path, "rb") as handle:
            while remaining > 0:
                chunk = await handle.read(min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if fault == "reset":
            return None  # the server then closes the connection: the body stays incomplete
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return None


def _mid_row_cut(path: Path, size: int) -> int:
    """A cut point near the middle that is not at a line end nor inside a UTF-8 character."""
    with path.open("rb") as handle:
        cut = max(1, size // 2)
        handle.seek(cut - 1)
        window = handle.read(64)
    for offset in range(len(window) - 1):
        before, at = window[offset], window[offset + 1]
        if before not in (0x0A, 0x0D) and at not in (0x0A, 0x0D) and not 0x80 <= at < 0xC0:
            return cut + offset
    return cut


# ---------------------------------------------------------------------------- admin
async def admin_advance(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    try:
        days = float((await _json(request)).get("days", 0))
        clock = await anyio.to_thread.run_sync(state.world.advance, days)
    except (TypeError, ValueError) as exc:
        return _bad_request(str(exc))
    return JSONResponse({"clock": clock})


async def admin_clock(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    return JSONResponse({"clock": state.world.clock_text()})


async def admin_faults(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if request.method == "PUT":
        try:
            state.faults.set(FaultConfig.from_json(await _json(request)))
        except (TypeError, ValueError) as exc:
            return _bad_request(str(exc))
    return JSONResponse(state.faults.faults.to_json())


async def admin_tenants(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    world = state.world
    tenants = [
        {
            "tenantId": t.tenant_id,
            "linked": True,
            "approvals": sorted(t.approvals),
            "persons": t.count,
        }
        for t in world.tenants.values()
    ]
    tenants += [
        {"tenantId": u, "linked": False, "approvals": [], "persons": 0} for u in world.unlinked
    ]
    return JSONResponse(
        {"clientId": state.config.client_id, "clock": world.clock_text(), "tenants": tenants}
    )


async def admin_approvals(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    tenant_id = request.path_params["tenant_id"]
    if tenant_id not in state.world.tenants:
        return _not_found("Unknown or unlinked tenant.")
    try:
        datasets = (await _json(request)).get("datasets", [])
        state.world.set_approvals(tenant_id, list(datasets))
    except (TypeError, ValueError) as exc:
        return _bad_request(str(exc))
    return JSONResponse(
        {"tenantId": tenant_id, "approvals": sorted(state.world.tenants[tenant_id].approvals)}
    )


async def admin_truth(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    tenant_id, dataset = request.path_params["tenant_id"], request.path_params["dataset"]
    if tenant_id not in state.world.tenants or dataset not in DATASETS:
        return _not_found("Unknown tenant or dataset.")
    columns, rows = await anyio.to_thread.run_sync(
        state.world.truth, tenant_id, dataset, state.faults.faults
    )
    return JSONResponse({"columns": columns, "rows": [[r[c] for c in columns] for r in rows]})


async def _json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    payload = json.loads(body)
    if not isinstance(payload, dict):
        raise ValueError("expected a JSON object")
    return payload


def build_app(state: SandboxState) -> Starlette:
    routes: list[Route] = [
        Route("/connect/token", token, methods=["POST"]),
        Route("/v1/command/{path:path}", command, methods=["POST"]),
        Route("/v1/query/{path:path}", query, methods=["GET"]),
        Route("/files/{job_id}/{name}", FileEndpoint(state), methods=["GET"]),
        Route("/sandbox/clock/advance", admin_advance, methods=["POST"]),
        Route("/sandbox/clock", admin_clock, methods=["GET"]),
        Route("/sandbox/faults", admin_faults, methods=["GET", "PUT"]),
        Route("/sandbox/tenants", admin_tenants, methods=["GET"]),
        Route("/sandbox/tenants/{tenant_id}/approvals", admin_approvals, methods=["PUT"]),
        Route("/sandbox/truth/{tenant_id}/{dataset}", admin_truth, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = state
    return app

"""Pre-signed file links: the export files, served as cloud storage serves blobs.

Raw ASGI, so that a fault can break a download off mid-body or cut it short; errors come in
the storage service's XML shape, not the API's JSON.
"""

from __future__ import annotations

import hmac
import time
import uuid
from pathlib import Path

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from visma_hrm.sandbox.replies import apply_faults
from visma_hrm.sandbox.state import EXPIRY, SandboxState

CHUNK = 64 * 1024


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
        if not (EXPIRY.fullmatch(exp_raw) and index_raw.isdigit()):
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

"""One httpx client, a concurrency limit per host, and the retry policy around every call.

Every request of the package goes through ``Http``: the per-host semaphore is what keeps a
sync of fifty tenants from opening hundreds of connections to one storage host, and the
retry policy is applied in exactly one place. Sleeping between retries happens *outside* the
semaphore, so a waiting call never blocks a slot another call could use.

Token requests have a lane of their own (``lane="token"``): an API call's auth flow
(``bearer.py``) asks a fresh token while holding that call's slot, and if token requests
queued for the same slots, four calls refreshing at once on a host that also serves tokens
(the sandbox does) would wait for each other forever. Visma Connect is another host than the
API, so in production each host still sees at most ``max_connections_per_host`` requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import httpx

from visma_hrm.client.retry import Context, RetryPolicy
from visma_hrm.client.settings import ClientSettings
from visma_hrm.redact import redact_url

log = logging.getLogger("visma_hrm.client")

_CHUNK = 1 << 16

Lane = Literal["api", "token"]
"""Which per-host slots a request takes: API calls and downloads, or token requests."""


class RedactRequestUrls(logging.Filter):
    """httpx logs every request URL at INFO; a pre-signed link's query string is a credential.

    Installed on the ``httpx`` logger when this module is imported, so that turning on INFO
    logging to debug a sync never writes a working link to a log file.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_url(str(a)) if isinstance(a, httpx.URL) else a for a in record.args
            )
        return True


if not any(isinstance(f, RedactRequestUrls) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(RedactRequestUrls())


class Http:
    """The package's HTTP layer; owns the ``httpx.AsyncClient``."""

    def __init__(
        self,
        settings: ClientSettings,
        policy: RetryPolicy,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.policy = policy
        timeout = httpx.Timeout(
            connect=settings.connect_timeout_s,
            read=settings.read_timeout_s,
            write=settings.read_timeout_s,
            pool=None,  # the per-host semaphore already bounds waiting for a connection
        )
        self.client = httpx.AsyncClient(
            transport=transport,
            timeout=timeout,
            verify=settings.verify_tls,
            headers={"User-Agent": settings.user_agent},
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
            follow_redirects=False,
        )
        self._slots: dict[tuple[Lane, str], asyncio.Semaphore] = {}

    async def aclose(self) -> None:
        await self.client.aclose()

    def _slot(self, url: str, lane: Lane = "api") -> asyncio.Semaphore:
        parts = urlsplit(url)
        key = (lane, f"{parts.scheme}://{parts.hostname}:{parts.port}")
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = asyncio.Semaphore(self.settings.max_connections_per_host)
        return slot

    async def request(
        self,
        method: str,
        url: str,
        ctx: Context,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        lane: Lane = "api",
    ) -> httpx.Response:
        """Send a request (body fully read) under the retry policy.

        ``auth`` runs on every attempt: each retry carries the current token.
        """
        slot = self._slot(url, lane)

        async def once() -> httpx.Response:
            async with slot:
                return await self.client.request(
                    method,
                    url,
                    headers=headers,
                    params=params,
                    data=data,
                    auth=httpx.USE_CLIENT_DEFAULT if auth is None else auth,
                )

        return await self.policy.call(once, ctx)

    async def download(self, url: str, dest: Path, ctx: Context) -> httpx.Response:
        """Stream ``url`` into ``dest`` (no Authorization header: links are pre-signed).

        The body goes to ``dest.part`` first and is renamed only when complete, so a file
        in the spool is always whole. A body shorter than its Content-Length counts as a
        connection reset and is retried from byte zero: the file is replaced, never appended
        to, so no row can be duplicated. Non-200 answers are returned (their body read).
        Redirects are followed here only: storage may hand a link on to another host, and we
        send no credentials that could follow it.
        """
        slot = self._slot(url)
        part = dest.with_name(dest.name + ".part")

        async def once() -> httpx.Response:
            async with slot, self.client.stream("GET", url, follow_redirects=True) as response:
                if response.status_code != 200:
                    await response.aread()
                    return response
                await _stream_to(response, part)
                return response

        try:
            response = await self.policy.call(once, ctx)
        except BaseException:
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
            raise
        if response.status_code == 200:
            part.replace(dest)
        return response


async def _stream_to(response: httpx.Response, part: Path) -> None:
    """Write the body to ``part``; raise ``RemoteProtocolError`` if it is shorter than announced.

    httpx (h11) already raises when the peer closes early; the byte count is checked again
    here because a proxy or a transport that does not enforce Content-Length would otherwise
    hand us a silently truncated file. The body is decoded (gzip) while written; the count
    compared is of the bytes on the wire, which is what Content-Length announces.
    """
    with part.open("wb") as out:
        async for chunk in response.aiter_bytes(_CHUNK):
            out.write(chunk)
    expected = response.headers.get("Content-Length")
    if expected is not None and expected.isdigit():
        got = response.num_bytes_downloaded
        if got != int(expected):
            raise httpx.RemoteProtocolError(
                f"body ended after {got} of {expected} bytes", request=response.request
            )

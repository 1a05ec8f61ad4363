"""The one place a token meets an API call: an ``httpx.Auth`` flow per (tenant, dataset scope).

httpx's documented place for "authenticate, and on a 401 do something and send again" is a
custom ``httpx.Auth`` whose flow yields the request and receives the response. ``TenantBearer``
is that flow: it puts the tenant's cached token on the request; when the API answers 401 (the
token expired early, or was revoked), it forgets that token, asks a fresh one and sends the
request once more. A second 401 is returned to the caller, which says what it means there.

Getting a token is I/O (``TokenProvider`` talks to Visma Connect through ``Http``), so only the
async flow is implemented: the client is async throughout. The flow runs inside an API call's
per-host slot; token requests take slots of their own (``Http`` lanes), so a refresh can never
wait for a slot held by the very call that is waiting for it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable, Generator

import httpx

from visma_hrm.client.auth import SCOPE_HINT, Token, TokenProvider

log = logging.getLogger("visma_hrm.client")

Refused = Callable[[str], Exception]
"""Builds the error raised when the tenant did not grant the scope, from the reason."""


class TenantBearer(httpx.Auth):
    """``Authorization: Bearer <token>`` for one tenant and scope, renewed once on a 401."""

    def __init__(self, tokens: TokenProvider, tenant_id: str, scope: str, refused: Refused) -> None:
        self._tokens = tokens
        self._tenant_id = tenant_id
        self._scope = scope
        self._refused = refused

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("TenantBearer gets tokens asynchronously: use httpx.AsyncClient")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._token()
        _authorize(request, token)
        response = yield request
        if response.status_code != 401:
            return
        log.info("%s %s: HTTP 401; asking a fresh token", request.method, request.url.path)
        self._tokens.invalidate(self._tenant_id, token)
        _authorize(request, await self._token())
        yield request

    async def _token(self) -> Token:
        """The tenant's token for the scope; raises ``refused(reason)`` when not granted."""
        token = await self._tokens.token(self._tenant_id, [self._scope])
        if token is None or self._scope not in token.granted:
            reason = self._tokens.refusal(self._tenant_id, self._scope) or SCOPE_HINT
            raise self._refused(reason)
        return token


def _authorize(request: httpx.Request, token: Token) -> None:
    request.headers["Authorization"] = f"Bearer {token.access_token}"

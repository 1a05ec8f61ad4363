"""Visma Connect tokens: one cached token per (application, tenant), refreshed ahead of expiry.

A token is asked with the client-credentials grant, the tenant id and the scopes of the
datasets wanted. Visma Connect has two ways to answer a scope the customer did not approve,
and both are handled:

* **reject**: the whole request fails with ``invalid_scope``; we then ask scope by scope to
  learn which ones are granted, and remember the refused ones with the reason;
* **narrow**: a token comes back whose ``scope`` (in the JSON answer, else in the JWT's
  ``scope`` claim, read without verifying the signature: we are not its audience) lists fewer
  scopes; the missing ones are refused.

What was learnt about a tenant's scopes is cached, so a sync of seven datasets costs one token
request per tenant, not seven.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import httpx
import jwt

from visma_hrm.client.answers import json_object
from visma_hrm.client.http import Http
from visma_hrm.client.retry import Context
from visma_hrm.client.settings import ClientSettings
from visma_hrm.errors import (
    AuthenticationError,
    ServerError,
    TenantNotLinkedError,
    TokenRefusedError,
)
from visma_hrm.redact import mask_secret, redact_text

log = logging.getLogger("visma_hrm.client")

_DEFAULT_LIFETIME_S = 3600.0

CREDENTIALS_HINT = (
    "check the client id on the Details tab and the secret on the Credentials tab of your "
    "application in the Visma Developer Portal"
)
TENANT_HINT = (
    "the customer has not accepted the invitation code in the Visma App Store (My Apps), "
    "or the tenant id belongs to another database"
)
SCOPE_HINT = (
    "the customer did not approve this dataset for your application in the Visma App Store "
    "(My Apps), or your application does not request it on the Integrations tab of the "
    "Developer Portal"
)


UNCLASSIFIED_HINT = (
    "the secret is not the one on the Credentials tab of your application in the Visma "
    "Developer Portal (or the client id not the one on its Details tab); the customer has not "
    "accepted the invitation code for this database in the Visma App Store (My Apps); a "
    "dataset your application requests is not approved by the customer (green under My Apps) "
    "or not requested on the Integrations tab"
)

TokenRefusalCause = Literal["credentials", "tenant", "scope", "unknown"]

_WORDS: tuple[tuple[str, TokenRefusalCause], ...] = (
    ("secret", "credentials"),
    ("scope", "scope"),
    ("tenant", "tenant"),
    ("client", "credentials"),
    ("grant", "tenant"),
)
"""Description words, most specific first: "secret" beats "client" ("invalid client secret"),
"scope" beats "tenant" ("scope not approved by tenant ..."), "tenant" beats "client" ("client
not linked to tenant ..."). "grant" names the grant itself, which carries the tenant id."""

_CODES: dict[str, TokenRefusalCause] = {
    "invalid_scope": "scope",
    "invalid_grant": "tenant",
    "invalid_client": "credentials",
    "unauthorized_client": "credentials",
}


def classify_token_refusal(code: str, description: str, tenant_id: str) -> TokenRefusalCause:
    """Which step of the manual a refused token request points at, from code and words.

    The description decides when it names a cause (it is more specific than the code: an
    ``invalid_request`` saying "unknown tenant" is about the tenant); else the OAuth2 code.
    The HTTP status decides nothing: public clients saw 401 where the spec says 400.
    """
    words = description.lower()
    if code == "unsupported_grant_type":
        return "unknown"  # our request's shape, not the user's setup
    if tenant_id and tenant_id.lower() in words:
        words = words.replace(tenant_id.lower(), " tenant ")
    for word, cause in _WORDS:
        if word in words:
            return cause
    return _CODES.get(code.lower(), "unknown")


@dataclass(frozen=True)
class Token:
    """An access token and what it is good for. ``refresh_at`` is on the monotonic clock."""

    access_token: str = field(repr=False)
    refresh_at: float
    requested: frozenset[str]
    granted: frozenset[str]


class _InvalidScope(Exception):
    """Internal: the token endpoint refused one of the requested scopes."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass
class _TenantState:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    token: Token | None = None
    granted: set[str] = field(default_factory=set)
    refused: dict[str, str] = field(default_factory=dict)


class TokenProvider:
    """Gets, caches and refreshes tokens; learns which scopes each tenant granted."""

    def __init__(
        self,
        http: Http,
        settings: ClientSettings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._settings = settings
        self._clock = clock
        self._tenants: dict[str, _TenantState] = {}

    def _state(self, tenant_id: str) -> _TenantState:
        state = self._tenants.get(tenant_id)
        if state is None:
            state = self._tenants[tenant_id] = _TenantState()
        return state

    def known(self, tenant_id: str, scope: str) -> bool | None:
        """True/False when the tenant's answer for ``scope`` is known, else None."""
        state = self._state(tenant_id)
        if scope in state.refused:
            return False
        return True if scope in state.granted else None

    def refusal(self, tenant_id: str, scope: str) -> str | None:
        """Why ``scope`` was refused for the tenant, if it was."""
        return self._state(tenant_id).refused.get(scope)

    def invalidate(self, tenant_id: str, token: Token) -> None:
        """Forget ``token`` (the API answered 401 with it: ``bearer.py``); a newer one is kept."""
        state = self._state(tenant_id)
        if state.token is token:
            state.token = None

    async def token(self, tenant_id: str, scopes: Iterable[str]) -> Token | None:
        """A valid token covering as many of ``scopes`` as the tenant granted.

        Returns None when none of them is granted; which ones were refused, and why, is then
        in ``refusal``. Whole-tenant problems raise (AuthenticationError, TenantNotLinkedError,
        UnreachableError, ServerError).
        """
        needed = frozenset(scopes)
        state = self._state(tenant_id)
        async with state.lock:
            askable = needed - state.refused.keys()
            current = state.token
            fresh = current is not None and self._clock() < current.refresh_at
            if current is not None and fresh and askable <= current.requested:
                return current
            if not askable:
                return None
            wanted = askable | state.granted
            token = await self._obtain(tenant_id, frozenset(wanted), state)
            state.token = token
            return token

    async def _obtain(
        self, tenant_id: str, scopes: frozenset[str], state: _TenantState
    ) -> Token | None:
        try:
            token = await self._request(tenant_id, scopes)
        except _InvalidScope as exc:
            if len(scopes) == 1:
                state.refused[next(iter(scopes))] = _reason(exc.description)
                return None
            return await self._probe(tenant_id, scopes, state)
        self._learn(token, state)
        return token

    async def _probe(
        self, tenant_id: str, scopes: frozenset[str], state: _TenantState
    ) -> Token | None:
        """``reject`` behaviour: ask one scope at a time to learn which are granted."""
        log.info("token for tenant %s refused a scope; asking scope by scope", tenant_id)
        granted: set[str] = set()
        for scope in sorted(scopes):
            try:
                single = await self._request(tenant_id, frozenset({scope}))
            except _InvalidScope as exc:
                state.refused[scope] = _reason(exc.description)
                continue
            self._learn(single, state)
            granted |= single.granted
        if not granted:
            return None
        token = await self._request(tenant_id, frozenset(granted))
        self._learn(token, state)
        return token

    def _learn(self, token: Token, state: _TenantState) -> None:
        state.granted |= token.granted
        for scope in token.requested - token.granted:
            state.refused.setdefault(
                scope, f"Visma Connect issued a token without this scope: {SCOPE_HINT}."
            )

    async def _request(self, tenant_id: str, scopes: frozenset[str]) -> Token:
        settings = self._settings
        form = {
            "grant_type": "client_credentials",
            "client_id": settings.client_id,
            "client_secret": settings.client_secret.reveal(),
            "tenant_id": tenant_id,
            "scope": " ".join(sorted(scopes)),
        }
        ctx = Context(f"getting a token for tenant {tenant_id}", settings.token_url, tenant_id)
        started = self._clock()
        response = await self._http.request(
            "POST", settings.token_url, ctx, data=form, lane="token"
        )
        if response.status_code != 200:
            raise self._error(response, tenant_id)
        return self._parse(response, scopes, started, ctx)

    def _parse(
        self, response: httpx.Response, scopes: frozenset[str], started: float, ctx: Context
    ) -> Token:
        body = json_object(response) or {}
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise ServerError(
                f"{ctx.what}: Visma Connect answered 200 without an access token. "
                "Try again later; contact Visma support if it lasts.",
                tenant_id=ctx.tenant_id,
            )
        lifetime = _number(body.get("expires_in"), _DEFAULT_LIFETIME_S)
        margin = min(self._settings.token_refresh_margin_s, lifetime / 5)
        granted = _granted_scopes(body.get("scope"), access)
        return Token(
            access_token=access,
            refresh_at=started + lifetime - margin,
            requested=scopes,
            granted=scopes if granted is None else scopes & granted,
        )

    def _error(self, response: httpx.Response, tenant_id: str) -> Exception:
        """Map a refused token request to the error a person can act on.

        Visma Connect's error bodies are not documented, so the cause is read from the OAuth2
        ``error`` code *and* the words of ``error_description``, whatever the status (400 and
        401 alike): see ``classify_token_refusal``.
        """
        body = json_object(response) or {}
        code = self._scrub(str(body.get("error") or ""))[:100]
        description = self._scrub(str(body.get("error_description") or ""))
        detail = f" (Visma Connect: {code}{': ' + description if description else ''})"
        cause = classify_token_refusal(code, description, tenant_id)
        if cause == "scope":
            return _InvalidScope(description or code)
        if cause == "tenant":
            return TenantNotLinkedError(
                f"Tenant {tenant_id} is not linked to application {self._settings.client_id}: "
                f"{TENANT_HINT}.{detail}",
                tenant_id=tenant_id,
            )
        if cause == "credentials":
            return AuthenticationError(
                f"Visma Connect refused application {self._settings.client_id}: "
                f"{CREDENTIALS_HINT}.{detail}",
                tenant_id=tenant_id,
            )
        said = f"error {code or '(none)'}" + (f', "{description}"' if description else "")
        return TokenRefusedError(
            f"Visma Connect refused a token for tenant {tenant_id} (HTTP "
            f"{response.status_code}, {said}) without a cause visma-hrm recognises. Likely "
            f"causes: {UNCLASSIFIED_HINT}.",
            tenant_id=tenant_id,
            status=response.status_code,
            error=code,
            description=description,
        )

    def _scrub(self, text: str) -> str:
        """Server text goes into messages: make sure it cannot carry our secret or a token."""
        text = mask_secret(text, self._settings.client_secret.reveal(), "<redacted>")
        return redact_text(text)[:500]


def _reason(description: str) -> str:
    return f"Visma Connect refused the scope ({description}): {SCOPE_HINT}."


def _number(value: object, default: float) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def _granted_scopes(answered: object, access_token: str) -> frozenset[str] | None:
    """Scopes the token carries: the answer's ``scope``, else the JWT claim, else unknown."""
    scopes = _scope_set(answered)
    if scopes is not None:
        return scopes
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return _scope_set(claims.get("scope"))


def _scope_set(value: object) -> frozenset[str] | None:
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return frozenset(value)
    return None

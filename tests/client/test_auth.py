"""Token error mapping, scope probing and caching, against a small Visma Connect stand-in.

The stand-in (an httpx MockTransport) holds the decisions a real token endpoint makes: which
client and secret are valid, which tenants are linked, which scopes each tenant granted, and
how it answers an unapproved scope. The client's logic is what is under test; the end-to-end
versions of these tests run against the sandbox over HTTP (test_sandbox_e2e.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import parse_qs

import httpx
import jwt
import pytest

from visma_hrm.catalog import DATASETS
from visma_hrm.client import ClientSettings, VismaClient
from visma_hrm.errors import AuthenticationError, TenantNotLinkedError
from visma_hrm.redact import Secret

T = TypeVar("T")
SECRET = "s3cr3t-value-123"
TENANT = "8b0e7f5e-0000-4000-8000-000000000001"
ALL = [DATASETS[n] for n in ("employees", "contracts", "users", "cost_centers")]


@dataclass
class FakeConnect:
    granted: set[str]
    mode: str = "reject"  # or "narrow" / "narrow-jwt-only"
    lifetime: int = 3600
    linked: set[str] = field(default_factory=lambda: {TENANT})
    requests: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.requests.append(form)
        if form.get("client_id") != "isv_test" or form.get("client_secret") != SECRET:
            # Real servers sometimes echo what they got; the client must not pass it on.
            return self.error(401, "invalid_client", f"bad secret {form.get('client_secret')}")
        if form["tenant_id"] not in self.linked:
            return self.error(400, "invalid_grant", f"tenant {form['tenant_id']} is not linked")
        asked = set(form["scope"].split())
        if self.mode == "reject" and not asked <= self.granted:
            return self.error(400, "invalid_scope", "scope not approved")
        scopes = sorted(asked & self.granted)
        token = jwt.encode({"scope": scopes, "tid": form["tenant_id"]}, "k" * 32)
        body: dict[str, object] = {"access_token": token, "expires_in": self.lifetime}
        if self.mode == "narrow":
            body["scope"] = " ".join(scopes)
        return httpx.Response(200, json=body)

    @staticmethod
    def error(code: int, error: str, description: str) -> httpx.Response:
        return httpx.Response(code, json={"error": error, "error_description": description})


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def settings(secret: str = SECRET) -> ClientSettings:
    return ClientSettings(
        api_url="https://api.test",
        token_url="https://connect.test/connect/token",
        client_id="isv_test",
        client_secret=Secret(secret),
    )


def with_client(
    fake: FakeConnect,
    body: Callable[[VismaClient], Awaitable[T]],
    secret: str = SECRET,
    clock: Clock | None = None,
) -> T:
    async def go() -> T:
        transport = httpx.MockTransport(fake)
        async with VismaClient(settings(secret), transport, clock=clock) as client:
            return await body(client)

    return asyncio.run(go())


def scope(name: str) -> str:
    return DATASETS[name].scope


def test_wrong_secret_is_an_authentication_error_that_names_the_portal_tabs() -> None:
    fake = FakeConnect(granted=set())
    with pytest.raises(AuthenticationError) as info:
        with_client(fake, lambda c: c.approved_datasets(TENANT, ALL), secret="wrong-secret-xyz")
    message = str(info.value)
    assert "Details tab" in message and "Credentials tab" in message
    assert "wrong-secret-xyz" not in message


def test_unlinked_tenant_is_tenant_not_linked_with_the_app_store_hint() -> None:
    fake = FakeConnect(granted=set(), linked=set())
    with pytest.raises(TenantNotLinkedError, match="App Store") as info:
        with_client(fake, lambda c: c.approved_datasets(TENANT, ALL))
    assert info.value.tenant_id == TENANT


@pytest.mark.parametrize("mode", ["reject", "narrow", "narrow-jwt-only"])
def test_both_unapproved_scope_behaviours_report_which_datasets(mode: str) -> None:
    fake = FakeConnect(granted={scope("employees"), scope("users")}, mode=mode)

    async def twice(client: VismaClient) -> tuple[object, object]:
        first = await client.approved_datasets(TENANT, ALL)
        second = await client.approved_datasets(TENANT, ALL)
        return first, second

    first, second = with_client(fake, twice)
    assert first == second
    assert first.approved == ("employees", "users")  # type: ignore[attr-defined]
    refused = first.refused  # type: ignore[attr-defined]
    assert set(refused) == {"contracts", "cost_centers"}
    assert all("App Store" in reason for reason in refused.values())
    # reject: one refused request, then one probe per scope, then the granted token;
    # narrow: one request. Either way the second call is served from the cache.
    expected = 1 + 4 + 1 if mode == "reject" else 1
    assert len(fake.requests) == expected


def test_token_is_cached_and_refreshed_ahead_of_expiry() -> None:
    fake = FakeConnect(granted={scope("users")}, mode="narrow", lifetime=100)
    clock = Clock()

    async def body(client: VismaClient) -> list[int]:
        auth = client._auth
        counts = []
        for now in (0.0, 79.0, 81.0):  # margin = min(60, 100 / 5) = 20 s
            clock.now = now
            await auth.token(TENANT, [scope("users")])
            counts.append(len(fake.requests))
        return counts

    assert with_client(fake, body, clock=clock) == [1, 1, 2]
    assert fake.requests[0]["scope"] == scope("users")
    assert fake.requests[0]["grant_type"] == "client_credentials"

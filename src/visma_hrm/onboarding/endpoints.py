"""The two probes ``check`` makes before asking anything per tenant, and what their answers mean.

* the token endpoint gets one POST without any credentials: a healthy OAuth2 server answers
  4xx, so 5xx means an outage and a connection error means network, proxy or URL. Deciding
  this once, up front, keeps a closed port or an outage from costing every tenant the client's
  full retry patience, and tells "token endpoint unreachable" apart from "API unreachable"
  (the client reports both as ``UnreachableError``);
* the API gets one unauthenticated GET: any HTTP answer proves it is reachable. The client's
  approval probe may not touch the API at all (when Visma refuses unapproved scopes at the
  token endpoint), so without this an unreachable API would pass the check.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx

from visma_hrm.config import Settings
from visma_hrm.onboarding.diagnosis import EndpointState, Problem
from visma_hrm.redact import redact_text, redact_url

TokenState = tuple[EndpointState, int | None, str]


async def probe_endpoints(settings: Settings, timeout_s: float) -> tuple[TokenState, EndpointState]:
    """Both probes side by side, on one short-lived HTTP client."""
    async with httpx.AsyncClient(timeout=timeout_s, verify=settings.verify_tls) as http:
        token, api = await asyncio.gather(
            probe_token_endpoint(http, settings.token_url),
            probe_api(http, settings.api_url),
        )
    return token, api


async def probe_token_endpoint(
    http: httpx.AsyncClient, url: str, *, attempts: int = 3, pause_s: float = 0.5
) -> TokenState:
    """POST a token request *without* credentials and judge the endpoint by its answer.

    A healthy OAuth2 token endpoint refuses it with a 4xx and a JSON ``error``: that is OK.
    5xx (after a few short retries, so a blip is not called an outage) is an outage; any other
    answer (404, an HTML page, a redirect) means the URL is not a token endpoint. No client id
    or secret is sent, so this can neither lock an application nor leak a secret.
    """
    for attempt in range(attempts):
        try:
            response = await http.post(url, data={"grant_type": "client_credentials"})
        except httpx.HTTPError as exc:
            return EndpointState.UNREACHABLE, None, _describe(exc)
        status = response.status_code
        if status < 500:
            break
        if attempt + 1 < attempts:
            await asyncio.sleep(pause_s)
    if status >= 500:
        return EndpointState.OUTAGE, status, f"HTTP {status}"
    if status == 429 or (400 <= status < 500 and _oauth_error(response)):
        return EndpointState.OK, status, ""
    return EndpointState.NOT_TOKEN_ENDPOINT, status, f"HTTP {status}"


def _oauth_error(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), str)


async def probe_api(http: httpx.AsyncClient, url: str) -> EndpointState:
    """Any HTTP answer from the API's base URL proves it is reachable; no token is sent."""
    try:
        await http.get(url)
    except httpx.HTTPError:
        return EndpointState.UNREACHABLE
    return EndpointState.OK


def endpoint_problems(settings: Settings, token: TokenState, api: EndpointState) -> list[Problem]:
    state, status, detail = token
    problems = []
    if state is EndpointState.UNREACHABLE:
        values = {"url": redact_url(settings.token_url)}
        problems.append(Problem("token_endpoint_unreachable", "third_party", values=values))
    elif state is EndpointState.OUTAGE:
        values = {"url": redact_url(settings.token_url), "status": str(status)}
        problems.append(Problem("token_endpoint_outage", "visma", values=values))
    elif state is EndpointState.NOT_TOKEN_ENDPOINT:
        values = {"url": redact_url(settings.token_url), "status": str(status)}
        problems.append(Problem("token_endpoint_wrong", "third_party", values=values))
    if api is EndpointState.UNREACHABLE:
        values = {"url": redact_url(settings.api_url)}
        problems.append(Problem("api_unreachable", "third_party", values=values))
    return [replace(p, detail=detail) if p.code.startswith("token") else p for p in problems]


def _describe(exc: httpx.HTTPError) -> str:
    return redact_text(f"{type(exc).__name__}: {exc}") if str(exc) else type(exc).__name__

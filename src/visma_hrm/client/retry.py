"""The retry policy, in one place: which answers to try again, and how long to wait.

* **429** honours ``Retry-After`` (seconds or an HTTP date; never earlier, up to 10% later);
  without it, exponential backoff with full jitter. 429s do not count against
  ``max_retries``: a rate-limited export is not a broken one, so the bound is time
  (``rate_limit_patience_s``), after which ``RateLimitedError``.
* **5xx** and **connection errors** (connect, read reset, protocol errors such as a short
  body, timeouts) are retried up to ``max_retries`` with the same backoff, then end in
  ``ServerError`` / ``UnreachableError``.
* Everything else is returned to the caller, which knows what a 401 or 403 means where it is
  (a 401 at the API is renewed once by ``bearer.TenantBearer`` before it gets here).

Why each call may be repeated, also after the request may have reached the server (a read
timeout, a reset, a 5xx):

* ``POST`` token request: creates nothing; a repeat at worst issues a second token.
* ``GET /v1/query/...`` and file downloads: read-only; a download restarts from byte zero and
  replaces its ``.part`` file, so no row is written twice.
* ``POST /v1/command/...``: a repeat after a lost answer **may start a second export job**.
  That is accepted, not avoided, because a duplicate job is harmless to the data: each job is
  a complete export of its own ``changeTimestampAfter`` window, we read only the job whose id
  we received, and the cursor we store is that job's own ``changeTimestampBefore``. The lost
  job costs API quota and server work (a full export also counts against the rate limit,
  which 429 patience absorbs); its id is never known, its result never read, and it expires
  on Visma's side. Refusing to repeat would not save the job either: the dataset would fail
  for the night and the next run would start a new job anyway, a day late.
  ``tests/client/test_retry_safety.py`` proves this over HTTP with a job the sandbox started
  while its answer never arrived.

Full jitter (a random delay between 0 and the capped exponential) follows the AWS
architecture note also used by stripe-python's client: many tenants retrying in lock-step
after one outage would otherwise hit the API in waves. Sleeping, the random source and the
wall clock are injectable, so tests prove the policy without waiting for it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx

from visma_hrm.errors import RateLimitedError, ServerError, UnreachableError
from visma_hrm.redact import redact_text, redact_url

log = logging.getLogger("visma_hrm.client")

Sleep = Callable[[float], Awaitable[None]]

# Errors where no byte reached the server, or the server cannot be found at all.
_UNREACHABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError)
# Errors after the connection was made: a reset, a short body, a stalled read.
_RETRYABLE = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, *_UNREACHABLE)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


@dataclass
class Context:
    """What a call is about, for messages and logs (no secrets: URLs are redacted here)."""

    what: str
    url: str
    tenant_id: str | None = None
    dataset: str | None = None

    @property
    def where(self) -> str:
        return redact_url(self.url)


@dataclass
class RetryPolicy:
    """Backoff and retry decisions; ``call`` runs one HTTP operation under them."""

    max_retries: int = 8
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    rate_limit_patience_s: float = 600.0
    sleep: Sleep = field(default=asyncio.sleep)
    rng: Callable[[], float] = field(default=random.random)
    wall_clock: Callable[[], float] = field(default=time.time)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]; attempt counts from 0."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * (2.0 ** min(attempt, 32)))
        return self.rng() * ceiling

    async def call(
        self, operation: Callable[[], Awaitable[httpx.Response]], ctx: Context
    ) -> httpx.Response:
        """Run ``operation`` until it gives an answer worth returning, or raise a typed error.

        ``operation`` must be safe to repeat: every call of the package is, for the reasons in
        this module's docstring (a repeated export command may leave an unread job behind).
        """
        failures = 0
        rate_limited = 0
        waited_on_429 = 0.0
        while True:
            try:
                response = await operation()
            except _RETRYABLE as exc:
                failures += 1
                self._give_up_on_transport(exc, failures, ctx)
                delay = self.backoff(failures - 1)
                log.warning(
                    "%s: %s at %s; retry %d/%d in %.1fs",
                    ctx.what,
                    type(exc).__name__,
                    ctx.where,
                    failures,
                    self.max_retries,
                    delay,
                )
                await self.sleep(delay)
                continue
            except httpx.HTTPError as exc:  # a bad URL, unsupported scheme: retrying won't help
                raise self._unreachable(exc, 1, ctx) from None
            if response.status_code == 429:
                delay = self._rate_limit_delay(response, rate_limited, waited_on_429, ctx)
                rate_limited += 1
                waited_on_429 += delay
                log.info("%s: 429 at %s; waiting %.1fs", ctx.what, ctx.where, delay)
                await self.sleep(delay)
                continue
            if response.status_code >= 500:
                failures += 1
                if failures > self.max_retries:
                    raise self._server_error(response.status_code, failures, ctx)
                delay = self._server_delay(response, failures - 1)
                log.warning(
                    "%s: HTTP %d at %s; retry %d/%d in %.1fs",
                    ctx.what,
                    response.status_code,
                    ctx.where,
                    failures,
                    self.max_retries,
                    delay,
                )
                await self.sleep(delay)
                continue
            return response

    # ------------------------------------------------------------------ decisions and errors
    def _rate_limit_delay(
        self, response: httpx.Response, attempt: int, waited: float, ctx: Context
    ) -> float:
        hinted = parse_retry_after(response.headers.get("Retry-After"), self.wall_clock())
        # Never earlier than asked; up to 10% later, so that the tenants and datasets told
        # the same Retry-After do not all come back in the same instant.
        delay = self.backoff(attempt) if hinted is None else hinted * (1 + 0.1 * self.rng())
        if waited + delay > self.rate_limit_patience_s:
            raise RateLimitedError(
                f"{ctx.what}: the API kept answering 429 Too Many Requests "
                f"({attempt + 1} times, {waited:.0f}s waited; it asked for {delay:.0f}s more, "
                f"beyond the patience of {self.rate_limit_patience_s:.0f}s). Full exports are "
                "rate limited: run fewer tenants or datasets at once, sync less often, or raise "
                "rate_limit_patience_s.",
                tenant_id=ctx.tenant_id,
                dataset=ctx.dataset,
            )
        return delay

    def _server_delay(self, response: httpx.Response, attempt: int) -> float:
        hinted = parse_retry_after(response.headers.get("Retry-After"), self.wall_clock())
        if hinted is not None:
            return min(hinted, self.backoff_max_s)
        return self.backoff(attempt)

    def _give_up_on_transport(self, exc: httpx.HTTPError, failures: int, ctx: Context) -> None:
        if failures <= self.max_retries:
            return
        if isinstance(exc, _UNREACHABLE):
            raise self._unreachable(exc, failures, ctx) from None
        raise ServerError(
            f"{ctx.what}: the connection to {ctx.where} broke {failures} times in a row "
            f"({type(exc).__name__}: {redact_text(str(exc))}). The service or the network "
            "in between is unstable; try again later.",
            tenant_id=ctx.tenant_id,
            dataset=ctx.dataset,
        )

    def _unreachable(self, exc: httpx.HTTPError, attempts: int, ctx: Context) -> UnreachableError:
        return UnreachableError(
            f"{ctx.what}: could not reach {ctx.where} after {attempts} attempt(s) "
            f"({type(exc).__name__}: {redact_text(str(exc))}). Check the URL in your settings, "
            "your network, proxy and firewall, and whether the service is up.",
            tenant_id=ctx.tenant_id,
            dataset=ctx.dataset,
        )

    def _server_error(self, status: int, failures: int, ctx: Context) -> ServerError:
        return ServerError(
            f"{ctx.what}: {ctx.where} answered HTTP {status} {failures} times in a row. "
            "Visma's service is down or overloaded; try again later, and contact Visma support "
            "if it lasts.",
            tenant_id=ctx.tenant_id,
            dataset=ctx.dataset,
        )

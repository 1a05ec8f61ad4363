"""The retry policy: what is retried, how long it waits, and when it gives up (typed)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from visma_hrm.client.retry import Context, RetryPolicy, parse_retry_after
from visma_hrm.errors import RateLimitedError, ServerError, UnreachableError

URL = "https://api.example/v1/query/x/1?sig=SECRETSIG"


class Recorder:
    """Sleeps recorded instead of slept, so a test proves minutes of backoff in no time."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


def policy(sleep: Recorder, **kw: float) -> RetryPolicy:
    return RetryPolicy(sleep=sleep, rng=lambda: 1.0, wall_clock=lambda: 1_000_000.0, **kw)  # type: ignore[arg-type]


def run(p: RetryPolicy, answers: list[Callable[[httpx.Request], httpx.Response]]) -> httpx.Response:
    """Serve ``answers`` in turn through httpx's MockTransport and run the policy over them."""
    calls = iter(answers)

    async def go() -> httpx.Response:
        transport = httpx.MockTransport(lambda request: next(calls)(request))
        async with httpx.AsyncClient(transport=transport) as client:
            return await p.call(lambda: client.get(URL), Context("testing", URL))

    return asyncio.run(go())


def status(code: int, **headers: str) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(code, headers=headers)


def raises(exc: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)

    return answer


def test_retry_after_seconds_and_http_date() -> None:
    now = 1_000_000.0
    assert parse_retry_after("7", now) == 7.0
    when = format_datetime(datetime.fromtimestamp(now + 42, UTC), usegmt=True)
    assert parse_retry_after(when, now) == pytest.approx(42.0)
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_backoff_is_full_jitter_capped() -> None:
    p = RetryPolicy(backoff_base_s=0.5, backoff_max_s=30.0, rng=lambda: 1.0)
    assert [p.backoff(n) for n in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    p.rng = lambda: 0.25
    assert p.backoff(3) == 1.0


def test_429_honours_retry_after_and_does_not_use_up_retries() -> None:
    sleep = Recorder()
    p = policy(sleep, max_retries=1)
    answers = [status(429, **{"Retry-After": "3"})] * 5 + [status(200)]
    assert run(p, answers).status_code == 200
    assert sleep.slept == pytest.approx([3.3] * 5)  # rng() = 1.0: the full 10% on top


def test_429_without_header_backs_off_then_gives_up_at_patience() -> None:
    sleep = Recorder()
    p = policy(sleep, backoff_base_s=1, backoff_max_s=8, rate_limit_patience_s=20)
    with pytest.raises(RateLimitedError, match="patience of 20s") as info:
        run(p, [status(429)] * 50)
    assert sleep.slept == [1, 2, 4, 8]  # the next 8s would pass 20s of patience
    assert "SECRETSIG" not in str(info.value)


def test_5xx_retried_up_to_max_then_server_error_without_link_secret() -> None:
    sleep = Recorder()
    p = policy(sleep, max_retries=3, backoff_base_s=1)
    with pytest.raises(ServerError, match="HTTP 503 4 times") as info:
        run(p, [status(503)] * 10)
    assert sleep.slept == [1, 2, 4]
    assert "SECRETSIG" not in str(info.value)


def test_transient_5xx_and_resets_recover() -> None:
    sleep = Recorder()
    answers = [status(502), raises(httpx.ReadError), raises(httpx.RemoteProtocolError)]
    assert run(policy(sleep), [*answers, status(200)]).status_code == 200
    assert len(sleep.slept) == 3


def test_connect_errors_end_in_unreachable() -> None:
    with pytest.raises(UnreachableError, match=r"could not reach https://api\.example"):
        run(policy(Recorder(), max_retries=2), [raises(httpx.ConnectError)] * 3)


def test_resets_that_never_stop_end_in_server_error() -> None:
    with pytest.raises(ServerError, match="broke 3 times"):
        run(policy(Recorder(), max_retries=2), [raises(httpx.ReadError)] * 3)


def test_client_errors_are_returned_to_the_caller_untouched() -> None:
    sleep = Recorder()
    assert run(policy(sleep), [status(404)]).status_code == 404
    assert sleep.slept == []

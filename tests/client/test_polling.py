"""Polling: starts fast, grows to a cap, ends at the time limit (on a fake clock, no waiting).

The API stand-in below always answers InProgress (or a given status sequence); what is under
test is the client's schedule of polls and where it stops, which no real server can make
deterministic.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from visma_hrm.catalog import get_dataset
from visma_hrm.client import ClientSettings, VismaClient
from visma_hrm.errors import JobFailedError, JobTimedOutError
from visma_hrm.redact import Secret


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def api(statuses: list[tuple[int, dict[str, object]]]) -> httpx.MockTransport:
    answers = iter(statuses)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/connect/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 10**6})
        if request.url.path.startswith("/v1/command/"):
            return httpx.Response(200, json={"jobId": "job-1"})
        code, body = next(answers, (202, {"status": "InProgress"}))
        return httpx.Response(code, json=body)

    return httpx.MockTransport(handle)


def run_export(transport: httpx.MockTransport, time: FakeTime, tmp_path: Path) -> object:
    settings = ClientSettings(
        api_url="https://api.test",
        token_url="https://api.test/connect/token",
        client_id="isv_t",
        client_secret=Secret("x"),
        poll_initial_s=0.2,
        poll_factor=2,
        poll_max_s=1.0,
        job_timeout_s=4.0,
    )

    async def go() -> object:
        async with VismaClient(settings, transport, sleep=time.sleep, clock=time.clock) as c:
            return await c.export("tenant", get_dataset("users"), spool_dir=tmp_path)

    return asyncio.run(go())


def test_polls_start_sub_second_grow_to_the_cap_and_stop_at_the_limit(tmp_path: Path) -> None:
    time = FakeTime()
    with pytest.raises(JobTimedOutError, match="job-1") as info:
        run_export(api([]), time, tmp_path)
    # 0.2 + 0.4 + 0.8 + 1.0 = 2.4; then 1.0 (3.4); the last sleep is cut to land on 4.0
    assert time.slept == [0.2, 0.4, 0.8, 1.0, 1.0, 0.6]
    assert time.now == pytest.approx(4.0)
    assert "job_timeout_s" in str(info.value)


def test_200_in_progress_then_completed_without_files_is_an_empty_export(tmp_path: Path) -> None:
    time = FakeTime()
    statuses: list[tuple[int, dict[str, object]]] = [
        (200, {"status": "InProgress"}),
        (200, {"status": "Completed", "changeTimestampBefore": "2026-01-01T00:00:00.1234567Z"}),
    ]
    export = run_export(api(statuses), time, tmp_path)
    assert export.files == [] and export.bytes == 0  # type: ignore[attr-defined]
    assert export.change_timestamp_before == "2026-01-01T00:00:00.1234567Z"  # type: ignore[attr-defined]


@pytest.mark.parametrize("status", ["Failed", "Cancelled", "completed-ish"])
def test_any_status_but_in_progress_or_completed_is_a_failed_job(
    tmp_path: Path, status: str
) -> None:
    with pytest.raises(JobFailedError, match=status):
        run_export(api([(200, {"status": status})]), FakeTime(), tmp_path)

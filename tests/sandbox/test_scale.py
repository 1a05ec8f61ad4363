"""Scale: a 1,000,000-row contracts export streams; the sandbox's memory does not grow with it.

The sandbox runs in a child process so that its RSS is its own: in the test process it would
include whatever earlier tests left behind (dlt, pyarrow, DuckDB).

Measured on the 2-core build machine (405,000 persons -> about 1,000,600 rows, 11 files,
614 MiB): job 55 s (47 s CPU to generate and write), download 3.4 s, peak RSS 70 MB.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import threading
import time

import httpx
import psutil
import pytest

from tests.support.sandbox_api import PATHS, start_job, wait_job

PERSONS = 405_000  # about 2.47 contract rows per person
ROWS_PER_FILE = 100_000
LIMIT = 500 * 1024 * 1024

CHILD = f"""
import json, sys
from visma_hrm.sandbox import SandboxConfig, start_sandbox
config = SandboxConfig(
    tenants=1, employees={PERSONS}, rows_per_file={ROWS_PER_FILE}, job_duration_s=0
)
with start_sandbox(config) as sb:
    info = dict(
        base_url=sb.base_url, token_url=sb.token_url, client_id=sb.client_id,
        client_secret=sb.client_secret, tenant_id=sb.tenant_ids[0],
    )
    print(json.dumps(info), flush=True)
    sys.stdin.read()  # runs until the test closes our stdin
"""


class PeakRss:
    """Samples a process's RSS every 50 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            try:
                self.peak = max(self.peak, self.proc.memory_info().rss)
            except psutil.NoSuchProcess:
                return

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


class _Remote:
    """Enough of the Sandbox handle for the conftest helpers."""

    def __init__(self, info: dict[str, str]) -> None:
        self.api_url = info["base_url"]


def _download(uri: str) -> tuple[int, int, list[str], list[str]]:
    """Stream one file: (bytes, rows, header, last row), never holding it in memory."""
    rows = size = 0
    head = tail = b""
    with httpx.stream("GET", uri, timeout=120) as response:
        assert response.status_code == 200
        length = int(response.headers["content-length"])
        for chunk in response.iter_bytes():
            if len(head) < 8192:
                head += chunk[:8192]
            size += len(chunk)
            rows += chunk.count(b"\n")  # contract values hold no line breaks
            tail = (tail + chunk)[-8192:]
    assert size == length
    header = next(csv.reader(io.StringIO(head.decode("utf-8", "ignore"))))
    last = list(csv.reader(io.StringIO(tail.decode("utf-8", "ignore"))))[-1]
    return size, rows - 1, header, last


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_million_row_contracts_export_streams_under_500_mb() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        info = json.loads(child.stdout.readline())
        rss = PeakRss(child.pid)
        form = {
            "grant_type": "client_credentials",
            "client_id": info["client_id"],
            "client_secret": info["client_secret"],
            "tenant_id": info["tenant_id"],
        }
        token = httpx.post(info["token_url"], data=form).json()["access_token"]
        remote = _Remote(info)
        job_id = start_job(remote, token, "contracts").json()["jobId"]
        answer = wait_job(remote, token, "contracts", job_id, timeout=800).json()
        uris = answer[PATHS["contracts"][1]]
        started = time.monotonic()
        rows = size = 0
        for n, uri in enumerate(uris):
            file_size, file_rows, header, last = _download(uri)
            assert len(last) == len(header), f"file {n} ends with a broken row"
            rows += file_rows
            size += file_size
        download_s = time.monotonic() - started
        peak = rss.stop()
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=60)
    assert rows >= 1_000_000
    assert len(uris) == -(-rows // ROWS_PER_FILE)
    assert peak < LIMIT, f"peak RSS {peak / 2**20:.0f} MB"
    assert peak < size / 4, "memory grew with the export"
    print(
        f"{rows} rows, {size / 2**20:.0f} MiB, peak RSS {peak / 2**20:.0f} MiB, "
        f"download {download_s:.1f}s"
    )

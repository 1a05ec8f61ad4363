"""Scale: a 1,000,000-row contracts export streams; the sandbox's memory does not grow with it.

The sandbox runs in this process, so this process's RSS is the sandbox's (plus pytest's).
Measured by hand on the 2-core build machine (405,000 persons -> about 1,000,600 rows, 11
files, 614 MiB): job 55 s (47 s CPU to generate and write), download 3.4 s, peak RSS 70 MB.
"""

from __future__ import annotations

import csv
import io
import threading
import time

import httpx
import psutil
import pytest

from tests.sandbox.conftest import PATHS, get_token, start_job, wait_job
from visma_hrm.sandbox import SandboxConfig, start_sandbox

PERSONS = 405_000  # about 2.47 contract rows per person
ROWS_PER_FILE = 100_000
LIMIT = 500 * 1024 * 1024


class PeakRss:
    """Samples this process's RSS every 50 ms in a thread."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_big_contracts_export_streams_under_500_mb() -> None:
    config = SandboxConfig(
        tenants=1, employees=PERSONS, rows_per_file=ROWS_PER_FILE, job_duration_s=0
    )
    with PeakRss() as rss, start_sandbox(config) as sb:
        token = get_token(sb, sb.tenant_ids[0])
        job_id = start_job(sb, token, "contracts").json()["jobId"]
        answer = wait_job(sb, token, "contracts", job_id, timeout=500).json()
        uris = answer[PATHS["contracts"][1]]
        token = get_token(sb, sb.tenant_ids[0])
        rows = size = 0
        header: list[str] = []
        started = time.monotonic()
        for n, uri in enumerate(uris):
            tail = b""
            with httpx.stream("GET", uri, timeout=120) as response:
                assert response.status_code == 200
                length = int(response.headers["content-length"])
                got = 0
                for chunk in response.iter_bytes():
                    if not header:
                        header = next(csv.reader(io.StringIO(chunk.decode("utf-8", "ignore"))))
                    got += len(chunk)
                    rows += chunk.count(b"\n")  # contract values hold no line breaks
                    tail = (tail + chunk)[-4096:]
            assert got == length
            size += got
            rows -= 1  # the header of each file
            last = list(csv.reader(io.StringIO(tail.decode("utf-8", "ignore"))))[-1]
            assert len(last) == len(header), f"file {n} ends with a broken row"
        download_s = time.monotonic() - started
    assert rows >= 1_000_000
    assert len(uris) == -(-rows // ROWS_PER_FILE)
    assert rss.peak < LIMIT, f"peak RSS {rss.peak / 2**20:.0f} MB"
    # far below the export's size: nothing held the export in memory
    assert rss.peak < size / 2
    print(
        f"{rows} rows, {size / 2**20:.0f} MB, peak RSS {rss.peak / 2**20:.0f} MB, "
        f"download {download_s:.1f}s"
    )

"""Reading an export holds one block and one batch in memory, not the export."""

from __future__ import annotations

import gc
from pathlib import Path

import psutil
import pyarrow as pa
import pytest

from tests.client.typed import TYPED
from visma_hrm.client import RejectedRow, read_export


@pytest.mark.slow
def test_memory_is_bounded_by_the_batch_not_the_export(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    block = "".join(
        f"id-{i},2024-01-{i % 28 + 1:02d},2024-03-01T08:15:{i % 60:02d}.1234567Z,{i},"
        f"{i}.125,{'true' if i % 2 else 'nee'},some unknown text {i}\r\n"
        for i in range(10_000)
    ).encode()
    header = b"id,day,at,n,amount,flag,note\r\n"
    with path.open("wb") as out:
        out.write(header)
        while out.tell() < 150 * 1024 * 1024:
            out.write(block)
    size = path.stat().st_size
    gc.collect()
    process = psutil.Process()
    baseline = process.memory_info().rss
    peak, arrow_peak, rows = baseline, 0, 0
    rejected: list[RejectedRow] = []
    for batch in read_export(TYPED, [path], on_rejected=rejected.append, batch_rows=8192):
        assert batch.num_rows <= 8192
        rows += batch.num_rows
        peak = max(peak, process.memory_info().rss)
        arrow_peak = max(arrow_peak, pa.total_allocated_bytes())
    assert rejected == []
    assert rows == (size - len(header)) // len(block) * 10_000
    # Arrow memory in use stays at the reader's read-ahead (a few dozen 1 MiB blocks) plus
    # one gathered batch; a reader holding the export would need several times the file.
    assert arrow_peak < 80 * 2**20, f"Arrow held {arrow_peak / 2**20:.0f} MiB"
    grown = peak - baseline
    assert grown < size, f"reading grew the process by {grown / 2**20:.0f} MiB"

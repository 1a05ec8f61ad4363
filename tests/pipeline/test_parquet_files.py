"""The Parquet files a run hands DuckDB: written uncompressed, unless the user said otherwise.

dlt compresses its Parquet (snappy) for every destination; for DuckDB, which reads the files
from the same disk a moment later, that is CPU spent twice for nothing (the bench's full sync).
A ``data_writer`` setting the user made must still win.
"""

from __future__ import annotations

from pathlib import Path

import dlt
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from visma_hrm.config import Settings
from visma_hrm.load.dlt_internals import normalized_files
from visma_hrm.warehouse.base import Warehouse


def _compressions(tmp_path: Path) -> set[str]:
    settings = Settings(duckdb_path=tmp_path / "hr.duckdb", pipelines_dir=tmp_path / "work")
    with Warehouse.of(settings).run("parquet_files", ["t1"]) as session:
        pipeline = session.pipeline
        table = pa.table({"employeeid": [str(i) for i in range(2_000)], "hours": [36.0] * 2_000})
        pipeline.extract(dlt.resource([table], name="employees"))
        pipeline.normalize()
        files = [f for fs in normalized_files(pipeline).values() for f in fs]
        assert files
        return {
            pq.ParquetFile(f).metadata.row_group(0).column(0).compression
            for f in files
            if f.endswith(".parquet")
        }


def test_a_duckdb_run_writes_its_parquet_uncompressed(tmp_path: Path) -> None:
    assert _compressions(tmp_path) == {"UNCOMPRESSED"}


def test_the_users_data_writer_setting_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_WRITER__COMPRESSION", "zstd")
    assert _compressions(tmp_path) == {"ZSTD"}

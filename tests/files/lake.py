"""Reading a filesystem destination back the way Power BI or Fabric would: Delta tables, files.

Nothing here goes through visma-hrm or dlt: the Delta tables are read with ``deltalake`` and
the plain bookkeeping files with ``pyarrow`` (``tests.support.tables``), so the tests judge the
files a reader sees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support import tables
from tests.support.truth import destination_problems
from visma_hrm.catalog import DATASETS, TENANT_COLUMN

DATASET_NAME = "visma_hrm"


def table_dir(lake: Path, table: str) -> Path:
    return lake / DATASET_NAME / table


def delta_rows(lake: Path, table: str) -> list[dict[str, Any]]:
    """Every current row of a Delta table ([] when it was never written)."""
    return tables.delta_rows(table_dir(lake, table))


def parquet_rows(lake: Path, table: str) -> list[dict[str, Any]]:
    """Every row of a table stored as plain Parquet files."""
    return tables.parquet_rows(table_dir(lake, table))


def problems(sb: Any, lake: Path, *, deleted_may_linger: bool = False) -> list[str]:
    """Differences between every Delta table and the sandbox's truth, per tenant and column."""
    return destination_problems(
        sb, lambda name: delta_rows(lake, name), deleted_may_linger=deleted_may_linger
    )


def assert_lake_equals_truth(sb: Any, lake: Path, *, deleted_may_linger: bool = False) -> None:
    found = problems(sb, lake, deleted_may_linger=deleted_may_linger)
    assert not found, "\n".join(found[:30])


def row_counts(lake: Path) -> dict[tuple[str, str], int]:
    """Rows per (tenant, dataset) in the Delta tables."""
    counts: dict[tuple[str, str], int] = {}
    for name in DATASETS:
        for row in delta_rows(lake, name):
            key = (row[TENANT_COLUMN], name)
            counts[key] = counts.get(key, 0) + 1
    return counts

"""Reading a filesystem destination back the way Power BI or Fabric would: Delta tables, files.

Nothing here goes through visma-hrm or dlt: the Delta tables are read with ``deltalake`` and
the plain bookkeeping files with ``pyarrow``, so the tests judge the files a reader sees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.dataset as pads
from deltalake import DeltaTable

from tests.support.truth import differences
from visma_hrm.catalog import DATASETS, TENANT_COLUMN

DATASET_NAME = "visma_hrm"


def table_dir(lake: Path, table: str) -> Path:
    return lake / DATASET_NAME / table


def delta_rows(lake: Path, table: str) -> list[dict[str, Any]]:
    """Every current row of a Delta table ([] when it was never written)."""
    location = table_dir(lake, table)
    if not DeltaTable.is_deltatable(str(location)):
        return []
    return list(DeltaTable(str(location)).to_pyarrow_table().to_pylist())


def parquet_rows(lake: Path, table: str) -> list[dict[str, Any]]:
    """Every row of a table stored as plain Parquet files."""
    location = table_dir(lake, table)
    if not location.exists():
        return []
    return list(pads.dataset(str(location), format="parquet").to_table().to_pylist())


def problems(sb: Any, lake: Path, *, deleted_may_linger: bool = False) -> list[str]:
    """Differences between every Delta table and the sandbox's truth, per tenant and column."""
    found: list[str] = []
    for name in DATASETS:
        loaded = delta_rows(lake, name)
        tenants = {r[TENANT_COLUMN] for r in loaded}
        assert tenants <= set(sb.tenant_ids), f"{name}: rows of unknown tenants {tenants}"
        for tenant in sb.tenant_ids:
            diff = differences(
                sb.truth(tenant, name),
                loaded,
                name,
                tenant,
                deleted_may_linger=deleted_may_linger,
            )
            found += [f"{tenant[:8]} {name}: {p}" for p in diff]
    return found


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

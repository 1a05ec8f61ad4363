"""Reading a destination back, independently of what the code under test reports.

DuckDB files are opened read-only (a test never writes its own rows); any dlt destination is
read through dlt's SQL client of the settings' pipeline; PostgreSQL through psycopg2; Delta
tables with ``deltalake`` and plain Parquet with ``pyarrow``, the way Power BI or Fabric would.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.dataset as pads
from deltalake import DeltaTable

from visma_hrm.config import Settings
from visma_hrm.warehouse.base import Warehouse


def make_pipeline(settings: Settings) -> Any:
    """A dlt pipeline that reads the destination the settings point at (its own folder)."""
    return Warehouse.of(settings).inspect()


def fetch_rows(settings: Settings, dataset: str) -> list[dict[str, Any]]:
    """Every row of one table of the destination the settings point at (any dlt destination)."""
    pipeline = make_pipeline(settings)
    with pipeline.sql_client() as client:
        name = client.make_qualified_table_name(dataset)
        with client.execute_query(f"SELECT * FROM {name}") as cursor:
            columns = [d[0] for d in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def duckdb_query(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """The rows of one query on a DuckDB file."""
    with duckdb.connect(str(path)) as db:
        return list(db.execute(sql, params or []).fetchall())


def duckdb_rows(path: Path, schema: str, table: str) -> list[dict[str, Any]]:
    """Every row and column of one table of a DuckDB file; [] when the table does not exist."""
    with duckdb.connect(str(path), read_only=True) as con:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
            "AND table_name = ?",
            [schema, table],
        ).fetchone()
        if not exists or not exists[0]:
            return []
        cursor = con.execute(f'SELECT * FROM "{schema}"."{table}"')
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def canonical_rows(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Rows as sorted JSON texts, every column: equal lists mean equal tables, order aside."""
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)


def postgres_rows(conn: Any, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The rows of one query on an open psycopg2 connection."""
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def delta_rows(table_dir: Path) -> list[dict[str, Any]]:
    """Every current row of the Delta table in ``table_dir`` ([] when it was never written)."""
    if not DeltaTable.is_deltatable(str(table_dir)):
        return []
    return list(DeltaTable(str(table_dir)).to_pyarrow_table().to_pylist())


def parquet_rows(table_dir: Path) -> list[dict[str, Any]]:
    """Every row of a table stored as plain Parquet files in ``table_dir``."""
    if not table_dir.exists():
        return []
    return list(pads.dataset(str(table_dir), format="parquet").to_table().to_pylist())

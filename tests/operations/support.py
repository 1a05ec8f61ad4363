"""What the operations tests share: a destination of each kind, its every row read back
independently of visma-hrm, and a scan of its raw bytes.

The readers here go around the code under test: every base table of every schema of a DuckDB
file or a PostgreSQL database (found in the catalogue, whatever the connector thinks it
wrote), every Delta table and every Parquet file of a folder; and the byte scan reads every
file as it lies on disk, plus the decoded values of every Parquet file (compressed pages hide
text from a plain scan).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
from deltalake import DeltaTable

from tests.support.settings import sandbox_settings
from visma_hrm.config import Settings
from visma_hrm.redact import Secret
from visma_hrm.sandbox import Sandbox

DATASETS = ("employees", "contracts")
"""Two datasets keep the runs short; employees carry the names, e-mails and phones."""


@dataclass(frozen=True)
class Destination:
    """One destination of a test: its settings and how to read it back."""

    kind: str
    settings: Settings
    dsn: str = ""
    lake: Path | None = None

    def env(self, sb: Sandbox) -> dict[str, str]:
        """The ``VISMA_HRM_*`` environment of a command reading this destination."""
        values = {
            "VISMA_HRM_DESTINATION": self.settings.destination,
            "VISMA_HRM_DUCKDB_PATH": str(self.settings.duckdb_path),
            "VISMA_HRM_DATASET_NAME": self.settings.dataset_name,
            "VISMA_HRM_PIPELINES_DIR": str(self.settings.pipelines_dir),
            "VISMA_HRM_TENANTS": ",".join(self.settings.tenants),
            "VISMA_HRM_DATASETS": ",".join(self.settings.datasets),
        }
        if self.dsn:
            values["VISMA_HRM_DESTINATION_CREDENTIALS"] = self.dsn
        return values

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, by table (``schema.table`` on SQL)."""
        if self.kind == "duckdb":
            return _duckdb_rows(self.settings.duckdb_path)
        if self.kind == "postgres":
            return _postgres_rows(self.dsn, self.settings.dataset_name)
        assert self.lake is not None
        return lake_rows(self.lake)


def settings_for(sb: Sandbox, tmp_path: Path, kind: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {"datasets": DATASETS, "pipeline_name": "visma_hrm", **extra}
    if kind == "postgres":
        values["destination"] = "postgres"
    if kind == "filesystem":
        values["destination"] = "filesystem"
    return sandbox_settings(sb, tmp_path, **values)


def with_credentials(settings: Settings, dsn: str) -> Settings:
    from dataclasses import replace

    return replace(settings, destination_credentials=Secret(dsn))


def _duckdb_rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_catalog = current_database()"
        ).fetchall()
        for schema, table in tables:
            cursor = con.execute(f'SELECT * FROM "{schema}"."{table}"')
            names = [d[0] for d in cursor.description]
            out[f"{schema}.{table}"] = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    return out


def _postgres_rows(dsn: str, schema: str) -> dict[str, list[dict[str, Any]]]:
    import psycopg2  # type: ignore[import-untyped]

    out: dict[str, list[dict[str, Any]]] = {}
    with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema LIKE %s",
            (schema + "%",),
        )
        for table_schema, table in cursor.fetchall():
            cursor.execute(f'SELECT * FROM "{table_schema}"."{table}"')
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
            out[f"{table_schema}.{table}"] = rows
    return out


def lake_rows(lake: Path) -> dict[str, list[dict[str, Any]]]:
    """Every current row of every Delta table, and every row of every other Parquet file."""
    out: dict[str, list[dict[str, Any]]] = {}
    for log in lake.rglob("_delta_log"):
        out[log.parent.name] = DeltaTable(str(log.parent)).to_pyarrow_table().to_pylist()
    for path in lake.rglob("*.parquet"):
        if not any((p / "_delta_log").exists() for p in path.parents) and "_delta_log" not in str(
            path
        ):
            out.setdefault(path.parent.name, []).extend(pq.read_table(path).to_pylist())
    return out


def holding(rows: dict[str, list[dict[str, Any]]], text: str) -> dict[str, int]:
    """Per table, the rows in which ``text`` appears in any value."""
    found = {
        table: sum(1 for row in table_rows if any(text in str(v) for v in row.values()))
        for table, table_rows in rows.items()
    }
    return {table: n for table, n in found.items() if n}


def scan(paths: Iterable[Path], values: Iterable[str]) -> set[str]:
    """The values found in the files under ``paths``: in their raw bytes, or among the decoded
    values of a Parquet file (its pages are compressed)."""
    wanted = {v for v in values if v}
    found: set[str] = set()
    for root in paths:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            blob = path.read_bytes()
            if path.name.endswith(".parquet"):
                blob += str(pq.read_table(path).to_pylist()).encode()
            found |= {v for v in wanted if v.encode() in blob}
    return found


def personal_values(rows: Iterable[dict[str, Any]]) -> set[str]:
    """Values that identify a person, long enough not to turn up by chance: names, e-mail
    addresses, phone numbers."""
    columns = ("formattedname", "homeemailaddress", "businessemailaddress", "mobilephonenumber")
    return {str(r[c]) for r in rows for c in columns if c in r and r[c] and len(str(r[c])) >= 8}


def days_ago(days: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days)

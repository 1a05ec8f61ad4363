"""The demo's own knowledge: which sandbox it runs, which file it may replace, what it counts.

``visma-hrm demo`` (``visma_hrm.cli.demo_cmd``) only prints; this module decides: a two-tenant
sandbox with a fixed seed, settings that never touch the user's real dlt state, a DuckDB file
replaced only when an earlier demo made it (a mark in a schema of its own says so), the rows per
table and tenant, the analytics views and the HR report on the demo data. Heavy libraries
(duckdb, the sandbox's web server, analytics) are imported inside the functions that use them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from visma_hrm.catalog import DATASETS, DELETED_COLUMN, REJECTED_ROWS_TABLE, SYNC_STATE_TABLE
from visma_hrm.config import Settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.messages import text
from visma_hrm.redact import Secret

if TYPE_CHECKING:
    import duckdb

    from visma_hrm.analytics.build import TenantSummary
    from visma_hrm.sandbox import Sandbox

DEMO_TENANTS = 2
DEMO_FILE = Path("visma_hrm_demo.duckdb")
DEMO_SEED = 7
DEMO_MARK_SCHEMA = "_visma_hrm_demo"
"""A schema apart from the data whose one table says: an earlier demo made this file."""


@contextmanager
def running_sandbox(employees: int) -> Iterator[Sandbox]:
    """The demo's sandbox: two tenants, a fixed seed, a free port; stopped on exit."""
    from visma_hrm.sandbox import SandboxConfig, start_sandbox

    config = SandboxConfig(tenants=DEMO_TENANTS, employees=employees, seed=DEMO_SEED)
    with start_sandbox(config) as sandbox:
        yield sandbox


def demo_settings(sb: Sandbox, path: Path, work: Path, lang: str = "en") -> Settings:
    """Settings for the in-process sandbox; a fresh dlt folder, never the user's real state."""
    return Settings(
        api_url=sb.api_url,
        token_url=sb.token_url,
        client_id=sb.client_id,
        client_secret=Secret(sb.client_secret),
        tenants=tuple(sb.tenant_ids),
        duckdb_path=path,
        pipelines_dir=work,
        pipeline_name="visma_hrm_demo",
        change_feed=True,
        history=("all",),
        lang=lang,
    )


def prepare_database(path: Path, force: bool, lang: str = "en") -> None:
    """Start from an empty, marked file; replace only a file an earlier demo made, unless
    ``force``."""
    for old in (path, path.with_name(path.name + ".wal")):
        if old.exists() and not old.is_file():
            raise ConfigurationError(text("demo.not_duckdb", lang, path=old))
    if path.exists() and not force and not made_by_demo(path):
        raise ConfigurationError(text("demo.not_ours", lang, path=path))
    for old in (path, path.with_name(path.name + ".wal")):
        old.unlink(missing_ok=True)
    _mark_as_demo(path)


def made_by_demo(path: Path) -> bool:
    import duckdb

    try:
        with duckdb.connect(str(path), read_only=True) as db:
            found = db.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = ?",
                [DEMO_MARK_SCHEMA],
            ).fetchone()
    except duckdb.Error:
        return False  # not a DuckDB file at all: certainly not ours
    return bool(found and found[0])


def _mark_as_demo(path: Path) -> None:
    """Create the file with a mark (in a schema of its own, apart from the data)."""
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as db:
        db.execute(f"CREATE SCHEMA IF NOT EXISTS {DEMO_MARK_SCHEMA}")
        db.execute(f"CREATE TABLE IF NOT EXISTS {DEMO_MARK_SCHEMA}.made_by (tool VARCHAR)")
        db.execute(f"INSERT INTO {DEMO_MARK_SCHEMA}.made_by VALUES ('visma-hrm demo')")


def schema_of(path: Path, settings: Settings) -> str:
    """The schema holding the demo's tables in ``path``."""
    from visma_hrm.warehouse.duckdb_file import duckdb_schema

    return duckdb_schema(path.expanduser().resolve(), settings.dataset_name)


@dataclass(frozen=True)
class TableCount:
    """Rows of one dataset table for one tenant: current and marked deleted."""

    table: str
    tenant: str
    current: int
    deleted: int


def table_counts(path: Path, schema: str) -> tuple[list[str], list[TableCount]]:
    """The dataset tables of ``schema`` and their rows per tenant."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as db:
        tables = _tables(db, schema)
        counts = [
            TableCount(name, str(tenant), int(current), int(deleted))
            for name in tables
            for tenant, current, deleted in db.execute(_count_query(schema, name)).fetchall()
        ]
    return tables, counts


def _tables(db: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """The dataset tables (not dlt's, the sync state, the change feed or other bookkeeping)."""
    rows = db.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
        "AND NOT starts_with(table_name, '_dlt') AND table_name <> ? ORDER BY 1",
        [schema, SYNC_STATE_TABLE],
    ).fetchall()
    return [str(r[0]) for r in rows if str(r[0]) in DATASETS]


def _count_query(schema: str, name: str) -> str:
    if name == REJECTED_ROWS_TABLE:
        return f'SELECT tenant_id, count(*), 0 FROM {schema}."{name}" GROUP BY 1 ORDER BY 1'
    return (
        f"SELECT tenant_id, count(*) FILTER (WHERE NOT {DELETED_COLUMN}), "
        f'count(*) FILTER (WHERE {DELETED_COLUMN}) FROM {schema}."{name}" '
        "GROUP BY 1 ORDER BY 1"
    )


@dataclass(frozen=True)
class DemoAnalytics:
    """The analytics views built on the demo file, and the last months per tenant."""

    as_of: dt.date | None
    views: list[str]
    tenants: list[TenantSummary]


def build_demo_analytics(path: Path, settings: Settings) -> DemoAnalytics:
    """Build the analytics views on the demo file, as ``visma-hrm analytics`` does without
    ``--as-of``: on the last date the data covers (the sandbox's clock, a year or more before
    today), so the months show real movement."""
    from visma_hrm.analytics.as_of import data_as_of
    from visma_hrm.analytics.build import build_analytics, summary

    as_of = data_as_of(path, schema_of(path, settings))
    views = build_analytics(path, settings.dataset_name, as_of=as_of)
    return DemoAnalytics(as_of, views, summary(path, months=3))


@dataclass(frozen=True)
class FieldSample:
    """A custom field as a column, for the demo to show: the employee fields' columns, and how
    many employees have each value of one list field on the as-of date."""

    columns: list[str]
    field: str
    column: str
    values: list[tuple[str, int]]


def custom_field_sample(path: Path, prefer: str = "Locatie") -> FieldSample | None:
    """The employee custom field columns and the values of ``prefer`` (else the first text
    field) in ``employee_custom_fields``; None when there are no text fields."""
    import duckdb

    from visma_hrm.analytics.build import DEFAULT_TARGET_SCHEMA as A

    with duckdb.connect(str(path), read_only=True) as db:
        fields = db.execute(
            f"SELECT fieldname, column_name, type FROM {A}.custom_field_columns "
            "WHERE level = 'employee' ORDER BY column_name"
        ).fetchall()
        text_fields = [(f, c) for f, c, kind in fields if kind == "text"]
        if not text_fields:
            return None
        field, column = next(((f, c) for f, c in text_fields if f == prefer), text_fields[0])
        values = db.execute(
            f'SELECT "{column}", count(*) FROM {A}.employee_custom_fields '
            f'WHERE "{column}" IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5'
        ).fetchall()
    return FieldSample([str(c) for _f, c, _k in fields], field, column, values)


def demo_report_path(path: Path, lang: str) -> Path:
    """Where the demo writes its report: next to the database file, one file per language
    (``visma_hrm_demo_report.html`` in English, ``visma_hrm_demo_report.nl.html`` in Dutch),
    so a Dutch run never overwrites the English report, nor the other way round."""
    suffix = "" if lang == "en" else f".{lang}"
    return path.with_name(f"{path.stem}_report{suffix}.html")


def write_demo_report(path: Path, settings: Settings) -> Path:
    """The HR report of the demo data in the demo's language, as of the data's last date."""
    from visma_hrm.analytics.as_of import data_as_of
    from visma_hrm.report import report

    out = demo_report_path(path, settings.lang)
    day = data_as_of(path, schema_of(path, settings))
    report(path, out, lang=settings.lang, schema=settings.dataset_name, as_of=day)
    return out

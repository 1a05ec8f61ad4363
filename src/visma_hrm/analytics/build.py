"""Create (or re-create) the analytics views, and read a short summary from them.

Works on a DuckDB connection or file, or on any DB-API connection to PostgreSQL (psycopg2,
as dlt uses). The views read the loaded tables live, so a sync needs no rebuild; rebuild to
move a fixed as-of date, or after a dataset appears for the first time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from visma_hrm.analytics.feed import FEED_TABLE
from visma_hrm.analytics.models import STAGED_COLUMNS, VIEWS, Context, quote
from visma_hrm.catalog.custom_fields import GENERATED_VIEWS, view_statements
from visma_hrm.errors import ConfigurationError
from visma_hrm.warehouse.duckdb_file import schema_in_catalog
from visma_hrm.warehouse.reading import is_duckdb_connection, run_query

DEFAULT_SOURCE_SCHEMA = "visma_hrm"
DEFAULT_TARGET_SCHEMA = "visma_hrm_analytics"
DEFAULT_HISTORY_MONTHS = 24

SpineStart = dt.date | Literal["earliest"] | None


@dataclass
class _Db:
    """One connection, DuckDB or DB-API, with the two calls the builder needs."""

    raw: Any
    duckdb: bool

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return run_query(self.raw, sql, params, duckdb=self.duckdb)

    def script(self, statements: Sequence[str]) -> None:
        """All statements in one transaction: readers never see half a set of views."""
        if self.duckdb:
            self.raw.execute("BEGIN TRANSACTION")
            try:
                for sql in statements:
                    self.raw.execute(sql)
            except Exception:
                self.raw.execute("ROLLBACK")
                raise
            self.raw.execute("COMMIT")
            return
        cursor = self.raw.cursor()
        try:
            for sql in statements:
                cursor.execute(sql)
            self.raw.commit()
        except Exception:
            self.raw.rollback()
            raise
        finally:
            cursor.close()

    def current_catalog(self) -> str:
        return str(self.query("SELECT current_database()")[0][0])


@contextmanager
def _connect(connection_or_path: Any, read_only: bool = False) -> Iterator[_Db]:
    if isinstance(connection_or_path, str | Path):
        import duckdb

        path = Path(connection_or_path)
        if not path.is_file():
            raise ConfigurationError(f"{path} does not exist: run `visma-hrm sync` first.")
        conn = duckdb.connect(str(path), read_only=read_only)
        try:
            yield _Db(conn, duckdb=True)
        finally:
            conn.close()
        return
    yield _Db(connection_or_path, duckdb=is_duckdb_connection(connection_or_path))


def _tables_in(db: _Db, schema: str) -> set[str]:
    if db.duckdb:
        sql = (
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = ? AND table_catalog = current_database()"
        )
    else:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
    return {str(r[0]) for r in db.query(sql, [schema])}


def resolve_source_schema(db: _Db, schema: str) -> tuple[str, set[str]]:
    """The schema holding the tables, and which of ours are there.

    A DuckDB file named like the dataset (``visma_hrm.duckdb``) gets its tables in ``main``
    (the rule of ``visma_hrm.warehouse.duckdb_file``): fall back to it then.
    """
    wanted = {*STAGED_COLUMNS, FEED_TABLE}
    found = _tables_in(db, schema) & wanted
    if not found and db.duckdb and schema_in_catalog(db.current_catalog(), schema) == "main":
        schema, found = "main", _tables_in(db, "main") & wanted
    if not {"employees", "contracts"} <= found:
        raise ConfigurationError(
            f"No employees and contracts tables in schema {schema!r}: run `visma-hrm sync` "
            "first, or pass the schema the data was loaded into (--schema)."
        )
    return schema, found


def _date_literal(value: dt.date) -> str:
    """A date object, never user text, becomes the literal: nothing to inject."""
    return f"DATE '{value.isoformat()}'"


def _spine_start(as_of: str, start: SpineStart, db: _Db, source: str) -> str:
    if isinstance(start, dt.date):
        return _date_literal(start)
    if start == "earliest":
        rows = db.query(
            f"SELECT min(startdate) FROM {quote(source)}.contracts "
            'WHERE NOT coalesce("_visma_deleted", FALSE)'
        )
        earliest = rows[0][0] if rows else None
        if isinstance(earliest, dt.date):
            return _date_literal(earliest)
    return f"CAST({as_of} AS DATE) - INTERVAL '{DEFAULT_HISTORY_MONTHS} months'"


def build_analytics(
    connection_or_path: Any,
    schema: str = DEFAULT_SOURCE_SCHEMA,
    target_schema: str = DEFAULT_TARGET_SCHEMA,
    *,
    as_of: dt.date | None = None,
    start: SpineStart = None,
) -> list[str]:
    """Create or replace every view in ``target_schema``; returns their names in order.

    ``as_of`` None means ``CURRENT_DATE`` at query time (views stay current by themselves);
    ``start`` None means 24 months before the as-of month, ``"earliest"`` the month of the
    earliest contract start.
    """
    with _connect(connection_or_path) as db:
        source, present = resolve_source_schema(db, schema)
        as_of_sql = _date_literal(as_of) if as_of else "CURRENT_DATE"
        ctx = Context(
            source=quote(source),
            target=quote(target_schema),
            as_of=as_of_sql,
            spine_start=_spine_start(as_of_sql, start, db, source),
            present=frozenset(present),
        )
        statements = [f"CREATE SCHEMA IF NOT EXISTS {ctx.target}"]
        statements += [f"DROP VIEW IF EXISTS {ctx.v(name)}" for name in GENERATED_VIEWS]
        statements += [f"DROP VIEW IF EXISTS {ctx.v(v.name)}" for v in reversed(VIEWS)]
        statements += [f"CREATE VIEW {ctx.v(v.name)} AS\n{v.render(ctx)}" for v in VIEWS]
        db.script(statements)
        db.script(view_statements(db.query, target_schema))  # a column per custom field
        return [v.name for v in VIEWS] + list(GENERATED_VIEWS)


@dataclass
class TenantSummary:
    tenant_id: str
    as_of: dt.date
    headcount: int
    fte: Decimal
    months: list[dict[str, Any]] = field(default_factory=list)
    """The last months: month, headcount, fte, inflow, rehires, outflow, transfers."""
    workforce: dict[str, float | None] = field(default_factory=dict)
    """On the as-of date: fixed_term_headcount_pct, fixed_term_fte_pct, service_years_avg,
    age_avg, span_avg (``workforce_monthly``, ``span_of_control_units_monthly``)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "as_of": self.as_of.isoformat(),
            "headcount": self.headcount,
            "fte": float(self.fte),
            "months": self.months,
            "workforce": self.workforce,
        }


def summary(
    connection_or_path: Any, target_schema: str = DEFAULT_TARGET_SCHEMA, months: int = 6
) -> list[TenantSummary]:
    """Headcount and FTE on the as-of date and the last ``months`` months of flows per tenant."""
    t = quote(target_schema)
    with _connect(connection_or_path) as db:
        rows = db.query(
            f"""SELECT h.tenant_id, h.month, h.reference_date, h.headcount, h.fte,
                       f.inflow, f.rehires, f.outflow, f.transfers
                FROM {t}.headcount_monthly_total h
                JOIN {t}.flows_monthly f ON f.tenant_id = h.tenant_id AND f.month = h.month
                ORDER BY h.tenant_id, h.month"""
        )
        workforce = db.query(_WORKFORCE.format(t=t))
    out: dict[str, TenantSummary] = {}
    for tenant, month, ref, headcount, fte, inflow, rehires, outflow, transfers in rows:
        entry = out.setdefault(str(tenant), TenantSummary(str(tenant), ref, 0, Decimal(0)))
        entry.as_of, entry.headcount, entry.fte = ref, int(headcount), Decimal(fte)
        entry.months.append(
            {
                "month": month.isoformat()[:7],
                "headcount": int(headcount),
                "fte": float(Decimal(fte)),
                "inflow": int(inflow),
                "rehires": int(rehires),
                "outflow": int(outflow),
                "transfers": int(transfers),
            }
        )
    for tenant, *numbers in workforce:
        if str(tenant) in out:
            values = (None if n is None else float(n) for n in numbers)
            out[str(tenant)].workforce = dict(zip(WORKFORCE_NUMBERS, values, strict=True))
    for entry in out.values():
        entry.months = entry.months[-months:]
        entry.fte = entry.fte.normalize()
    return list(out.values())


WORKFORCE_NUMBERS = (
    "fixed_term_headcount_pct",
    "fixed_term_fte_pct",
    "service_years_avg",
    "age_avg",
    "span_avg",
)
_WORKFORCE = """SELECT w.tenant_id, w.fixed_term_headcount_pct, w.fixed_term_fte_pct,
       w.service_years_avg, w.age_avg, s.span_avg
FROM {t}.workforce_monthly w
JOIN {t}.parameters p ON w.reference_date = p.as_of
LEFT JOIN {t}.span_of_control_units_monthly s
  ON s.scope = 'tenant' AND s.tenant_id = w.tenant_id AND s.month = w.month
WHERE w.scope = 'tenant'"""

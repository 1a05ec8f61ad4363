"""Reading the analytics views back per tenant, and what they should hold by the reference.

Syncing the sandbox into DuckDB is ``tests.support`` (settings, runs, tables).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.support import hr_reference as ref
from tests.support.tables import duckdb_query

SCHEMA = "visma_hrm_analytics"
UnitCounts = dict[tuple[dt.date, str | None], tuple[int, Decimal]]
Totals = dict[dt.date, tuple[int, Decimal]]


def truth(sb: Any, tenant: str) -> list[ref.Version]:
    return ref.versions(sb.truth(tenant, "employees"), sb.truth(tenant, "contracts"))


def view_persons(path: Path, tenant: str) -> set[frozenset[str]]:
    rows = duckdb_query(
        path, f"SELECT employeeids FROM {SCHEMA}.persons WHERE tenant_id = ?", [tenant]
    )
    return {frozenset(str(r[0]).split(",")) for r in rows}


def view_headcount(path: Path, tenant: str) -> UnitCounts:
    rows = duckdb_query(
        path,
        f"SELECT reference_date, orgunitid, headcount, fte FROM {SCHEMA}.headcount_monthly "
        "WHERE tenant_id = ?",
        [tenant],
    )
    return {(r[0], r[1]): (int(r[2]), Decimal(r[3])) for r in rows}


def view_totals(path: Path, tenant: str) -> dict[dt.date, tuple[int, Decimal]]:
    rows = duckdb_query(
        path,
        f"SELECT reference_date, headcount, fte FROM {SCHEMA}.headcount_monthly_total "
        "WHERE tenant_id = ?",
        [tenant],
    )
    return {r[0]: (int(r[1]), Decimal(r[2])) for r in rows}


def view_flows(path: Path, tenant: str) -> dict[dt.date, tuple[int, int, int, int]]:
    rows = duckdb_query(
        path,
        f"SELECT month, inflow, rehires, outflow, transfers FROM {SCHEMA}.flows_monthly "
        "WHERE tenant_id = ?",
        [tenant],
    )
    return {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}


def expected_headcount(versions: list[ref.Version], as_of: dt.date) -> tuple[UnitCounts, Totals]:
    per_unit: UnitCounts = {}
    totals: Totals = {}
    for _start, day in ref.month_spine(as_of):
        units, total = ref.headcount(versions, day)
        per_unit.update({(day, unit): value for unit, value in units.items()})
        totals[day] = total
    return per_unit, totals


def expected_persons(sb: Any, tenant: str) -> set[frozenset[str]]:
    keys = ref.person_keys(sb.truth(tenant, "employees"), sb.truth(tenant, "contracts"))
    groups: dict[str, set[str]] = {}
    for eid, key in keys.items():
        groups.setdefault(key, set()).add(eid)
    return {frozenset(g) for g in groups.values()}


def assert_views_match(
    path: Path, tenant: str, versions: list[ref.Version], as_of: dt.date
) -> None:
    """headcount per unit and month end, totals and flows equal the Python computation."""
    per_unit, totals = expected_headcount(versions, as_of)
    assert view_headcount(path, tenant) == per_unit
    assert view_totals(path, tenant) == totals
    assert view_flows(path, tenant) == ref.flows(versions, as_of)

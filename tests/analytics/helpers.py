"""Sandbox -> real sync -> DuckDB, and reading the analytics views back per tenant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from tests.analytics import reference as ref
from visma_hrm.config import Settings, load_settings
from visma_hrm.sync import SyncReport, SyncSettings, sync

SCHEMA = "visma_hrm_analytics"
UnitCounts = dict[tuple[dt.date, str | None], tuple[int, Decimal]]
Totals = dict[dt.date, tuple[int, Decimal]]


def settings_for(sb: Any, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_url": sb.api_url,
        "token_url": sb.token_url,
        "client_id": sb.client_id,
        "tenants": tuple(sb.tenant_ids),
        "duckdb_path": tmp_path / "hrm.duckdb",
        "pipelines_dir": tmp_path / "pipelines",
        "pipeline_name": "visma_hrm_analytics_test",
    }
    values.update(overrides)
    return load_settings(None, env={"VISMA_HRM_CLIENT_SECRET": sb.client_secret}, overrides=values)


def run_sync(settings: Settings, full_refresh: bool = False) -> SyncReport:
    report = sync(SyncSettings(settings, full_refresh=full_refresh))
    assert report.ok, [t for t in report.tables if t.status != "ok"]
    return report


def clock_date(sb: Any) -> dt.date:
    return dt.date.fromisoformat(str(sb.clock)[:10])


def truth(sb: Any, tenant: str) -> list[ref.Version]:
    return ref.versions(sb.truth(tenant, "employees"), sb.truth(tenant, "contracts"))


def query(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path)) as db:
        return list(db.execute(sql, params or []).fetchall())


def view_persons(path: Path, tenant: str) -> set[frozenset[str]]:
    rows = query(path, f"SELECT employeeids FROM {SCHEMA}.persons WHERE tenant_id = ?", [tenant])
    return {frozenset(str(r[0]).split(",")) for r in rows}


def view_headcount(path: Path, tenant: str) -> UnitCounts:
    rows = query(
        path,
        f"SELECT reference_date, orgunitid, headcount, fte FROM {SCHEMA}.headcount_monthly "
        "WHERE tenant_id = ?",
        [tenant],
    )
    return {(r[0], r[1]): (int(r[2]), Decimal(r[3])) for r in rows}


def view_totals(path: Path, tenant: str) -> dict[dt.date, tuple[int, Decimal]]:
    rows = query(
        path,
        f"SELECT reference_date, headcount, fte FROM {SCHEMA}.headcount_monthly_total "
        "WHERE tenant_id = ?",
        [tenant],
    )
    return {r[0]: (int(r[1]), Decimal(r[2])) for r in rows}


def view_flows(path: Path, tenant: str) -> dict[dt.date, tuple[int, int, int, int]]:
    rows = query(
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

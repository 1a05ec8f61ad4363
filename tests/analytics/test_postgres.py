"""The same views on PostgreSQL: one SQL text serves both destinations."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import psycopg2  # type: ignore[import-untyped]
import pytest

from tests.analytics import helpers as h
from tests.support import hr_reference as ref
from tests.support.postgres_server import PostgresServer, use_as_dlt_destination
from tests.support.runs import run_sync
from tests.support.settings import clock_date, loaded_sandbox_settings
from tests.support.tables import postgres_rows
from visma_hrm.analytics import build_analytics, summary
from visma_hrm.sandbox import SandboxConfig, start_sandbox

pytestmark = pytest.mark.slow  # a sync into PostgreSQL and the views built there


@pytest.mark.postgres
def test_views_on_postgres_equal_the_python_computation(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = use_as_dlt_destination(postgres_server, monkeypatch, "hrm")
    target = f"{schema}_analytics"
    with start_sandbox(SandboxConfig(tenants=2, employees=40, seed=9)) as sb:
        settings = loaded_sandbox_settings(
            sb, tmp_path, destination="postgres", dataset_name=schema
        )
        run_sync(settings)
        as_of = clock_date(sb)
        truth = {t: h.truth(sb, t) for t in sb.tenant_ids}
        persons = {t: h.expected_persons(sb, t) for t in sb.tenant_ids}
    conn = psycopg2.connect(postgres_server.dsn("postgres"))
    try:
        views = build_analytics(conn, schema, target, as_of=as_of)
        assert "managers" in views
        build_analytics(conn, schema, target, as_of=as_of)  # a rebuild replaces, never fails
        for tenant, versions in truth.items():
            per_unit, totals = h.expected_headcount(versions, as_of)
            got_units = postgres_rows(
                conn,
                f"SELECT reference_date, orgunitid, headcount, fte FROM {target}.headcount_monthly "
                "WHERE tenant_id = %s",
                (tenant,),
            )
            assert {(r[0], r[1]): (int(r[2]), Decimal(r[3])) for r in got_units} == per_unit
            got_totals = postgres_rows(
                conn,
                f"SELECT reference_date, headcount, fte FROM {target}.headcount_monthly_total "
                "WHERE tenant_id = %s",
                (tenant,),
            )
            assert {r[0]: (int(r[1]), Decimal(r[2])) for r in got_totals} == totals
            got_flows = postgres_rows(
                conn,
                f"SELECT month, inflow, rehires, outflow, transfers FROM {target}.flows_monthly "
                "WHERE tenant_id = %s",
                (tenant,),
            )
            assert {r[0]: tuple(int(x) for x in r[1:]) for r in got_flows} == ref.flows(
                versions, as_of
            )
            got_persons = postgres_rows(
                conn, f"SELECT employeeids FROM {target}.persons WHERE tenant_id = %s", (tenant,)
            )
            assert {frozenset(str(r[0]).split(",")) for r in got_persons} == persons[tenant]
            levels = postgres_rows(
                conn,
                f"SELECT count(*) FROM {target}.org_units_current "
                "WHERE tenant_id = %s AND level IS NULL",
                (tenant,),
            )
            assert levels == [(0,)]
        by_tenant = {s.tenant_id: s for s in summary(conn, target)}
        for tenant, versions in truth.items():
            assert (by_tenant[tenant].headcount, by_tenant[tenant].fte) == ref.headcount(
                versions, as_of
            )[1]
            assert by_tenant[tenant].as_of == as_of
    finally:
        conn.close()

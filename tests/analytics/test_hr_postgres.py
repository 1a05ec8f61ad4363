"""The HR numbers and the custom fields on PostgreSQL, on two reference dates, against the
same Python computation as on DuckDB; the star model rebuilt on its analytics (PostgreSQL keeps
views that read others); and a field new at the source made a column by the next sync."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import psycopg2  # type: ignore[import-untyped]
import pytest

from tests.analytics import hr_checks
from tests.support.postgres_server import PostgresServer, use_as_dlt_destination
from tests.support.runs import run_sync
from tests.support.settings import clock_date, loaded_sandbox_settings
from visma_hrm.analytics import build_analytics
from visma_hrm.analytics.star import build_model
from visma_hrm.sandbox import SandboxConfig, start_sandbox

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_hr_numbers_custom_fields_and_a_new_field_on_postgres(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = use_as_dlt_destination(postgres_server, monkeypatch, "hrm")
    conn = psycopg2.connect(postgres_server.dsn("postgres"))
    conn.autocommit = True

    def q(sql: str) -> list[tuple[Any, ...]]:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    try:
        with start_sandbox(SandboxConfig(tenants=2, employees=60, seed=31)) as sb:
            settings = loaded_sandbox_settings(
                sb, tmp_path, destination="postgres", dataset_name=schema
            )
            run_sync(settings)
            as_of = clock_date(sb)
            truth = {
                t: {d: list(sb.truth(t, d)) for d in hr_checks.DATASETS} for t in sb.tenant_ids
            }
            earlier = (as_of.replace(day=1) - dt.timedelta(days=200)).replace(day=17)
            dates = {f"{schema}_now": as_of, f"{schema}_before": earlier}
            for target, day in dates.items():
                build_analytics(conn, schema, target, as_of=day)
                hr_checks.assert_workforce(q, target, truth, day)
                hr_checks.assert_custom_fields(q, target, truth, day)
            analytics, model = f"{schema}_now", f"{schema}_model"
            for _ in range(2):  # made again on its own analytics: PostgreSQL keeps the order
                build_model(conn, schema, analytics, model, as_of=as_of)
            fields = [f for lv, f in hr_checks.KINDS if lv == "employee"]
            hr_checks.assert_person_fields(q, model, truth, as_of, fields)

            tenant = sb.tenant_ids[0]
            sb.add_custom_field(tenant, "Aantal kinderen", ["2", "0", "1"], fieldtypeid="4")
            report = run_sync(settings)
            truth[tenant]["employee_udf_histories"] = list(
                sb.truth(tenant, "employee_udf_histories")
            )
        assert len([n for n in report.notes if "custom field views made again" in n]) == 2
        kinds = dict(q(f"SELECT fieldname, type FROM {analytics}.custom_field_columns"))
        assert kinds["Aantal kinderen"] == "number"
        values = q(
            f"SELECT employeeid, aantal_kinderen FROM {analytics}.employee_custom_fields "
            f"WHERE tenant_id = '{tenant}' AND aantal_kinderen IS NOT NULL ORDER BY 1"
        )
        assert sorted(int(v) for _e, v in values) == [0, 1, 2]
        # the model's dimensions read the analytics; the step left them standing
        assert q(f"SELECT count(*) FROM {model}.dim_person")[0][0] > 0
    finally:
        conn.close()

"""The report and the star model on PostgreSQL: the same figures as the Python computation,
through the CLI too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg2  # type: ignore[import-untyped]
import pytest
from typer.testing import CliRunner

from tests.report import reference
from tests.report.checks import DATASETS, assert_figures, assert_model, assert_workforce
from tests.support.postgres_server import PostgresServer, use_as_dlt_destination
from tests.support.runs import run_sync
from tests.support.settings import clock_date, loaded_sandbox_settings
from visma_hrm.analytics.star import build_model
from visma_hrm.cli import app
from visma_hrm.report import collect
from visma_hrm.report.data import month_add
from visma_hrm.sandbox import SandboxConfig, start_sandbox

pytestmark = pytest.mark.slow  # a sync into PostgreSQL and the report built there


@pytest.mark.postgres
def test_report_on_postgres_equals_the_python_computation(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = use_as_dlt_destination(postgres_server, monkeypatch, "hrm")
    with start_sandbox(SandboxConfig(tenants=2, employees=60, seed=4)) as sb:
        settings = loaded_sandbox_settings(
            sb, tmp_path, destination="postgres", dataset_name=schema
        )
        run_sync(settings)
        as_of = clock_date(sb)
        truth = {t: {d: list(sb.truth(t, d)) for d in DATASETS} for t in sb.tenant_ids}
    conn = psycopg2.connect(postgres_server.dsn("postgres"))
    try:
        data = collect(conn, schema=schema, report_schema=f"{schema}_report", as_of=as_of)
        start = month_add(as_of.replace(day=1), -12)
        build_model(conn, schema, f"{schema}_analytics", as_of=as_of, start=start)

        def q(sql: str) -> list[tuple[Any, ...]]:
            with conn.cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall())

        assert_model(q, truth, as_of, 12)
    finally:
        conn.close()
    assert_figures(data, reference.expected(truth, as_of))
    assert_workforce(data, truth)
    assert data.ending

    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--destination",
            "postgres",
            "--schema",
            schema,
            "-o",
            str(out),
            "--as-of",
            as_of.isoformat(),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "unused" not in result.output  # the password never shows
    assert f'"persons": {data.end.persons}' in out.read_text(encoding="utf-8")

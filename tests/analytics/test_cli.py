"""``visma-hrm analytics`` on a synced sandbox database, through the real typer app."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests.analytics import helpers as h
from tests.support import hr_reference as ref
from tests.support.runs import run_sync
from tests.support.settings import clock_date, loaded_sandbox_settings
from visma_hrm.cli import app
from visma_hrm.sandbox import SandboxConfig, start_sandbox

pytestmark = pytest.mark.slow  # a sync, then the analytics command in a subprocess


def test_analytics_command_builds_views_and_reports_headcount(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the default file name: DuckDB then keeps the tables in schema main (pipeline.duckdb_schema)
    monkeypatch.chdir(tmp_path)
    with start_sandbox(SandboxConfig(tenants=2, employees=40, seed=3)) as sb:
        settings = loaded_sandbox_settings(sb, tmp_path, duckdb_path=tmp_path / "visma-hrm.duckdb")
        run_sync(settings)
        as_of = clock_date(sb)
        expected = {t: ref.headcount(h.truth(sb, t), as_of)[1] for t in sb.tenant_ids}
        flows = {t: ref.flows(h.truth(sb, t), as_of) for t in sb.tenant_ids}
        last_change = max(
            row["existencestartutc"][:10]
            for t in sb.tenant_ids
            for dataset in ("employees", "contracts")
            for row in sb.truth(t, dataset)
        )
    path = str(settings.duckdb_path)
    runner = CliRunner()
    result = runner.invoke(app, ["analytics", "--as-of", as_of.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert "flows_monthly" in document["views"]
    got = {t["tenant_id"]: t for t in document["tenants"]}
    assert set(got) == set(expected)
    for tenant, (headcount, fte) in expected.items():
        assert (got[tenant]["headcount"], got[tenant]["fte"]) == (headcount, float(fte))
        assert all(isinstance(m["fte"], int | float) for m in got[tenant]["months"])
        months = got[tenant]["months"]
        assert len(months) == 12  # --months: a year by default, as in the report
        assert [(m["inflow"], m["outflow"]) for m in months] == [
            (v[0], v[2]) for v in list(flows[tenant].values())[-12:]
        ]
        numbers = got[tenant]["workforce"]  # the HR numbers on the as-of date
        assert set(numbers) == {
            "fixed_term_headcount_pct",
            "fixed_term_fte_pct",
            "service_years_avg",
            "age_avg",
            "span_avg",
        }
        assert all(isinstance(v, int | float) and v > 0 for v in numbers.values()), numbers
    with duckdb.connect(path) as db:
        schemas = {r[0] for r in db.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()}
    assert "visma_hrm_analytics" in schemas

    table = runner.invoke(app, ["analytics", "--duckdb-path", path, "--as-of", as_of.isoformat()])
    assert table.exit_code == 0, table.output
    assert "headcount" in table.stdout and sb.tenant_ids[0][:8] in table.stdout
    assert "persons per manager" in " ".join(table.stdout.split())

    # without --as-of: the last date the data covers (the export's moment), not today
    default = runner.invoke(app, ["analytics", "--duckdb-path", path, "--json"])
    assert default.exit_code == 0, default.output
    assert json.loads(default.stdout)["as_of"] == as_of.isoformat() < dt.date.today().isoformat()
    assert json.loads(default.stdout)["tenants"] == document["tenants"]
    said = runner.invoke(app, ["analytics", "--duckdb-path", path])
    assert f"As of {as_of.isoformat()}: the last date the data covers" in said.output
    # tables without the sync's state (loaded some other way): their latest change
    with duckdb.connect(path) as db:
        for (where,) in db.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = '_visma_sync_state'"
        ).fetchall():
            db.execute(f'DROP TABLE "{where}"._visma_sync_state')
    fallback = runner.invoke(app, ["analytics", "--duckdb-path", path, "--json"])
    assert json.loads(fallback.stdout)["as_of"] == last_change

    bad = runner.invoke(app, ["analytics", "--duckdb-path", path, "--as-of", "31-01-2026"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    assert bad.output.startswith("error (configuration): ")
    missing = runner.invoke(app, ["analytics", "--duckdb-path", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 2 and "visma-hrm sync" in missing.output

"""A custom field added at the source is a column after the next sync, with no setting and no
rebuild by hand: the after-sync step makes the views with a column per field again in every
schema the analytics were built in (DuckDB here; PostgreSQL, which has no dynamic PIVOT, in
``test_hr_postgres.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.runs import run_sync
from tests.support.settings import clock_date, sandbox_settings
from visma_hrm.analytics import build_analytics
from visma_hrm.sandbox import SandboxConfig, start_sandbox

pytestmark = pytest.mark.slow  # two syncs of a sandbox


def _q(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as db:
        return list(db.execute(sql).fetchall())


def test_a_field_new_at_the_source_is_a_column_after_the_next_sync(tmp_path: Path) -> None:
    with start_sandbox(SandboxConfig(tenants=1, employees=30, seed=5)) as sb:
        settings = sandbox_settings(sb, tmp_path)
        first = run_sync(settings)
        assert not [n for n in first.notes if "custom field" in n]  # nothing built yet: no-op
        build_analytics(settings.duckdb_path, as_of=clock_date(sb))
        build_analytics(settings.duckdb_path, "visma_hrm", "elsewhere", as_of=clock_date(sb))
        tenant = sb.tenant_ids[0]
        sb.add_custom_field(tenant, "Fietsplan", ["Ja", "Nee", "ja"], fieldtypeid="2")
        second = run_sync(settings)
        expected = {
            r["employeeid"]
            for r in sb.truth(tenant, "employee_udf_histories")
            if r["fieldname"] == "Fietsplan"
        }
    notes = [n for n in second.notes if "custom field views made again" in n]
    assert len(notes) == 2, second.notes
    for schema in ("visma_hrm_analytics", "elsewhere"):
        kinds = dict(
            _q(settings.duckdb_path, f"SELECT fieldname, type FROM {schema}.custom_field_columns")
        )
        assert kinds["Fietsplan"] == "boolean"
        rows = _q(
            settings.duckdb_path,
            f"SELECT employeeid, fietsplan FROM {schema}.employee_custom_fields "
            "WHERE fietsplan IS NOT NULL ORDER BY 1",
        )
        assert {r[0] for r in rows} == expected and len(expected) == 3
        assert sorted(r[1] for r in rows) == [False, True, True]

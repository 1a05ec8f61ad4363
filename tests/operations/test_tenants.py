"""``visma-hrm tenants list|reload|forget`` on DuckDB, PostgreSQL and Delta files, against the
sandbox over HTTP.

Two tenants, a full and an incremental sync; then the one the configuration no longer names is
forgotten: no row of it is left in any table (every base table of the database, every Delta
table and Parquet file of the folder, read around visma-hrm), the other tenant's rows are
untouched, and none of its people's names, e-mail addresses or phone numbers can be found in
the DuckDB file's or the folder's bytes. Forgetting is refused without ``--yes`` and while the
tenant is configured. Reloading the other makes its next sync full.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.operations.support import (
    Destination,
    holding,
    personal_values,
    scan,
    settings_for,
    with_credentials,
)
from tests.support.cli import run_cli
from tests.support.postgres_server import PostgresServer, use_as_dlt_destination
from tests.support.runs import run_ok
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox

pytestmark = pytest.mark.slow


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=2, employees=8, seed=32)) as sandbox:
        yield sandbox


@pytest.fixture(params=["duckdb", "postgres", "filesystem"])
def where(
    request: pytest.FixtureRequest,
    sb: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Destination:
    kind = str(request.param)
    if kind == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        schema = use_as_dlt_destination(server, monkeypatch, "ops")
        settings = settings_for(sb, tmp_path, kind, dataset_name=schema)
        return Destination(kind, with_credentials(settings, server.dlt_dsn()), server.dlt_dsn())
    if kind == "filesystem":
        lake = tmp_path / "lake"
        monkeypatch.setenv("DESTINATION__FILESYSTEM__BUCKET_URL", str(lake))
        return Destination(kind, settings_for(sb, tmp_path, kind), lake=lake)
    return Destination(kind, settings_for(sb, tmp_path, kind))


def _cli(where: Destination, sb: Sandbox, *args: str, **env: str) -> Any:
    return run_cli(list(args), {**where.env(sb), **env})


def _without(rows: dict[str, list[dict[str, Any]]], text: str) -> dict[str, list[str]]:
    """Per table, the rows in which ``text`` appears nowhere, as sorted JSON."""
    return {
        table: sorted(
            json.dumps(r, sort_keys=True, default=str)
            for r in table_rows
            if not any(text in str(v) for v in r.values())
        )
        for table, table_rows in rows.items()
    }


def test_list_forget_and_reload_a_tenant(where: Destination, sb: Sandbox) -> None:
    gone, kept = sb.tenant_ids
    run_ok(where.settings)
    sb.advance(days=15)
    run_ok(where.settings)
    listed = _cli(where, sb, "tenants", "list", "--json")
    assert listed.exit_code == 0, listed.output
    tenants = {t["tenant_id"]: t for t in listed.json["tenants"]}
    assert set(tenants) == {gone, kept} and all(t["configured"] for t in tenants.values())
    assert all(t["rows"] and t["datasets"] == 2 and not t["problems"] for t in tenants.values())

    before = where.rows()
    assert len(holding(before, gone)) >= 4  # data, positions, run log, ... to forget
    theirs = [r for t, rows in before.items() if t.endswith("employees") for r in rows]
    values = personal_values(r for r in theirs if r.get("tenant_id") == gone)
    values -= personal_values(r for r in theirs if r.get("tenant_id") == kept)
    places = [where.lake] if where.lake else [where.settings.duckdb_path]
    if where.kind != "postgres":  # the scan finds them while they are stored
        assert scan(places, values), "the byte scan finds nothing even before forgetting"

    if where.kind == "duckdb":  # views of its own, which the compacted file must keep
        assert _cli(where, sb, "analytics", "-q").exit_code == 0
        before = where.rows()
    refused = _cli(where, sb, "tenants", "forget", gone, "--yes")  # still configured
    assert refused.exit_code == 2 and "still in tenants" in refused.output
    refused = _cli(where, sb, "tenants", "forget", gone, VISMA_HRM_TENANTS=kept)
    assert refused.exit_code == 2 and "run it again with --yes" in refused.output
    assert where.rows() == before

    forgotten = _cli(where, sb, "tenants", "forget", gone, "--yes", VISMA_HRM_TENANTS=kept)
    assert forgotten.exit_code == 0, forgotten.output
    announced = re.search(r"\((\S+) row\(s\) in (\S+) table", refused.output)
    deleted = re.search(r"deleted (\S+) row\(s\) from (\S+) table", forgotten.output)
    assert announced and deleted and announced.groups() == deleted.groups()
    after = where.rows()
    assert holding(after, gone) == {}
    assert _without(after, gone) == _without(before, gone)  # every other row as it was
    if where.kind == "postgres":
        assert "stay in postgres's own files" in forgotten.output
    else:
        assert "Erased: " in forgotten.output
        assert scan(places, values) == set(), "removed values are still in the bytes"

    if where.kind == "duckdb":  # the compacted file kept the analytics views, and they work
        with duckdb.connect(str(where.settings.duckdb_path), read_only=True) as con:
            persons = con.execute(
                "SELECT DISTINCT tenant_id FROM visma_hrm_analytics.employee_persons"
            ).fetchall()
        assert persons == [(kept,)]
    listed = _cli(where, sb, "tenants", "list", "--json", VISMA_HRM_TENANTS=kept).json
    assert [t["tenant_id"] for t in listed["tenants"]] == [kept]

    reloaded = _cli(where, sb, "tenants", "reload", kept, VISMA_HRM_TENANTS=kept)
    assert reloaded.exit_code == 0 and "next sync takes full exports" in reloaded.output
    again = run_ok(replace_tenants(where, kept))
    assert {(t.tenant_id, t.mode) for t in again.tables} == {(kept, "full")}


def replace_tenants(where: Destination, *tenants: str) -> Any:
    from dataclasses import replace

    return replace(where.settings, tenants=tenants)


def test_forget_and_reload_match_the_tenant_id_in_any_case(sb: Sandbox, tmp_path: Path) -> None:
    """Tenant ids are UUIDs, accepted in upper or lower case, and stored as configured: an id
    typed in the other case is the same tenant. Forgetting it must not answer "no row" with
    exit 0 while every row stays, nor slip past the check that it is still configured."""
    where = Destination("duckdb", settings_for(sb, tmp_path, "duckdb"))
    gone, kept = sb.tenant_ids
    run_ok(where.settings)
    shouting = gone.upper()
    refused = _cli(where, sb, "tenants", "forget", shouting, "--yes")
    assert refused.exit_code == 2 and "still in tenants" in refused.output, refused.output
    asked = _cli(where, sb, "tenants", "forget", shouting, VISMA_HRM_TENANTS=kept)
    assert asked.exit_code == 2 and "(0 row(s)" not in asked.output, asked.output

    forgotten = _cli(where, sb, "tenants", "forget", shouting, "--yes", VISMA_HRM_TENANTS=kept)
    assert forgotten.exit_code == 0 and "deleted" in forgotten.output, forgotten.output
    assert holding(where.rows(), gone) == {}
    assert holding(where.rows(), kept)

    reloaded = _cli(where, sb, "tenants", "reload", kept.upper(), VISMA_HRM_TENANTS=kept)
    assert reloaded.exit_code == 0 and "position row(s) forgotten" in reloaded.output
    again = run_ok(replace_tenants(where, kept))
    assert {(t.tenant_id, t.mode) for t in again.tables} == {(kept, "full")}

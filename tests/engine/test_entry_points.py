"""One engine behind every entry point: the same sandbox truth through the CLI, Dagster (the
multiprocess executor), Airflow (``dag.test()`` in its own venv) and ``visma_hrm_source`` in a
user's pipeline, with the settings users write: ``privacy_profile = "contact,pseudonymize"``, a
``fields`` exclusion, ``history = "all"``, ``change_feed = true`` and retention. A full sync,
the sandbox's clock moved on, an incremental one; then every table, value, history version and
feed event is equal across the four, on DuckDB and on PostgreSQL.

Equal to each other is only worth something if it is right: the CLI's tables are also checked
against what the settings promise (no contact column, no excluded column, names pseudonymized,
history and feed present, people past retention emptied).

The run log is the same too: each entry point logs its runs under its own name, and the rows
per tenant and dataset (full or incremental, rows received, new, changed, marked deleted,
rejected) are equal, run for run. Only the dlt source cannot tell rows received again
unchanged from changed ones (the CLI counts them on DuckDB, between normalize and load, inside
the engine's own load), so there the two are compared as their sum: rows received again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.engine.entry_points import AIRFLOW_PYTHON, FIELDS, RUNNERS, Where
from tests.orchestrate.support import reader, rows
from tests.support.postgres_server import PostgresServer
from visma_hrm import __version__
from visma_hrm.catalog import DATASETS, TENANT_COLUMN
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox
from visma_hrm.warehouse.runs import RUN_DATASETS_TABLE, RUNS_TABLE

pytest.importorskip("dagster")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

START = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1100)).strftime("%Y-%m-%dT00:00:00Z")
"""Three years back: people cross the retention cutoff while the sandbox's clock moves."""
TABLES = ("employees", "contracts", "employees_history", "contracts_history", "changes")
RUN_MOMENTS = {
    "_dlt_load_id",
    "_dlt_id",
    "_visma_synced_at",
    "_visma_deleted_at",
    "_visma_seen_at",
    "detected_at",
    "synced_at",
    "load_id",
}
"""When a run happened (the wall clock of each run): the only values allowed to differ."""
STATE_COLUMNS = ("dataset", "change_timestamp_before", "since", "full_export", "fields")
RUN_COLUMNS = (TENANT_COLUMN, "dataset", "mode", "status", "rows_received", "rows_new")
RUN_COLUMNS += ("rows_deleted", "rows_rejected", "error_code", "message")
"""A run's row per tenant and dataset, its ids and moments left out (rows received again are
compared as changed + unchanged, see above)."""


@pytest.fixture(params=["duckdb", "postgres"])
def destination(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _where(destination: str, entry: str, tmp_path: Path, request: pytest.FixtureRequest) -> Where:
    if destination == "duckdb":
        return Where("duckdb", tmp_path / entry / f"{entry}.duckdb", "visma_hrm")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    dsn = server.dsn("postgres").replace("postgres@", "postgres:unused@", 1)
    return Where("postgres", tmp_path / entry / "unused.duckdb", f"e2e_{entry}", dsn)


@pytest.fixture
def sandboxes() -> Iterator[Any]:
    """A fresh sandbox per entry point, each with the same data (same seed, same start)."""
    opened: list[Any] = []

    def sandbox() -> Sandbox:
        context = start_sandbox(SandboxConfig(tenants=2, employees=12, seed=20, start=START))
        opened.append(context)
        return context.__enter__()

    yield sandbox
    for context in opened:
        context.__exit__(None, None, None)


def test_every_entry_point_leaves_the_same_tables(
    destination: str, tmp_path: Path, sandboxes: Any, request: pytest.FixtureRequest
) -> None:
    if not AIRFLOW_PYTHON.exists():
        pytest.skip(".venv-airflow is missing (bash scripts/test.sh makes it)")
    found: dict[str, dict[str, list[str]]] = {}
    for entry, run in RUNNERS.items():
        where = _where(destination, entry, tmp_path, request)
        where.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        sb = sandboxes()
        run(sb, where, where.duckdb_path.parent)  # full
        sb.advance(days=45)
        run(sb, where, where.duckdb_path.parent)  # incremental
        found[entry] = _tables(where, tmp_path / entry)
        if entry == "cli":
            _assert_as_promised(found[entry], sb)
    reference = found["cli"]
    for entry, tables in found.items():
        for table in (*TABLES, "_visma_sync_state", RUN_DATASETS_TABLE):
            assert tables[table] == reference[table], _difference(entry, table, tables, reference)
        assert tables[RUNS_TABLE] == [json.dumps([entry, "ok", __version__])], tables[RUNS_TABLE]
        assert len(tables[RUN_DATASETS_TABLE]) == 2 * 2 * 2  # tenants x datasets x runs


def _tables(where: Where, work: Path) -> dict[str, list[str]]:
    """Every compared table as sorted JSON rows, the run moments left out."""
    pipeline = reader(work, where.dlt_destination(), where.dataset_name)
    out: dict[str, list[str]] = {}
    for table in TABLES:
        out[table] = sorted(
            json.dumps({k: v for k, v in r.items() if k not in RUN_MOMENTS}, default=str)
            for r in rows(pipeline, table)
        )
    state = rows(pipeline, "_visma_sync_state")
    out["_visma_sync_state"] = sorted(
        json.dumps([r[TENANT_COLUMN], *(r[c] for c in STATE_COLUMNS)], default=str) for r in state
    )
    out[RUNS_TABLE] = sorted(
        {
            json.dumps([r["entry_point"], r["outcome"], r["version"]])
            for r in rows(pipeline, RUNS_TABLE)
        }
    )
    out[RUN_DATASETS_TABLE] = sorted(
        json.dumps(
            [*(r[c] for c in RUN_COLUMNS), r["rows_changed"] + (r["rows_unchanged"] or 0)],
            default=str,
        )
        for r in rows(pipeline, RUN_DATASETS_TABLE)
    )
    return out


def _assert_as_promised(tables: dict[str, list[str]], sb: Sandbox) -> None:
    """What the settings promise, on the reference entry point, so equal means right."""
    employees = [json.loads(r) for r in tables["employees"]]
    contact = DATASETS["employees"].contact_columns()
    excluded = FIELDS["employees"].lstrip("!").split(",")
    assert employees and not [c for r in employees for c in (*contact, *excluded) if r[c]]
    clear = {r["firstname"] for t in sb.tenant_ids for r in sb.truth(t, "employees")}
    assert not clear & {r["firstname"] for r in employees}, "clear first names were loaded"
    assert any(r["formattedname"] is None for r in employees), "nobody emptied by retention"
    assert tables["employees_history"] and tables["contracts_history"]
    assert {json.loads(r)["type"] for r in tables["changes"]} >= {"hire", "leave"}


def _difference(
    entry: str, table: str, tables: dict[str, list[str]], reference: dict[str, list[str]]
) -> str:
    extra = sorted(set(tables[table]) - set(reference[table]))[:3]
    missing = sorted(set(reference[table]) - set(tables[table]))[:3]
    return (
        f"{entry} differs from the CLI in {table} ({len(tables[table])} rows against "
        f"{len(reference[table])}): only in {entry}: {extra}; only in the CLI's: {missing}"
    )

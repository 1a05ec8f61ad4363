"""``visma-hrm status`` against a warehouse the sandbox was synced into over HTTP.

Fresh tenants exit 0; a tenant whose newest load is three days old (its rows in the run log
moved back, as three days of a stopped scheduler would leave them) exits 1 naming it; a
tenant whose customer withdrew the approvals fails its sync and exits 1 with the connector's
message and since when; ``--notify-command`` gets the problems on its standard input; ``--json``
and ``--lang nl`` say the same; a tenant brought back is fresh again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.operations.support import DATASETS, Destination, settings_for
from tests.support.cli import run_cli
from tests.support.runs import run, run_ok
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox
from visma_hrm.sync import TableReport
from visma_hrm.warehouse.runs import RUN_DATASETS_TABLE, RUNS_TABLE

pytestmark = pytest.mark.slow


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=2, employees=6, seed=31)) as sandbox:
        yield sandbox


def _status(where: Destination, sb: Sandbox, *args: str) -> tuple[int, str]:
    outcome = run_cli(["status", *args], where.env(sb))
    return outcome.exit_code, outcome.output


def _move_back(path: Path, tenant: str, days: int) -> None:
    """The tenant's run log rows ``days`` earlier: its newest load is that old."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            f"UPDATE visma_hrm.{RUN_DATASETS_TABLE} SET started_at = started_at - "
            f"INTERVAL {days} DAY, ended_at = ended_at - INTERVAL {days} DAY WHERE tenant_id = ?",
            [tenant],
        )


def test_status_exits_1_for_a_stale_and_a_failing_tenant_and_0_when_all_are_fresh(
    sb: Sandbox, tmp_path: Path
) -> None:
    first, second = sb.tenant_ids
    where = Destination("duckdb", settings_for(sb, tmp_path, "duckdb"))
    run_ok(where.settings)
    code, out = _status(where, sb, "--max-age", "26h", "--max-full-age", "8d")
    assert code == 0, out
    assert "All 4 dataset(s) of 2 tenant(s) fresh." in out

    _move_back(where.settings.duckdb_path, first, 3)
    stale_run = run_cli(["status", "--max-age", "26h", "--json"], where.env(sb))
    assert stale_run.exit_code == 1
    document = stale_run.json
    stale = {(d["tenant_id"], d["dataset"]) for d in document["datasets"] if d["problems"]}
    assert stale == {(first, name) for name in DATASETS}
    assert {p["kind"] for d in document["datasets"] for p in d["problems"]} == {"stale"}
    assert document["ok"] is False and document["exit_code"] == 1
    code, out = _status(where, sb, "--max-age", "26h", "--lang", "nl")
    assert code == 1 and "verouderd" in out
    assert "geleden (grens 26 u)" in _summary(where, sb, tmp_path, "nl")
    code, _ = _status(where, sb, "--max-age", "4d")  # the limit decides what is stale
    assert code == 0

    sb.approve(second, [])  # the customer withdraws every approval: the sync fails for it
    failed = run(where.settings)
    assert [t.status for t in failed.tables if t.tenant_id == second] == ["failed", "failed"]
    document = run_cli(["status", "--json"], where.env(sb)).json  # no limit: failing only
    failing = [d for d in document["datasets"] if d["problems"]]
    assert {d["tenant_id"] for d in failing} == {second}
    assert all(d["failing_since"] and "approve" in d["message"] for d in failing)
    notified = _summary(where, sb, tmp_path, "en")
    assert notified.startswith("visma-hrm status: 2 dataset(s) stale or failing in ")
    assert f"{second} employees: failing since " in notified and "approve" in notified

    sb.approve(second, list(DATASETS))  # fixed: both tenants loaded again, all fresh
    run_ok(where.settings)
    code, out = _status(where, sb, "--max-age", "26h", "--max-full-age", "8d")
    assert code == 0, out


def _summary(where: Destination, sb: Sandbox, tmp_path: Path, lang: str) -> str:
    """What ``--notify-command`` hands the user's command on its standard input."""
    sink = tmp_path / f"notified-{lang}.txt"
    sink.unlink(missing_ok=True)
    args = ["--max-age", "26h", "--lang", lang, "--notify-command", f"cat > {sink}"]
    code, _ = _status(where, sb, *args)
    assert code == 1
    return sink.read_text(encoding="utf-8")


def test_the_run_log_says_what_each_run_did(sb: Sandbox, tmp_path: Path) -> None:
    """One row per run, one per tenant and dataset, with the report's figures."""
    where = Destination("duckdb", settings_for(sb, tmp_path, "duckdb"))
    full = run_ok(where.settings)
    sb.advance(days=20)
    incremental = run_ok(where.settings)
    with duckdb.connect(str(where.settings.duckdb_path), read_only=True) as con:
        runs = con.execute(
            f"SELECT run_id, entry_point, version, outcome, started_at <= ended_at "
            f"FROM visma_hrm.{RUNS_TABLE} ORDER BY started_at"
        ).fetchall()
        datasets = con.execute(
            "SELECT run_id, tenant_id, dataset, mode, status, rows_received, rows_new, "
            "rows_changed, rows_unchanged, rows_deleted, rows_rejected "
            f"FROM visma_hrm.{RUN_DATASETS_TABLE}"
        ).fetchall()
    assert [r[1:] for r in runs] == [("cli", "0.1.0", "ok", True)] * 2
    assert [r[0] for r in runs] == [full.run_id, incremental.run_id]
    for report in (full, incremental):
        expected = {
            (report.run_id, t.tenant_id, t.dataset, t.mode, t.status, *_figures(t))
            for t in report.tables
        }
        assert {d for d in datasets if d[0] == report.run_id} == expected
    assert {d[3] for d in datasets if d[0] == full.run_id} == {"full"}
    assert {d[3] for d in datasets if d[0] == incremental.run_id} == {"incremental"}
    assert sum(d[5] for d in datasets if d[0] == incremental.run_id) > 0


def _figures(table: TableReport) -> tuple[int | None, ...]:
    return (
        table.rows_received,
        table.rows_inserted,
        table.rows_updated,
        table.rows_unchanged,
        table.rows_deleted,
        table.rows_rejected,
    )

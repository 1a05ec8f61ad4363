"""Erasure that erases: after retention ``remove``, no removed person's name, e-mail address or
phone number can be found in the DuckDB file's bytes.

Two files get the same sandbox, synced once with retention (two years, ``remove``) while its
clock started three years back, so some people are past the cutoff. With
``compact_after_erasure = false`` the byte scan finds their values in the file's free blocks
(DuckDB does not overwrite them): the scan can see what it looks for. By default the run
compacts the file, says so in its report and marks it in the run log, and the scan finds none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.operations.support import Destination, personal_values, scan, settings_for
from tests.support.runs import run_ok
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox
from visma_hrm.warehouse.runs import RUNS_TABLE

pytestmark = pytest.mark.slow

START = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1100)).strftime("%Y-%m-%dT00:00:00Z")


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=2, employees=30, seed=33, start=START)) as sandbox:
        yield sandbox


def test_retention_remove_leaves_no_removed_value_in_the_duckdb_files_bytes(
    sb: Sandbox, tmp_path: Path
) -> None:
    rule = {"retention": 2, "retention_action": "remove"}
    kept_bytes = settings_for(sb, tmp_path / "off", "duckdb", compact_after_erasure=False, **rule)
    erased = settings_for(sb, tmp_path / "on", "duckdb", **rule)
    off = run_ok(kept_bytes)
    on = run_ok(erased)

    stored = Destination("duckdb", erased).rows()
    present = {str(v) for rows in stored.values() for row in rows for v in row.values()}
    loaded = {(r["tenant_id"], r["employeeid"]) for r in stored["visma_hrm.employees"]}
    truth = [{**r, "tenant_id": t} for t in sb.tenant_ids for r in sb.truth(t, "employees")]
    removed = [r for r in truth if (r["tenant_id"], r["employeeid"]) not in loaded]
    values = {v for v in personal_values(removed) if not any(v in p for p in present)}
    assert len(values) >= 5, "retention removed nobody: the test proves nothing"

    assert scan([kept_bytes.duckdb_path], values), "the scan does not see what it looks for"
    assert any("compact_after_erasure = false" in n for n in off.notes)
    assert scan([erased.duckdb_path], values) == set()
    assert not Path(f"{erased.duckdb_path}.wal").exists()
    assert any(n.startswith("Erased: ") for n in on.notes)
    with duckdb.connect(str(erased.duckdb_path), read_only=True) as con:
        marks = con.execute(f"SELECT erasure FROM visma_hrm.{RUNS_TABLE}").fetchall()
    assert marks == [("done",)]

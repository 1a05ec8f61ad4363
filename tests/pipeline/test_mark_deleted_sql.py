"""Deletion marking on SQL destinations: many tenants at once, each by its own cutoff.

The deletions step hands a dataset's tenants over together (a run of 1,000 tenants used to
send two statements per tenant and dataset). What must hold: each tenant's rows are judged by
its own cutoff, no other tenant's rows move, a quote in an id cannot widen the predicate, the
count per tenant is what was marked, and a second call marks nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pytest

from tests.support.postgres_server import PostgresServer, use_as_dlt_destination
from visma_hrm.warehouse import sql as warehouse_sql
from visma_hrm.warehouse.base import Session, Warehouse

UTC = dt.UTC
OLD = dt.datetime(2026, 1, 1, tzinfo=UTC)
EARLIER_RUN = dt.datetime(2026, 1, 10, tzinfo=UTC)
CUTOFF = dt.datetime(2026, 1, 15, 8, 30, tzinfo=UTC)
NEW = dt.datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
TS = pa.timestamp("us", tz="UTC")

ROWS = [
    ("a", "1", OLD, False),  # not in a's full export: deleted at the source
    ("a", "2", NEW, False),  # carried by it
    ("a", "3", OLD, True),  # marked by an earlier run: keeps its date
    ("b", "1", OLD, False),  # a tenant not asked about
    ("o'x", "1", OLD, False),  # a quote in the id
    ("c", "1", OLD, False),  # c's newest full export was an earlier run's
    ("c", "2", dt.datetime(2026, 1, 12, tzinfo=UTC), False),  # loaded since: not evidence
]


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def session(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Session]:
    if request.param == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        schema = use_as_dlt_destination(server, monkeypatch, "mark")
        destination: Any = "postgres"
    else:
        schema, destination = "visma_hrm", dlt.destinations.duckdb(str(tmp_path / "hrm.duckdb"))
    pipeline = dlt.pipeline(
        "mark_deleted", pipelines_dir=str(tmp_path), destination=destination, dataset_name=schema
    )
    table = pa.table(
        {
            "tenant_id": [r[0] for r in ROWS],
            "employeeid": [r[1] for r in ROWS],
            "_visma_synced_at": pa.array([r[2] for r in ROWS], TS),
            "_visma_deleted": [r[3] for r in ROWS],
            "_visma_deleted_at": pa.array([OLD if r[3] else None for r in ROWS], TS),
        }
    )
    pipeline.run(table, table_name="contracts")
    yield Warehouse.attach(pipeline)


def _marks(session: Session) -> dict[tuple[str, str], tuple[bool, Any]]:
    with session.sql() as sql:
        rows = sql.execute_sql(
            "SELECT tenant_id, employeeid, _visma_deleted, _visma_deleted_at "
            f"FROM {sql.make_qualified_table_name('contracts')}"
        )
    return {(t, e): (bool(d), at) for t, e, d, at in rows or []}


@pytest.mark.parametrize("per_statement", [500, 1])
def test_each_tenant_is_judged_by_its_own_cutoff_and_no_other_row_moves(
    session: Session, monkeypatch: pytest.MonkeyPatch, per_statement: int
) -> None:
    monkeypatch.setattr(warehouse_sql, "VALUES_A_STATEMENT", per_statement)
    cutoffs = {"a": CUTOFF, "o'x": CUTOFF, "c": EARLIER_RUN}
    assert session.mark_deleted("contracts", cutoffs) == {"a": 1, "o'x": 1, "c": 1}
    marks = _marks(session)
    assert marks[("a", "1")] == (True, CUTOFF)
    assert marks[("a", "2")] == (False, None)
    assert marks[("a", "3")] == (True, OLD)
    assert marks[("b", "1")] == (False, None)
    assert marks[("o'x", "1")] == (True, CUTOFF)
    assert marks[("c", "1")] == (True, EARLIER_RUN)
    assert marks[("c", "2")] == (False, None)
    assert session.mark_deleted("contracts", cutoffs) == {}


def test_a_table_never_loaded_marks_nothing(session: Session) -> None:
    assert session.mark_deleted("employees", {"a": CUTOFF}) == {}

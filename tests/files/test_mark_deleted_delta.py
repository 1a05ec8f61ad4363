"""Deletion marking on a Delta table (``files_reconcile``), as the sync does on SQL tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from visma_hrm.warehouse.delta import mark_deleted_delta

UTC = dt.UTC
OLD = dt.datetime(2026, 1, 1, tzinfo=UTC)
CUTOFF = dt.datetime(2026, 1, 15, 8, 30, tzinfo=UTC)
NEW = dt.datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
TS = pa.timestamp("us", tz="UTC")


def _write(uri: Path, rows: list[tuple[str, str, dt.datetime, bool]], **names: str) -> None:
    tenant, synced, deleted, deleted_at = (
        names.get(k, d)
        for k, d in (
            ("tenant", "tenant_id"),
            ("synced", "_visma_synced_at"),
            ("deleted", "_visma_deleted"),
            ("deleted_at", "_visma_deleted_at"),
        )
    )
    table = pa.table(
        {
            tenant: [r[0] for r in rows],
            "employeeid": [r[1] for r in rows],
            synced: pa.array([r[2] for r in rows], TS),
            deleted: [r[3] for r in rows],
            deleted_at: pa.array([OLD if r[3] else None for r in rows], TS),
        }
    )
    write_deltalake(str(uri), table)


def _rows(uri: Path) -> dict[tuple[str, str], tuple[Any, Any]]:
    table = DeltaTable(str(uri)).to_pyarrow_table().to_pylist()
    return {
        (r["tenant_id"], r["employeeid"]): (r["_visma_deleted"], r["_visma_deleted_at"])
        for r in table
    }


def test_marks_only_the_tenants_rows_the_full_export_did_not_carry(tmp_path: Path) -> None:
    uri = tmp_path / "contracts"
    _write(
        uri,
        [
            ("a", "1", OLD, False),  # not in the full export: deleted at the source
            ("a", "2", NEW, False),  # carried by the full export
            ("a", "3", OLD, True),  # marked by an earlier run: keeps its date
            ("b", "1", OLD, False),  # another tenant
            ("o'x", "1", OLD, False),  # a quote in the id cannot widen the predicate
        ],
    )
    assert mark_deleted_delta(str(uri), "a", CUTOFF) == 1
    rows = _rows(uri)
    assert rows[("a", "1")] == (True, CUTOFF)
    assert rows[("a", "2")] == (False, None)
    assert rows[("a", "3")] == (True, OLD)
    assert rows[("b", "1")] == (False, None) and rows[("o'x", "1")] == (False, None)
    assert mark_deleted_delta(str(uri), "o'x", CUTOFF) == 1
    assert _rows(uri)[("b", "1")] == (False, None)


def test_a_second_call_marks_nothing_and_writes_no_version(tmp_path: Path) -> None:
    uri = tmp_path / "employees"
    _write(uri, [("a", "1", OLD, False), ("a", "2", NEW, False)])
    assert mark_deleted_delta(str(uri), "a", CUTOFF) == 1
    version = DeltaTable(str(uri)).version()
    assert mark_deleted_delta(str(uri), "a", CUTOFF) == 0
    assert DeltaTable(str(uri)).version() == version


def test_missing_table_naive_cutoff_and_other_column_names(tmp_path: Path) -> None:
    assert mark_deleted_delta(str(tmp_path / "never_loaded"), "a", CUTOFF) == 0
    with pytest.raises(ValueError, match="timezone-aware"):
        mark_deleted_delta(str(tmp_path / "never_loaded"), "a", CUTOFF.replace(tzinfo=None))
    uri = tmp_path / "custom"
    names = {"tenant": "tenant", "synced": "seen", "deleted": "gone", "deleted_at": "gone_at"}
    _write(uri, [("a", "1", OLD, False), ("a", "2", NEW, False)], **names)
    marked = mark_deleted_delta(
        str(uri),
        "a",
        CUTOFF,
        tenant_column="tenant",
        synced_at_column="seen",
        deleted_column="gone",
        deleted_at_column="gone_at",
    )
    assert marked == 1
    rows = DeltaTable(str(uri)).to_pyarrow_table().to_pylist()
    assert {r["employeeid"]: r["gone"] for r in rows} == {"1": True, "2": False}

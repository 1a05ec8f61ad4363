"""The dlt source on small CSV files written here, loaded into a real DuckDB file.

These tests pin what the end-to-end tests would only show indirectly: the typed table shape
(empty columns still exist, timestamps in microseconds), rejected rows kept apart, and the
cursor moving with its data and only then.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import pyarrow as pa
import pytest

from visma_hrm.catalog import DATASETS, Dataset
from visma_hrm.client import read_export
from visma_hrm.errors import MalformedDataError
from visma_hrm.load import source
from visma_hrm.load.positions import read_positions
from visma_hrm.load.rows import to_microseconds
from visma_hrm.load.source import (
    ParseTally,
    RejectedCallback,
    SpooledExport,
    visma_source,
)

SYNCED = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
UNITS = DATASETS["organization_units"]


def _pipeline(tmp_path: Path) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name="source_test",
        pipelines_dir=str(tmp_path / "pipelines"),
        destination=dlt.destinations.duckdb(credentials=str(tmp_path / "t.duckdb")),
        dataset_name="hrm",
    )


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _export(
    tenant: str, files: Sequence[Path], before: str | None, dataset: Dataset = UNITS
) -> SpooledExport:
    return SpooledExport(tenant, dataset, tuple(files), before, full=True)


def _query(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True) as db:
        return db.execute(sql).fetchall()


def _cursors(pipeline: dlt.Pipeline) -> dict[str, dict[str, str | None]]:
    """The cursors the destination holds (what the next sync would start from)."""
    with pipeline.sql_client() as client:
        positions = read_positions(client)
    out: dict[str, dict[str, str | None]] = {}
    for (tenant, dataset), position in positions.by_pair.items():
        out.setdefault(tenant, {})[dataset] = position.cursor
    return out


def test_typed_table_with_bookkeeping_columns_and_empty_columns(tmp_path: Path) -> None:
    csv = _csv(
        tmp_path / "units.csv",
        "orgunitid,startdate,existencestartutc,orgname,newcolumn\n"
        "U1,2024-01-01,2024-03-01T08:15:00.1234567Z,Sales,x\n",
    )
    pipeline = _pipeline(tmp_path)
    pipeline.run(visma_source([_export("T1", [csv], "2026-03-01T00:00:00Z")], SYNCED))
    columns = dict(
        _query(
            tmp_path,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'hrm' AND table_name = 'organization_units'",
        )
    )
    # never present in the file, still there with its catalog type
    assert columns["enddate"] == "DATE"
    assert columns["costcentername_en"] == "VARCHAR"
    assert columns["newcolumn"] == "VARCHAR"  # schema drift: unknown columns load as text
    assert columns["_visma_synced_at"].startswith("TIMESTAMP WITH TIME ZONE")
    row = _query(
        tmp_path,
        "SELECT tenant_id, orgunitid, existencestartutc, _visma_deleted, _visma_deleted_at, "
        "_visma_synced_at FROM hrm.organization_units",
    )[0]
    assert row[:2] == ("T1", "U1")
    assert row[2] == datetime(2024, 3, 1, 8, 15, 0, 123456, tzinfo=UTC)  # 7th digit truncated
    assert row[3:] == (False, None, SYNCED)


def test_merge_on_tenant_and_key_keeps_tenants_apart(tmp_path: Path) -> None:
    first = _csv(tmp_path / "a.csv", "costcenter,costcentername\nC1,Sales\nC2,HR\n")
    second = _csv(tmp_path / "b.csv", "costcenter,costcentername\nC1,Verkoop\n")
    centers = DATASETS["cost_centers"]
    pipeline = _pipeline(tmp_path)
    exports = [_export(t, [first], None, centers) for t in ("A", "B")]
    pipeline.run(visma_source(exports, SYNCED))
    pipeline.run(visma_source([_export("A", [second], None, centers)], SYNCED))
    rows = _query(
        tmp_path,
        "SELECT tenant_id, costcenter, costcentername FROM hrm.cost_centers ORDER BY 1, 2",
    )
    assert rows == [
        ("A", "C1", "Verkoop"),
        ("A", "C2", "HR"),
        ("B", "C1", "Sales"),
        ("B", "C2", "HR"),
    ]


def test_rejected_rows_go_to_their_own_table_and_are_counted(tmp_path: Path) -> None:
    csv = _csv(
        tmp_path / "units.csv",
        "orgunitid,startdate,orgname\nU1,2024-01-01,Sales\nU2,not-a-date,HR\n",
    )
    tally = ParseTally()
    pipeline = _pipeline(tmp_path)
    pipeline.run(visma_source([_export("T1", [csv], None)], SYNCED, tally))
    assert _query(tmp_path, "SELECT orgunitid FROM hrm.organization_units") == [("U1",)]
    rejected = _query(
        tmp_path,
        "SELECT tenant_id, dataset, file, record, raw, reason, synced_at "
        "FROM hrm._visma_rejected_rows",
    )
    assert len(rejected) == 1
    tenant, dataset, file, record, raw, reason, synced = rejected[0]
    assert (tenant, dataset, file, record, synced) == ("T1", UNITS.name, "units.csv", 2, SYNCED)
    assert raw == "U2,not-a-date,HR"
    assert "startdate" in str(reason)
    assert tally.received[("T1", UNITS.name)] == 1
    assert tally.rejected[("T1", UNITS.name)] == 1
    # the rejected table is append-only and has none of the dataset's columns or keys
    schema = pipeline.default_schema.get_table("_visma_rejected_rows")
    assert schema["write_disposition"] == "append"
    assert set(schema["columns"]) == {
        "tenant_id",
        "dataset",
        "file",
        "record",
        "raw",
        "reason",
        "synced_at",
    }


def test_cursor_lands_with_its_data_and_not_for_an_export_that_failed(tmp_path: Path) -> None:
    good = _csv(tmp_path / "good.csv", "orgunitid,startdate\nU1,2024-01-01\n")
    bad = tmp_path / "bad.csv"

    def reader(
        dataset: Dataset, files: Sequence[Path], on_rejected: RejectedCallback
    ) -> Iterable[pa.RecordBatch]:
        if bad in files:
            raise MalformedDataError("bad.csv is not CSV", dataset=dataset.name)
        return read_export(dataset, files, on_rejected=on_rejected)

    tally = ParseTally()
    pipeline = _pipeline(tmp_path)
    exports = [_export("A", [good], "2026-01-01T00:00:00Z"), _export("B", [bad], "2026-01-02Z")]
    pipeline.run(visma_source(exports, SYNCED, tally, reader))
    assert _cursors(pipeline) == {"A": {UNITS.name: "2026-01-01T00:00:00Z"}}
    assert isinstance(tally.failed[("B", UNITS.name)], MalformedDataError)
    # the cursor is read from the destination: a fresh pipeline folder sees the same
    fresh = dlt.pipeline(
        pipeline_name="another_name",
        pipelines_dir=str(tmp_path / "other"),
        destination=dlt.destinations.duckdb(credentials=str(tmp_path / "t.duckdb")),
        dataset_name="hrm",
    )
    assert _cursors(fresh) == {"A": {UNITS.name: "2026-01-01T00:00:00Z"}}


def test_a_crash_during_extraction_moves_no_cursor(tmp_path: Path) -> None:
    good = _csv(tmp_path / "good.csv", "orgunitid,startdate\nU1,2024-01-01\n")

    def crashing(
        dataset: Dataset, files: Sequence[Path], on_rejected: RejectedCallback
    ) -> Iterable[pa.RecordBatch]:
        yield from read_export(dataset, files, on_rejected=on_rejected)
        raise RuntimeError("disk gone")

    pipeline = _pipeline(tmp_path)
    exports = [_export("A", [good], "2026-01-01T00:00:00Z")]
    with pytest.raises(Exception, match="disk gone"):
        pipeline.run(visma_source(exports, SYNCED, reader=crashing))
    assert not _query(tmp_path, "SELECT * FROM information_schema.tables WHERE table_schema='hrm'")
    assert not pipeline.has_pending_data
    pipeline.run(visma_source(exports, SYNCED))
    assert _cursors(pipeline) == {"A": {UNITS.name: "2026-01-01T00:00:00Z"}}


def test_nanosecond_and_naive_timestamps_become_microsecond_utc() -> None:
    table = pa.table(
        {
            "ns": pa.array([1_700_000_000_123_456_789], pa.timestamp("ns", tz="UTC")),
            "naive": pa.array([1_700_000_000_123_456], pa.timestamp("us")),
            "d": pa.array([Decimal("1.5")], pa.decimal128(18, 6)),
        }
    )
    out = to_microseconds(table)
    assert out.schema.field("ns").type == pa.timestamp("us", tz="UTC")
    assert out.column("ns")[0].value == 1_700_000_000_123_456
    assert out.schema.field("naive").type == pa.timestamp("us", tz="UTC")
    assert out.column("naive")[0].value == 1_700_000_000_123_456
    assert out.schema.field("d").type == pa.decimal128(18, 6)


def test_rows_without_a_key_are_rejected_not_loaded_and_do_not_break_the_load(
    tmp_path: Path,
) -> None:
    csv = _csv(
        tmp_path / "units.csv",
        "orgunitid,startdate,orgname\n,2024-01-01,Nameless\nU2,,Dateless\nU3,2024-02-01,HR\n",
    )
    tally = ParseTally()
    pipeline = _pipeline(tmp_path)
    pipeline.run(visma_source([_export("T1", [csv], None)], SYNCED, tally))
    assert _query(tmp_path, "SELECT orgunitid FROM hrm.organization_units") == [("U3",)]
    rejected = _query(tmp_path, "SELECT raw, reason FROM hrm._visma_rejected_rows")
    assert sorted((json.loads(r[0]) for r in rejected), key=lambda r: r["orgname"]) == [
        {"orgunitid": "U2", "startdate": None, "orgname": "Dateless"},
        {"orgunitid": None, "startdate": "2024-01-01", "orgname": "Nameless"},
    ]
    assert all("key column" in str(r[1]) for r in rejected)
    assert tally.rejected[("T1", UNITS.name)] == 2


def test_a_position_counts_only_once_its_whole_package_is_loaded(tmp_path: Path) -> None:
    good = _csv(tmp_path / "good.csv", "orgunitid,startdate\nU1,2024-01-01\n")
    pipeline = _pipeline(tmp_path)
    pipeline.run(visma_source([_export("A", [good], "2026-01-01Z")], SYNCED))
    # extracted and normalized but never loaded (a kill): the destination knows nothing of it
    pipeline.extract(visma_source([_export("A", [good], "2026-02-01Z")], SYNCED))
    pipeline.normalize()
    assert _cursors(pipeline) == {"A": {UNITS.name: "2026-01-01Z"}}
    pipeline.load()
    assert _cursors(pipeline) == {"A": {UNITS.name: "2026-02-01Z"}}
    # a load killed after some tables but before dlt recorded the package: rows of the state
    # table are there, its load id is not in _dlt_loads, so the older position stands
    with duckdb.connect(str(tmp_path / "t.duckdb")) as db:
        newest = db.execute("SELECT max(load_id) FROM hrm._dlt_loads").fetchone()
        assert newest is not None
        db.execute("DELETE FROM hrm._dlt_loads WHERE load_id = ?", [newest[0]])
    assert _cursors(pipeline) == {"A": {UNITS.name: "2026-01-01Z"}}


@pytest.mark.parametrize("read_ahead_bytes", [0, 1 << 40], ids=["worker", "inline"])
def test_a_large_export_parsed_ahead_loads_and_rejects_what_the_inline_parse_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_ahead_bytes: int
) -> None:
    """The production reader parses exports over ``READ_AHEAD_BYTES`` in a worker thread, one
    batch ahead: the rows, the rejected rows (with their records) and the counts must be the
    same as parsed inline, over several batches and files."""
    monkeypatch.setattr(source, "READ_AHEAD_BYTES", read_ahead_bytes)
    monkeypatch.setattr(source, "BATCH_ROWS", 2)
    first = _csv(
        tmp_path / "1.csv",
        "orgunitid,startdate,orgname\nU1,2024-01-01,A\nU2,nope,B\nU3,2024-01-03,C\n"
        "U4,2024-01-04,D,extra\nU5,2024-01-05,E\n",
    )
    second = _csv(
        tmp_path / "2.csv", "orgunitid,startdate,orgname\nU6,2024-02-30,F\nU7,2024-02-07,G\n"
    )
    tally = ParseTally()
    pipeline = _pipeline(tmp_path)
    pipeline.run(visma_source([_export("T1", [first, second], "2026-01-01Z")], SYNCED, tally))

    loaded = _query(tmp_path, "SELECT orgunitid FROM hrm.organization_units ORDER BY 1")
    assert loaded == [("U1",), ("U3",), ("U5",), ("U7",)]
    rejected = _query(
        tmp_path, "SELECT file, record, raw FROM hrm._visma_rejected_rows ORDER BY file, raw"
    )
    assert rejected == [
        ("1.csv", 2, "U2,nope,B"),
        ("1.csv", None, "U4,2024-01-04,D,extra"),
        ("2.csv", 1, "U6,2024-02-30,F"),
    ]
    assert tally.received[("T1", UNITS.name)] == 4
    assert tally.rejected[("T1", UNITS.name)] == 3
    # rows were rejected: the cursor stays where it was (none), the next run asks again
    assert _cursors(pipeline) == {"T1": {UNITS.name: None}}

"""First loads as append: chosen only where no tenant of the run has a stored row, and the
Parquet files then lose rows whose key already occurred, as the merge would have collapsed them."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from visma_hrm.catalog import DATASETS, TENANT_COLUMN
from visma_hrm.load import first_load
from visma_hrm.load.first_load import append_tables, collapse_duplicate_keys

EMPLOYEES = DATASETS["employees"]
CONTRACTS = DATASETS["contracts"]
COST_CENTERS = DATASETS["cost_centers"]


def test_append_only_where_every_tenant_of_the_run_is_new() -> None:
    stored = {("a", "employees"): 0, ("b", "employees"): 5, ("b", "contracts"): 0}
    pairs = [("a", EMPLOYEES), ("b", EMPLOYEES), ("a", CONTRACTS), ("b", CONTRACTS)]
    assert append_tables(pairs, stored) == {"contracts"}
    assert append_tables([("a", EMPLOYEES)], stored) == {"employees"}
    assert append_tables([("b", EMPLOYEES)], stored) == frozenset()


def _file(path: Path, tenants: list[str], ids: list[str], names: list[str]) -> str:
    (key,) = COST_CENTERS.primary_key
    table = pa.table({TENANT_COLUMN: tenants, key: ids, "name": names})
    pq.write_table(table, path)
    return str(path)


def test_duplicate_keys_across_files_are_collapsed_to_the_first(tmp_path: Path) -> None:
    (key,) = COST_CENTERS.primary_key
    one = _file(tmp_path / "1.parquet", ["t", "t", "u", "t"], ["1", "2", "1", "1"], list("abcd"))
    two = _file(tmp_path / "2.parquet", ["t", "u"], ["2", "9"], ["e", "f"])
    dropped = collapse_duplicate_keys(
        {"cost_centers": [one, two]}, [COST_CENTERS], {"cost_centers"}
    )
    assert dropped == 2
    first = pq.read_table(one)
    assert first.column("name").to_pylist() == ["a", "b", "c"]
    assert first.schema == pa.schema(
        [(TENANT_COLUMN, pa.string()), (key, pa.string()), ("name", pa.string())]
    )
    assert pq.read_table(two).column("name").to_pylist() == ["f"]


def test_files_without_duplicates_and_merged_tables_are_left_alone(tmp_path: Path) -> None:
    one = _file(tmp_path / "1.parquet", ["t", "t"], ["1", "2"], ["a", "b"])
    before = Path(one).read_bytes()
    assert collapse_duplicate_keys({"cost_centers": [one]}, [COST_CENTERS], {"cost_centers"}) == 0
    dup = _file(tmp_path / "2.parquet", ["t", "t"], ["1", "1"], ["a", "b"])
    assert collapse_duplicate_keys({"cost_centers": [dup]}, [COST_CENTERS], set()) == 0
    assert Path(one).read_bytes() == before
    assert pq.read_table(dup).num_rows == 2


def test_many_repeated_keys_in_one_file_are_collapsed_beyond_the_memory_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One job file (its folder, not the file, holds DuckDB's spill folder) where every key
    repeats: numbering them can need more than the check's bound (here made small enough that
    300,000 rows do), and the check is then redone unbounded rather than failing the load."""
    monkeypatch.setattr(first_load, "_SMALL_AND_SPILLING", {"memory_limit": "20MB"})
    (key,) = COST_CENTERS.primary_key
    rows = 300_000
    ids = [str(i % (rows // 2)) for i in range(rows)]
    path = tmp_path / "new_jobs" / "cost_centers.1.parquet"
    path.parent.mkdir()
    pq.write_table(
        pa.table({TENANT_COLUMN: ["t"] * rows, key: ids, "name": ["x" * 20] * rows}), path
    )
    dropped = collapse_duplicate_keys(
        {"cost_centers": [str(path)]}, [COST_CENTERS], {"cost_centers"}
    )
    assert dropped == rows // 2
    kept = pq.read_table(path).column(key).to_pylist()
    assert len(kept) == len(set(kept)) == rows // 2
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no spill left


def test_rows_with_an_empty_key_value_collapse_as_the_merge_groups_them(tmp_path: Path) -> None:
    one = _file(tmp_path / "1.parquet", ["t", "t", "t"], [None, None, "1"], ["a", "b", "c"])  # type: ignore[list-item]
    assert collapse_duplicate_keys({"cost_centers": [one]}, [COST_CENTERS], {"cost_centers"}) == 1
    assert pq.read_table(one).column("name").to_pylist() == ["a", "c"]

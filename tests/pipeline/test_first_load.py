"""First loads as append: chosen only where no tenant of the run has a stored row, and the
Parquet files then lose rows whose key already occurred, as the merge would have collapsed them."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from visma_hrm.catalog import DATASETS, TENANT_COLUMN
from visma_hrm.first_load import append_tables, collapse_duplicate_keys

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

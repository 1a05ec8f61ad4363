"""A tenant's first load of a table as ``append`` instead of ``merge``, where that is provably safe.

A merge on the key costs a staging copy, a delete join and a deduplicating insert: at 1M rows
it was two thirds of a full sync's CPU (py-spy, BENCHMARKS.md). When the destination holds no
row of any tenant in the run for a table, there is nothing to delete or update, so the merge
can only do two things an append does not: collapse rows of the export that share a key. So:

1. ``append_tables`` picks the tables where every tenant of the run has no stored row (counted
   before the extract, under the run's write lock, so no other run can add any meanwhile), on
   DuckDB only: there dlt normalizes Arrow items to Parquet files, which step 2 can read.
2. ``collapse_duplicate_keys``, between normalize and load, finds keys that occur more than
   once in those tables' files (one native GROUP BY over the key columns) and rewrites the
   files without the extra rows, keeping the first, as the merge would have kept one.

The destination then ends exactly as after a merge; later runs merge as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb

from visma_hrm.catalog import Dataset

_SMALL_AND_SPILLING = {"memory_limit": "64MB", "preserve_insertion_order": "false", "threads": 1}
"""The check runs between normalize and load, where its memory would add to the load's: the
keys' hashes are counted first (a hash aggregate), only repeated keys are numbered (a sort over
the few rows that share a key instead of over every row), on one thread (each thread scans with
its own buffers), and DuckDB spills into the package's folder (removed with the run's folder)
rather than growing."""


def append_tables(
    pairs: Iterable[tuple[str, Dataset]], stored: Mapping[tuple[str, str], int]
) -> frozenset[str]:
    """Tables of ``pairs`` (tenant, dataset) for which no tenant of the run has a stored row."""
    seen: dict[str, bool] = {}
    for tenant, dataset in pairs:
        empty = stored.get((tenant, dataset.table), 0) == 0
        seen[dataset.table] = seen.get(dataset.table, True) and empty
    return frozenset(table for table, empty in seen.items() if empty)


def collapse_duplicate_keys(
    files: Mapping[str, Sequence[str]], datasets: Iterable[Dataset], tables: Iterable[str]
) -> int:
    """Drop the rows whose key already occurred, in the appended tables' files; how many.

    ``files`` are the normalized package's job files per table. A file that is not Parquet
    cannot be checked, so it raises: the caller picked append where it cannot prove safety.
    """
    wanted = set(tables)
    jobs = {d.table: (list(files.get(d.table, ())), d.key) for d in datasets if d.table in wanted}
    for table, (paths, _) in jobs.items():
        if any(not p.endswith(".parquet") for p in paths):
            raise RuntimeError(f"{table}: append needs Parquet job files, got {paths}")
    folders = [os.path.dirname(p) for paths, _ in jobs.values() for p in paths]
    spill = os.path.join(os.path.commonpath(folders), "collapse-spill") if folders else "."
    try:
        return _collapse_all(jobs, {**_SMALL_AND_SPILLING, "temp_directory": spill})
    except duckdb.OutOfMemoryException:
        # Many repeated keys need more than the bound (numbering them cannot always spill):
        # the check is redone without it. Files already rewritten hold no repeats any more,
        # so doing a table again drops nothing twice.
        return _collapse_all(jobs, {"temp_directory": spill})


def _collapse_all(
    jobs: Mapping[str, tuple[list[str], Sequence[str]]], config: dict[str, Any]
) -> int:
    dropped = 0
    with duckdb.connect(config=config) as db:
        for paths, key in jobs.values():
            if paths:
                dropped += _collapse(db, paths, key)
    return dropped


def _collapse(db: duckdb.DuckDBPyConnection, paths: list[str], key: Sequence[str]) -> int:
    """Repeated keys are found by their hash first: grouping one 64-bit number per row instead of
    the key's strings keeps the aggregate small (at 300,000 employees grouping the strings ran
    out of the bound and the unbounded retry took 500 MB). Equal keys, NULLs included, have
    equal hashes, so every repeated key is among the candidates; a hash shared by different keys
    only adds candidates, which the numbering by the key itself then tells apart."""
    keys = ", ".join(f'"{k}"' for k in key)
    source = "read_parquet(?, filename = true, file_row_number = true)"
    repeated = f"SELECT hash({keys}) AS h FROM {source} GROUP BY h HAVING count(*) > 1"
    numbered = (
        f"SELECT filename, file_row_number, row_number() OVER (PARTITION BY {keys} "
        f"ORDER BY filename, file_row_number) AS n FROM {source} "
        f"WHERE hash({keys}) IN ({repeated})"
    )
    extra = db.execute(
        f"SELECT filename, file_row_number FROM ({numbered}) WHERE n > 1", [paths, paths]
    )
    drop: dict[str, list[int]] = {}
    for name, row in extra.fetchall():
        drop.setdefault(str(name), []).append(int(row))
    for name, rows in drop.items():
        _rewrite_without(name, rows)
    return sum(len(rows) for rows in drop.values())


def _rewrite_without(path: str, rows: list[int]) -> None:
    """Rewrite one Parquet file without the given row numbers (same columns and types)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    keep = pc.invert(pc.is_in(pa.array(range(table.num_rows)), value_set=pa.array(rows)))
    pq.write_table(table.filter(keep), path)

"""Keeping a folder of Delta tables: the run log, forgetting a tenant, erasure, compaction.

What dlt's filesystem destination does not do for the dataset folder it writes
(``visma_hrm.warehouse.files`` asks for it):

* **the run log** (``visma_hrm.warehouse.runs``) is appended as two Delta tables of its own;
* **forgetting a tenant** deletes its rows from every Delta table holding a ``tenant_id``
  column, and rewrites the plain Parquet files of the positions (``_visma_sync_state``, which
  dlt appends as plain files) without them;
* **erasure**: a Delta table keeps the files a delete or update replaced until it is vacuumed,
  and its log keeps every file's column statistics (the smallest and largest value of each
  column, names among them) for 30 days. Erasing vacuums every table with no retention, then
  writes a checkpoint and drops the log before it, so no removed value is left in the folder;
* **maintenance** compacts each table's small files into few (every run merges a few files into
  each table), vacuums what is older than the table's own retention (7 days unless set),
  cleans up the log as Delta's defaults say, and gathers the position files into one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from visma_hrm.catalog import SYNC_STATE_TABLE, TENANT_COLUMN
from visma_hrm.load.dlt_internals import FilesFolder, files_folder
from visma_hrm.warehouse.runs import (
    RUN_DATASETS_TABLE,
    RUNS_TABLE,
    RunRecord,
    arrow_table,
)

LOG = "_delta_log"
LOG_RETENTION = "delta.logRetentionDuration"
DEFAULT_LOG_RETENTION = "interval 30 days"
"""Delta's own default: a table that never set it gets it back after an erasure."""


def _table(folder: FilesFolder, name: str) -> Any | None:
    from deltalake import DeltaTable

    url = folder.url(folder.path + name)
    if not DeltaTable.is_deltatable(url, folder.storage_options):
        return None
    return DeltaTable(url, storage_options=folder.storage_options)


def delta_tables(pipeline: Any) -> dict[str, Any]:
    """Every Delta table of the dataset folder, by name (dlt's and the run log's alike)."""
    folder = files_folder(pipeline)
    if not folder.fs.exists(folder.path):
        return {}
    found = {}
    for entry in folder.fs.ls(folder.path, detail=False):
        name = str(entry).rstrip("/").rsplit("/", 1)[-1]
        if folder.fs.exists(f"{folder.path}{name}/{LOG}") and (table := _table(folder, name)):
            found[name] = table
    return dict(sorted(found.items()))


def readable(pipeline: Any) -> dict[str, Any]:
    """Every table of the folder as an Arrow dataset: the Delta tables, and the positions'
    plain Parquet files (for the commands that read, ``visma_hrm.warehouse.reading``)."""
    import pyarrow.dataset as pads
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    tables = {name: table.to_pyarrow_dataset() for name, table in delta_tables(pipeline).items()}
    folder = files_folder(pipeline)
    files = _plain_files(folder, SYNC_STATE_TABLE)
    if files:
        filesystem = PyFileSystem(FSSpecHandler(folder.fs))
        tables[SYNC_STATE_TABLE] = pads.dataset(files, format="parquet", filesystem=filesystem)
    return tables


# ------------------------------------------------------------------------------ the run log
def write_run(pipeline: Any, record: RunRecord) -> None:
    """Append the run's rows to the run log's two Delta tables (made the first time)."""
    from deltalake import write_deltalake

    folder = files_folder(pipeline)
    for name, rows in (
        (RUNS_TABLE, [record.run_row()]),
        (RUN_DATASETS_TABLE, record.dataset_rows()),
    ):
        write_deltalake(
            folder.url(folder.path + name),
            arrow_table(name, rows),
            mode="append",
            storage_options=folder.storage_options,
        )


def erasure_pending(pipeline: Any) -> bool:
    runs = _table(files_folder(pipeline), RUNS_TABLE)
    if runs is None:
        return False
    erasure = runs.to_pyarrow_dataset().to_table(columns=["erasure"]).column("erasure")
    return "pending" in erasure.to_pylist()


def mark_erased(pipeline: Any) -> None:
    runs = _table(files_folder(pipeline), RUNS_TABLE)
    if runs is not None:
        runs.update(predicate="erasure = 'pending'", updates={"erasure": "'done'"})


# ------------------------------------------------------------------------------ a tenant
def forget(pipeline: Any, tenant_id: str) -> dict[str, int]:
    """Delete the tenant's rows from every table of the folder; rows deleted, per table."""
    deleted: dict[str, int] = {}
    for name, table in delta_tables(pipeline).items():
        if TENANT_COLUMN in {f.name for f in table.schema().fields}:
            metrics = table.delete(f"{TENANT_COLUMN} = '{_escaped(tenant_id)}'")
            deleted[name] = int(metrics.get("num_deleted_rows", 0))
    runs = _table(files_folder(pipeline), RUNS_TABLE)
    if runs is not None and RUN_DATASETS_TABLE in deleted:
        _drop_runs_without_datasets(pipeline, runs)
    deleted[SYNC_STATE_TABLE] = forget_positions(pipeline, tenant_id)
    return {name: rows for name, rows in deleted.items() if rows}


def _drop_runs_without_datasets(pipeline: Any, runs: Any) -> None:
    datasets = _table(files_folder(pipeline), RUN_DATASETS_TABLE)
    kept = set() if datasets is None else set(_column(datasets, "run_id"))
    orphans = [r for r in _column(runs, "run_id") if r not in kept]
    if orphans:
        runs.delete("run_id IN (" + ", ".join(f"'{_escaped(r)}'" for r in orphans) + ")")


def forget_positions(pipeline: Any, tenant_id: str) -> int:
    """Rewrite the plain position files without the tenant's rows; rows removed.

    Each file is written anew outside the table's folder and moved over it (on a local disk a
    reader sees one or the other); a file left with no row keeps its schema, so the table
    stays readable.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder = files_folder(pipeline)
    removed = 0
    for path in _plain_files(folder, SYNC_STATE_TABLE):
        with folder.fs.open(path, "rb") as handle:
            rows = pq.read_table(handle)
        keep = pc.invert(pc.equal(pc.cast(rows.column(TENANT_COLUMN), "string"), tenant_id))
        kept = rows.filter(keep)
        if kept.num_rows == rows.num_rows:
            continue
        removed += rows.num_rows - kept.num_rows
        _replace(folder, path, kept)
    return removed


def _plain_files(folder: FilesFolder, table: str) -> list[str]:
    directory = f"{folder.path}{table}"
    if not folder.fs.exists(directory):
        return []
    return sorted(
        str(p) for p in folder.fs.ls(directory, detail=False) if str(p).endswith(".parquet")
    )


def _replace(folder: FilesFolder, path: str, rows: Any) -> None:
    import pyarrow.parquet as pq

    fresh = f"{folder.path}_visma_rewrite-{uuid.uuid4().hex}.parquet"  # outside every table
    with folder.fs.open(fresh, "wb") as handle:
        pq.write_table(rows, handle)
    folder.fs.mv(fresh, path)


# ------------------------------------------------------------------------------ erasure
def erase(pipeline: Any) -> list[str]:
    """Drop every file and log entry no current row needs, in every Delta table; the tables
    that had any. Readers in the middle of reading an older version may fail: erasure wins."""
    erased = []
    for name, table in delta_tables(pipeline).items():
        removed = table.vacuum(
            retention_hours=0, enforce_retention_duration=False, dry_run=False, full=True
        )
        log_entries = _drop_old_log(table)
        if removed or log_entries:
            erased.append(name)
    return erased


def _drop_old_log(table: Any) -> int:
    """Checkpoint, then remove the log before it at once (then the table's own retention is
    set back): the old entries carry removed files' column statistics."""
    before = _log_entries(table)
    kept = table.metadata().configuration.get(LOG_RETENTION, DEFAULT_LOG_RETENTION)
    table.alter.set_table_properties({LOG_RETENTION: "interval 0 seconds"})
    table.create_checkpoint()
    table.cleanup_metadata()
    table.alter.set_table_properties({LOG_RETENTION: kept})
    return max(before - _log_entries(table), 0)


def _log_entries(table: Any) -> int:
    return len(table.history())


# ------------------------------------------------------------------------------ maintenance
def maintain(pipeline: Any) -> dict[str, tuple[int, int]]:
    """Compact every Delta table, vacuum and clean its log as its retention says, and gather
    the position files into one; per table that had any to compact, the files it had and the
    files it has now."""
    compacted: dict[str, tuple[int, int]] = {}
    for name, table in delta_tables(pipeline).items():
        metrics = table.optimize.compact()
        table.vacuum(dry_run=False)
        table.create_checkpoint()
        table.cleanup_metadata()
        if removed := int(metrics.get("numFilesRemoved", 0)):
            compacted[name] = (removed, int(metrics.get("numFilesAdded", 0)))
    if gathered := gather_positions(pipeline):
        compacted[SYNC_STATE_TABLE] = (gathered, 1)
    return compacted


def gather_positions(pipeline: Any) -> int:
    """The position files (one per run) into one: written first, then the others removed, so
    a reader sees every row at least once (a row seen twice counts once: see positions);
    how many files there were (0: nothing to gather)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = files_folder(pipeline)
    files = _plain_files(folder, SYNC_STATE_TABLE)
    if len(files) < 2:
        return 0
    parts = []
    for path in files:
        with folder.fs.open(path, "rb") as handle:
            parts.append(pq.read_table(handle))
    gathered = pa.concat_tables(parts, promote_options="default")
    target = f"{folder.path}{SYNC_STATE_TABLE}/gathered-{uuid.uuid4().hex}.parquet"
    _replace(folder, target, gathered)
    for path in files:
        folder.fs.rm(path)
    return len(files)


def _column(table: Any, name: str) -> Iterator[str]:
    values = table.to_pyarrow_dataset().to_table(columns=[name]).column(name)
    return (str(v) for v in values.to_pylist())


def _escaped(value: str) -> str:
    return value.replace("'", "''")

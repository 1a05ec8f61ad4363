"""The DuckDB file as a destination: its default name, its schema, and adopting an old default.

DuckDB names a database's catalog after its file, and a schema named like the catalog makes
``x.table`` ambiguous (DuckDB refuses even to create it). So the default file is
``visma-hrm.duckdb`` (like ``visma-hrm.toml``) and its tables sit in schema ``visma_hrm``, as in
every other destination: ``visma_hrm.contracts`` means the same thing in DuckDB and PostgreSQL,
whatever the file is called.

Up to 0.1 the default file was ``visma_hrm.duckdb``, with its tables in schema ``main``. A sync
with the default file finds such a file next to where the new one would be, renames it and moves
its tables into ``visma_hrm`` (one transaction; checked again on every run, so a crash in
between is finished by the next run) and says so. A file that a user names like the dataset
explicitly keeps its tables in ``main``, where ``<stem>.contracts`` still resolves.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from visma_hrm.messages import Note

if TYPE_CHECKING:  # duckdb on first use: the settings import DEFAULT_FILE, `--help` needs no more
    import duckdb

    from visma_hrm.load.dlt_internals import SqlClient

DEFAULT_FILE = Path("visma-hrm.duckdb")
OLD_DEFAULT_FILE = Path("visma_hrm.duckdb")
_OURS = "_dlt_loads"
"""A table every visma-hrm load creates: its place tells where a file's tables are."""


def duckdb_schema(path: Path, dataset_name: str) -> str:
    """The schema of ``path`` holding the tables: the dataset, unless the file shares its name."""
    return schema_in_catalog(path.stem, dataset_name)


def schema_in_catalog(catalog: str, dataset_name: str) -> str:
    """The same rule for an open database: DuckDB names its catalog after the file's stem."""
    return "main" if catalog.casefold() == dataset_name.casefold() else dataset_name


def adopt_old_default(path: Path, dataset_name: str) -> Note | None:
    """Move a file made under the old default name into the new default; a note, or None.

    Only for the default file: a path the user chose is theirs, whatever it holds.
    """
    path = path.expanduser().resolve()
    if path.name != DEFAULT_FILE.name:
        return None
    old = path.with_name(OLD_DEFAULT_FILE.name)
    renamed = False
    if not path.exists() and old.is_file():
        _checkpoint(old)  # the write-ahead log goes into the file before it moves
        os.rename(old, path)
        renamed = True
    moved = _move_tables(path, "main", dataset_name) if path.is_file() else 0
    if not (renamed or moved):
        return None
    return Note("note.adopted", old=old.name, new=path.name, schema=dataset_name, tables=moved)


def _checkpoint(path: Path) -> None:
    import duckdb

    with duckdb.connect(str(path)) as db:
        db.execute("CHECKPOINT")


def _move_tables(path: Path, source: str, target: str) -> int:
    """Move every table of ``source`` into ``target`` when ``target`` has none of ours yet."""
    import duckdb

    with duckdb.connect(str(path)) as db:
        if not _has_table(db, source, _OURS) or _has_table(db, target, _OURS):
            return 0
        names = [
            str(row[0])
            for row in db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
                "AND table_type = 'BASE TABLE' AND table_catalog = current_database()",
                [source],
            ).fetchall()
        ]
        db.execute("BEGIN TRANSACTION")
        db.execute(f'CREATE SCHEMA IF NOT EXISTS "{target}"')
        for name in names:  # DuckDB has no ALTER TABLE ... SET SCHEMA
            db.execute(f'CREATE TABLE "{target}"."{name}" AS FROM "{source}"."{name}"')
            db.execute(f'DROP TABLE "{source}"."{name}"')
        db.execute(f'DROP SCHEMA IF EXISTS "{source}_staging" CASCADE')
        db.execute("COMMIT")
        return len(names)


def _has_table(db: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = db.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
        "AND table_name = ? AND table_catalog = current_database()",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


# ------------------------------------------------------------------------------ erasure
_COMPACTED = "visma_hrm_compacted"


def copy_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.compacting")


def remove_stale_copy(path: Path) -> None:
    """A compacted copy (and its log) a run killed before it took the file's place."""
    fresh = copy_path(path)
    for stale in (fresh, fresh.with_name(fresh.name + ".wal")):
        stale.unlink(missing_ok=True)


def compacted_copy(sql: SqlClient, path: Path, schema: str) -> Path:
    """Everything the file holds now, copied through the run's own connection into a new
    file beside it, whose run log says the erasure is done; the new file's path.

    DuckDB keeps the blocks that rows deleted or values emptied occupied free inside the file,
    and does not overwrite them: those values stay readable in its bytes (``CHECKPOINT`` and
    ``VACUUM`` do not change that). ``COPY FROM DATABASE`` writes every schema, table, view,
    sequence and macro into the new file, which holds nothing else. It takes the old file's
    place with ``take_place`` once no connection is open on the old one.
    """
    from visma_hrm.load.dlt_internals import DatabaseUndefinedRelation

    fresh = copy_path(path)
    remove_stale_copy(path)
    rows = sql.execute_sql("SELECT current_database()")
    catalog = str(rows[0][0]) if rows else path.stem
    sql.execute_sql(f"ATTACH '{_literal(str(fresh))}' AS {_COMPACTED}")
    try:
        sql.execute_sql(f'COPY FROM DATABASE "{_identifier(catalog)}" TO {_COMPACTED}')
        runs = f'{_COMPACTED}."{_identifier(schema)}"._visma_runs'
        with contextlib.suppress(DatabaseUndefinedRelation):
            sql.execute_sql(f"UPDATE {runs} SET erasure = 'done' WHERE erasure = 'pending'")
    finally:
        sql.execute_sql(f"DETACH {_COMPACTED}")
    return fresh


def take_place(path: Path, fresh: Path) -> None:
    """The compacted copy renamed over the file (a reader sees the old file or the new one,
    never half of one), with the old file's permissions."""
    os.chmod(fresh, path.stat().st_mode & 0o777)
    os.replace(fresh, path)


def _literal(value: str) -> str:
    return value.replace("'", "''")


def _identifier(value: str) -> str:
    return value.replace('"', '""')

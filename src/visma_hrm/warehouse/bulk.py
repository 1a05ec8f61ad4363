"""Many rows into one table in few statements: Arrow on DuckDB, multi-row INSERTs elsewhere.

Why: DuckDB binds each parameter of an INSERT at about a millisecond a row, so the change feed's
first run over 2,000 employees spent ten seconds storing 6,000 events and a first feed of 100,000
employees would have taken minutes. DuckDB scans an Arrow table in one statement instead. A
server (psycopg2 fills the parameters in on the client) takes multi-row VALUES well.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from visma_hrm.load.dlt_internals import SqlClient

_CHUNK = 200
"""Rows per multi-row INSERT on a server: few round trips, statements of a sane size."""
_VIEW = "_visma_bulk_rows"


def insert_rows(
    sql: SqlClient, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (values in the order of ``columns``) into ``table`` of the dataset."""
    if not rows:
        return
    name = sql.make_qualified_table_name(table)
    names = ", ".join(sql.escape_column_name(c) for c in columns)
    native = sql.native_connection
    if isinstance(native, duckdb.DuckDBPyConnection):
        _insert_arrow(native, name, names, columns, rows)
        return
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        params = [value for row in chunk for value in row]
        sql.execute_sql(
            f"INSERT INTO {name} ({names}) VALUES {', '.join([one] * len(chunk))}", *params
        )


def _insert_arrow(
    native: duckdb.DuckDBPyConnection,
    name: str,
    names: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """One ``INSERT ... SELECT`` over the rows as an Arrow table; DuckDB casts to the columns."""
    arrays = [_array([row[i] for row in rows]) for i in range(len(columns))]
    batch = pa.table(arrays, names=[f"c{i}" for i in range(len(columns))])
    native.register(_VIEW, batch)
    try:
        picked = ", ".join(f"c{i}" for i in range(len(columns)))
        native.execute(f"INSERT INTO {name} ({names}) SELECT {picked} FROM {_VIEW}")
    finally:
        native.unregister(_VIEW)


def _array(values: list[Any]) -> pa.Array:
    """The column as Arrow infers it; as text when its values mix kinds (DuckDB casts text)."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())

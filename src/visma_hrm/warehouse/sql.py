"""The destination through dlt's SQL client: what DuckDB files and SQL servers share.

``SqlClient`` (``visma_hrm.load.dlt_internals``) types the part of dlt's SQL client the
connector uses, so the steps that write SQL take a typed client instead of ``Any``. ``SqlSession``
answers a run's questions with SQL every SQL destination understands: positions, row counts,
marking deleted rows, emptying columns. What differs per kind (DuckDB's single file, a server's
locks) lives in ``visma_hrm.warehouse.duckdb`` and ``visma_hrm.warehouse.server``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, cast

from visma_hrm.catalog import (
    DELETED_AT_COLUMN,
    DELETED_COLUMN,
    REJECTED_ROWS_TABLE,
    STEPS_TABLE,
    SYNCED_AT_COLUMN,
    TENANT_COLUMN,
)
from visma_hrm.load.dlt_internals import DatabaseUndefinedRelation, SqlClient
from visma_hrm.load.positions import Positions, read_positions
from visma_hrm.warehouse import runs, sql_upkeep
from visma_hrm.warehouse.base import Session
from visma_hrm.warehouse.reading import is_duckdb_connection
from visma_hrm.warehouse.runs import RunRecord

__all__ = [
    "SqlClient",
    "SqlSession",
    "bucket",
    "count",
    "group_digest",
    "in_chunks",
    "look_up_by",
    "placeholders",
    "row_digest",
    "stored_columns",
    "utc",
    "written",
]


def stored_columns(sql: SqlClient, table: str) -> list[str]:
    """The columns the destination's table has now (none when it does not exist)."""
    try:
        with sql.execute_query(
            f"SELECT * FROM {sql.make_qualified_table_name(table)} WHERE 1 = 0"
        ) as cursor:
            return [str(d[0]) for d in cursor.description]
    except DatabaseUndefinedRelation:
        return []


VALUES_A_STATEMENT = 500
"""Values one ``IN (%s, ...)`` lists at most: one parameter each, well under the smallest
parameter limit of the destinations dlt loads (SQL Server's 2,100)."""


def placeholders(values: Sequence[Any]) -> str:
    """``%s, %s, ...``: one query parameter per value, for an ``IN (...)`` list."""
    return ", ".join(["%s"] * len(values))


def in_chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``values`` in slices of at most ``VALUES_A_STATEMENT``, one statement's ``IN`` list each."""
    for start in range(0, len(values), VALUES_A_STATEMENT):
        yield values[start : start + VALUES_A_STATEMENT]


def count(sql: SqlClient, query: str, *args: Any) -> int:
    """The first value of the first row of a ``SELECT count(...)`` (0 when no row came)."""
    rows = sql.execute_sql(query, *args)
    return int(rows[0][0]) if rows else 0


def written(sql: SqlClient, statement: str, *args: Any) -> int:
    """Run an ``INSERT``, ``UPDATE`` or ``DELETE``; how many rows it wrote. DuckDB answers
    with a row holding the count, a server's cursor keeps it: no second statement counts the
    same rows again (a first history run of 300,000 employees spent 4 s counting its copies)."""
    with sql.execute_query(statement, *args) as cursor:
        if is_duckdb_connection(sql.native_connection):
            rows = cursor.fetchall()
            return int(rows[0][0]) if rows else 0
        return max(int(cursor.native_cursor.rowcount), 0)


def row_digest(sql: SqlClient, values: Sequence[str]) -> str:
    """An expression: one row's digest of the ``values`` (SQL expressions), NULL told from
    empty, for ``group_digest`` to combine.

    DuckDB: its 64-bit ``hash`` of the values. The md5 of the values as text cast every value
    to text first: on a copy of a 300,000-employee tenant, digesting contracts and employees
    took 8.3 s that way and 1.3 s with ``hash``. A change goes unseen only if a group's sum of
    hashes comes out equal (odds of about 1 in 2**64 a change). The hash is DuckDB's own: if a
    new DuckDB hashes differently, every digest differs once and the change feed derives every
    employeeid again (adding no event twice). A server keeps the md5 of the text.
    """
    if is_duckdb_connection(sql.native_connection):
        return f"hash({', '.join(values)})"
    parts = ", ".join(f"coalesce(CAST({v} AS VARCHAR), chr(1))" for v in values)
    return f"md5(concat_ws(chr(31), {parts}))"


def group_digest(sql: SqlClient, column: str) -> str:
    """An aggregate: one text per group that changes when any of the group's ``column`` values
    (``row_digest``) changes, whatever their order.

    DuckDB: the sum of the rows' hashes, and the count. Its ordered ``string_agg`` sorted every
    group's values in memory, and the change feed's digests of a 300,000-employee tenant ran
    out of 128 MB there; a sum needs a number per group (a 100 MB limit was enough). A server
    spills the ordered form to disk, so it keeps it.
    """
    if is_duckdb_connection(sql.native_connection):
        return f"CAST(sum({column}) AS VARCHAR) || '-' || CAST(count(*) AS VARCHAR)"
    return f"md5(string_agg({column}, '' ORDER BY {column}))"


def bucket(sql: SqlClient, column: str, buckets: int) -> str:
    """An expression: the text ``column``'s bucket in ``0 .. buckets - 1``, by a hash of it (the
    same value, the same bucket), so rows can be split into parts without numbering them in
    order, which sorts them all."""
    if is_duckdb_connection(sql.native_connection):
        return f"CAST(hash({column}) % {int(buckets)} AS BIGINT)"
    # the first 28 bits of the md5: a positive int on PostgreSQL
    return f"mod(('x0' || substr(md5({column}), 1, 7))::bit(32)::int, {int(buckets)})"


def skips_blocks(sql: SqlClient) -> bool:
    """Whether a constant filter lets the destination skip whole blocks of a table unread
    (DuckDB's zone maps); a server reads every row of a scan anyway."""
    return is_duckdb_connection(sql.native_connection)


def look_up_by(sql: SqlClient, table: str, column: str) -> None:
    """Make reading the rows of one ``column`` value from ``table`` (a table written in that
    column's order) cost those rows, not the table.

    DuckDB needs nothing: it skips every block whose smallest and largest value (its zone map)
    leave the value out, which on a table in the column's order is all but the value's own
    blocks. A server reads the table in no particular order, so it gets an index.
    """
    if not skips_blocks(sql):
        sql.execute_sql(f"CREATE INDEX ON {table} ({sql.escape_column_name(column)})")


def _mark_deleted(
    sql: SqlClient, table: str, cutoff: dt.datetime, tenants: Sequence[str]
) -> dict[str, int]:
    """``SqlSession.mark_deleted`` for up to ``VALUES_A_STATEMENT`` tenants of one cutoff.
    Plain ``IN`` and ``<``: every SQL destination dlt loads understands them, where an
    ``UPDATE ... FROM (VALUES ...)`` with aliases is not SQL Server's or BigQuery's."""
    tenant, synced, deleted, deleted_at = (
        sql.escape_column_name(c)
        for c in (TENANT_COLUMN, SYNCED_AT_COLUMN, DELETED_COLUMN, DELETED_AT_COLUMN)
    )
    where = f"{tenant} IN ({placeholders(tenants)}) AND {synced} < %s AND NOT {deleted}"
    name = sql.make_qualified_table_name(table)
    rows = sql.execute_sql(
        f"SELECT {tenant}, count(*) FROM {name} WHERE {where} GROUP BY {tenant}",
        *tenants,
        cutoff,
    )
    found = {str(t): int(n) for t, n in rows or []}
    if found:
        sql.execute_sql(
            f"UPDATE {name} SET {deleted} = true, {deleted_at} = %s WHERE {where}",
            cutoff,
            *tenants,
            cutoff,
        )
    return found


class SqlSession(Session):
    """A run's destination behind dlt's SQL client: DuckDB files and SQL servers."""

    _idle: SqlClient | None = None
    """The client the last ``sql`` block closed, kept to be opened again by the next."""

    @contextlib.contextmanager
    def sql(self) -> Iterator[SqlClient]:
        """dlt's SQL client, open for the block. Made once and opened again block after block:
        making one resolves dlt's configuration and schema, about 12 ms each time, which the
        deletions step paid per tenant and table (a third of a 200-tenant sync's time). A
        block inside another gets a client of its own, as before."""
        made, self._idle = self._idle, None
        if made is None:
            with self.translated("opening the SQL client"):
                made = cast(SqlClient, self.pipeline.sql_client())
        opened = cast(AbstractContextManager[SqlClient], made)
        stack = contextlib.ExitStack()
        with self.connecting():
            client = stack.enter_context(opened)
        with stack, self.translated("SQL"):
            yield client
        self._idle = made

    def reading(self) -> AbstractContextManager[SqlClient | None]:
        return self.sql()

    def positions(self) -> Positions:
        with self.sql() as sql, self.translated("reading where the last sync stopped"):
            return read_positions(sql)

    def stored_columns(self, table: str) -> list[str]:
        with self.sql() as sql:
            return stored_columns(sql, table)

    def count_rows(self, tables: Sequence[str]) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        with self.sql() as sql:
            tenant = sql.escape_column_name(TENANT_COLUMN)
            for name in tables:
                query = (
                    f"SELECT {tenant}, count(*) FROM {sql.make_qualified_table_name(name)} "
                    f"GROUP BY {tenant}"
                )
                try:
                    rows = sql.execute_sql(query) or []
                except DatabaseUndefinedRelation:  # not created yet: nothing loaded so far
                    continue
                counts.update({(str(t), name): int(n) for t, n in rows})
        return counts

    def current_rows(self, tenant_id: str, table: str) -> int:
        with self.sql() as sql:
            tenant, deleted = (sql.escape_column_name(c) for c in (TENANT_COLUMN, DELETED_COLUMN))
            name = sql.make_qualified_table_name(table)
            try:
                return count(
                    sql,
                    f"SELECT count(*) FROM {name} WHERE {tenant} = %s AND NOT {deleted}",
                    tenant_id,
                )
            except DatabaseUndefinedRelation:
                return 0

    def mark_deleted(self, table: str, cutoffs: Mapping[str, dt.datetime]) -> dict[str, int]:
        """Soft-delete each tenant's rows that its full export, started at its cutoff, did not
        carry (``_visma_synced_at`` before it). Idempotent: a second call finds nothing.

        One count and one update for the tenants of one cutoff: a statement pair per tenant
        read the table once per tenant, 7,000 pairs for a sync of 1,000 tenants. The tenants
        a run exported fully share its start as their cutoff, so there are few cutoffs."""
        marked: dict[str, int] = {}
        by_cutoff: dict[dt.datetime, list[str]] = {}
        for tenant_id, cutoff in cutoffs.items():
            by_cutoff.setdefault(cutoff, []).append(tenant_id)
        with self.sql() as sql:
            for cutoff, tenants in by_cutoff.items():
                for chunk in in_chunks(tenants):
                    try:
                        marked.update(_mark_deleted(sql, table, cutoff, chunk))
                    except DatabaseUndefinedRelation:
                        return {}  # the full exports carried no rows; nothing was ever loaded
        return marked

    def empty_columns(self, table: str, columns: Sequence[str]) -> tuple[list[str], int]:
        """Set ``columns`` to NULL in every row of ``table`` that holds a value in one.

        Returns the columns that still held a value (the others were emptied before: naming
        them again would misstate what this run did) and the rows that held one.
        """
        with self.sql() as sql:
            stored = set(stored_columns(sql, table))
            present = [c for c in columns if c in stored]
            if not present:
                return [], 0
            name = sql.make_qualified_table_name(table)
            escaped = {c: sql.escape_column_name(c) for c in present}
            counts = sql.execute_sql(
                "SELECT " + ", ".join(f"count({e})" for e in escaped.values()) + f" FROM {name}"
            )
            held = [c for c, n in zip(present, counts[0] if counts else (), strict=False) if n]
            if not held:
                return [], 0
            holding = " OR ".join(f"{escaped[c]} IS NOT NULL" for c in held)
            rows = count(sql, f"SELECT count(*) FROM {name} WHERE {holding}")
            assignments = ", ".join(f"{escaped[c]} = NULL" for c in held)
            sql.execute_sql(f"UPDATE {name} SET {assignments} WHERE {holding}")
            return held, rows

    def forget_raw_rejected(self, dataset: str, before: dt.datetime) -> None:
        """Rejected rows keep the export's raw text, excluded columns included: drop it."""
        with self.sql() as sql, contextlib.suppress(DatabaseUndefinedRelation):
            sql.execute_sql(
                f"UPDATE {sql.make_qualified_table_name(REJECTED_ROWS_TABLE)} SET raw = NULL "
                "WHERE dataset = %s AND synced_at < %s AND raw IS NOT NULL",
                dataset,
                before,
            )

    def record_run(self, record: RunRecord) -> None:
        with self.sql() as sql, self.translated("writing the run log"):
            runs.write_run(sql, record)

    def erasure_pending(self) -> bool:
        with self.sql() as sql:
            return runs.erasure_pending(sql)

    def forget_tenant(self, tenant_id: str) -> dict[str, int]:
        with self.sql() as sql, self.translated(f"deleting the rows of tenant {tenant_id}"):
            return sql_upkeep.forget(sql, tenant_id)

    def reload_tenant(self, tenant_id: str) -> int:
        with self.sql() as sql:
            return sql_upkeep.forget_positions(sql, tenant_id)

    def steps_done(self) -> dict[str, dt.datetime]:
        with self.sql() as sql:
            try:
                rows = sql.execute_sql(
                    f"SELECT tenant_id, max(through) FROM "
                    f"{sql.make_qualified_table_name(STEPS_TABLE)} GROUP BY tenant_id"
                )
            except DatabaseUndefinedRelation:
                return {}
        return {str(t): utc(at) for t, at in rows or [] if at is not None}

    def record_steps(self, through: Mapping[str, dt.datetime]) -> None:
        """Only what moved is written: a run that loaded nothing new writes nothing."""
        done = self.steps_done() if through else {}
        through = {t: m for t, m in through.items() if done.get(t) != m}
        if not through:
            return
        with self.sql() as sql:
            table = sql.make_qualified_table_name(STEPS_TABLE)
            sql.execute_sql(
                f"CREATE TABLE IF NOT EXISTS {table} (tenant_id VARCHAR(64) NOT NULL, "
                "through TIMESTAMP WITH TIME ZONE NOT NULL, done_at TIMESTAMP WITH TIME ZONE)"
            )
            now = dt.datetime.now(dt.UTC)
            with sql.begin_transaction():
                for tenant, moment in through.items():
                    sql.execute_sql(f"DELETE FROM {table} WHERE tenant_id = %s", tenant)
                    sql.execute_sql(f"INSERT INTO {table} VALUES (%s, %s, %s)", tenant, moment, now)


def utc(value: object) -> dt.datetime:
    """A moment the warehouse returned, as an aware datetime: a naive one, a datetime or text,
    is UTC (the run writes its moments in UTC; the machine's own time zone never counts)."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

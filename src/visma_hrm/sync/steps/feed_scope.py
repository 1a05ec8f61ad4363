"""Which employees the change feed must look at in a run: those whose rows changed, found in SQL.

Every event is about one employeeid (its contracts, its employee record, its custom fields),
so the feed works per employeeid. Here, in the warehouse and set-wise, each employeeid's live
rows are folded into one digest (each row's ``row_digest`` over every column the feed reads
and over the feed's settings, combined per employeeid by ``group_digest``), and compared with
the digest stored after the previous run (``_visma_changes_digest``): only employeeids whose digest
differs, is new, or is gone are read into Python and derived again
(``visma_hrm.sync.steps.changes``). A digest that matches means every value the feed reads is
as it was, so the events it would derive are the ones it already stored. Everything else the
digest cannot see (a column emptied in place, a row marked deleted or removed) changes the
digest too. A settings change changes every digest: the run then derives every employeeid
again, exactly as a first run does.

The person grouping (who is one person across employeeids, for rehires and ``person_key``) is
done here in SQL too, for the affected employeeids and the employeeids they share a person with.
The employeeids in scope are read and derived in batches of whole persons (``batches``): a
first run, or one after a settings change, has every employeeid in scope, and reading them all
at once held about 40 kB of Python objects per employee (847 MB of peak memory at 20,000).
What the batches read is copied once, in batch order, into temporary tables (``stage``), so
reading a batch costs its own rows, not a scan of the tables.
The SQL is written for DuckDB and PostgreSQL alike; the scratch tables are temporary (one
connection's own), so runs of other tenants side by side do not meet in them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from visma_hrm.catalog import DELETED_COLUMN, TENANT_COLUMN
from visma_hrm.warehouse.sql import (
    SqlClient,
    bucket,
    count,
    group_digest,
    in_chunks,
    look_up_by,
    placeholders,
    row_digest,
)

DIGEST_TABLE = "_visma_changes_digest"
_DIGEST_DDL = "tenant_id VARCHAR(64) NOT NULL, employeeid TEXT NOT NULL, digest TEXT NOT NULL"
NOW, SCOPE, FAMILY = "visma_feed_now", "visma_feed_scope", "visma_feed_family"
"""Temporary tables: this run's digests, the employeeids in scope, and their families."""
GROUPED = "visma_feed_grouped"
"""Temporary table: every employeeid of the tenant with its person's identity (``families``)."""
PERSONS, BATCH_SCOPE = "visma_feed_persons", "visma_feed_batch_scope"
"""Temporary tables: every employeeid to read, with its person's key, its batch, whether it is
in scope, whether a digest of it is stored and its digest now (in batch order, ``batches``);
the employeeids in scope of the batch at hand, with the latter two (``enter``)."""
STAGED = "visma_feed_rows_"
"""Prefix of the temporary tables holding what the feed reads of a table, in batch order
(``stage``)."""
_SCRATCH = (
    (NOW, "employeeid TEXT, digest TEXT"),
    (SCOPE, "employeeid TEXT, stored BOOLEAN"),
    (FAMILY, "employeeid TEXT, person_key TEXT"),
    (GROUPED, "employeeid TEXT, identity TEXT"),
    (BATCH_SCOPE, "employeeid TEXT, stored BOOLEAN, digest TEXT"),
)
"""Every temporary table of fixed columns, made (or emptied) by ``prepare``."""
BATCH_PERSONS = 1_000
"""Persons read and derived at a time, on average: about 20 MB of Python objects."""


def prepare(sql: SqlClient, tenant: str, tables: dict[str, list[str]], mark: str) -> int:
    """Fill the scratch tables for ``tenant``; how many employeeids are in scope.

    ``tables``: each table the feed reads, with the columns it reads of it; ``mark``: the
    feed's settings, folded into every digest.
    """
    digests = sql.make_qualified_table_name(DIGEST_TABLE)
    sql.execute_sql(f"CREATE TABLE IF NOT EXISTS {digests} ({_DIGEST_DDL})")
    for name, columns in _SCRATCH:
        sql.execute_sql(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ({columns})")
        sql.execute_sql(f"DELETE FROM {name}")
    rows = " UNION ALL ".join(
        _row_digests(sql, table, cols, mark) for table, cols in tables.items()
    )
    sql.execute_sql(
        f"INSERT INTO {NOW} SELECT employeeid, {group_digest(sql, 'd')} "
        f"FROM ({rows}) r GROUP BY employeeid",
        *([tenant] * len(tables)),
    )
    tenant_col = sql.escape_column_name(TENANT_COLUMN)
    sql.execute_sql(
        f"INSERT INTO {SCOPE} SELECT coalesce(n.employeeid, o.employeeid), o.employeeid IS NOT "
        f"NULL FROM {NOW} n "
        f"FULL OUTER JOIN (SELECT employeeid, digest FROM {digests} WHERE {tenant_col} = %s) o "
        "ON o.employeeid = n.employeeid WHERE n.digest IS DISTINCT FROM o.digest",
        tenant,
    )
    return count(sql, f"SELECT count(*) FROM {SCOPE}")


def _row_digests(sql: SqlClient, table: str, columns: Sequence[str], mark: str) -> str:
    """Each live row's employeeid and the digest of its columns (``row_digest``)."""
    q = sql.escape_column_name
    mark_text = "'" + (mark + "|" + table).replace("'", "''") + "'"
    digest = row_digest(sql, [mark_text, *(q(c) for c in columns)])
    return (
        f"SELECT CAST(employeeid AS VARCHAR) AS employeeid, {digest} AS d FROM "
        f"{sql.make_qualified_table_name(table)} WHERE {q(TENANT_COLUMN)} = %s AND NOT "
        f"{q(DELETED_COLUMN)}"
    )


def families(sql: SqlClient, tenant: str, has_employees: bool) -> None:
    """Fill ``FAMILY``: employeeid -> person key, for the employeeids in scope and everyone of
    their persons (read a batch at a time, ``batch_persons``: a first run's map of every
    employee held 345,000 entries in Python at 300,000 employees).

    The analytics' grouping: the newest employee record's initials (without dots and spaces),
    gender, birth date and birth name, all present, make a person; its key is its shortest,
    then smallest, employeeid. An employeeid without such a record is a person of its own.

    Aggregates only, no window: "newest" is the largest of the records' moments with the
    identity appended, and "shortest, then smallest" the smallest employeeid prefixed with its
    zero-padded length. Two windows over every employee (numbering each one's records, then
    each person's employeeids) ran out of 128 MB of DuckDB memory at 300,000 employees.
    """
    tenant_col = sql.escape_column_name(TENANT_COLUMN)
    employees = sql.make_qualified_table_name("employees")
    contracts = sql.make_qualified_table_name("contracts")
    of_tenant = f"WHERE {tenant_col} = %s"
    ids = f"SELECT DISTINCT CAST(employeeid AS VARCHAR) AS employeeid FROM {contracts} {of_tenant}"
    identity = "'employeeid:' || i.employeeid"
    newest = ""
    params = [tenant]
    if has_employees:
        ids += f" UNION SELECT DISTINCT CAST(employeeid AS VARCHAR) FROM {employees} {of_tenant}"
        params.append(tenant)
        moment = "coalesce(CAST(existencestartutc AS VARCHAR), '')"
        newest = (
            f"LEFT JOIN (SELECT CAST(employeeid AS VARCHAR) AS employeeid, NULLIF(split_part("
            f"max({moment} || chr(31) || coalesce({_identity()}, '')), chr(31), 2), '') AS "
            f"identity FROM {employees} WHERE {tenant_col} = %s "
            f"GROUP BY CAST(employeeid AS VARCHAR)) e ON e.employeeid = i.employeeid"
        )
        params.append(tenant)
        identity = f"coalesce(e.identity, {identity})"
    sql.execute_sql(
        f"INSERT INTO {GROUPED} SELECT i.employeeid, {identity} FROM ({ids}) i {newest}", *params
    )
    first = "substr(min(lpad(CAST(length(employeeid) AS VARCHAR), 6, '0') || employeeid), 7)"
    sql.execute_sql(
        f"INSERT INTO {FAMILY} SELECT g.employeeid, k.person_key FROM {GROUPED} g JOIN "
        f"(SELECT identity, {first} AS person_key FROM {GROUPED} WHERE identity IN "
        f"(SELECT h.identity FROM {GROUPED} h JOIN {SCOPE} s ON s.employeeid = h.employeeid) "
        "GROUP BY identity) k ON k.identity = g.identity"
    )
    sql.execute_sql(f"DELETE FROM {GROUPED}")


def _identity() -> str:
    """The person grouping's identity of one employee row (NULL when a part is missing)."""
    parts = [
        "replace(replace(lower(trim(initials)), '.', ''), ' ', '')",
        "lower(trim(gender))",
        "CAST(dateofbirth AS VARCHAR)",
        "lower(trim(birthname))",
    ]
    present = " AND ".join(f"coalesce({p}, '') <> ''" for p in parts)
    joined = " || '|' || ".join(parts)
    return f"CASE WHEN {present} THEN {joined} END"


def store(sql: SqlClient, tenant: str) -> None:
    """Remember this run's digests of the batch's employeeids in scope (gone ones are
    forgotten); every employeeid in scope is in one batch (``batches``)."""
    digests = sql.make_qualified_table_name(DIGEST_TABLE)
    tenant_col = sql.escape_column_name(TENANT_COLUMN)
    if count(sql, f"SELECT count(*) FROM {BATCH_SCOPE} WHERE stored"):
        sql.execute_sql(
            f"DELETE FROM {digests} WHERE {tenant_col} = %s AND employeeid IN "
            f"(SELECT employeeid FROM {BATCH_SCOPE} WHERE stored)",
            tenant,
        )
    sql.execute_sql(
        f"INSERT INTO {digests} SELECT %s, employeeid, digest FROM {BATCH_SCOPE} "
        "WHERE digest IS NOT NULL",
        tenant,
    )


def batches(sql: SqlClient) -> int:
    """Split the persons to read into batches (after ``families``); how many batches.

    Each person of an employeeid in scope is in one batch, with all of its employeeids; an
    employeeid in scope that no table holds any more is a person of its own. A person's batch
    is a hash of its key (``bucket``), about ``BATCH_PERSONS`` persons each: numbering the
    persons in order (a window over all of them) ran out of 128 MB of DuckDB memory at 300,000
    employees, beside the scratch tables.
    """
    persons = (
        f"SELECT employeeid, person_key AS person FROM {FAMILY} UNION "
        f"SELECT employeeid, employeeid FROM {SCOPE} WHERE employeeid NOT IN "
        f"(SELECT employeeid FROM {FAMILY})"
    )
    how_many = count(sql, f"SELECT count(DISTINCT person) FROM ({persons}) p")
    buckets = -(-how_many // int(BATCH_PERSONS))
    sql.execute_sql(f"DROP TABLE IF EXISTS {PERSONS}")
    sql.execute_sql(
        f"CREATE TEMPORARY TABLE {PERSONS} AS SELECT p.employeeid, p.person, "
        f"{bucket(sql, 'p.person', max(buckets, 1))} AS batch, s.employeeid IS NOT NULL AS "
        f"scoped, coalesce(s.stored, false) AS stored, n.digest FROM ({persons}) p LEFT JOIN "
        f"{SCOPE} s ON s.employeeid = p.employeeid LEFT JOIN {NOW} n ON n.employeeid = "
        "s.employeeid ORDER BY batch"
    )
    look_up_by(sql, PERSONS, "batch")
    return buckets


def stage(
    sql: SqlClient, tenant: str, table: str, columns: Sequence[str], whole_persons: bool = False
) -> None:
    """Copy what the feed reads of ``table`` (its ``columns``, of the employeeids in scope or,
    with ``whole_persons``, of every employeeid of their persons) into a temporary table, with
    each row's batch and in batch order (after ``batches``); ``staged`` reads a batch of it.

    One pass over the table instead of one a batch: reading each batch from the tables
    themselves scanned them whole every time, and a first feed of 300,000 employees (301
    batches) spent over four minutes doing so.
    """
    q = sql.escape_column_name
    name = STAGED + table
    picked = ", ".join(f"t.{q(c)}" for c in columns)
    who = "" if whole_persons else " AND p.scoped"
    sql.execute_sql(f"DROP TABLE IF EXISTS {name}")
    sql.execute_sql(
        f"CREATE TEMPORARY TABLE {name} AS SELECT p.batch, {picked} FROM "
        f"{sql.make_qualified_table_name(table)} t JOIN {PERSONS} p ON p.employeeid = "
        f"CAST(t.employeeid AS VARCHAR) WHERE t.{q(TENANT_COLUMN)} = %s{who} ORDER BY p.batch",
        tenant,
    )
    look_up_by(sql, name, "batch")


def unstage(sql: SqlClient, tables: Sequence[str]) -> None:
    """Drop the copies ``stage`` made of ``tables``: at 300,000 employees they fill DuckDB's
    memory limit (and spill beyond it), which the steps after the feed need."""
    for table in tables:
        sql.execute_sql(f"DROP TABLE IF EXISTS {STAGED + table}")


def staged(sql: SqlClient, table: str, batch: int) -> list[dict[str, Any]]:
    """The rows ``stage`` copied of ``table`` for ``batch``, by column name."""
    with sql.execute_query(f"SELECT * FROM {STAGED + table} WHERE batch = {int(batch)}") as cur:
        names = [str(d[0]) for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def batch_persons(sql: SqlClient, batch: int) -> dict[str, str]:
    """employeeid -> person key, of every employeeid of the persons of ``batch``."""
    rows = sql.execute_sql(f"SELECT employeeid, person FROM {PERSONS} WHERE batch = {int(batch)}")
    return {str(e): str(p) for e, p in rows or []}


def person_keys(sql: SqlClient, employeeids: set[str]) -> dict[str, str]:
    """employeeid -> person key, of the ``employeeids`` among those to read (``batches``)."""
    found = {}
    for chunk in in_chunks(sorted(employeeids)):
        rows = sql.execute_sql(
            f"SELECT employeeid, person FROM {PERSONS} WHERE employeeid IN ({placeholders(chunk)})",
            *chunk,
        )
        found.update({str(e): str(p) for e, p in rows or []})
    return found


def enter(sql: SqlClient, batch: int) -> None:
    """Make ``batch`` the batch at hand: its employeeids in scope (``members``, ``store``)."""
    sql.execute_sql(f"DELETE FROM {BATCH_SCOPE}")
    sql.execute_sql(
        f"INSERT INTO {BATCH_SCOPE} SELECT employeeid, stored, digest FROM {PERSONS} "
        f"WHERE batch = {int(batch)} AND scoped"
    )


def members(sql: SqlClient) -> set[str]:
    """The employeeids in scope of the batch."""
    return {str(r[0]) for r in sql.execute_sql(f"SELECT employeeid FROM {BATCH_SCOPE}") or []}


def in_scope(column: str = "employeeid") -> str:
    """A condition: the row's ``column`` is an employeeid in scope, of the batch."""
    return f"CAST({column} AS VARCHAR) IN (SELECT employeeid FROM {BATCH_SCOPE})"

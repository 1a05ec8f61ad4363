"""Step: history mode, every version of every row of the chosen datasets, with its validity.

For a dataset in the ``history`` setting, table ``<dataset>_history`` holds one row per version:
the dataset's columns plus ``valid_from`` and ``valid_to`` (open-ended, NULL, for the current
version). It is kept after each load by comparing the current table with the open versions:

* a row whose values differ from its open version closes that version and opens a new one;
* a row marked deleted (``_visma_deleted``: only a complete full export marks it, see
  ``visma_hrm.deletions``) closes its open version; a row that reappears opens a new one;
* a row an incremental export did not carry is simply unchanged in the current table, so it is
  never retired: the evidence rule of deletions holds for history too.

Each open version remembers when the current row was last compared with it
(``_visma_seen_at``, the row's ``_visma_synced_at`` then): a row the run did not touch has the
same sync moment and is not compared column by column again, so an incremental run's history
work follows the rows it loaded (and the rows deletions marked), not the size of the table.

Validity is the moment of the export that delivered the value: its ``changeTimestampBefore``
(kept per export in ``_visma_sync_state``; the sync's start when that row is missing), so a
re-run that brings the same values opens nothing. Rows present when history is switched on
start at the moment their current value was loaded. Each dataset is updated in one transaction,
so a killed run leaves either the old or the new history, and the next run finishes the work.

Why not dlt's ``scd2`` merge strategy: it retires every row absent from a load (an incremental
export carries only changed rows), one load mixes full and incremental exports of many tenants,
and retirement must follow the deletion marks made *after* the load; comparing the loaded table
with its open versions in SQL follows exactly those rules on every SQL destination tested.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from visma_hrm.catalog import (
    DELETED_AT_COLUMN,
    DELETED_COLUMN,
    SYNCED_AT_COLUMN,
    TENANT_COLUMN,
    Dataset,
    is_added_column,
)
from visma_hrm.messages import Note
from visma_hrm.sync.plan import RunPlan
from visma_hrm.sync.steps.base import StepContext, StepResult
from visma_hrm.warehouse.sql import SqlClient, stored_columns

HISTORY_SUFFIX = "_history"
VALID_FROM = "valid_from"
VALID_TO = "valid_to"
SEEN_AT = "_visma_seen_at"
"""On an open version: the current row's ``_visma_synced_at`` when it was last compared."""

_STATE_TABLE = "_visma_sync_state"
_LOADS_TABLE = "_dlt_loads"


def history_table(dataset: str) -> str:
    """The history table of a dataset's table."""
    return f"{dataset}{HISTORY_SUFFIX}"


@dataclass(frozen=True)
class HistoryCount:
    """Versions one run opened and closed in one dataset's history."""

    dataset: str
    opened: int
    closed: int

    def note(self) -> Note:
        return Note(
            "note.history",
            changed=bool(self.opened or self.closed),
            table=history_table(self.dataset),
            opened=self.opened,
            closed=self.closed,
        )


class History:
    """Bring ``<dataset>_history`` up to the current table, for the datasets ``history`` names."""

    name = "history"

    def wanted(self, plan: RunPlan) -> bool:
        return bool(plan.history)

    def run(self, context: StepContext) -> StepResult:
        result = StepResult()
        for dataset in context.plan.history:
            context.session.settle()  # each dataset's versions are one transaction's writes
            with context.session.sql() as sql:
                count = update_history(sql, dataset, context.tenants)
            result.notes.append(count.note())
        return result


def update_history(client: SqlClient, dataset: Dataset, tenants: Sequence[str]) -> HistoryCount:
    """Bring ``<dataset>_history`` up to the current table for ``tenants``, in one transaction."""
    stored = stored_columns(client, dataset.table)
    if not stored or not tenants:
        return HistoryCount(dataset.name, 0, 0)
    values = [c for c in stored if not is_added_column(c)]  # the tenant stays a value
    sql = _Sql(client, dataset, values)
    with client.begin_transaction():
        sql.ensure_table(stored)
        moments = sql.export_moments()
        closed = sum(
            sql.close(tenant, at, moments.get((tenant, at), at))
            for tenant, at in sql.to_close(tenants)
        )
        opened = sum(
            sql.open(tenant, at, moments.get((tenant, at), at))
            for tenant, at in sql.to_open(tenants)
        )
        sql.mark_seen(tenants)
    return HistoryCount(dataset.name, opened, closed)


_CLOSING = "visma_history_closing"
"""Temporary table: the open versions this run closes, with their closing moments."""
_CANDIDATES = "visma_history_candidates"
"""Temporary table: the keys whose open version may close (``_Sql._candidates``), collected
before the wide comparison: given as a subquery, DuckDB planned the comparison's join of the
whole current table with the whole history first, and at 300,000 employees (2.8 million
custom field rows) that ran out of 128 MB on an incremental run."""


class _Sql:
    """The statements of one dataset's history step (DuckDB and PostgreSQL dialect)."""

    def __init__(self, client: SqlClient, dataset: Dataset, values: list[str]) -> None:
        self.client = client
        self.table = client.make_qualified_table_name(dataset.table)
        self.history = client.make_qualified_table_name(history_table(dataset.table))
        self.history_name = history_table(dataset.table)
        self.dataset = dataset
        self.values = values
        self.q = {c: client.escape_column_name(c) for c in [*values, *_FIXED]}

    # ------------------------------------------------------------------ table
    def ensure_table(self, stored: list[str]) -> None:
        """Create the history table, or add the columns the current table gained since."""
        have = stored_columns(self.client, self.history_name)
        if not have:
            select = ", ".join(self.q[c] for c in self.values)
            stamp = "CAST(NULL AS TIMESTAMP WITH TIME ZONE)"
            self.client.execute_sql(
                f"CREATE TABLE {self.history} AS SELECT {select}, {stamp} AS "
                f"{self.q[VALID_FROM]}, {stamp} AS {self.q[VALID_TO]}, {stamp} AS "
                f"{self.q[SEEN_AT]} FROM {self.table} WHERE 1 = 0"
            )
            return
        for column in [c for c in self.values if c not in have]:
            kind = self._type_of(column)
            self.client.execute_sql(
                f"ALTER TABLE {self.history} ADD COLUMN {self.q[column]} {kind}"
            )
        if SEEN_AT not in have:  # versions kept before: compared in full once, then marked
            self.client.execute_sql(
                f"ALTER TABLE {self.history} ADD COLUMN {self.q[SEEN_AT]} TIMESTAMP WITH TIME ZONE"
            )

    def _type_of(self, column: str) -> str:
        rows = self.client.execute_sql(
            "SELECT data_type FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = %s AND column_name = %s",
            self.client.dataset_name,
            self.dataset.table,
            column,
        )
        return str(rows[0][0]) if rows else "TEXT"

    # ------------------------------------------------------------------ moments
    def export_moments(self) -> dict[tuple[str, dt.datetime], dt.datetime]:
        """(tenant, sync start) -> the export's changeTimestampBefore, for loaded exports."""
        state = self.client.make_qualified_table_name(_STATE_TABLE)
        loads = self.client.make_qualified_table_name(_LOADS_TABLE)
        tenant = self.q[TENANT_COLUMN]
        rows = self.client.execute_sql(
            f"SELECT s.{tenant}, s.synced_at, s.change_timestamp_before FROM {state} s "
            f"JOIN {loads} l ON l.load_id = s.load_id AND l.status = 0 WHERE s.dataset = %s",
            self.dataset.name,
        )
        out: dict[tuple[str, dt.datetime], dt.datetime] = {}
        for tenant_id, synced_at, before in rows or []:
            moment = parse_moment(before)
            if moment is not None:
                out[(str(tenant_id), _utc(synced_at))] = moment
        return out

    # ------------------------------------------------------------------ close
    def _differs(self, current: str, version: str) -> str:
        same = " AND ".join(
            f"{current}.{self.q[c]} IS NOT DISTINCT FROM {version}.{self.q[c]}"
            for c in self.values
            if c not in self.dataset.key
        )
        return f"NOT ({same})" if same else "FALSE"

    def _same_key(self, current: str, version: str) -> str:
        return " AND ".join(
            f"{current}.{self.q[c]} = {version}.{self.q[c]}" for c in self.dataset.key
        )

    def _closing_moment(self, current: str) -> str:
        deleted, deleted_at = self.q[DELETED_COLUMN], self.q[DELETED_AT_COLUMN]
        synced = self.q[SYNCED_AT_COLUMN]
        return (
            f"CASE WHEN {current}.{deleted} THEN {current}.{deleted_at} ELSE {current}.{synced} END"
        )

    def _touched(self, current: str, version: str) -> str:
        """The row was loaded again since it was last compared with its open version."""
        synced, seen = self.q[SYNCED_AT_COLUMN], self.q[SEEN_AT]
        return f"{current}.{synced} IS DISTINCT FROM {version}.{seen}"

    def _closing(self, current: str, version: str) -> str:
        changed = f"({self._touched(current, version)} AND {self._differs(current, version)})"
        return (
            f"{self._same_key(current, version)} AND {version}.{self.q[VALID_TO]} IS NULL "
            f"AND ({current}.{self.q[DELETED_COLUMN]} OR {changed})"
        )

    def to_close(self, tenants: Sequence[str]) -> list[tuple[str, dt.datetime]]:
        """Collect the open versions to close (their keys and closing moments) in a temporary
        table; the (tenant, moment) pairs among them. Closing then joins the history with that
        table alone, not again with the whole current table per moment."""
        tenant = self.q[TENANT_COLUMN]
        keys = ", ".join(f"t.{self.q[c]} AS {self.q[c]}" for c in self.dataset.key)
        self.client.execute_sql(f"DROP TABLE IF EXISTS {_CANDIDATES}")
        self.client.execute_sql(
            f"CREATE TEMPORARY TABLE {_CANDIDATES} AS {self._candidates(tenants)}", *tenants
        )
        self.client.execute_sql(f"DROP TABLE IF EXISTS {_CLOSING}")
        self.client.execute_sql(
            f"CREATE TEMPORARY TABLE {_CLOSING} AS SELECT {keys}, "
            f"{self._closing_moment('t')} AS closing_at FROM {_CANDIDATES} k "
            f"JOIN {self.table} t ON {self._same_key('k', 't')} "
            f"JOIN {self.history} h ON {self._closing('t', 'h')}"
        )
        self.client.execute_sql(f"DROP TABLE {_CANDIDATES}")
        rows = self.client.execute_sql(f"SELECT DISTINCT {tenant}, closing_at FROM {_CLOSING}")
        return [(str(t), _utc(at)) for t, at in rows or []]

    def _candidates(self, tenants: Sequence[str]) -> str:
        """The keys whose open version may close: deleted, or loaded again since compared. A
        join on the keys and these few columns; the full comparison of every value then joins
        these keys alone (at 100,000 employees the wide join of both whole tables ran out of
        DuckDB's 128 MB; an incremental run's candidates are a few hundred)."""
        q = self.q
        keys = ", ".join(f"t.{q[c]}" for c in self.dataset.key)
        return (
            f"SELECT {keys} FROM {self.table} t JOIN {self.history} h ON "
            f"{self._same_key('t', 'h')} AND h.{q[VALID_TO]} IS NULL AND (t.{q[DELETED_COLUMN]} "
            f"OR {self._touched('t', 'h')}) WHERE t.{q[TENANT_COLUMN]} IN "
            f"({_placeholders(tenants)})"
        )

    def close(self, tenant: str, at: dt.datetime, moment: dt.datetime) -> int:
        """Close the collected open versions of ``tenant`` whose closing moment is ``at``."""
        of_pair = f"c.{self.q[TENANT_COLUMN]} = %s AND c.closing_at = %s"
        found = self.client.execute_sql(
            f"SELECT count(*) FROM {_CLOSING} c WHERE {of_pair}", tenant, at
        )
        self.client.execute_sql(
            f"UPDATE {self.history} SET {self.q[VALID_TO]} = %s FROM {_CLOSING} c "
            f"WHERE {self._same_key('c', self.history)} AND {self.history}.{self.q[VALID_TO]} "
            f"IS NULL AND {of_pair}",
            moment,
            tenant,
            at,
        )
        return int(found[0][0]) if found else 0

    # ------------------------------------------------------------------ open
    def _unversioned(self, current: str) -> str:
        open_version = f"{self._same_key(current, 'h')} AND h.{self.q[VALID_TO]} IS NULL"
        return (
            f"NOT {current}.{self.q[DELETED_COLUMN]} AND NOT EXISTS "
            f"(SELECT 1 FROM {self.history} h WHERE {open_version})"
        )

    def to_open(self, tenants: Sequence[str]) -> list[tuple[str, dt.datetime]]:
        tenant, synced = self.q[TENANT_COLUMN], self.q[SYNCED_AT_COLUMN]
        rows = self.client.execute_sql(
            f"SELECT DISTINCT t.{tenant}, t.{synced} FROM {self.table} t "
            f"WHERE t.{tenant} IN ({_placeholders(tenants)}) AND {self._unversioned('t')}",
            *tenants,
        )
        return [(str(t), _utc(at)) for t, at in rows or []]

    def open(self, tenant: str, at: dt.datetime, moment: dt.datetime) -> int:
        columns = ", ".join(self.q[c] for c in self.values)
        picked = ", ".join(f"t.{self.q[c]}" for c in self.values)
        where = (
            f"t.{self.q[TENANT_COLUMN]} = %s AND t.{self.q[SYNCED_AT_COLUMN]} = %s "
            f"AND {self._unversioned('t')}"
        )
        found = self.client.execute_sql(
            f"SELECT count(*) FROM {self.table} t WHERE {where}", tenant, at
        )
        self.client.execute_sql(
            f"INSERT INTO {self.history} ({columns}, {self.q[VALID_FROM]}, {self.q[VALID_TO]}, "
            f"{self.q[SEEN_AT]}) SELECT {picked}, %s, NULL, t.{self.q[SYNCED_AT_COLUMN]} "
            f"FROM {self.table} t WHERE {where}",
            moment,
            tenant,
            at,
        )
        return int(found[0][0]) if found else 0

    # ------------------------------------------------------------------ seen
    def mark_seen(self, tenants: Sequence[str]) -> None:
        """Open versions whose row was loaded again unchanged: compared now, so marked with the
        row's sync moment (the next run compares them only when it loads them again)."""
        tenant, seen, synced = self.q[TENANT_COLUMN], self.q[SEEN_AT], self.q[SYNCED_AT_COLUMN]
        self.client.execute_sql(
            f"UPDATE {self.history} SET {seen} = t.{synced} FROM {self.table} t "
            f"WHERE {self._same_key('t', self.history)} AND {self.history}.{self.q[VALID_TO]} "
            f"IS NULL AND NOT t.{self.q[DELETED_COLUMN]} "
            f"AND {self._touched('t', self.history)} "
            f"AND t.{tenant} IN ({_placeholders(tenants)})",
            *tenants,
        )


_FIXED = (
    TENANT_COLUMN,
    DELETED_COLUMN,
    DELETED_AT_COLUMN,
    SYNCED_AT_COLUMN,
    VALID_FROM,
    VALID_TO,
    SEEN_AT,
)


def _placeholders(items: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(items))


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value)).astimezone(dt.UTC)


def parse_moment(text: Any) -> dt.datetime | None:
    """The API's ``2026-01-01T08:15:00.1234567Z`` as an aware datetime (7th digit dropped)."""
    if text is None:
        return None
    value = str(text).strip().replace("Z", "+00:00")
    head, dot, rest = value.partition(".")
    if dot:
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        value = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)

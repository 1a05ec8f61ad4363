"""History mode's SQL: one dataset's current table compared with its open versions, and the
versions closed, opened and marked as compared (DuckDB and PostgreSQL dialect).

``visma_hrm.sync.steps.history`` says when and in what order, and in what transaction; here is
how each statement finds its rows. Every statement that joins with the history works on the
rows looked at (``VersionSql.look_at``): the deleted ones and those loaded since their tenant's
last run, so an incremental run's joins follow the rows it loaded, not the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from visma_hrm.catalog import (
    DELETED_AT_COLUMN,
    DELETED_COLUMN,
    SYNCED_AT_COLUMN,
    TENANT_COLUMN,
    Dataset,
)
from visma_hrm.warehouse.sql import SqlClient, count, placeholders, stored_columns, written

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


_CLOSING = "visma_history_closing"
"""Temporary table: the open versions this run closes, with their closing moments."""
_CANDIDATES = "visma_history_candidates"
"""Temporary table: the keys whose open version may close (``VersionSql._candidates``), collected
before the wide comparison: given as a subquery, DuckDB planned the comparison's join of the
whole current table with the whole history first, and at 300,000 employees (2.8 million
custom field rows) that ran out of 128 MB on an incremental run."""


_LOOKED_AT = "visma_history_looked_at"
"""Temporary table: the keys, sync moments and deleted marks of the rows this run compares
with their open versions (``VersionSql.look_at``)."""


class VersionSql:
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

    # ------------------------------------------------------------------ rows to look at
    def versioned(self, tenants: Sequence[str]) -> bool:
        """Whether the tenants have any open version (none: history was just switched on)."""
        return bool(
            count(
                self.client,
                f"SELECT count(*) FROM {self.history} WHERE {self.q[VALID_TO]} IS NULL AND "
                f"{self.q[TENANT_COLUMN]} IN ({placeholders(tenants)})",
                *tenants,
            )
        )

    def look_at(self, tenants: Sequence[str], every_row: bool) -> None:
        """Collect the rows to compare with their open versions (``_LOOKED_AT``): the deleted
        ones and those loaded since the last run, or ``every_row``.

        After a run, every live row's open version carries the row's sync moment
        (``_visma_seen_at``): a live row whose moment is among its tenant's open versions'
        was compared when it was loaded and not loaded since, so it has nothing to close, open
        or mark. Leaving those rows out here makes an incremental run join the rows it loaded
        with the history, not the whole table with it (at 300,000 employees, 2.8 million
        custom field rows). A tenant with an open version that carries no moment (kept before
        moments were) has all its rows compared.
        """
        q = self.q
        tenant, synced, deleted = q[TENANT_COLUMN], q[SYNCED_AT_COLUMN], q[DELETED_COLUMN]
        of_tenants = f"t.{tenant} IN ({placeholders(tenants)})"
        moments = (
            f"SELECT h.{tenant} AS tenant_id, h.{q[SEEN_AT]} AS moment FROM {self.history} h "
            f"WHERE h.{q[VALID_TO]} IS NULL AND h.{tenant} IN ({placeholders(tenants)}) "
            f"GROUP BY h.{tenant}, h.{q[SEEN_AT]}"
        )
        looked_at = (
            ""
            if every_row
            else f" AND (t.{deleted} OR NOT EXISTS (SELECT 1 FROM ({moments}) m WHERE "
            f"m.tenant_id = t.{tenant} AND m.moment = t.{synced}) OR t.{tenant} IN (SELECT "
            f"tenant_id FROM ({moments}) n WHERE n.moment IS NULL))"
        )
        keys = ", ".join(f"t.{q[c]}" for c in self.dataset.key)
        self.client.execute_sql(f"DROP TABLE IF EXISTS {_LOOKED_AT}")
        self.client.execute_sql(
            f"CREATE TEMPORARY TABLE {_LOOKED_AT} AS SELECT {keys}, t.{synced}, "
            f"t.{deleted} FROM {self.table} t WHERE {of_tenants}{looked_at}",
            *tenants,
            *([] if every_row else [*tenants, *tenants]),
        )

    def forget_looked_at(self) -> None:
        """Drop the run's temporary tables: every row's keys when every row was looked at."""
        for table in (_LOOKED_AT, _CLOSING):
            self.client.execute_sql(f"DROP TABLE IF EXISTS {table}")

    def one_open_version_a_row(self, tenants: Sequence[str]) -> bool:
        """Whether the tenants have as many open versions as live rows, as every run leaves
        them. If not (a table changed behind the connector's back), a row left out as compared
        may not have been, and the run compares every row."""
        tenant, valid_to = self.q[TENANT_COLUMN], self.q[VALID_TO]
        of_tenants = f"{tenant} IN ({placeholders(tenants)})"
        live = count(
            self.client,
            f"SELECT count(*) FROM {self.table} WHERE {of_tenants} AND NOT "
            f"{self.q[DELETED_COLUMN]}",
            *tenants,
        )
        versions = count(
            self.client,
            f"SELECT count(*) FROM {self.history} WHERE {of_tenants} AND {valid_to} IS NULL",
            *tenants,
        )
        return live == versions

    def catch_up(
        self, tenants: Sequence[str], moments: dict[tuple[str, dt.datetime], dt.datetime]
    ) -> tuple[int, int]:
        """Close, open and mark versions for the rows looked at; (opened, closed)."""
        closed = sum(
            self.close(tenant, at, moments.get((tenant, at), at)) for tenant, at in self.to_close()
        )
        opened = sum(
            self.open(tenant, at, moments.get((tenant, at), at))
            for tenant, at in self.to_open_looked_at()
        )
        self.mark_seen()
        return opened, closed

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

    def to_close(self) -> list[tuple[str, dt.datetime]]:
        """Collect the open versions to close (their keys and closing moments) in a temporary
        table; the (tenant, moment) pairs among them. Closing then joins the history with that
        table alone, not again with the whole current table per moment."""
        tenant = self.q[TENANT_COLUMN]
        keys = ", ".join(f"t.{self.q[c]} AS {self.q[c]}" for c in self.dataset.key)
        self.client.execute_sql(f"DROP TABLE IF EXISTS {_CANDIDATES}")
        self.client.execute_sql(f"CREATE TEMPORARY TABLE {_CANDIDATES} AS {self._candidates()}")
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

    def _candidates(self) -> str:
        """The keys whose open version may close: deleted, or loaded again since compared,
        among the rows looked at. A join on the keys and these few columns; the full comparison
        of every value then joins these keys alone (at 100,000 employees the wide join of both
        whole tables ran out of DuckDB's 128 MB; an incremental run's candidates are a few
        hundred)."""
        q = self.q
        keys = ", ".join(f"r.{q[c]}" for c in self.dataset.key)
        return (
            f"SELECT {keys} FROM {_LOOKED_AT} r JOIN {self.history} h ON "
            f"{self._same_key('r', 'h')} AND h.{q[VALID_TO]} IS NULL AND (r.{q[DELETED_COLUMN]} "
            f"OR {self._touched('r', 'h')})"
        )

    def close(self, tenant: str, at: dt.datetime, moment: dt.datetime) -> int:
        """Close the collected open versions of ``tenant`` whose closing moment is ``at``."""
        of_pair = f"c.{self.q[TENANT_COLUMN]} = %s AND c.closing_at = %s"
        return written(
            self.client,
            f"UPDATE {self.history} SET {self.q[VALID_TO]} = %s FROM {_CLOSING} c "
            f"WHERE {self._same_key('c', self.history)} AND {self.history}.{self.q[VALID_TO]} "
            f"IS NULL AND {of_pair}",
            moment,
            tenant,
            at,
        )

    # ------------------------------------------------------------------ open
    def _unversioned(self, current: str) -> str:
        open_version = f"{self._same_key(current, 'h')} AND h.{self.q[VALID_TO]} IS NULL"
        return (
            f"NOT {current}.{self.q[DELETED_COLUMN]} AND NOT EXISTS "
            f"(SELECT 1 FROM {self.history} h WHERE {open_version})"
        )

    def to_open_unversioned(self, tenants: Sequence[str]) -> list[tuple[str, dt.datetime]]:
        """The (tenant, sync moment) pairs of the live rows, of tenants without any version."""
        tenant, synced = self.q[TENANT_COLUMN], self.q[SYNCED_AT_COLUMN]
        rows = self.client.execute_sql(
            f"SELECT DISTINCT t.{tenant}, t.{synced} FROM {self.table} t "
            f"WHERE t.{tenant} IN ({placeholders(tenants)}) AND NOT t.{self.q[DELETED_COLUMN]}",
            *tenants,
        )
        return [(str(t), _utc(at)) for t, at in rows or []]

    def to_open_looked_at(self) -> list[tuple[str, dt.datetime]]:
        """The (tenant, sync moment) pairs of the live rows looked at without an open version
        (a row left out has its open version)."""
        tenant, synced = self.q[TENANT_COLUMN], self.q[SYNCED_AT_COLUMN]
        rows = self.client.execute_sql(
            f"SELECT DISTINCT r.{tenant}, r.{synced} FROM {_LOOKED_AT} r "
            f"WHERE {self._unversioned('r')}"
        )
        return [(str(t), _utc(at)) for t, at in rows or []]

    def open(
        self, tenant: str, at: dt.datetime, moment: dt.datetime, versioned: bool = True
    ) -> int:
        """Open a version of each live row of ``tenant`` loaded at ``at`` that has no open
        version (``versioned`` false: the tenant has none at all, nothing to look up)."""
        columns = ", ".join(self.q[c] for c in self.values)
        picked = ", ".join(f"t.{self.q[c]}" for c in self.values)
        unversioned = self._unversioned("t") if versioned else f"NOT t.{self.q[DELETED_COLUMN]}"
        return written(
            self.client,
            f"INSERT INTO {self.history} ({columns}, {self.q[VALID_FROM]}, {self.q[VALID_TO]}, "
            f"{self.q[SEEN_AT]}) SELECT {picked}, %s, NULL, t.{self.q[SYNCED_AT_COLUMN]} "
            f"FROM {self.table} t WHERE t.{self.q[TENANT_COLUMN]} = %s AND "
            f"t.{self.q[SYNCED_AT_COLUMN]} = %s AND {unversioned}",
            moment,
            tenant,
            at,
        )

    # ------------------------------------------------------------------ seen
    def mark_seen(self) -> None:
        """Open versions whose row was loaded again unchanged: compared now, so marked with the
        row's sync moment (the next run compares them only when it loads them again)."""
        seen, synced = self.q[SEEN_AT], self.q[SYNCED_AT_COLUMN]
        self.client.execute_sql(
            f"UPDATE {self.history} SET {seen} = r.{synced} FROM {_LOOKED_AT} r "
            f"WHERE {self._same_key('r', self.history)} AND {self.history}.{self.q[VALID_TO]} "
            f"IS NULL AND NOT r.{self.q[DELETED_COLUMN]} AND {self._touched('r', self.history)}"
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

"""Where each (tenant, dataset) stands, read from the destination: the truth of what was loaded.

Every export a sync loads writes one row to ``_visma_sync_state`` in the same dlt load package
as its data rows. dlt records a package in ``_dlt_loads`` (status 0) only after every table of
it is loaded, so a state row counts only when its package's load id is there: a run killed half
way through a load leaves rows that count for nothing, and the next run asks again from the
last position whose data is complete. Nothing is read from a local folder, so an empty or new
destination always gets full exports, a restored backup gets what it lacks, and two
destinations never share a position.

Per (tenant, dataset) two things are read:

* the **cursor**: ``changeTimestampBefore`` of the newest loaded export, sent as
  ``changeTimestampAfter`` next time;
* the **deletion evidence**: the start of the newest *complete* full export (every row parsed,
  every file whole). Rows of the tenant not received since then are gone at the source;
* the ``fields`` the newest export was asked with: when they change, rows stored before lack
  (or hold) columns the new selection wants, so the next export is full.

"Newest" is by the destination's clock (``_dlt_loads.inserted_at``), not the machine's: a
machine whose clock is off must not make an older export look newer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from visma_hrm.catalog import SYNC_STATE_TABLE, TENANT_COLUMN
from visma_hrm.load.dlt_internals import DatabaseUndefinedRelation, SqlClient

LOADS_TABLE = "_dlt_loads"


@dataclass(frozen=True)
class Position:
    """One (tenant, dataset)'s starting point."""

    cursor: str | None = None
    complete_full_at: datetime | None = None
    fields: str | None = None
    """The ``fields`` value the newest export was asked with (None: every column)."""
    synced_at: datetime | None = None
    """When the run that loaded the newest export started."""


@dataclass
class Positions:
    """Positions of every (tenant, dataset) the destination holds a loaded export of."""

    by_pair: dict[tuple[str, str], Position] = field(default_factory=dict)

    def cursor(self, tenant_id: str, dataset: str) -> str | None:
        return self.by_pair.get((tenant_id, dataset), Position()).cursor

    def fields(self, tenant_id: str, dataset: str) -> str | None:
        return self.by_pair.get((tenant_id, dataset), Position()).fields

    def complete_full_at(self, tenant_id: str, dataset: str) -> datetime | None:
        return self.by_pair.get((tenant_id, dataset), Position()).complete_full_at

    def newest_load(self, tenant_id: str) -> datetime | None:
        """When the run that loaded the tenant's newest export (of any dataset) started."""
        moments = [p.synced_at for (t, _), p in self.by_pair.items() if t == tenant_id]
        return max((m for m in moments if m is not None), default=None)


def read_positions(client: SqlClient | None) -> Positions:
    """The positions stored in the destination behind ``client`` (dlt's SQL client).

    No client (a destination without SQL) or no state table yet means no positions: every
    export is full.
    """
    if client is None:
        return Positions()
    state = client.make_qualified_table_name(SYNC_STATE_TABLE)
    loads = client.make_qualified_table_name(LOADS_TABLE)
    tenant = client.escape_column_name(TENANT_COLUMN)
    order = "ORDER BY l.inserted_at DESC, x.load_id DESC"
    query = f"""
        SELECT s.{tenant}, s.dataset,
               max(CASE WHEN s.newest = 1 THEN s.change_timestamp_before END),
               max(CASE WHEN s.evidence AND s.newest_evidence = 1 THEN s.synced_at END),
               max(CASE WHEN s.newest = 1 THEN s.fields END),
               max(CASE WHEN s.newest = 1 THEN s.synced_at END)
        FROM (
            SELECT x.*, x.full_export AND x.complete_export AS evidence,
                   row_number() OVER (PARTITION BY x.{tenant}, x.dataset {order}) AS newest,
                   row_number() OVER (
                       PARTITION BY x.{tenant}, x.dataset, x.full_export AND x.complete_export
                       {order}) AS newest_evidence
            FROM {state} x JOIN {loads} l ON l.load_id = x.load_id AND l.status = 0
        ) s
        GROUP BY s.{tenant}, s.dataset
    """
    try:
        rows = client.execute_sql(query) or []
    except DatabaseUndefinedRelation:  # nothing loaded by this version of visma-hrm yet
        return Positions()
    return Positions(
        {
            (str(t), str(d)): Position(c, _aware(f), fields, _aware(newest))
            for t, d, c, f, fields, newest in rows
        }
    )


def _aware(value: Any) -> datetime | None:
    """A stored moment as an aware datetime in UTC (files may hand back naive ones)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

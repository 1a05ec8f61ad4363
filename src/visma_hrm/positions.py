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
  every file whole). Rows of the tenant not received since then are gone at the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from visma_hrm.catalog import SYNC_STATE_TABLE, TENANT_COLUMN
from visma_hrm.dlt_internals import DatabaseUndefinedRelation

LOADS_TABLE = "_dlt_loads"


@dataclass(frozen=True)
class Position:
    """One (tenant, dataset)'s starting point."""

    cursor: str | None = None
    complete_full_at: datetime | None = None


@dataclass
class Positions:
    """Positions of every (tenant, dataset) the destination holds a loaded export of."""

    by_pair: dict[tuple[str, str], Position] = field(default_factory=dict)

    def cursor(self, tenant_id: str, dataset: str) -> str | None:
        return self.by_pair.get((tenant_id, dataset), Position()).cursor

    def complete_full_at(self, tenant_id: str, dataset: str) -> datetime | None:
        return self.by_pair.get((tenant_id, dataset), Position()).complete_full_at


def read_positions(client: Any | None) -> Positions:
    """The positions stored in the destination behind ``client`` (dlt's SQL client).

    No client (a destination without SQL) or no state table yet means no positions: every
    export is full.
    """
    if client is None:
        return Positions()
    state = client.make_qualified_table_name(SYNC_STATE_TABLE)
    loads = client.make_qualified_table_name(LOADS_TABLE)
    tenant = client.escape_column_name(TENANT_COLUMN)
    query = f"""
        SELECT s.{tenant}, s.dataset,
               max(CASE WHEN s.is_newest THEN s.change_timestamp_before END),
               max(CASE WHEN s.full_export AND s.complete_export THEN s.synced_at END)
        FROM (
            SELECT x.*, row_number() OVER (
                       PARTITION BY x.{tenant}, x.dataset
                       ORDER BY x.synced_at DESC, x.load_id DESC) = 1
                   AS is_newest
            FROM {state} x JOIN {loads} l ON l.load_id = x.load_id AND l.status = 0
        ) s
        GROUP BY s.{tenant}, s.dataset
    """
    try:
        rows = client.execute_sql(query) or []
    except DatabaseUndefinedRelation:  # nothing loaded by this version of visma-hrm yet
        return Positions()
    return Positions({(str(t), str(d)): Position(c, _aware(f)) for t, d, c, f in rows})


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))

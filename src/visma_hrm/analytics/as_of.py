"""The one reference date: the day the analytics count on when no date is given.

``analytics``, ``report``, ``model`` and the demo all count on it, so one warehouse gives one
headcount everywhere: the last date the loaded data covers, from the newest export the sync
took (never later than today). Counting on today instead would show a copy synced a while ago,
or a sandbox whose clock is not today's, as if nothing had moved since.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from visma_hrm.analytics.build import (
    DEFAULT_SOURCE_SCHEMA,
    _connect,
    _Db,
    _tables_in,
    resolve_source_schema,
)
from visma_hrm.analytics.models import quote
from visma_hrm.catalog import SYNC_STATE_TABLE


def data_as_of(connection_or_path: Any, schema: str = DEFAULT_SOURCE_SCHEMA) -> dt.date:
    """The last date the data covers, never later than today.

    That is the moment of the newest export the data came from (the ``changeTimestampBefore``
    the sync keeps per tenant and dataset in ``_visma_sync_state``, next to the tables); without
    it (tables loaded some other way), the newest ``existencestartutc`` of employees
    and contracts: the latest change the data shows. A copy synced a while ago, or a sandbox
    whose clock is not today's date, is then counted on the day it describes, not on today,
    where nothing would move any more.
    """
    with _connect(connection_or_path) as db:
        source, present = resolve_source_schema(db, schema)
        latest = _newest_export(db, source) or _newest_change(db, source, present)
    today = dt.date.today()
    return min(latest, today) if latest else today


def _newest_export(db: _Db, source: str) -> dt.date | None:
    """The newest export moment among the positions the sync stored, if they are there."""
    if not {SYNC_STATE_TABLE, "_dlt_loads"} <= _tables_in(db, source):
        return None
    rows = db.query(
        f"SELECT max(s.change_timestamp_before) FROM {quote(source)}.{SYNC_STATE_TABLE} s "
        f"JOIN {quote(source)}._dlt_loads l ON l.load_id = s.load_id AND l.status = 0"
    )
    try:
        newest = rows[0][0] if rows else None
        return dt.date.fromisoformat(str(newest)[:10]) if newest else None
    except ValueError:
        return None  # a cursor of another shape: fall back to the data itself


def _newest_change(db: _Db, source: str, present: set[str]) -> dt.date | None:
    parts = [
        f"SELECT max(existencestartutc) AS t FROM {quote(source)}.{table} "
        'WHERE NOT coalesce("_visma_deleted", FALSE)'
        for table in ("employees", "contracts")
        if table in present
    ]
    rows = db.query(f"SELECT max(t) FROM ({' UNION ALL '.join(parts)}) AS changes")
    latest = rows[0][0] if rows else None
    if isinstance(latest, dt.datetime):
        return latest.astimezone(dt.UTC).date() if latest.tzinfo else latest.date()
    return latest if isinstance(latest, dt.date) else None

"""When a version begins and ends: the moment each loaded export's changes stood at.

A version opened or closed by a sync carries the export's ``changeTimestampBefore`` (the
moment the source's changes were read up to), not the sync's own start, when the destination
recorded one for that (tenant, sync); ``visma_hrm.sync.steps.history`` looks it up here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from visma_hrm.catalog import SYNC_STATE_TABLE, TENANT_COLUMN, Dataset
from visma_hrm.load.positions import LOADS_TABLE
from visma_hrm.warehouse.sql import SqlClient, utc


def export_moments(
    client: SqlClient, dataset: Dataset
) -> dict[tuple[str, dt.datetime], dt.datetime]:
    """(tenant, sync start) -> the export's changeTimestampBefore, for loaded exports."""
    state = client.make_qualified_table_name(SYNC_STATE_TABLE)
    loads = client.make_qualified_table_name(LOADS_TABLE)
    tenant = client.escape_column_name(TENANT_COLUMN)
    rows = client.execute_sql(
        f"SELECT s.{tenant}, s.synced_at, s.change_timestamp_before FROM {state} s "
        f"JOIN {loads} l ON l.load_id = s.load_id AND l.status = 0 WHERE s.dataset = %s",
        dataset.name,
    )
    out: dict[tuple[str, dt.datetime], dt.datetime] = {}
    for tenant_id, synced_at, before in rows or []:
        moment = parse_moment(before)
        if moment is not None:
            out[(str(tenant_id), utc(synced_at))] = moment
    return out


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

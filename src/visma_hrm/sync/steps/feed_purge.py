"""Columns kept out later leave the change feed too: its stored events and what it saw.

A column that ``fields`` or the ``contact`` profile keeps out after the feed stored events
still sits in their ``before``/``after`` and in ``_visma_changes_seen``; the exclusions step
(``visma_hrm.sync.steps.exclusions``) calls ``purge_columns`` for each dataset it empties.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from visma_hrm.sync.steps.changes import CHANGES_TABLE, SEEN_TABLE
from visma_hrm.sync.steps.field_events import CUSTOM_FIELD_CHANGE, UDF_DATASETS
from visma_hrm.warehouse.sql import SqlClient


def purge_columns(client: SqlClient, dataset: str, columns: Sequence[str]) -> int:
    """Take ``columns`` out of the stored events of ``dataset`` and of what the feed saw.

    A column kept out later (``fields``, the ``contact`` profile) must leave the feed too: its
    old values sit in the ``before``/``after`` of events stored before, and in
    ``_visma_changes_seen`` (which would otherwise report the emptied value as a change). A
    personal data change left with nothing in it is removed. Returns the events changed.
    """
    gone = set(columns)
    changes, seen = (client.make_qualified_table_name(t) for t in (CHANGES_TABLE, SEEN_TABLE))
    if dataset in UDF_DATASETS and gone & {"value", "listname"}:
        return _purge_field_values(client, dataset, changes, seen)
    rows = client.execute_sql(
        f"SELECT event_id, type, before, after FROM {changes} WHERE dataset = %s", dataset
    )
    changed = 0
    with client.begin_transaction():
        for event_id, kind, before, after in rows or []:
            old = (json.loads(before or "{}"), json.loads(after or "{}"))
            new = tuple({k: v for k, v in side.items() if k not in gone} for side in old)
            if new == old:
                continue
            changed += 1
            if kind == "personal_data_change" and not any(new):
                client.execute_sql(f"DELETE FROM {changes} WHERE event_id = %s", event_id)
                continue
            client.execute_sql(
                f"UPDATE {changes} SET before = %s, after = %s WHERE event_id = %s",
                *(json.dumps(side, sort_keys=True, default=str) for side in new),
                event_id,
            )
        _purge_seen(client, seen, dataset, gone)
    return changed


def _purge_field_values(client: SqlClient, dataset: str, changes: str, seen: str) -> int:
    """A custom field table's values kept out later: its events go, and what the feed saw."""
    where = f"WHERE dataset = %s AND type = '{CUSTOM_FIELD_CHANGE}'"
    found = client.execute_sql(f"SELECT count(*) FROM {changes} {where}", dataset)
    with client.begin_transaction():
        client.execute_sql(f"DELETE FROM {changes} {where}", dataset)
        client.execute_sql(f"UPDATE {seen} SET seen = '{{}}' WHERE dataset = %s", dataset)
    return int(found[0][0]) if found else 0


def _purge_seen(client: SqlClient, seen: str, dataset: str, gone: set[str]) -> None:
    rows = client.execute_sql(
        f"SELECT tenant_id, row_key, seen FROM {seen} WHERE dataset = %s", dataset
    )
    for tenant, row_key, text in rows or []:
        values = json.loads(text or "{}")
        kept = {k: v for k, v in values.items() if k not in gone}
        if kept != values:
            client.execute_sql(
                f"UPDATE {seen} SET seen = %s WHERE tenant_id = %s AND dataset = %s "
                "AND row_key = %s",
                json.dumps(kept, sort_keys=True),
                tenant,
                dataset,
                row_key,
            )

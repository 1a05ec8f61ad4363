"""Marking rows deleted at the source, on the evidence of a complete full export.

A row is never removed: it gets ``_visma_deleted = true`` and ``_visma_deleted_at``. Only a
complete full export (every row parsed and loaded; see ``visma_hrm.load.positions``) is evidence:
the
tenant's rows it did not carry are the ones with ``_visma_synced_at`` before its start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from visma_hrm.catalog import DELETED_AT_COLUMN, DELETED_COLUMN, SYNCED_AT_COLUMN, TENANT_COLUMN
from visma_hrm.load.dlt_internals import DatabaseUndefinedRelation


def mark_deleted(client: Any, tenant_id: str, dataset: str, cutoff: datetime) -> int:
    """Soft-delete the tenant's rows that the full export started at ``cutoff`` did not carry.

    Idempotent: a second call finds nothing left to mark. Returns the rows marked now.
    """
    name = client.make_qualified_table_name(dataset)
    tenant, synced, deleted, deleted_at = (
        client.escape_column_name(c)
        for c in (TENANT_COLUMN, SYNCED_AT_COLUMN, DELETED_COLUMN, DELETED_AT_COLUMN)
    )
    where = f"{tenant} = %s AND {synced} < %s AND NOT {deleted}"
    try:
        rows = client.execute_sql(f"SELECT count(*) FROM {name} WHERE {where}", tenant_id, cutoff)
    except DatabaseUndefinedRelation:
        return 0  # the full export carried no rows and nothing was ever loaded
    found = int(rows[0][0]) if rows else 0
    if found:
        client.execute_sql(
            f"UPDATE {name} SET {deleted} = true, {deleted_at} = %s WHERE {where}",
            cutoff,
            tenant_id,
            cutoff,
        )
    return found

"""Small reads through dlt's SQL client that several steps of a run share."""

from __future__ import annotations

from typing import Any

from visma_hrm.load.dlt_internals import DatabaseUndefinedRelation


def stored_columns(client: Any, table: str) -> list[str]:
    """The columns the destination's table has now (none when it does not exist)."""
    try:
        with client.execute_query(
            f"SELECT * FROM {client.make_qualified_table_name(table)} WHERE 1 = 0"
        ) as cursor:
            return [str(d[0]) for d in cursor.description]
    except DatabaseUndefinedRelation:
        return []

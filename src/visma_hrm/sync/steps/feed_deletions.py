"""The change feed's ``record_deleted`` events: rows a complete full export no longer carried.

Read from the ``_visma_deleted`` mark the deletions step sets (only on complete evidence), one
event per row and deletion; ``visma_hrm.sync.steps.changes`` keeps those not stored before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from visma_hrm.catalog import DATASETS, DELETED_AT_COLUMN, DELETED_COLUMN, TENANT_COLUMN
from visma_hrm.sync.steps.change_events import Event, text_value
from visma_hrm.warehouse.sql import SqlClient


def deleted_rows(client: SqlClient, tenant: str, stored: Mapping[str, list[str]]) -> list[Event]:
    """Rows marked deleted at the source (complete full exports only)."""
    out = []
    for dataset in ("employees", "contracts", "employee_udf_histories", "contract_udf_histories"):
        spec = DATASETS[dataset]
        if not stored.get(dataset):
            continue
        keys = [k for k in spec.primary_key]
        select = ", ".join(client.escape_column_name(c) for c in [*keys, DELETED_AT_COLUMN])
        name = client.make_qualified_table_name(dataset)
        rows = client.execute_sql(
            f"SELECT {select} FROM {name} WHERE {client.escape_column_name(TENANT_COLUMN)} = %s "
            f"AND {client.escape_column_name(DELETED_COLUMN)}",
            tenant,
        )
        for row in rows or []:
            values = dict(zip(keys, row[:-1], strict=True))
            row_key = "|".join(str(text_value(values[k])) for k in keys)
            deleted_at = row[-1]
            out.append(
                Event(
                    tenant,
                    "record_deleted",
                    text_value(values.get("employeeid")),
                    text_value(values.get("contractid")),
                    deleted_at.date() if isinstance(deleted_at, dt.datetime) else None,
                    {},
                    {},
                    ("deleted", dataset, row_key),
                    dataset,
                    row_key,
                )
            )
    return out

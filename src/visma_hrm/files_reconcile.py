"""Mark rows deleted at the source in a Delta table, as a full refresh does on SQL destinations.

On SQL destinations the sync soft-deletes a tenant's rows that the last full export did not
carry (``pipeline.mark_deleted``: ``_visma_synced_at`` older than the export's start). A Delta
table has no SQL client, but delta-rs can update rows in place: this module does the same
update there, with the same columns and the same idempotence. It is self-contained and not yet
wired into the sync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from visma_hrm.catalog import DELETED_AT_COLUMN, DELETED_COLUMN, SYNCED_AT_COLUMN, TENANT_COLUMN


def _column(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def mark_deleted_delta(
    table_uri: str,
    tenant_id: str,
    cutoff: dt.datetime,
    *,
    tenant_column: str = TENANT_COLUMN,
    synced_at_column: str = SYNCED_AT_COLUMN,
    deleted_column: str = DELETED_COLUMN,
    deleted_at_column: str = DELETED_AT_COLUMN,
    storage_options: Mapping[str, str] | None = None,
) -> int:
    """Soft-delete the tenant's rows last synced before ``cutoff`` (the full export's start).

    Sets ``deleted_column`` true and ``deleted_at_column`` to ``cutoff`` on rows of
    ``tenant_id`` whose ``synced_at_column`` is older than ``cutoff`` and that are not marked
    yet. Returns the rows marked now; a second call marks nothing and writes no new version.
    A table that does not exist yet holds nothing to mark: 0.
    """
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    if cutoff.tzinfo is None:
        raise ValueError("cutoff must be timezone-aware (the export's start, in UTC)")
    moment = _text(cutoff.astimezone(dt.UTC).isoformat())
    options = dict(storage_options) if storage_options else None
    try:
        table = DeltaTable(table_uri, storage_options=options)
    except TableNotFoundError:
        return 0
    predicate = (
        f"{_column(tenant_column)} = {_text(tenant_id)} "
        f"AND {_column(synced_at_column)} < {moment} "
        f"AND NOT coalesce({_column(deleted_column)}, false)"
    )
    metrics = table.update(
        predicate=predicate,
        updates={_column(deleted_column): "true", _column(deleted_at_column): moment},
    )
    return int(metrics["num_updated_rows"])

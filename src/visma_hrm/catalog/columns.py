"""The shape of an export: column types, a column, a dataset, and the bookkeeping names every
table shares (tenant, deletion mark, sync time, rejected rows, sync state).

Arrow types are made on first use: ``visma-hrm check`` reads the catalog without pyarrow.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from visma_hrm.catalog.personal import PERSONAL_COLUMNS, Role, is_contact, is_personal

if TYPE_CHECKING:  # pyarrow only where Arrow types are asked for: `visma-hrm check` needs none
    import pyarrow as pa

TENANT_COLUMN = "tenant_id"
"""Added to every row: the tenant (customer database) the row came from. Part of every key."""

DELETED_COLUMN = "_visma_deleted"
"""Soft-delete flag: true once a full export no longer carries the row."""

DELETED_AT_COLUMN = "_visma_deleted_at"
"""When a full export first found the row gone."""

SYNCED_AT_COLUMN = "_visma_synced_at"
"""Start of the sync run that last received the row; full-export reconciliation compares it."""

REJECTED_ROWS_TABLE = "_visma_rejected_rows"
"""Rows that could not be parsed: raw text and reason, never silently dropped."""

SYNC_STATE_TABLE = "_visma_sync_state"
"""One row per loaded export (tenant, dataset, cursor, full or not, complete or not): where the
next sync starts is read from here, in the destination (see ``visma_hrm.load.positions``)."""

STEPS_TABLE = "_visma_steps"
"""Per tenant, through which load the after-load steps ran (``visma_hrm.sync.steps``): a load
whose steps never ran (a user's pipeline that did not call ``finish``) is caught up."""

ADDED_COLUMN_PREFIXES = ("_visma_", "_dlt_")
"""Columns visma-hrm and dlt add to a dataset's table: never the source's values."""


def is_added_column(column: str) -> bool:
    """A column visma-hrm or dlt added (``_visma_*``, ``_dlt_*``), not one of the export."""
    return column.startswith(ADDED_COLUMN_PREFIXES)


def is_bookkeeping(column: str) -> bool:
    """The tenant and the added columns: never compared as values, never emptied."""
    return column == TENANT_COLUMN or is_added_column(column)


DECIMAL_PRECISION, DECIMAL_SCALE = 18, 6
"""Hours, factors and amounts: 12 integer digits and 6 decimals (part-time factors such as
0.888889 keep their precision; a value with more decimals is rejected, never rounded)."""


class ColumnType(enum.Enum):
    """The logical types a CSV column can carry. Values are dlt's data type names."""

    TEXT = "text"
    DATE = "date"
    TIMESTAMP = "timestamp"
    INTEGER = "bigint"
    DECIMAL = "decimal"
    BOOLEAN = "bool"

    @property
    def arrow_type(self) -> pa.DataType:
        return _arrow_types()[self]


@functools.cache
def _arrow_types() -> dict[ColumnType, pa.DataType]:
    """Arrow type per column type, made on first use (importing pyarrow costs ~0.3 s)."""
    import pyarrow as pa

    return {
        ColumnType.TEXT: pa.string(),
        ColumnType.DATE: pa.date32(),
        ColumnType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
        ColumnType.INTEGER: pa.int64(),
        ColumnType.DECIMAL: pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE),
        ColumnType.BOOLEAN: pa.bool_(),
    }


@dataclass(frozen=True)
class Column:
    """One known column of an export.

    Whether it is personal data, and of which kind, is said once for every dataset in
    ``visma_hrm.catalog.personal`` (``personal``, ``contact`` and ``role`` read it there).
    """

    name: str
    type: ColumnType = ColumnType.TEXT

    @property
    def personal(self) -> bool:
        """Personal data under the AVG/GDPR that describes or reaches a person."""
        return is_personal(self.name)

    @property
    def contact(self) -> bool:
        """Private contact and address data: the ``contact`` profile keeps it at Visma."""
        return is_contact(self.name)

    @property
    def role(self) -> Role | None:
        found = PERSONAL_COLUMNS.get(self.name)
        return found.role if found else None

    def dlt_hint(self) -> dict[str, Any]:
        hint: dict[str, Any] = {"name": self.name, "data_type": self.type.value, "nullable": True}
        if self.type is ColumnType.DECIMAL:
            hint["precision"], hint["scale"] = DECIMAL_PRECISION, DECIMAL_SCALE
        if self.type is ColumnType.TIMESTAMP:
            hint["timezone"] = True
            hint["precision"] = 6
        return hint


@dataclass(frozen=True)
class Dataset:
    """One export of the analytics API and the table it loads into.

    ``primary_key`` lists the columns that identify a row *within one tenant*; the tenant id
    is always prepended (see ``key``). ``key_reason`` documents why those columns.
    """

    name: str
    path: str
    uris_field: str
    scope: str
    primary_key: tuple[str, ...]
    key_reason: str
    description: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def table(self) -> str:
        return self.name

    @property
    def key(self) -> tuple[str, ...]:
        return (TENANT_COLUMN, *self.primary_key)

    @property
    def command_path(self) -> str:
        return f"/v1/command/{self.path}"

    def query_path(self, job_id: str) -> str:
        return f"/v1/query/{self.path}/{job_id}"

    def column(self, name: str) -> Column | None:
        return self._by_name.get(name)

    def column_type(self, name: str) -> ColumnType:
        """Type of a column; unknown columns are text (schema drift never loses data)."""
        known = self.column(name)
        return known.type if known else ColumnType.TEXT

    def personal_columns(self) -> tuple[str, ...]:
        """Personal data under the AVG/GDPR (``visma_hrm.catalog.personal``)."""
        return tuple(c.name for c in self.columns if c.personal)

    def contact_columns(self) -> tuple[str, ...]:
        """Private contact and address columns: what the ``contact`` profile keeps at Visma."""
        return tuple(c.name for c in self.columns if c.contact)

    def arrow_schema(self) -> pa.Schema:
        """Schema of the data columns (without tenant and bookkeeping columns)."""
        import pyarrow as pa

        return pa.schema([pa.field(c.name, c.type.arrow_type) for c in self.columns])

    def dlt_columns(self) -> list[dict[str, Any]]:
        """Column hints for dlt, so that a column exists even when a customer leaves it empty."""
        hints = [{"name": TENANT_COLUMN, "data_type": "text", "nullable": False}]
        hints += [c.dlt_hint() for c in self.columns]
        hints += [
            {"name": DELETED_COLUMN, "data_type": "bool", "nullable": False},
            {"name": DELETED_AT_COLUMN, "data_type": "timestamp", "nullable": True},
            {"name": SYNCED_AT_COLUMN, "data_type": "timestamp", "nullable": False},
        ]
        for hint in hints:
            if hint["name"] in self.key:
                hint["primary_key"] = True
                hint["nullable"] = False
        return hints

    @functools.cached_property
    def _by_name(self) -> Mapping[str, Column]:
        """Built once per dataset: the parser asks for every column of every batch."""
        return {c.name: c for c in self.columns}

"""A made-up dataset with every column type once, for the CSV -> Arrow reading tests."""

from __future__ import annotations

from visma_hrm.catalog import Column, ColumnType, Dataset

TYPED = Dataset(
    name="typed",
    path="x/typed",
    uris_field="typedFileUris",
    scope="s",
    primary_key=("id",),
    key_reason="test",
    description="every type once",
    columns=(
        Column("id"),
        Column("day", ColumnType.DATE),
        Column("at", ColumnType.TIMESTAMP),
        Column("n", ColumnType.INTEGER),
        Column("amount", ColumnType.DECIMAL),
        Column("flag", ColumnType.BOOLEAN),
        Column("absent", ColumnType.DATE),
    ),
)

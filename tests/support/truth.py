"""Compare what landed in a destination with the sandbox's ground truth, value by value.

The truth comes as CSV text (``'1.0000'``, ``'True'``, ``'2018-02-02T10:13:40.1731794Z'``);
the destination holds typed values (``Decimal('1')``, ``True``, a datetime). Both sides are
brought to one canonical text form per catalog type, so that a difference means a real loss:
a changed digit, a shifted date, a lost fraction of a second beyond microseconds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from tests.support.tables import fetch_rows
from visma_hrm.catalog import (
    DATASETS,
    DELETED_COLUMN,
    TENANT_COLUMN,
    ColumnType,
    Dataset,
)
from visma_hrm.config import Settings

Row = Mapping[str, Any]
Key = tuple[str | None, ...]
Pair = tuple[str, str]
"""(tenant_id, dataset)."""

_TRUE = {"true", "1", "yes", "ja"}
_FALSE = {"false", "0", "no", "nee"}
_FRACTION = re.compile(r"(\.\d{6})\d+")


def canon(value: Any, ctype: ColumnType) -> str | None:
    """One text form per type for a CSV text value or a typed destination value."""
    if value is None or value == "":
        return None
    if ctype is ColumnType.DATE:
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if ctype is ColumnType.TIMESTAMP:
        return _timestamp(value)
    if ctype is ColumnType.DECIMAL:
        number = Decimal(str(value)).normalize()
        return "0" if number.is_zero() else f"{number:f}"
    if ctype is ColumnType.BOOLEAN:
        return _boolean(value)
    if ctype is ColumnType.INTEGER:
        return str(int(value))
    return str(value)


def _timestamp(value: Any) -> str:
    if isinstance(value, str):
        # microseconds are what the destination keeps: the 7th digit is cut, never rounded
        value = dt.datetime.fromisoformat(_FRACTION.sub(r"\1", value.replace("Z", "+00:00")))
    assert isinstance(value, dt.datetime), value
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def _boolean(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip().lower()
    if text in _TRUE:
        return "true"
    if text in _FALSE:
        return "false"
    raise AssertionError(f"not a boolean: {value!r}")


def canon_row(dataset: Dataset, row: Row, columns: Sequence[str]) -> dict[str, str | None]:
    return {c: canon(row.get(c), dataset.column_type(c)) for c in columns}


def key_of(dataset: Dataset, row: Mapping[str, str | None]) -> Key:
    return tuple(row[k] for k in dataset.primary_key)


def truth_table(
    truth_rows: Sequence[Row], dataset: Dataset
) -> tuple[list[str], dict[Key, dict[str, str | None]]]:
    """The truth as {key: canonical row}; refuses duplicate keys (they would hide losses)."""
    columns = list(truth_rows[0]) if truth_rows else []
    table: dict[Key, dict[str, str | None]] = {}
    for raw in truth_rows:
        row = canon_row(dataset, raw, columns)
        key = key_of(dataset, row)
        assert key not in table, f"duplicate key {key} in the truth of {dataset.name}"
        table[key] = row
    return columns, table


def destination_table(
    rows: Sequence[Row], dataset: Dataset, tenant_id: str, columns: Sequence[str]
) -> dict[Key, dict[str, Any]]:
    """One tenant's rows as {key: canonical row + deleted flag}; refuses duplicate keys."""
    table: dict[Key, dict[str, Any]] = {}
    for raw in rows:
        if raw[TENANT_COLUMN] != tenant_id:
            continue
        row: dict[str, Any] = canon_row(dataset, raw, columns)
        row[DELETED_COLUMN] = raw[DELETED_COLUMN]
        key = key_of(dataset, row)
        assert key not in table, f"duplicate key {key} in {dataset.name} for {tenant_id}"
        table[key] = row
    return table


def differences(
    truth_rows: Sequence[Row],
    loaded_rows: Sequence[Row],
    dataset_name: str,
    tenant_id: str,
    *,
    deleted_may_linger: bool = False,
) -> list[str]:
    """Human-readable differences between the truth and one tenant's loaded rows (empty: equal).

    Rows not in the truth must be marked deleted, unless ``deleted_may_linger`` (after an
    incremental run, which cannot know about deletions); rows in the truth must be current and
    equal in every column of the export.
    """
    dataset = DATASETS[dataset_name]
    columns, truth = truth_table(truth_rows, dataset)
    loaded = destination_table(loaded_rows, dataset, tenant_id, columns)
    problems: list[str] = []
    for key, expected in truth.items():
        got = loaded.get(key)
        if got is None:
            problems.append(f"missing {key}")
            continue
        if got[DELETED_COLUMN]:
            problems.append(f"{key} marked deleted but present at the source")
        for column, value in expected.items():
            if got[column] != value:
                problems.append(f"{key}.{column}: expected {value!r}, loaded {got[column]!r}")
    for key, got in loaded.items():
        if key not in truth and not got[DELETED_COLUMN] and not deleted_may_linger:
            problems.append(f"{key} gone at the source but not marked deleted")
    return problems


def destination_problems(
    sb: Any, read: Callable[[str], Sequence[Row]], *, deleted_may_linger: bool = False
) -> list[str]:
    """Differences between every table (``read(dataset)`` gives its rows) and the sandbox's
    truth, per tenant; rows of a tenant the sandbox does not have fail at once."""
    problems: list[str] = []
    for name in DATASETS:
        loaded = read(name)
        tenants = {r[TENANT_COLUMN] for r in loaded}
        assert tenants <= set(sb.tenant_ids), f"{name}: rows of unknown tenants {tenants}"
        for tenant in sb.tenant_ids:
            found = differences(
                sb.truth(tenant, name),
                loaded,
                name,
                tenant,
                deleted_may_linger=deleted_may_linger,
            )
            problems += [f"{tenant[:8]} {name}: {p}" for p in found]
    return problems


def assert_equal_to_truth(sb: Any, settings: Settings, *, deleted_may_linger: bool = False) -> None:
    """Every tenant x dataset of the destination equals the sandbox's truth."""
    problems = destination_problems(
        sb, lambda name: fetch_rows(settings, name), deleted_may_linger=deleted_may_linger
    )
    assert not problems, "\n".join(problems[:30])


def truth_problems(
    sb: Any,
    settings: Settings,
    pairs: Iterable[Pair],
    *,
    deleted_may_linger: bool = True,
) -> list[str]:
    """Differences between the destination and the sandbox's truth for these pairs."""
    problems: list[str] = []
    by_dataset: dict[str, list[dict[str, Any]]] = {}
    for tenant, name in pairs:
        if name not in by_dataset:
            by_dataset[name] = fetch_rows(settings, name)
        found = differences(
            sb.truth(tenant, name),
            by_dataset[name],
            name,
            tenant,
            deleted_may_linger=deleted_may_linger,
        )
        problems += [f"{tenant[:8]} {name}: {p}" for p in found]
    return problems


def assert_truth(
    sb: Any, settings: Settings, pairs: Iterable[Pair], *, deleted_may_linger: bool = True
) -> None:
    """These pairs of the destination equal the sandbox's truth (deletions may linger)."""
    problems = truth_problems(sb, settings, pairs, deleted_may_linger=deleted_may_linger)
    assert not problems, "\n".join(problems[:30])


def all_pairs(sb: Any, datasets: Sequence[str]) -> list[Pair]:
    """Every (tenant, dataset) pair of the sandbox for these datasets."""
    return [(t, d) for t in sb.tenant_ids for d in datasets]

"""The change feed's opt-in events (``change_feed_events``): a custom field's new value, and
a contract's salary, scale or step (no I/O here; ``changes`` reads the rows and stores them).

A custom field's history row seen for the first time is compared with the row before it (the
same employee or contract and field, the latest earlier start): a value that differs, or a first
value, is a ``custom_field_change`` on the row's start date; a row whose value changed in place
since the last sync is one too. The value is what the analytics show
(``visma_hrm.catalog.custom_fields.shown_value``: a list field's entry name). Pay changes are
ordinary contract attribute events (``change_events``) with the columns ``PAY_EVENTS`` names.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from visma_hrm.catalog import DELETED_COLUMN
from visma_hrm.catalog.custom_fields import shown_value
from visma_hrm.sync.steps.change_events import Event, text_value

PAY_EVENTS: dict[str, tuple[str, ...]] = {
    "salary_change": ("salaryfulltime", "salaryhour"),
    "scale_change": ("scale",),
    "step_change": ("step",),
}
"""Opt-in event type -> the contract columns whose change makes it."""
CUSTOM_FIELD_CHANGE = "custom_field_change"
UDF_DATASETS = {"employee_udf_histories": False, "contract_udf_histories": True}
"""The custom field tables, and whether their rows belong to a contract."""
UDF_READ = ("fieldname", "listname", "value", "fieldtypeid")
"""What the feed reads of a custom field row besides its key and dates."""


def _entity(row: Mapping[str, Any], contract: bool) -> tuple[str, ...]:
    keys = ("employeeid", "contractid") if contract else ("employeeid",)
    return tuple(str(row[k]) for k in keys)


def _row_key(row: Mapping[str, Any], contract: bool) -> str:
    keys = ["employeeid", "contractid", "subcontractid"] if contract else ["employeeid"]
    parts = [str(row[k]) for k in keys] + [str(row["fieldname"]), str(text_value(row["startdate"]))]
    return "|".join(parts)


def _order(row: Mapping[str, Any]) -> tuple[Any, ...]:
    sub = str(row.get("subcontractid") or "")
    return (row["startdate"] or dt.date.min, len(sub), sub)


def custom_field_events(
    tenant_id: str,
    dataset: str,
    rows: Sequence[dict[str, Any]],
    fields: Sequence[str],
    seen: Mapping[tuple[str, str], dict[str, Any]],
    now_seen: dict[tuple[str, str], dict[str, Any]],
) -> list[Event]:
    """The new ``custom_field_change`` events of one custom field table; what this sync sees of
    it goes into ``now_seen``. ``fields`` match field names without regard to case."""
    wanted = {f.strip().lower() for f in fields}
    contract = UDF_DATASETS[dataset]
    histories: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        if row[DELETED_COLUMN] or str(row["fieldname"] or "").strip().lower() not in wanted:
            continue
        histories.setdefault((*_entity(row, contract), str(row["fieldname"])), []).append(row)
    events: list[Event] = []
    for history in histories.values():
        history.sort(key=_order)
        previous: str | None = None
        for row in history:
            value = shown_value(row.get("fieldtypeid"), row.get("listname"), row.get("value"))
            row_key = _row_key(row, contract)
            now_seen[(dataset, row_key)] = {"value": value}
            old = seen.get((dataset, row_key))
            was = old.get("value") if old is not None else previous
            if (old is None or "value" in old) and was != value:
                identity: tuple[Any, ...] = ("custom_field", dataset, row_key)
                if old is not None:
                    identity += (json.dumps(value),)
                events.append(_event(tenant_id, dataset, row, row_key, was, value, identity))
            previous = value
    return events


def _event(
    tenant_id: str,
    dataset: str,
    row: Mapping[str, Any],
    row_key: str,
    before: str | None,
    after: str | None,
    identity: tuple[Any, ...],
) -> Event:
    field = str(row["fieldname"])
    return Event(
        tenant_id,
        CUSTOM_FIELD_CHANGE,
        str(row["employeeid"]),
        str(row["contractid"]) if UDF_DATASETS[dataset] else None,
        row["startdate"],
        {field: before},
        {field: after},
        identity,
        dataset,
        row_key,
    )

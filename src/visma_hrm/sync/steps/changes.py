"""Step: the change feed, one row per business event per person and employment, in ``changes``.

Derived after each load from the rows in the destination, never from the API's deltas:

* a contract version (subcontract) seen for the first time is compared with the version before
  it: each tracked attribute that differs is one event (transfer, function, hours, manager,
  cost centre); a contract's first version is a hire, or a rehire when the same person (the
  analytics' person grouping) had a contract that ended before it started;
* a contract's last version with an end date is a leave (effective on the end date, which can
  be in the future);
* an employee version seen for the first time is compared with the version before it; a
  version whose personal values changed in place (a correction) is compared with what the
  last sync saw: either is a personal data change;
* a row marked deleted (``_visma_deleted``, complete full exports only) is a record deletion.

Every event has a deterministic ``event_id``; a batch's new events, its new
``_visma_changes_seen`` (what this sync saw) and its digests are written in one transaction, so
a re-run or a killed run adds no duplicate and a missed night loses no new version: a batch
not committed keeps its old digests and is derived again next time. One transaction a batch,
not one for the whole feed: DuckDB holds what a transaction wrote in memory until it commits,
and a first feed of 100,000 employees (303,000 events) grew the run by 300 MB. Columns the
user keeps out are neither compared nor stored, and ``purge_columns`` takes them out of events
stored before.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from visma_hrm.catalog import DATASETS, DELETED_AT_COLUMN, DELETED_COLUMN, TENANT_COLUMN
from visma_hrm.catalog.personal import PERSON_IDENTITY
from visma_hrm.messages import Note
from visma_hrm.sync.plan import RunPlan
from visma_hrm.sync.steps import feed_scope
from visma_hrm.sync.steps.base import StepContext, StepResult
from visma_hrm.sync.steps.change_events import (
    CONTRACT_EVENTS,
    PERSONAL,
    Event,
    derive,
    text_value,
)
from visma_hrm.sync.steps.field_events import (
    PAY_EVENTS,
    UDF_DATASETS,
    UDF_READ,
    custom_field_events,
)
from visma_hrm.warehouse.bulk import insert_rows
from visma_hrm.warehouse.sql import SqlClient, stored_columns

__all__ = [
    "CHANGES_TABLE",
    "CONTRACT_EVENTS",
    "FIELDS",
    "PERSONAL",
    "SEEN_TABLE",
    "ChangeFeed",
    "update_feed",
]

CHANGES_TABLE = "changes"
SEEN_TABLE = "_visma_changes_seen"

FIELDS = (
    "event_id",
    "tenant_id",
    "type",
    "person_key",
    "employeeid",
    "contractid",
    "effective_date",
    "detected_at",
    "before",
    "after",
    "dataset",
    "row_key",
)
"""The feed's columns: a contract for scripts reading it (docs/changes.md)."""


_ALL_KINDS = {**CONTRACT_EVENTS, **PAY_EVENTS}
_DDL = {
    CHANGES_TABLE: (
        "event_id VARCHAR(64) NOT NULL, tenant_id VARCHAR(64) NOT NULL, type VARCHAR(32) NOT "
        "NULL, person_key TEXT, employeeid TEXT, contractid TEXT, effective_date DATE, "
        "detected_at TIMESTAMP WITH TIME ZONE NOT NULL, before TEXT, after TEXT, dataset TEXT, "
        "row_key TEXT"
    ),
    SEEN_TABLE: "tenant_id VARCHAR(64) NOT NULL, dataset TEXT NOT NULL, row_key TEXT NOT NULL, "
    "employeeid TEXT, seen TEXT",
}
_SEEN_FIELDS = ("tenant_id", "dataset", "row_key", "employeeid", "seen")
_SEEN_READ = ("dataset", "row_key", "seen")


@dataclass(frozen=True)
class _FeedSettings:
    """What the feed derives: the columns kept out per dataset, the opt-in pay events with
    their columns, and the custom fields asked for."""

    ignored: Mapping[str, frozenset[str]]
    opted: Mapping[str, tuple[str, ...]]
    custom_fields: Sequence[str]


class ChangeFeed:
    """Add this sync's business events to ``changes`` (``change_feed = true``)."""

    name = "change_feed"

    def wanted(self, plan: RunPlan) -> bool:
        return plan.change_feed

    def run(self, context: StepContext) -> StepResult:
        ignored = kept_out(context.plan)
        opted = context.plan.feed_events
        with context.session.sql() as sql:
            added = update_feed(
                sql, context.tenants, context.started, ignored, opted.pay, opted.custom_fields
            )
        return StepResult(notes=[Note("note.changes", changed=bool(added), added=added)])


def kept_out(plan: RunPlan) -> dict[str, frozenset[str]]:
    """Per dataset of the feed, the columns the plan's selections keep out of storage."""
    out: dict[str, frozenset[str]] = {}
    for dataset in ("contracts", "employees", *UDF_DATASETS):
        selection = plan.selections.get(dataset)
        if selection is None:
            continue
        if selection.include:
            tracked = {*PERSONAL, *UDF_READ, *(c for cs in _ALL_KINDS.values() for c in cs)}
            out[dataset] = frozenset(tracked - set(selection.include))
        else:
            out[dataset] = frozenset(selection.exclude)
    return out


def update_feed(
    client: SqlClient,
    tenants: Sequence[str],
    detected_at: dt.datetime,
    ignored: Mapping[str, frozenset[str]] | None = None,
    pay: Sequence[str] = (),
    custom_fields: Sequence[str] = (),
) -> int:
    """Derive and store the new events of ``tenants``; returns how many were added.

    Only the employeeids whose rows changed since the last run are read and derived
    (``feed_scope``): the work follows the changed rows, not the size of the tables.
    ``pay`` and ``custom_fields``: the opt-in events asked for (``change_feed_events``).
    """
    stored = {t: stored_columns(client, t) for t in ("contracts", "employees", *UDF_DATASETS)}
    if not stored["contracts"]:
        return 0
    for table, columns in _DDL.items():
        name = client.make_qualified_table_name(table)
        client.execute_sql(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")
    read = _read_columns(stored, ignored or {}, custom_fields)
    mark = json.dumps([sorted((k, sorted(v)) for k, v in (ignored or {}).items()), sorted(pay)])
    feed = _FeedSettings(ignored or {}, {kind: PAY_EVENTS[kind] for kind in pay}, custom_fields)
    added = 0
    for tenant in tenants:
        deleted = _deletions(client, tenant, stored)
        # from here to the digests' storing no statement may fail, not even on purpose: a
        # failed statement resets a PostgreSQL connection, and with it the scratch tables
        in_scope = feed_scope.prepare(client, tenant, read, mark)
        if not in_scope and not deleted:
            continue
        feed_scope.families(client, tenant, bool(stored["employees"]))
        batches = feed_scope.batches(client)
        known = _known_ids(client, tenant, "type = 'record_deleted'")
        new_deleted = [
            e for e in {e.event_id: e for e in deleted}.values() if e.event_id not in known
        ]
        whose = feed_scope.person_keys(client, {str(e.employeeid) for e in new_deleted})
        _insert_events(client, new_deleted, whose, detected_at)
        added += len(new_deleted)
        staged = _stage(client, tenant, stored, read, feed)
        for batch in range(batches):
            feed_scope.enter(client, batch)
            with client.begin_transaction():
                added += _derive_batch(client, batch, tenant, read, feed, detected_at)
                feed_scope.store(client, tenant)
        feed_scope.unstage(client, staged)
    return added


def _stage(
    client: SqlClient,
    tenant: str,
    stored: Mapping[str, list[str]],
    read: Mapping[str, list[str]],
    feed: _FeedSettings,
) -> list[str]:
    """Copy what the batches read, in batch order (``feed_scope.stage``): the contracts of
    every employeeid of the persons in scope (a start is a rehire when another contract of the
    person ended before it), the rest of the employeeids in scope only. The tables copied."""
    copies: list[tuple[str, Sequence[str], bool]] = [
        ("contracts", _row_columns(stored["contracts"]), True)
    ]
    if stored["employees"]:
        copies.append(("employees", _row_columns(stored["employees"]), False))
    for dataset in (d for d in UDF_DATASETS if d in read) if feed.custom_fields else ():
        copies.append((dataset, _row_columns(read[dataset]), False))
    copies += [(SEEN_TABLE, _SEEN_READ, False), (CHANGES_TABLE, ("event_id",), False)]
    for table, columns, whole_persons in copies:
        feed_scope.stage(client, tenant, table, columns, whole_persons)
    return [table for table, _, _ in copies]


def _derive_batch(
    client: SqlClient,
    batch: int,
    tenant: str,
    read: Mapping[str, list[str]],
    feed: _FeedSettings,
    detected_at: dt.datetime,
) -> int:
    """Derive and store the events of the batch's employeeids in scope; how many were new."""
    scope = feed_scope.members(client)
    persons = feed_scope.batch_persons(client, batch)
    family = _rows(client, "contracts", batch)
    contracts = [c for c in family if str(c["employeeid"]) in scope]
    employees = _rows(client, "employees", batch) if "employees" in read else []
    seen = _seen(client, batch)
    events, now_seen = derive(
        tenant, contracts, employees, seen, feed.ignored, feed.opted, persons=persons, others=family
    )
    events += _field_events(client, tenant, batch, read, feed.custom_fields, seen, now_seen)
    known = {str(r["event_id"]) for r in feed_scope.staged(client, CHANGES_TABLE, batch)}
    new = {e.event_id: e for e in events if e.event_id not in known}
    _insert_events(client, list(new.values()), persons, detected_at)
    _replace_seen(client, tenant, now_seen, bool(seen))
    return len(new)


def _read_columns(
    stored: Mapping[str, list[str]],
    ignored: Mapping[str, frozenset[str]],
    custom_fields: Sequence[str],
) -> dict[str, list[str]]:
    """Per table the feed reads, the columns whose values its digest folds in."""
    read = {"contracts": _wanted(stored["contracts"])}
    if stored["employees"]:
        read["employees"] = _wanted(stored["employees"])
    for dataset in UDF_DATASETS if custom_fields else ():
        if stored[dataset] and not {"value", "listname"} & ignored.get(dataset, frozenset()):
            read[dataset] = _wanted(stored[dataset])
    return read


def _field_events(
    client: SqlClient,
    tenant: str,
    batch: int,
    read: Mapping[str, list[str]],
    fields: Sequence[str],
    seen: dict[tuple[str, str], dict[str, Any]],
    now_seen: dict[tuple[str, str], dict[str, Any]],
) -> list[Event]:
    """The ``custom_field_change`` events of the fields asked for, of the employeeids in scope;
    none from a table whose values are kept out (``_read_columns`` leaves it out then)."""
    events: list[Event] = []
    for dataset in (d for d in UDF_DATASETS if d in read) if fields else ():
        rows = _rows(client, dataset, batch)
        events += custom_field_events(tenant, dataset, rows, fields, seen, now_seen)
    return events


def _rows(client: SqlClient, table: str, batch: int) -> list[dict[str, Any]]:
    """The rows of ``table`` the feed reads, of the employeeids of ``batch`` (staged)."""
    return feed_scope.staged(client, table, batch)


def _row_columns(stored: Sequence[str]) -> list[str]:
    """The columns of a table's rows the feed reads: what it tracks and the deleted mark."""
    return [*_wanted(stored), DELETED_COLUMN]


def _wanted(stored: Sequence[str]) -> list[str]:
    """The columns of a table the feed reads (its keys, dates and every tracked value)."""
    wanted = [
        "employeeid",
        "contractid",
        "subcontractid",
        "fieldname",
        "startdate",
        "enddate",
        "existencestartutc",
        *PERSON_IDENTITY,
        *(c for cs in _ALL_KINDS.values() for c in cs),
        *PERSONAL,
        *UDF_READ,
    ]
    return [c for c in dict.fromkeys(wanted) if c in stored]


def _seen(client: SqlClient, batch: int) -> dict[tuple[str, str], dict[str, Any]]:
    """What the last sync saw of the batch's employeeids in scope (staged)."""
    rows = feed_scope.staged(client, SEEN_TABLE, batch)
    return {
        (str(r["dataset"]), str(r["row_key"])): json.loads(r["seen"]) if r["seen"] else {}
        for r in rows
    }


def _known_ids(client: SqlClient, tenant: str, where: str) -> set[str]:
    """The ids of the tenant's stored events ``where`` selects."""
    name = client.make_qualified_table_name(CHANGES_TABLE)
    rows = client.execute_sql(
        f"SELECT event_id FROM {name} WHERE tenant_id = %s AND ({where})", tenant
    )
    return {str(r[0]) for r in rows or []}


def _deletions(client: SqlClient, tenant: str, stored: Mapping[str, list[str]]) -> list[Event]:
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


def _insert_events(
    client: SqlClient, events: list[Event], persons: dict[str, str], detected_at: dt.datetime
) -> None:
    rows = [
        (
            e.event_id,
            e.tenant_id,
            e.type,
            persons.get(e.employeeid or "", e.employeeid),
            e.employeeid,
            e.contractid,
            e.effective_date,
            detected_at,
            json.dumps(e.before, sort_keys=True, default=str),
            json.dumps(e.after, sort_keys=True, default=str),
            e.dataset or ("contracts" if e.contractid else "employees"),
            e.row_key,
        )
        for e in events
    ]
    insert_rows(client, CHANGES_TABLE, FIELDS, rows)


def _replace_seen(
    client: SqlClient,
    tenant: str,
    now_seen: dict[tuple[str, str], dict[str, Any]],
    had_seen: bool,
) -> None:
    """Store what this sync saw of the batch's employeeids in scope, in place of what the last
    one saw (``had_seen``: whether it saw any of them; if not, there is nothing to delete)."""
    name = client.make_qualified_table_name(SEEN_TABLE)
    if had_seen:
        client.execute_sql(
            f"DELETE FROM {name} WHERE tenant_id = %s AND {feed_scope.in_scope()}", tenant
        )
    rows = [
        (tenant, dataset, row_key, row_key.split("|", 1)[0], json.dumps(seen, sort_keys=True))
        for (dataset, row_key), seen in now_seen.items()
    ]
    insert_rows(client, SEEN_TABLE, _SEEN_FIELDS, rows)

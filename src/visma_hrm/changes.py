"""The change feed: one row per business event per person and employment, in table ``changes``.

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

Every event has a deterministic ``event_id``; new events and the new ``_visma_changes_seen``
(what this sync saw) are written in one transaction, so a re-run or a killed run adds no
duplicate and a missed night loses no new version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from visma_hrm.catalog import DATASETS, DELETED_AT_COLUMN, DELETED_COLUMN, TENANT_COLUMN
from visma_hrm.sqlclient import stored_columns

CHANGES_TABLE = "changes"
SEEN_TABLE = "_visma_changes_seen"

CONTRACT_EVENTS: dict[str, tuple[str, ...]] = {
    "transfer": ("orgunit",),
    "function_change": ("functionid",),
    "hours_change": ("ptfactor", "weekhoursfixed"),
    "manager_change": ("manageruserid",),
    "cost_centre_change": ("costcenter",),
}
PERSONAL = (
    "initials",
    "firstname",
    "nickname",
    "birthname",
    "prefixbirthname",
    "formattedname",
    "partnername",
    "prefixpartnername",
    *(
        f"{p}{c}"
        for p in ("home", "postal", "sickness")
        for c in ("street", "housenumber", "housenumberext", "zipcode", "city", "country")
    ),
    "homeemailaddress",
    "businessemailaddress",
    "homephonenumber",
    "mobilephonenumber",
    "officephonenumber",
    "emergencyphonenumber",
)
"""Employee columns whose change is a personal data change (name, address, contact)."""

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


@dataclass(frozen=True)
class Event:
    tenant_id: str
    type: str
    employeeid: str | None
    contractid: str | None
    effective_date: dt.date | None
    before: dict[str, Any]
    after: dict[str, Any]
    identity: tuple[Any, ...]
    dataset: str | None = None
    row_key: str | None = None

    @property
    def event_id(self) -> str:
        text = json.dumps([self.tenant_id, *self.identity], default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def _text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _norm(value: Any) -> str:
    return str(value).strip().lower() if value is not None else ""


def person_keys(employees: Sequence[dict[str, Any]], ids: Iterable[str]) -> dict[str, str]:
    """employeeid -> person key, the analytics' grouping (initials, gender, birth date, name)."""
    latest: dict[str, dict[str, Any]] = {}
    for row in employees:
        known = latest.get(row["employeeid"])
        if known is None or str(row["existencestartutc"]) > str(known["existencestartutc"]):
            latest[row["employeeid"]] = row
    groups: dict[str, list[str]] = {}
    for employeeid in set(ids) | set(latest):
        newest = latest.get(employeeid)
        identity = f"employeeid:{employeeid}"
        if newest is not None:
            row = newest
            initials = _norm(row.get("initials")).replace(".", "").replace(" ", "")
            parts = [initials, _norm(row.get("gender")), _text(row.get("dateofbirth")) or ""]
            parts.append(_norm(row.get("birthname")))
            if all(parts):
                identity = "|".join(parts)
        groups.setdefault(identity, []).append(employeeid)
    out: dict[str, str] = {}
    for members in groups.values():
        key = min(members, key=lambda e: (len(e), e))
        out.update(dict.fromkeys(members, key))
    return out


def derive(
    tenant_id: str,
    contracts: Sequence[dict[str, Any]],
    employees: Sequence[dict[str, Any]],
    seen: dict[tuple[str, str], dict[str, Any]],
    ignored: frozenset[str] = frozenset(),
) -> tuple[list[Event], dict[tuple[str, str], dict[str, Any]]]:
    """The tenant's events not seen before, and what this sync sees (for next time).

    ``ignored``: personal columns the user keeps out (fields, privacy profile): their values,
    emptied in stored rows, are neither compared nor kept, so the feed never repeats them.
    """
    events: list[Event] = []
    now_seen: dict[tuple[str, str], dict[str, Any]] = {}
    persons = person_keys(employees, [c["employeeid"] for c in contracts])
    live = [c for c in contracts if not c[DELETED_COLUMN]]
    by_contract: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in live:
        by_contract.setdefault((row["employeeid"], row["contractid"]), []).append(row)
    ends_of_person: dict[str, list[tuple[Any, Any, tuple[str, str]]]] = {}
    for key, versions in by_contract.items():
        versions.sort(key=lambda r: (r["startdate"] or dt.date.min, _int(r["subcontractid"])))
        first, last = versions[0]["startdate"], versions[-1]["enddate"]
        ends_of_person.setdefault(persons[key[0]], []).append((first, last, key))
    for key, versions in by_contract.items():
        employeeid, contractid = key
        for j, row in enumerate(versions):
            row_key = f"{employeeid}|{contractid}|{row['subcontractid']}"
            tracked = {c: _text(row.get(c)) for cs in CONTRACT_EVENTS.values() for c in cs}
            tracked["enddate"] = _text(row["enddate"])
            now_seen[("contracts", row_key)] = tracked
            old = seen.get(("contracts", row_key))
            if old is None:
                if j == 0:
                    events.append(_start(tenant_id, key, row, persons, ends_of_person))
                else:
                    previous = {c: _text(versions[j - 1].get(c)) for c in tracked}
                    events += _attribute_events(tenant_id, row, previous, tracked, row_key, False)
            else:
                events += _attribute_events(tenant_id, row, old, tracked, row_key, True)
            ended = j == len(versions) - 1 and row["enddate"] is not None
            if ended and (old is None or old.get("enddate") != tracked["enddate"]):
                events.append(
                    Event(
                        tenant_id,
                        "leave",
                        employeeid,
                        contractid,
                        row["enddate"],
                        {"enddate": old.get("enddate") if old else None},
                        {"enddate": tracked["enddate"]},
                        ("leave", employeeid, contractid, tracked["enddate"]),
                    )
                )
    events += _personal_events(tenant_id, employees, seen, now_seen, ignored)
    return events, now_seen


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _start(
    tenant_id: str,
    key: tuple[str, str],
    row: dict[str, Any],
    persons: dict[str, str],
    ends_of_person: dict[str, list[tuple[Any, Any, tuple[str, str]]]],
) -> Event:
    start = row["startdate"]
    earlier = [
        end
        for first, end, other in ends_of_person[persons[key[0]]]
        if other != key and end is not None and start is not None and end < start
    ]
    kind = "rehire" if earlier else "hire"
    after = {"startdate": _text(start)}
    return Event(tenant_id, kind, key[0], key[1], start, {}, after, ("start", *key))


def _attribute_events(
    tenant_id: str,
    row: dict[str, Any],
    before: dict[str, Any],
    after: dict[str, Any],
    row_key: str,
    in_place: bool,
) -> list[Event]:
    out = []
    for kind, columns in CONTRACT_EVENTS.items():
        if any(before.get(c) != after.get(c) for c in columns):
            was = {c: before.get(c) for c in columns}
            now = {c: after.get(c) for c in columns}
            identity: tuple[Any, ...] = (kind, row_key)
            if in_place:
                identity += (json.dumps(now, sort_keys=True),)
            out.append(
                Event(
                    tenant_id,
                    kind,
                    row["employeeid"],
                    row["contractid"],
                    row["startdate"],
                    was,
                    now,
                    identity,
                )
            )
    return out


def _personal_events(
    tenant_id: str,
    employees: Sequence[dict[str, Any]],
    seen: dict[tuple[str, str], dict[str, Any]],
    now_seen: dict[tuple[str, str], dict[str, Any]],
    ignored: frozenset[str] = frozenset(),
) -> list[Event]:
    out: list[Event] = []
    by_employee: dict[str, list[dict[str, Any]]] = {}
    for row in employees:
        if not row[DELETED_COLUMN]:
            by_employee.setdefault(row["employeeid"], []).append(row)
    for employeeid, versions in by_employee.items():
        versions.sort(key=lambda r: str(r["existencestartutc"]))
        for j, row in enumerate(versions):
            row_key = f"{employeeid}|{_text(row['existencestartutc'])}"
            values = {c: _text(row.get(c)) for c in PERSONAL if c in row and c not in ignored}
            now_seen[("employees", row_key)] = values
            old = seen.get(("employees", row_key))
            if old is None and j == 0:
                continue
            before = old if old is not None else {c: _text(versions[j - 1].get(c)) for c in values}
            changed = [c for c in values if before.get(c) != values[c]]
            if not changed:
                continue
            identity: tuple[Any, ...] = ("personal", row_key)
            if old is not None:
                identity += (json.dumps({c: values[c] for c in changed}, sort_keys=True),)
            stamp = row["existencestartutc"]
            effective = stamp.date() if isinstance(stamp, dt.datetime) and old is None else None
            out.append(
                Event(
                    tenant_id,
                    "personal_data_change",
                    employeeid,
                    None,
                    effective,
                    {c: before.get(c) for c in changed},
                    {c: values[c] for c in changed},
                    identity,
                )
            )
    return out


# --------------------------------------------------------------------------- destination
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
_CHUNK = 200


def update_feed(
    client: Any,
    tenants: Sequence[str],
    detected_at: dt.datetime,
    ignored: frozenset[str] = frozenset(),
) -> int:
    """Derive and store the new events of ``tenants``; returns how many were added."""
    contracts_cols = stored_columns(client, "contracts")
    if not contracts_cols:
        return 0
    employees_cols = stored_columns(client, "employees")
    for table, columns in _DDL.items():
        name = client.make_qualified_table_name(table)
        client.execute_sql(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")
    added = 0
    for tenant in tenants:
        contracts = _rows(client, "contracts", contracts_cols, tenant)
        employees = _rows(client, "employees", employees_cols, tenant) if employees_cols else []
        seen = _seen(client, tenant)
        events, now_seen = derive(tenant, contracts, employees, seen, ignored)
        events += _deletions(client, tenant)
        persons = person_keys(employees, [c["employeeid"] for c in contracts])
        known = _known_ids(client, tenant)
        new = {e.event_id: e for e in events if e.event_id not in known}
        with client.begin_transaction():
            _insert_events(client, list(new.values()), persons, detected_at)
            _replace_seen(client, tenant, now_seen)
        added += len(new)
    return added


def _rows(client: Any, table: str, stored: list[str], tenant: str) -> list[dict[str, Any]]:
    wanted = [
        "employeeid",
        "contractid",
        "subcontractid",
        "startdate",
        "enddate",
        "existencestartutc",
        "initials",
        "gender",
        "dateofbirth",
        DELETED_COLUMN,
        *(c for cs in CONTRACT_EVENTS.values() for c in cs),
        *PERSONAL,
    ]
    columns = [c for c in dict.fromkeys(wanted) if c in stored]
    select = ", ".join(client.escape_column_name(c) for c in columns)
    name = client.make_qualified_table_name(table)
    tenant_col = client.escape_column_name(TENANT_COLUMN)
    rows = client.execute_sql(f"SELECT {select} FROM {name} WHERE {tenant_col} = %s", tenant)
    return [dict(zip(columns, r, strict=True)) for r in rows or []]


def _seen(client: Any, tenant: str) -> dict[tuple[str, str], dict[str, Any]]:
    name = client.make_qualified_table_name(SEEN_TABLE)
    rows = client.execute_sql(
        f"SELECT dataset, row_key, seen FROM {name} WHERE tenant_id = %s", tenant
    )
    return {(str(d), str(k)): json.loads(s) if s else {} for d, k, s in rows or []}


def _known_ids(client: Any, tenant: str) -> set[str]:
    name = client.make_qualified_table_name(CHANGES_TABLE)
    rows = client.execute_sql(f"SELECT event_id FROM {name} WHERE tenant_id = %s", tenant)
    return {str(r[0]) for r in rows or []}


def _deletions(client: Any, tenant: str) -> list[Event]:
    """Rows marked deleted at the source (complete full exports only)."""
    out = []
    for dataset in ("employees", "contracts", "employee_udf_histories", "contract_udf_histories"):
        spec = DATASETS[dataset]
        stored = stored_columns(client, dataset)
        if not stored:
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
            row_key = "|".join(str(_text(values[k])) for k in keys)
            deleted_at = row[-1]
            out.append(
                Event(
                    tenant,
                    "record_deleted",
                    _text(values.get("employeeid")),
                    _text(values.get("contractid")),
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
    client: Any, events: list[Event], persons: dict[str, str], detected_at: dt.datetime
) -> None:
    name = client.make_qualified_table_name(CHANGES_TABLE)
    columns = ", ".join(client.escape_column_name(c) for c in FIELDS)
    for start in range(0, len(events), _CHUNK):
        chunk = events[start : start + _CHUNK]
        placeholders = ", ".join("(" + ", ".join(["%s"] * len(FIELDS)) + ")" for _ in chunk)
        params: list[Any] = []
        for e in chunk:
            params += [
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
            ]
        client.execute_sql(f"INSERT INTO {name} ({columns}) VALUES {placeholders}", *params)


def _replace_seen(
    client: Any, tenant: str, now_seen: dict[tuple[str, str], dict[str, Any]]
) -> None:
    name = client.make_qualified_table_name(SEEN_TABLE)
    client.execute_sql(f"DELETE FROM {name} WHERE tenant_id = %s", tenant)
    items = list(now_seen.items())
    for start in range(0, len(items), _CHUNK):
        chunk = items[start : start + _CHUNK]
        placeholders = ", ".join("(%s, %s, %s, %s, %s)" for _ in chunk)
        params: list[Any] = []
        for (dataset, row_key), seen in chunk:
            employeeid = row_key.split("|", 1)[0]
            params += [tenant, dataset, row_key, employeeid, json.dumps(seen, sort_keys=True)]
        client.execute_sql(f"INSERT INTO {name} VALUES {placeholders}", *params)

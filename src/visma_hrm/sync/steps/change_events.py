"""The change feed's events, derived from contract and employee versions (no I/O here).

A contract version seen for the first time is compared with the version before it (transfer,
function, hours, manager, cost centre); a contract's first version is a hire or a rehire, its
last version with an end date a leave; an employee version seen for the first time, or one
corrected in place since the last sync, is a personal data change. ``changes`` reads the rows
from the destination and stores what this derives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from visma_hrm.catalog import DATASETS, DELETED_COLUMN
from visma_hrm.catalog.personal import CHANGE_FEED_ROLES, columns_with

CONTRACT_EVENTS: dict[str, tuple[str, ...]] = {
    "transfer": ("orgunit",),
    "function_change": ("functionid",),
    "hours_change": ("ptfactor", "weekhoursfixed"),
    "manager_change": ("manageruserid",),
    "cost_centre_change": ("costcenter",),
}
PERSONAL = tuple(
    c for c in columns_with(*CHANGE_FEED_ROLES) if DATASETS["employees"].column(c) is not None
)
"""Employee columns whose change is a personal data change (name, address, contact)."""


@dataclass(frozen=True)
class Event:
    """One business event; ``identity`` (with the tenant) makes its deterministic id."""

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


def text_value(value: Any) -> Any:
    """A stored value as the feed writes it: ISO text for dates and times, str otherwise."""
    if value is None or type(value) is str:  # most values: asked first (millions of calls)
        return value
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
            parts = [initials, _norm(row.get("gender")), text_value(row.get("dateofbirth")) or ""]
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
    ignored: Mapping[str, frozenset[str]] | None = None,
    opted: Mapping[str, tuple[str, ...]] | None = None,
    persons: Mapping[str, str] | None = None,
    others: Sequence[dict[str, Any]] = (),
) -> tuple[list[Event], dict[tuple[str, str], dict[str, Any]]]:
    """The tenant's events not seen before, and what this sync sees (for next time).

    ``ignored``: per dataset, the columns the user keeps out (fields, privacy profile): their
    values, emptied in stored rows, are neither compared nor kept, so the feed never repeats
    them. ``opted``: the opt-in contract events asked for (pay), by type with their columns.
    ``persons``: employeeid -> person key when known (else grouped from ``employees``);
    ``others``: contracts of the same persons that only tell whether a start is a rehire.
    """
    ignored = ignored or {}
    kinds = {**CONTRACT_EVENTS, **(opted or {})}
    kept_out = ignored.get("contracts", frozenset())
    events: list[Event] = []
    now_seen: dict[tuple[str, str], dict[str, Any]] = {}
    if persons is None:
        persons = person_keys(employees, [c["employeeid"] for c in contracts])
    by_contract = _versions(contracts)
    ends_of_person: dict[str, list[tuple[Any, Any, tuple[str, str]]]] = {}
    for key, versions in {**_versions(others), **by_contract}.items():
        first, last = versions[0]["startdate"], versions[-1]["enddate"]
        person = persons.get(key[0], key[0])
        ends_of_person.setdefault(person, []).append((first, last, key))
    for key, versions in by_contract.items():
        employeeid, contractid = key
        for j, row in enumerate(versions):
            row_key = f"{employeeid}|{contractid}|{row['subcontractid']}"
            tracked = {
                c: text_value(row.get(c)) for cs in kinds.values() for c in cs if c not in kept_out
            }
            tracked["enddate"] = text_value(row["enddate"])
            now_seen[("contracts", row_key)] = tracked
            old = seen.get(("contracts", row_key))
            if old is None:
                if j == 0:
                    events.append(_start(tenant_id, key, row, persons, ends_of_person))
                else:
                    previous = {c: text_value(versions[j - 1].get(c)) for c in tracked}
                    events += _attribute_events(
                        tenant_id, row, previous, tracked, row_key, False, kinds
                    )
            else:
                events += _attribute_events(tenant_id, row, old, tracked, row_key, True, kinds)
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
    events += _personal_events(
        tenant_id, employees, seen, now_seen, ignored.get("employees", frozenset())
    )
    return events, now_seen


def _versions(contracts: Sequence[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Each contract's live versions, in order (start date, then subcontract number)."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in contracts:
        if not row[DELETED_COLUMN]:
            out.setdefault((row["employeeid"], row["contractid"]), []).append(row)
    for versions in out.values():
        versions.sort(key=lambda r: (r["startdate"] or dt.date.min, _int(r["subcontractid"])))
    return out


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _start(
    tenant_id: str,
    key: tuple[str, str],
    row: dict[str, Any],
    persons: Mapping[str, str],
    ends_of_person: dict[str, list[tuple[Any, Any, tuple[str, str]]]],
) -> Event:
    start = row["startdate"]
    earlier = [
        end
        for first, end, other in ends_of_person[persons.get(key[0], key[0])]
        if other != key and end is not None and start is not None and end < start
    ]
    kind = "rehire" if earlier else "hire"
    after = {"startdate": text_value(start)}
    return Event(tenant_id, kind, key[0], key[1], start, {}, after, ("start", *key))


def _attribute_events(
    tenant_id: str,
    row: dict[str, Any],
    before: dict[str, Any],
    after: dict[str, Any],
    row_key: str,
    in_place: bool,
    kinds: Mapping[str, tuple[str, ...]],
) -> list[Event]:
    out = []
    for kind, all_columns in kinds.items():
        # compared in place only with what the last sync saw: an event asked for later, or a
        # column kept out since, is no change
        known = [c for c in all_columns if c in before and c in after]
        columns = known if in_place else list(all_columns)
        if not columns:
            continue
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
            row_key = f"{employeeid}|{text_value(row['existencestartutc'])}"
            values = {c: text_value(row.get(c)) for c in PERSONAL if c in row and c not in ignored}
            # what the feed keeps of a person is what the row holds: an emptied row, nothing
            now_seen[("employees", row_key)] = {c: v for c, v in values.items() if v is not None}
            old = seen.get(("employees", row_key))
            if old is None and j == 0:
                continue
            before = (
                old if old is not None else {c: text_value(versions[j - 1].get(c)) for c in values}
            )
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

"""The HR numbers of ``docs/analytics.md`` (service, age, gender, fixed-term share, part-time
bands, span of control) and the custom fields valid on a day, computed in plain Python from
the sandbox's truth (CSV text per column).

Shares no code with ``visma_hrm.analytics`` or ``visma_hrm.catalog.custom_fields``: it builds
on the analytics tests' reference (persons, versions, spells) and reads the definitions anew.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tests.support import hr_reference as ref

Row = Mapping[str, str | None]
ALL = "*"
"""The unit of the whole tenant's cell (a version without a unit counts under None)."""
Key = tuple[str, dt.date, str | None]
"""(tenant, month, unit, or ``ALL`` for the whole tenant)."""

SERVICE = ((0, 0, "<1"), (1, 2, "1-2"), (3, 4, "3-4"), (5, 9, "5-9"), (10, 19, "10-19"))
AGES = ((0, 24, "<25"), (25, 34, "25-34"), (35, 44, "35-44"), (45, 54, "45-54"), (55, 64, "55-64"))


def _whole_band(value: int, bands: Sequence[tuple[int, int, str]], top: str) -> str:
    return next((label for low, high, label in bands if low <= value <= high), top)


def part_time_band(factor: Decimal | None) -> str:
    if factor is None:
        return "unknown"
    if factor < Decimal("0.5"):
        return "<50%"
    if factor < Decimal("0.8"):
        return "50-79%"
    return "80-99%" if factor < 1 else "100%+"


def completed_years(later: dt.date, earlier: dt.date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


@dataclass
class Cell:
    """What one tenant or unit adds up on one reference date."""

    persons: set[str] = field(default_factory=set)
    fte: Decimal = Decimal(0)
    fixed_persons: set[str] = field(default_factory=set)
    fixed_fte: Decimal = Decimal(0)
    service_days: int = 0
    ages: list[int] = field(default_factory=list)
    bands: dict[tuple[str, str], list[object]] = field(default_factory=dict)
    """(dimension, band) -> [persons, fte]."""


@dataclass
class Expected:
    cells: dict[Key, Cell]
    managers: dict[tuple[str, dt.date, str], tuple[int, Decimal]]
    """(tenant, month, manager key) -> (direct reports, their FTE)."""
    unit_spans: dict[Key, tuple[int, int]]
    """(tenant, month, unit or ``ALL``) -> (managers, persons reporting)."""


def _latest_records(employees: Sequence[Row], keys: Mapping[str, str]) -> dict[str, Row]:
    """Per person, the employee record with the latest start (then the highest employeeid as
    text): whose gender and birth date count."""
    record: dict[str, Row] = {}
    for r in employees:
        person = keys[str(r["employeeid"])]
        known = record.get(person)
        mine = (r["existencestartutc"] or "", str(r["employeeid"]))
        if known is None or mine > (known["existencestartutc"] or "", str(known["employeeid"])):
            record[person] = r
    return record


def _gender(code: str | None) -> str:
    return {"M": "male", "V": "female", "F": "female"}.get((code or "").strip().upper(), "unknown")


def workforce(tenants: Mapping[str, Mapping[str, Sequence[Row]]], as_of: dt.date) -> Expected:
    """Every HR number per tenant and unit on each month's reference date (24 months back)."""
    out = Expected({}, {}, {})
    for tenant, data in tenants.items():
        _tenant(tenant, data, as_of, out)
    return out


def _tenant(tenant: str, data: Mapping[str, Sequence[Row]], as_of: dt.date, out: Expected) -> None:
    contracts = data["contracts"]
    keys = ref.person_keys(data["employees"], contracts)
    versions = ref.versions(data["employees"], contracts)
    rows = {
        (str(r["employeeid"]), str(r["contractid"]), str(r["subcontractid"])): r for r in contracts
    }
    records = _latest_records(data["employees"], keys)
    spells = ref.spells(versions)
    user_person = {
        str(u["userid"]): keys.get(str(u["employeeid"])) for u in data["users"] if u["userid"]
    }
    fixed = {
        k
        for k, r in rows.items()
        if (r["contracttypeindication_en"] or "").strip().lower() == "fixed term"
    }
    for month, day in ref.month_spine(as_of):
        valid = ref.valid_versions(versions, day)
        by_person: dict[str, list[ref.Version]] = defaultdict(list)
        for v in valid:
            by_person[v.person].append(v)
        for person, mine in by_person.items():
            facts = _person_facts(person, mine, records, spells, day)
            _count(out, (tenant, month, ALL), person, mine, facts, fixed)
            for unit in {v.unit for v in mine}:
                in_unit = [v for v in mine if v.unit == unit]
                _count(out, (tenant, month, unit), person, in_unit, facts, fixed)
        _spans(out, tenant, month, valid, rows, user_person)


def _person_facts(
    person: str,
    mine: Sequence[ref.Version],
    records: Mapping[str, Row],
    spells: Sequence[tuple[str, int, dt.date, dt.date | None]],
    day: dt.date,
) -> dict[str, object]:
    start = max(s for p, _n, s, e in spells if p == person and s <= day <= (e or ref.FAR))
    years = completed_years(day, start)
    record = records.get(person)
    born = record["dateofbirth"] if record else None
    age = day.year - int(str(born)[:4]) if born else None
    factors = [v.ptfactor for v in mine if v.ptfactor is not None]
    total = sum(factors, Decimal(0)) if factors else None
    return {
        "service_days": (day - start).days,
        "age": age,
        "service": _whole_band(years, SERVICE, "20+"),
        "age_band": _whole_band(age, AGES, "65+") if age is not None else "unknown",
        "gender": _gender(record["gender"] if record else None),
        "part_time": part_time_band(total),
    }


def _version_key(v: ref.Version) -> tuple[str, str, str]:
    return (v.employeeid, v.contractid, v.subcontractid)


def _count(
    out: Expected,
    key: Key,
    person: str,
    mine: Sequence[ref.Version],
    facts: Mapping[str, object],
    fixed: set[tuple[str, str, str]],
) -> None:
    """Add one person (their versions in this tenant or unit) to a cell."""
    cell = out.cells.setdefault(key, Cell())
    cell.persons.add(person)
    fte = sum((v.ptfactor or Decimal(0) for v in mine), Decimal(0))
    fixed_fte = sum(
        (v.ptfactor or Decimal(0) for v in mine if _version_key(v) in fixed), Decimal(0)
    )
    is_fixed = any(_version_key(v) in fixed for v in mine)
    cell.fte += fte
    cell.fixed_fte += fixed_fte
    if is_fixed:
        cell.fixed_persons.add(person)
    cell.service_days += int(str(facts["service_days"]))
    if facts["age"] is not None:
        cell.ages.append(int(str(facts["age"])))
    bands = [
        ("service", str(facts["service"])),
        ("age", str(facts["age_band"])),
        ("gender", str(facts["gender"])),
        ("part_time", str(facts["part_time"])),
    ]
    for band in bands:
        found = cell.bands.setdefault(band, [0, Decimal(0)])
        found[0] = int(str(found[0])) + 1
        found[1] = Decimal(str(found[1])) + fte
    for kind, persons, kind_fte in (
        ("fixed_term", int(is_fixed), fixed_fte),
        ("permanent", int(not is_fixed), fte - fixed_fte),
    ):
        found = cell.bands.setdefault(("contract", kind), [0, Decimal(0)])
        found[0] = int(str(found[0])) + persons
        found[1] = Decimal(str(found[1])) + kind_fte


def _spans(
    out: Expected,
    tenant: str,
    month: dt.date,
    valid: Sequence[ref.Version],
    rows: Mapping[tuple[str, str, str], Row],
    user_person: Mapping[str, str | None],
) -> None:
    """Direct reports per manager and per unit: the manager a counted version names (their
    person through users, else the user id), never oneself."""
    reports: dict[str, set[str]] = defaultdict(set)
    fte: dict[str, Decimal] = defaultdict(Decimal)
    per_unit: dict[str | None, tuple[set[str], set[str]]] = {}
    for v in valid:
        userid = (rows[_version_key(v)]["manageruserid"] or "").strip()
        if not userid:
            continue
        manager_person = user_person.get(userid)
        if manager_person == v.person:
            continue
        manager = manager_person or f"userid:{userid}"
        reports[manager].add(v.person)
        fte[manager] += v.ptfactor or Decimal(0)
        for unit in (v.unit, ALL):
            managers, persons = per_unit.setdefault(unit, (set(), set()))
            managers.add(manager)
            persons.add(v.person)
    for manager, persons in reports.items():
        out.managers[(tenant, month, manager)] = (len(persons), fte[manager])
    for unit, (managers, persons) in per_unit.items():
        out.unit_spans[(tenant, month, unit)] = (len(managers), len(persons))


# ----------------------------------------------------------------------------- custom fields
TRUE, FALSE = {"true", "ja", "yes", "waar"}, {"false", "nee", "no", "onwaar"}


def shown(row: Row) -> str | None:
    """A list field (type 1) shows the entry's name (listname); others the value."""
    listed = (row["listname"] or "").strip()
    if (row["fieldtypeid"] or "").strip() == "1" and listed:
        return listed
    return (row["value"] or "").strip() or None


def typed(text: str | None, kind: str) -> object:
    """A shown value as the type the view's column has."""
    if text is None or kind == "text":
        return text
    if kind == "boolean":
        return text.lower() in TRUE
    if kind == "date":
        day = re.fullmatch(r"(\d\d)-(\d\d)-(\d{4})", text)
        if day:
            return dt.date(int(day[3]), int(day[2]), int(day[1]))
        return dt.date.fromisoformat(text[:10])
    return Decimal(text)


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def valid_values(
    rows: Sequence[Row], day: dt.date, key_of: Callable[[Row], tuple[str, ...]]
) -> dict[tuple[str, ...], dict[str, str | None]]:
    """Per key (``key_of`` a row: its employeeid, contract or person), each field's row valid
    on ``day`` as shown: of several, the latest start, then the highest employeeid (length,
    then text) and subcontractid."""
    best: dict[tuple[str, ...], dict[str, tuple[tuple[object, ...], str | None]]] = {}
    for r in rows:
        start, end = _day(r["startdate"]), _day(r["enddate"])
        if start is None or not start <= day <= (end or ref.FAR):
            continue
        eid, sub = str(r["employeeid"]), str(r.get("subcontractid") or "")
        order = (start, len(eid), eid, len(sub), sub)
        mine = best.setdefault(key_of(r), {})
        name = str(r["fieldname"])
        if name not in mine or order > mine[name][0]:
            mine[name] = (order, shown(r))
    return {k: {f: v for f, (_o, v) in fields.items()} for k, fields in best.items()}

"""The analytics definitions of ``docs/analytics.md`` computed in plain Python from CSV rows.

Independent of the SQL: it reads the sandbox's truth (CSV text per column), not the
destination, and shares no code with ``visma_hrm.analytics``. A view equals this only when
both readings of the definitions agree on real sandbox data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

Row = Mapping[str, str | None]
FAR = dt.date(9999, 12, 31)


def _d(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _id_order(value: str) -> tuple[int, str]:
    return (len(value), value)


def _norm(text: str | None) -> str | None:
    value = (text or "").strip().lower()
    return value or None


def person_keys(employees: Sequence[Row], contracts: Sequence[Row]) -> dict[str, str]:
    """employeeid -> person key: same initials, gender, date of birth and birth name."""
    latest: dict[str, Row] = {}
    for row in employees:
        eid = str(row["employeeid"])
        known = latest.get(eid)
        if known is None or (row["existencestartutc"] or "") > (known["existencestartutc"] or ""):
            latest[eid] = row
    ids = set(latest) | {str(r["employeeid"]) for r in contracts}
    groups: dict[object, list[str]] = defaultdict(list)
    for eid in ids:
        record = latest.get(eid)
        identity: object = ("alone", eid)
        if record is not None:
            initials = _norm((record["initials"] or "").replace(".", "").replace(" ", ""))
            gender, birthname = _norm(record["gender"]), _norm(record["birthname"])
            parts = (initials, gender, record["dateofbirth"], birthname)
            if all(parts):
                identity = parts
        groups[identity].append(eid)
    return {eid: min(members, key=_id_order) for members in groups.values() for eid in members}


@dataclass(frozen=True)
class Version:
    person: str
    employeeid: str
    contractid: str
    subcontractid: str
    start: dt.date
    end: dt.date | None
    unit: str | None
    ptfactor: Decimal | None

    def valid_on(self, day: dt.date) -> bool:
        return self.start <= day <= (self.end or FAR)


def versions(employees: Sequence[Row], contracts: Sequence[Row]) -> list[Version]:
    keys = person_keys(employees, contracts)
    out: list[Version] = []
    for r in contracts:
        start = _d(r["startdate"])
        assert start is not None
        out.append(
            Version(
                person=keys[str(r["employeeid"])],
                employeeid=str(r["employeeid"]),
                contractid=str(r["contractid"]),
                subcontractid=str(r["subcontractid"]),
                start=start,
                end=_d(r["enddate"]),
                unit=r["orgunit"],
                ptfactor=Decimal(r["ptfactor"]) if r["ptfactor"] else None,
            )
        )
    return out


def month_spine(as_of: dt.date, months_back: int = 24) -> list[tuple[dt.date, dt.date]]:
    """(month start, reference date = month end or the as-of date) from 24 months back."""
    first = as_of.replace(day=1)
    index = first.year * 12 + first.month - 1 - months_back
    out: list[tuple[dt.date, dt.date]] = []
    while True:
        start = dt.date(index // 12, index % 12 + 1, 1)
        if start > as_of:
            return out
        nxt = dt.date((index + 1) // 12, (index + 1) % 12 + 1, 1)
        out.append((start, min(nxt - dt.timedelta(days=1), as_of)))
        index += 1


def valid_versions(all_versions: Iterable[Version], day: dt.date) -> list[Version]:
    """Versions valid on a day, one per contract: the one that started last."""
    best: dict[tuple[str, str], Version] = {}
    for v in all_versions:
        if not v.valid_on(day):
            continue
        key = (v.employeeid, v.contractid)
        known = best.get(key)
        if known is None or (v.start, _id_order(v.subcontractid)) > (
            known.start,
            _id_order(known.subcontractid),
        ):
            best[key] = v
    return list(best.values())


def headcount(
    all_versions: Sequence[Version], day: dt.date
) -> tuple[dict[str | None, tuple[int, Decimal]], tuple[int, Decimal]]:
    """Per unit and in total: (distinct persons, sum of part-time factors) on a day."""
    valid = valid_versions(all_versions, day)
    per_unit: dict[str | None, tuple[int, Decimal]] = {}
    for unit in {v.unit for v in valid}:
        mine = [v for v in valid if v.unit == unit]
        per_unit[unit] = (len({v.person for v in mine}), _fte(mine))
    return per_unit, (len({v.person for v in valid}), _fte(valid))


def _fte(vs: Iterable[Version]) -> Decimal:
    return sum((v.ptfactor or Decimal(0) for v in vs), Decimal(0))


def spells(all_versions: Sequence[Version]) -> list[tuple[str, int, dt.date, dt.date | None]]:
    """(person, spell number, first day, last day or None): days employed without a gap."""
    by_person: dict[str, list[Version]] = defaultdict(list)
    for v in all_versions:
        by_person[v.person].append(v)
    out = []
    for person, vs in by_person.items():
        vs.sort(key=lambda v: (v.start, v.end or FAR))
        number, start, reach = 0, vs[0].start, vs[0].end or FAR
        for v in vs[1:]:
            if v.start - dt.timedelta(days=1) > reach:
                number += 1
                out.append((person, number, start, None if reach == FAR else reach))
                start, reach = v.start, v.end or FAR
            else:
                reach = max(reach, v.end or FAR)
        out.append((person, number + 1, start, None if reach == FAR else reach))
    return out


def transfers(all_versions: Sequence[Version]) -> list[tuple[str, dt.date]]:
    """(person, date) where a version follows the person's version ending the day before in
    another unit (a predecessor of the same contract wins)."""
    out = []
    for w in all_versions:
        before = [
            p
            for p in all_versions
            if p.person == w.person and p.end == w.start - dt.timedelta(days=1)
        ]
        if not before:
            continue
        before.sort(
            key=lambda p: (
                (p.employeeid, p.contractid) != (w.employeeid, w.contractid),
                -p.start.toordinal(),
                p.employeeid,
                p.contractid,
                p.subcontractid,
            )
        )
        if before[0].unit != w.unit:
            out.append((w.person, w.start))
    return out


def flows(
    all_versions: Sequence[Version], as_of: dt.date
) -> dict[dt.date, tuple[int, int, int, int]]:
    """Per month: (inflow, rehires, outflow, transfers), distinct persons each."""
    sp = spells(all_versions)
    moved = transfers(all_versions)
    out = {}
    for start, ref in month_spine(as_of):

        def within(day: dt.date | None, lo: dt.date = start, hi: dt.date = ref) -> bool:
            return day is not None and lo <= day <= hi

        out[start] = (
            len({p for p, _n, s, _e in sp if within(s)}),
            len({p for p, n, s, _e in sp if within(s) and n > 1}),
            len({p for p, _n, _s, e in sp if within(e)}),
            len({p for p, day in moved if within(day)}),
        )
    return out

"""Every figure of the report computed in plain Python from the sandbox's truth (CSV text).

Shares no code with ``visma_hrm.report`` or the SQL views: it builds on the analytics tests'
reference (persons, versions, spells) and adds the report's own definitions from
``docs/analytics.md``: employments, contract starts and ends, turnover, unit trends, contract
mix, age bands and gender, and the two action lists.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.support import hr_reference as ref

Row = Mapping[str, Any]


@dataclass
class Expected:
    months: list[tuple[dt.date, int, int, Decimal, int, int, int, int, float | None]]
    """month, persons, employments, fte, inflow, outflow, started, ended, turnover %."""
    begin_persons: int
    units: dict[tuple[str, str], tuple[list[int], Decimal]]
    contract_mix: dict[str, int]
    age_gender: dict[str, dict[str, int]]
    ending: set[tuple[str, str, str, dt.date]]
    starting: set[tuple[str, str, dt.date]]
    """tenant, person key, first day."""


def _turnover(leavers: int, begin: int, end: int) -> float | None:
    return round(leavers * 200 / (begin + end), 2) if begin + end else None


def _age(born: dt.date, on: dt.date) -> int:
    """The age reached in the year of ``on`` (CBS's 'leeftijd op 31 december')."""
    return on.year - born.year


def _band(age: int) -> str:
    if age < 25:
        return "<25"
    if age >= 65:
        return "65+"
    low = 25 + (age - 25) // 10 * 10
    return f"{low}-{low + 9}"


def expected(
    truth: Mapping[str, Mapping[str, Sequence[Row]]], as_of: dt.date, months: int = 12
) -> Expected:
    """``truth``: tenant -> dataset -> rows, for the tenants the report covers (summed)."""
    spine = ref.month_spine(as_of, months)
    totals: dict[dt.date, list[Any]] = {s: [0, 0, Decimal(0), 0, 0, 0, 0] for s, _ in spine}
    units: dict[tuple[str, str], tuple[list[int], Decimal]] = {}
    mix: dict[str, int] = defaultdict(int)
    ages: dict[str, dict[str, int]] = {}
    ending: set[tuple[str, str, str, dt.date]] = set()
    starting: set[tuple[str, str, dt.date]] = set()
    soon = as_of + dt.timedelta(days=90)
    for tenant, data in truth.items():
        contracts = data["contracts"]
        versions = ref.versions(data["employees"], contracts)
        flows = _flows(versions, spine)
        by_contract: dict[tuple[str, str], list[ref.Version]] = defaultdict(list)
        for v in versions:
            by_contract[(v.employeeid, v.contractid)].append(v)
        for start, day in spine:
            (persons, fte) = ref.headcount(versions, day)[1]
            t = totals[start]
            t[0] += persons
            t[1] += len(ref.valid_versions(versions, day))
            t[2] += fte
            t[3] += flows[start][0]
            t[4] += flows[start][1]
            for vs in by_contract.values():
                t[5] += start <= min(v.start for v in vs) <= day
                ends = [v.end for v in vs]
                if all(ends):
                    t[6] += start <= max(e for e in ends if e) <= day
        rows = {
            (str(r["employeeid"]), str(r["contractid"]), str(r["subcontractid"])): r
            for r in contracts
        }
        for v in ref.valid_versions(versions, as_of):
            row = rows[(v.employeeid, v.contractid, v.subcontractid)]
            mix[str(row["contracttypeindication_en"])] += 1
        _units(tenant, data["organization_units"], versions, spine, units)
        _ages(data["employees"], contracts, versions, as_of, ages)
        for (eid, cid), vs in by_contract.items():
            last = max(vs, key=lambda v: (v.start, len(v.subcontractid), v.subcontractid))
            kind = str(rows[(eid, cid, last.subcontractid)]["contracttypeindication_en"])
            closed = all(v.end for v in vs) and kind.lower() == "fixed term"
            if closed and last.end and as_of < last.end <= soon:
                ending.add((tenant, eid, cid, last.end))
        for person, _n, first_day, _end in ref.spells(versions):
            if as_of < first_day <= soon:
                starting.add((tenant, person, first_day))
    series = [totals[s] for s, _ in spine]
    out_months = []
    for (start, _day), previous, now in zip(spine[1:], series[:-1], series[1:], strict=True):
        turnover = _turnover(now[4], previous[0], now[0])
        out_months.append((start, *now, turnover))
    return Expected(out_months, series[0][0], units, dict(mix), ages, ending, starting)


def _flows(
    versions: Sequence[ref.Version], spine: Sequence[tuple[dt.date, dt.date]]
) -> dict[dt.date, tuple[int, int]]:
    spells = ref.spells(versions)
    return {
        start: (
            len({p for p, _n, s, _e in spells if start <= s <= day}),
            len({p for p, _n, _s, e in spells if e is not None and start <= e <= day}),
        )
        for start, day in spine
    }


def _units(
    tenant: str,
    unit_rows: Sequence[Row],
    versions: Sequence[ref.Version],
    spine: Sequence[tuple[dt.date, dt.date]],
    out: dict[tuple[str, str], tuple[list[int], Decimal]],
) -> None:
    """Units down to level 3 of the tree; each counted with everything below it."""
    parents = {str(r["orgunitid"]): r["orgunitparentid"] for r in unit_rows}

    def chain(unit: str | None) -> list[str]:
        found: list[str] = []
        while unit is not None and unit in parents:
            found.append(unit)
            unit = parents[unit]
        return found

    for unit in parents:
        if len(chain(unit)) > 3:
            continue
        persons, fte = [], Decimal(0)
        for _start, day in spine[1:]:
            mine = [v for v in ref.valid_versions(versions, day) if unit in chain(v.unit)]
            persons.append(len({v.person for v in mine}))
            fte = sum((v.ptfactor or Decimal(0) for v in mine), Decimal(0))
        out[(tenant, unit)] = (persons, fte)


def _ages(
    employees: Sequence[Row],
    contracts: Sequence[Row],
    versions: Sequence[ref.Version],
    as_of: dt.date,
    out: dict[str, dict[str, int]],
) -> None:
    keys = ref.person_keys(employees, contracts)
    record: dict[str, Row] = {}
    for r in employees:
        person = keys[str(r["employeeid"])]
        known = record.get(person)
        if known is None or (r["existencestartutc"] or "", str(r["employeeid"])) > (
            known["existencestartutc"] or "",
            str(known["employeeid"]),
        ):
            record[person] = r
    for person in {v.person for v in ref.valid_versions(versions, as_of)}:
        r = record.get(person)
        born = r and r["dateofbirth"]
        band = _band(_age(dt.date.fromisoformat(str(born)), as_of)) if born else "unknown"
        gender = {"M": "male", "V": "female"}.get(str(r and r["gender"]).upper(), "unknown")
        cell = out.setdefault(band, {})
        cell[gender] = cell.get(gender, 0) + 1

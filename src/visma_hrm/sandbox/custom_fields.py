"""The sandbox's newer custom fields: Dutch names, every kind (list, date, number, yes/no),
values that change over time, all drawn from random generators of their own.

The first custom fields (``data.UDF_EMPLOYEE``, ``data.UDF_CONTRACT``) came with the sandbox;
these were added later. Their values come from generators seeded apart from everything else,
and ``advance`` changes them from its own generator too, so every other row the sandbox makes,
for any seed, is what it was before they existed.

A list field (``fieldtypeid`` 1) carries the chosen entry's code in ``value`` and its name in
``listname``, as Visma sends a list entry; a date field one ISO and one Dutch (``DD-MM-YYYY``)
date; numbers have a point as decimal mark; yes/no fields say ``Ja`` or ``Nee``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from visma_hrm.sandbox.clock import TICKS_PER_SECOND, date_ticks, ticks_date
from visma_hrm.sandbox.data import (
    Core,
    Employment,
    FastRandom,
    Row,
    Stamped,
    TenantData,
    stable_int,
    udf_row,
)
from visma_hrm.sandbox.succession import open_before, successor
from visma_hrm.sandbox.tenant import Tenant

LIST, YES_NO, NUMBER, DATE = "1", "2", "4", "5"
"""The sandbox's ``fieldtypeid`` codes (Visma publishes none; a list is 1, as a public client
reads it)."""
MONTHLY_RATE = 0.01
"""Share of persons (per 30 days) whose newer custom field changes in an ``advance``."""

LOCATIONS = [
    ("LOC-UT", "Utrecht"),
    ("LOC-AMF", "Amersfoort"),
    ("LOC-ZW", "Zwolle"),
    ("LOC-DB", "'s-Hertogenbosch"),
    ("LOC-THUIS", "Thuiswerker"),
]
COST_UNITS = [
    ("KD100", "Wmo"),
    ("KD200", "Jeugdwet"),
    ("KD300", "Wlz"),
    ("KD400", "Zvw"),
    ("KD900", "Overhead"),
]
Draw = Callable[[random.Random, int], tuple[str, str | None]]
"""A field's value from a day (ordinal): (value, listname)."""


def _listed(entries: list[tuple[str, str]]) -> Draw:
    def draw(rng: random.Random, _day: int) -> tuple[str, str | None]:
        code, name = entries[rng.randrange(len(entries))]
        return code, name

    return draw


def _iso_before(rng: random.Random, day: int) -> tuple[str, str | None]:
    return dt.date.fromordinal(day - rng.randrange(60)).isoformat(), None


def _dutch_after(rng: random.Random, day: int) -> tuple[str, str | None]:
    return dt.date.fromordinal(day + rng.choice((30, 60))).strftime("%d-%m-%Y"), None


def _distance(rng: random.Random, _day: int) -> tuple[str, str | None]:
    return f"{(1 + rng.randrange(800)) / 10:.1f}", None


def _budget(rng: random.Random, _day: int) -> tuple[str, str | None]:
    return f"{rng.choice((500, 750, 1000, 1500, 2000)):.2f}", None


def _yes_no(rng: random.Random, _day: int) -> tuple[str, str | None]:
    return ("Ja" if rng.random() < 0.3 else "Nee"), None


@dataclass(frozen=True)
class FieldSpec:
    name: str
    typeid: str
    draw: Draw
    chance: float
    """Share of employments that have the field."""
    keep: float = 0.8
    """Contract fields: chance a next version keeps the value of the one before."""


EMPLOYEE_FIELDS = (
    FieldSpec("Locatie", LIST, _listed(LOCATIONS), 0.9),
    FieldSpec("Datum VOG", DATE, _iso_before, 0.6),
    FieldSpec("Reisafstand (km)", NUMBER, _distance, 0.8),
    FieldSpec("Vertrouwenspersoon", YES_NO, _yes_no, 0.7),
)
CONTRACT_FIELDS = (
    FieldSpec("Kostendrager", LIST, _listed(COST_UNITS), 0.85, keep=0.8),
    FieldSpec("Einde proeftijd", DATE, _dutch_after, 0.6, keep=1.0),
    FieldSpec("Opleidingsbudget", NUMBER, _budget, 0.7, keep=0.7),
    FieldSpec("Thuiswerkakkoord", YES_NO, _yes_no, 0.6, keep=0.9),
)
SPECS = {f.name: f for f in (*EMPLOYEE_FIELDS, *CONTRACT_FIELDS)}
NEWER = frozenset(SPECS)
"""The names of these fields: what the older fields' changes and deletions leave alone."""


def _stamp(rng: random.Random, day: int) -> int:
    """A change timestamp on a day, at an office hour."""
    base = date_ticks(dt.date.fromordinal(day))
    return base + rng.randrange(7 * 3600, 19 * 3600) * TICKS_PER_SECOND


def _row(employeeid: str, spec: FieldSpec, drawn: tuple[str, str | None], start: int) -> Row:
    return udf_row(employeeid, spec.name, drawn[1], spec.typeid, drawn[0], start, None)


def employee_rows(data: TenantData, core: Core, emp: Employment) -> list[Stamped]:
    """One employment's history of the newer employee fields: 0 to 2 changes before the
    sandbox's clock start, the last value open until the employment ends."""
    rng = FastRandom(stable_int(data.seed, data.index, core.index, emp.k, "custom-employee"))
    employeeid = data.employee_id(core, emp.k)
    horizon = min(data.start_day, emp.end if emp.end is not None else data.start_day)
    out: list[Stamped] = []
    for spec in EMPLOYEE_FIELDS:
        if rng.random() >= spec.chance:
            continue
        starts = [emp.start]
        for _ in range(rng.choices((0, 1, 2), weights=(45, 35, 20))[0]):
            if horizon - starts[-1] > 90:  # a month after the last, a month before the clock
                starts.append(starts[-1] + 30 + rng.randrange(horizon - starts[-1] - 60))
        for v, start in enumerate(starts):
            row = _row(employeeid, spec, spec.draw(rng, start), start)
            end = starts[v + 1] - 1 if v + 1 < len(starts) else emp.end
            row["enddate"] = dt.date.fromordinal(end).isoformat() if end is not None else None
            row["entityname"] = "Medewerker"
            out.append((row, _stamp(rng, start)))
    return out


def contract_rows(data: TenantData, core: Core, emp: Employment) -> list[Stamped]:
    """The newer contract fields per version (subcontract), a value often kept from the
    version before."""
    rng = FastRandom(stable_int(data.seed, data.index, core.index, emp.k, "custom-contract"))
    employeeid = data.employee_id(core, emp.k)
    out: list[Stamped] = []
    for spec in CONTRACT_FIELDS:
        if rng.random() >= spec.chance:
            continue
        drawn = spec.draw(rng, emp.start)
        for n, sub in enumerate(emp.subs, start=1):
            if n > 1 and rng.random() >= spec.keep:
                drawn = spec.draw(rng, sub.start)
            row = {
                "employeeid": employeeid,
                "contractid": str(emp.k + 1),
                "subcontractid": str(n),
                **_row(employeeid, spec, drawn, sub.start),
            }
            end = sub.end
            row["enddate"] = dt.date.fromordinal(end).isoformat() if end is not None else None
            row["entityname"] = "SubContractDepartment" if spec.typeid == LIST else "Contract"
            out.append((row, sub.ts))
    return out


def advance_times(seed: int, tenant: int, count: int, old: int, new: int, days: float) -> list[int]:
    """When, in one ``advance``, a newer custom field changes (its own generator)."""
    rng = random.Random(stable_int(seed, tenant, "custom-field-times", old, new))
    expected = MONTHLY_RATE * count * days / 30.0
    n = int(expected) + (1 if rng.random() < expected - math.floor(expected) else 0)
    return [rng.randrange(old + 1, new + 1) for _ in range(n)]


def change_rng(seed: int, tenant: int, old: int, new: int) -> random.Random:
    """The generator of one ``advance``'s custom field changes (apart from everything else)."""
    return random.Random(stable_int(seed, tenant, "custom-field-changes", old, new))


def change(rows: list[Stamped], rng: random.Random, ts: int) -> bool:
    """One open row of a newer field ends the day before ``ts``'s day and a new value starts
    on it (in ``rows``, a person's history rows of one level); False when none can change."""
    day = ticks_date(ts).isoformat()
    older = frozenset(str(r["fieldname"]) for r, _ in rows) - NEWER
    candidates = open_before(rows, day, older)
    if not candidates:
        return False
    new = successor(rows, candidates[rng.randrange(len(candidates))], ts)
    if new is None:
        return False
    spec, old = SPECS[str(new["fieldname"])], new["value"]
    for _ in range(5):  # a change shows another value
        new["value"], new["listname"] = spec.draw(rng, ticks_date(ts).toordinal())
        if new["value"] != old:
            break
    if spec.typeid == YES_NO:
        new["value"] = "Nee" if old == "Ja" else "Ja"
    return True


def add_field(tenant: Tenant, ts: int, fieldname: str, values: Sequence[str], typeid: str) -> None:
    """A customer adds a custom field in Visma and fills it in for the first persons with a
    contract (one value each, from ``ts``'s day on): rows an incremental export carries."""
    day = ticks_date(ts).toordinal()
    filled = iter(values)
    for i in range(tenant.count):
        state = tenant.editable(i)
        contracts = [r for r, _ in state["contracts"]]
        value = next(filled, None) if contracts else None
        if value is None:
            if contracts:
                return
            continue
        employeeid = str(max(contracts, key=lambda r: r["startdate"] or "")["employeeid"])
        row = udf_row(employeeid, fieldname, None, typeid, value, day, None)
        row["entityname"] = "Medewerker"
        state["employee_udf_histories"].append((row, ts))
        tenant.store(i, state, ts)

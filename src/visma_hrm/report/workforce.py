"""The report's HR numbers: the flexible workforce, length of service, age, gender, part-time
bands, span of control and the organisation as a tree, read from the analytics views
(``workforce_*``, ``span_of_control_*``; definitions in ``docs/analytics.md``).

Summed over the tenants the report covers: counts add up, shares and averages are made from
the sums (a share of the sums, not an average of shares).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Rows = Callable[[str, list[Any] | None], list[tuple[Any, ...]]]
"""A query whose ``{tenants}`` is the report's tenants (placeholders bound after the others):
the last placeholders of the query."""
DAYS_PER_YEAR = Decimal("365.25")


def share(part: float | Decimal | int, whole: float | Decimal | int) -> float | None:
    """``part`` as a percentage of ``whole``, two decimals; None when ``whole`` is nothing."""
    return round(float(Decimal(part) * 100 / Decimal(whole)), 2) if whole else None


@dataclass
class WorkforceMonth:
    month: dt.date
    headcount: int
    fte: Decimal
    fixed_term_headcount: int
    fixed_term_fte: Decimal
    service_days: int

    @property
    def fixed_term_headcount_pct(self) -> float | None:
        return share(self.fixed_term_headcount, self.headcount)

    @property
    def fixed_term_fte_pct(self) -> float | None:
        return share(self.fixed_term_fte, self.fte)

    @property
    def service_years_avg(self) -> float | None:
        if not self.headcount:
            return None
        return round(float(Decimal(self.service_days) / self.headcount / DAYS_PER_YEAR), 2)


@dataclass
class OrgNode:
    """A current unit: its own headcount at the end (persons with a version in it) and the
    fixed-term share of it with everything below."""

    tenant_id: str
    orgunitid: str
    parent: str | None
    name: str
    level: int
    headcount: int
    subtree_headcount: int
    subtree_fixed_term: int

    @property
    def fixed_term_pct(self) -> float | None:
        return share(self.subtree_fixed_term, self.subtree_headcount)


@dataclass
class Workforce:
    months: list[WorkforceMonth]
    """Every month of the period, the tenants summed."""
    bands: dict[str, dict[str, tuple[int, Decimal]]]
    """At the end: dimension (service, age, gender, part_time, contract) -> band ->
    (persons, FTE)."""
    ages: tuple[int, int]
    """At the end: the ages summed, and the persons with a known age."""
    managers: list[tuple[str, str, int]]
    """At the end: (tenant, manager's name, direct reports), most reports first."""
    span: tuple[int, int]
    """At the end: (managers, persons reporting to one), the tenants summed."""
    org: list[OrgNode] = field(default_factory=list)

    @property
    def end(self) -> WorkforceMonth:
        return self.months[-1]

    @property
    def age_avg(self) -> float | None:
        total, known = self.ages
        return round(total / known, 1) if known else None

    @property
    def span_avg(self) -> float | None:
        managers, reports = self.span
        return round(reports / managers, 2) if managers else None

    @property
    def part_time_pct(self) -> float | None:
        """Persons whose part-time factors add up to less than full time."""
        bands = self.bands.get("part_time", {})
        everyone = sum(n for n, _ in bands.values())
        return share(everyone - bands.get("100%+", (0, 0))[0], everyone)


def read_workforce(
    rows: Rows, t: str, as_of: dt.date, months: Sequence[dt.date], levels: int
) -> Workforce:
    """The report's HR numbers from the analytics views in schema ``t`` (quoted)."""
    return Workforce(
        months=_months(rows, t, months),
        bands=_bands(rows, t, as_of),
        ages=_ages(rows, t, as_of),
        managers=_managers(rows, t, as_of),
        span=_span(rows, t, as_of),
        org=_org(rows, t, as_of, levels),
    )


def _months(rows: Rows, t: str, months: Sequence[dt.date]) -> list[WorkforceMonth]:
    found = rows(
        f"""SELECT month, sum(headcount), sum(fte), sum(fixed_term_headcount),
       sum(fixed_term_fte), sum(service_days_total)
FROM {t}.workforce_monthly WHERE scope = 'tenant' AND tenant_id IN ({{tenants}})
GROUP BY month""",
        None,
    )
    by_month = {r[0]: r for r in found}
    out = []
    for month in months:
        r = by_month.get(month, (month, 0, 0, 0, 0, 0))
        out.append(
            WorkforceMonth(month, int(r[1]), Decimal(r[2]), int(r[3]), Decimal(r[4]), int(r[5]))
        )
    return out


def _bands(rows: Rows, t: str, as_of: dt.date) -> dict[str, dict[str, tuple[int, Decimal]]]:
    found = rows(
        f"""SELECT dimension, band, min(band_order), sum(headcount), sum(fte)
FROM {t}.workforce_bands_monthly
WHERE scope = 'tenant' AND reference_date = ? AND tenant_id IN ({{tenants}})
GROUP BY dimension, band ORDER BY dimension, 3""",
        [as_of],
    )
    out: dict[str, dict[str, tuple[int, Decimal]]] = {}
    for dimension, band, _order, persons, fte in found:
        out.setdefault(str(dimension), {})[str(band)] = (int(persons), Decimal(fte))
    return out


def _ages(rows: Rows, t: str, as_of: dt.date) -> tuple[int, int]:
    found = rows(
        f"""SELECT sum(age), count(age) FROM (
    SELECT DISTINCT tenant_id, person_key, age FROM {t}.workforce_persons
    WHERE reference_date = ? AND tenant_id IN ({{tenants}})) p""",
        [as_of],
    )
    return (int(found[0][0] or 0), int(found[0][1] or 0)) if found else (0, 0)


def _managers(rows: Rows, t: str, as_of: dt.date) -> list[tuple[str, str, int]]:
    found = rows(
        f"""SELECT tenant_id, coalesce(manager_name, manager_key), direct_reports
FROM {t}.span_of_control_monthly WHERE reference_date = ? AND tenant_id IN ({{tenants}})
ORDER BY direct_reports DESC, 2""",
        [as_of],
    )
    return [(str(r[0]), str(r[1]), int(r[2])) for r in found]


def _span(rows: Rows, t: str, as_of: dt.date) -> tuple[int, int]:
    found = rows(
        f"""SELECT sum(managers), sum(direct_reports) FROM {t}.span_of_control_units_monthly
WHERE scope = 'tenant' AND reference_date = ? AND tenant_id IN ({{tenants}})""",
        [as_of],
    )
    return (int(found[0][0] or 0), int(found[0][1] or 0)) if found else (0, 0)


def _org(rows: Rows, t: str, as_of: dt.date, levels: int) -> list[OrgNode]:
    """The current tree down to ``levels`` deep; deeper units count in their ancestor there."""
    found = rows(
        f"""WITH here AS (
    SELECT w.tenant_id, w.person_key, w.orgunitid, w.is_fixed_term
    FROM {t}.workforce_persons w WHERE w.reference_date = ?
), shown AS (
    SELECT a.tenant_id, a.orgunitid, a.parent_orgunitid, coalesce(a.orgname, a.orgunitid) AS name,
           a.level, a.id_path
    FROM {t}.org_units_current a WHERE a.level <= {int(levels)} AND a.tenant_id IN ({{tenants}})
)
SELECT s.tenant_id, s.orgunitid, s.parent_orgunitid, s.name, s.level,
       count(DISTINCT CASE WHEN d.orgunitid = s.orgunitid OR s.level = {int(levels)}
                           THEN h.person_key END),
       count(DISTINCT h.person_key),
       count(DISTINCT CASE WHEN h.is_fixed_term THEN h.person_key END)
FROM shown s
LEFT JOIN {t}.org_units_current d
  ON d.tenant_id = s.tenant_id AND substr(d.id_path, 1, length(s.id_path)) = s.id_path
LEFT JOIN here h ON h.tenant_id = d.tenant_id AND h.orgunitid = d.orgunitid
GROUP BY s.tenant_id, s.orgunitid, s.parent_orgunitid, s.name, s.level, s.id_path
ORDER BY s.tenant_id, s.id_path""",
        [as_of],
    )
    return [
        OrgNode(str(r[0]), str(r[1]), r[2] and str(r[2]), str(r[3]), int(r[4]), *map(int, r[5:]))
        for r in found
    ]

"""The report's figures as plain dataclasses, and the definitions they follow: the period,
turnover and which contracts are temporary (age, gender and the other bands are the
analytics', ``visma_hrm.analytics.workforce``).

``data`` fills these from the analytics views; ``render`` only draws them. The definitions are
those of ``docs/analytics.md``, stated once here so both and the tests read the same ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from visma_hrm.messages import short_tenant
from visma_hrm.report.workforce import Workforce

DEFAULT_REPORT_SCHEMA = "visma_hrm_report"
"""Where the report builds its own analytics views (with the report's as-of date)."""
PERIOD_MONTHS = 12
ACTION_DAYS = 90
TEMPORARY_TYPES = ("fixed term",)
"""``contracttypeindication_en`` values of a temporary contract (Dutch: bepaalde tijd)."""


@dataclass
class Month:
    month: dt.date
    reference_date: dt.date
    persons: int
    employments: int
    fte: Decimal
    inflow: int
    outflow: int
    employments_started: int
    employments_ended: int
    turnover_pct: float | None
    """Outflow / ((persons at the previous reference date + persons now) / 2) x 100."""


@dataclass
class Unit:
    tenant_id: str
    orgunitid: str
    name: str
    level: int
    name_path: str
    persons: list[int]
    """Persons (the unit with its sub-units) on each month's reference date of the period."""
    fte: Decimal
    """FTE at the end of the period, sub-units included."""


@dataclass
class ActionItem:
    tenant_id: str
    name: str
    employeeid: str
    contractid: str
    unit: str
    function: str
    date: dt.date
    days: int
    """Days from the as-of date to ``date``."""


@dataclass
class ReportData:
    tenants: list[str]
    as_of: dt.date
    begin_date: dt.date
    """The reference date before the period (the last day of the month before it)."""
    begin_persons: int
    begin_employments: int
    months: list[Month]
    units: list[Unit]
    contract_mix: dict[str, int]
    """Employments valid at the end of the period per contract type."""
    age_gender: dict[str, dict[str, int]]
    """Persons employed at the end of the period: age band -> gender -> count."""
    ending: list[ActionItem]
    starting: list[ActionItem]
    generated_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat()[:19])
    companies: dict[str, list[str]] = field(default_factory=dict)
    """Per tenant, the company names of its employees (``employees.companyname``), the one
    with the most employees first; a tenant without any is shown by its id."""
    workforce: Workforce | None = None
    """The HR numbers: flexible workforce, service, age, gender, part-time, span of control,
    the organisation as a tree."""

    @property
    def end(self) -> Month:
        return self.months[-1]

    @property
    def partial_month(self) -> bool:
        """The period's last month is counted only up to the as-of date, not to its last day."""
        return self.as_of != month_add(self.as_of.replace(day=1), 1) - dt.timedelta(days=1)

    def tenant_name(self, tenant_id: str) -> str:
        """What a person calls the tenant: its main company, else the start of its id."""
        names = self.companies.get(tenant_id)
        return names[0] if names else short_tenant(tenant_id)

    @property
    def period_outflow(self) -> int:
        return sum(m.outflow for m in self.months)

    @property
    def period_inflow(self) -> int:
        return sum(m.inflow for m in self.months)

    @property
    def period_turnover_pct(self) -> float | None:
        return turnover(self.period_outflow, self.begin_persons, self.end.persons)

    def to_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["period_inflow"] = self.period_inflow
        document["period_outflow"] = self.period_outflow
        document["period_turnover_pct"] = self.period_turnover_pct
        return document


def turnover(leavers: int, begin: int, end: int) -> float | None:
    """Leavers / average headcount ((begin + end) / 2) x 100; None when nobody was employed."""
    average = (begin + end) / 2
    return round(leavers / average * 100, 2) if average else None


def month_add(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)

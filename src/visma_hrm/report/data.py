"""The figures of the HR report, read from the analytics views (see ``docs/analytics.md``).

Everything the report shows is computed here, once, into the dataclasses of ``definitions``:
the HTML is only a rendering of them, and the tests check these numbers against an independent
computation from the sandbox's truth. The analytics views are built into their own schema with
a fixed as-of date, so the user's live views are left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from visma_hrm.analytics.as_of import data_as_of
from visma_hrm.analytics.build import (
    DEFAULT_SOURCE_SCHEMA,
    _connect,
    _Db,
    build_analytics,
    resolve_source_schema,
)
from visma_hrm.analytics.models import quote
from visma_hrm.errors import ConfigurationError
from visma_hrm.messages import text
from visma_hrm.report.definitions import (
    ACTION_DAYS,
    DEFAULT_REPORT_SCHEMA,
    PERIOD_MONTHS,
    TEMPORARY_TYPES,
    ActionItem,
    Month,
    ReportData,
    Unit,
    month_add,
    turnover,
)
from visma_hrm.report.workforce import read_workforce

__all__ = ["DEFAULT_REPORT_SCHEMA", "PERIOD_MONTHS", "ReportData", "collect", "month_add"]


def default_as_of(connection_or_path: Any, schema: str = DEFAULT_SOURCE_SCHEMA) -> dt.date:
    """The one reference date of every command (``visma_hrm.analytics.as_of``)."""
    return data_as_of(connection_or_path, schema)


def collect(
    connection_or_path: Any,
    *,
    schema: str = DEFAULT_SOURCE_SCHEMA,
    report_schema: str = DEFAULT_REPORT_SCHEMA,
    tenants: list[str] | None = None,
    as_of: dt.date | None = None,
    months: int = PERIOD_MONTHS,
    unit_levels: int = 3,
    lang: str = "en",
) -> ReportData:
    """Build the analytics views for the period into ``report_schema`` and read the figures.

    The period is the ``months`` months ending with the as-of month (that month to date);
    ``as_of`` None is the last day the data covers (``default_as_of``). ``lang`` is the
    language of the errors (nothing to report, an unknown tenant).
    """
    if as_of is None:
        as_of = default_as_of(connection_or_path, schema)
    first = month_add(as_of.replace(day=1), -(months - 1))
    build_analytics(
        connection_or_path, schema, report_schema, as_of=as_of, start=month_add(first, -1)
    )
    with _connect(connection_or_path) as db:
        q = _Queries(db, quote(report_schema), as_of)
        q.tenant_ids = chosen = _chosen(q.tenants(), tenants, lang)
        series = q.monthly()
        begin, rest = series[0], series[1:]
        return ReportData(
            tenants=chosen,
            as_of=as_of,
            begin_date=begin.reference_date,
            begin_persons=begin.persons,
            begin_employments=begin.employments,
            months=_with_turnover(begin.persons, rest),
            units=q.units(unit_levels, [m.month for m in rest]),
            contract_mix=q.contract_mix(),
            age_gender=q.age_gender(),
            ending=q.ending(),
            starting=q.starting(),
            companies=q.companies(resolve_source_schema(db, schema)[0]),
            workforce=read_workforce(q.for_tenants, q.t, as_of, [m.month for m in rest], 3),
        )


def _chosen(known: list[str], wanted: list[str] | None, lang: str) -> list[str]:
    """The tenants to report on: those asked for (all when none), each with contracts."""
    if not known:
        raise ConfigurationError(text("report.no_contracts", lang))
    unknown = [t for t in wanted or [] if t not in known]
    if unknown:
        found = ", ".join(known)
        raise ConfigurationError(
            text("report.unknown_tenant", lang, tenants=", ".join(unknown), known=found)
        )
    return wanted or known


def _with_turnover(begin: int, months: list[Month]) -> list[Month]:
    previous = begin
    for m in months:
        m.turnover_pct = turnover(m.outflow, previous, m.persons)
        previous = m.persons
    return months


@dataclass
class _Queries:
    db: _Db
    t: str
    as_of: dt.date
    tenant_ids: list[str] = field(default_factory=list)

    def _in(self, column: str = "tenant_id") -> str:
        return f"{column} IN ({', '.join('?' for _ in self.tenant_ids)})"

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.db.query(sql, [*(params or []), *self.tenant_ids])

    def for_tenants(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """``rows`` for a query naming the tenants' place as ``{tenants}``."""
        marks = ", ".join("?" for _ in self.tenant_ids)
        return self.rows(sql.replace("{tenants}", marks), params)

    def tenants(self) -> list[str]:
        rows = self.db.query(f"SELECT DISTINCT tenant_id FROM {self.t}.contract_periods ORDER BY 1")
        return [str(r[0]) for r in rows]

    def monthly(self) -> list[Month]:
        """Every month of the spine (the month before the period first), all tenants summed."""
        t = self.t
        rows = self.rows(
            f"""WITH contracts AS (
    SELECT tenant_id, employeeid, contractid, min(valid_from) AS started,
           CASE WHEN count(*) = count(valid_to) THEN max(valid_to) END AS ended
    FROM {t}.contract_periods GROUP BY tenant_id, employeeid, contractid
), jobs AS (
    SELECT tenant_id, month, count(*) AS employments
    FROM {t}.valid_contract_versions GROUP BY tenant_id, month
), moves AS (
    SELECT c.tenant_id, m.month,
           sum(CASE WHEN c.started BETWEEN m.month AND m.reference_date THEN 1 ELSE 0 END)
               AS started,
           sum(CASE WHEN c.ended BETWEEN m.month AND m.reference_date THEN 1 ELSE 0 END)
               AS ended
    FROM contracts c CROSS JOIN {t}.months m GROUP BY c.tenant_id, m.month
)
SELECT h.month, h.reference_date, sum(h.headcount), sum(coalesce(j.employments, 0)),
       sum(h.fte), sum(f.inflow), sum(f.outflow), sum(coalesce(v.started, 0)),
       sum(coalesce(v.ended, 0))
FROM {t}.headcount_monthly_total h
JOIN {t}.flows_monthly f ON f.tenant_id = h.tenant_id AND f.month = h.month
LEFT JOIN jobs j ON j.tenant_id = h.tenant_id AND j.month = h.month
LEFT JOIN moves v ON v.tenant_id = h.tenant_id AND v.month = h.month
WHERE {self._in("h.tenant_id")}
GROUP BY h.month, h.reference_date ORDER BY h.month"""
        )
        return [
            Month(
                month=r[0],
                reference_date=r[1],
                persons=int(r[2]),
                employments=int(r[3]),
                fte=Decimal(r[4]),
                inflow=int(r[5]),
                outflow=int(r[6]),
                employments_started=int(r[7]),
                employments_ended=int(r[8]),
                turnover_pct=None,
            )
            for r in rows
        ]

    def units(self, levels: int, months: list[dt.date]) -> list[Unit]:
        """Current units down to ``levels`` deep, in tree order, with sub-units included."""
        t = self.t
        tree = self.rows(
            f"""SELECT tenant_id, orgunitid, coalesce(orgname, orgunitid), level, id_path, name_path
FROM {t}.org_units_current WHERE level <= ? AND {self._in()} ORDER BY tenant_id, id_path""",
            [levels],
        )
        counts = self.rows(
            f"""SELECT tenant_id, orgunitid, month, headcount, fte
FROM {t}.headcount_monthly_rollup WHERE {self._in()}"""
        )
        by_key = {(str(r[0]), str(r[1]), r[2]): (int(r[3]), Decimal(r[4])) for r in counts}
        out = []
        for tenant, unit, name, level, _path, name_path in tree:
            key = (str(tenant), str(unit))
            persons = [by_key.get((*key, m), (0, Decimal(0)))[0] for m in months]
            fte = by_key.get((*key, months[-1]), (0, Decimal(0)))[1]
            out.append(
                Unit(key[0], key[1], str(name), int(level), str(name_path), persons, Decimal(fte))
            )
        return out

    def contract_mix(self) -> dict[str, int]:
        rows = self.rows(
            f"""SELECT coalesce(c.contract_type, ''), count(*)
FROM {self.t}.valid_contract_versions v
JOIN {self.t}.contract_periods c
  ON c.tenant_id = v.tenant_id AND c.employeeid = v.employeeid
 AND c.contractid = v.contractid AND c.subcontractid = v.subcontractid
WHERE v.reference_date = ? AND {self._in("v.tenant_id")}
GROUP BY 1 ORDER BY 1""",
            [self.as_of],
        )
        return {str(r[0]) or "unknown": int(r[1]) for r in rows}

    def age_gender(self) -> dict[str, dict[str, int]]:
        """Persons at the end by age band (the year rule: ``workforce_persons``) and gender."""
        rows = self.rows(
            f"""SELECT age_band, gender_group, count(*) FROM (
    SELECT DISTINCT tenant_id, person_key, age_band, gender_group
    FROM {self.t}.workforce_persons WHERE reference_date = ? AND {self._in()}) p
GROUP BY age_band, gender_group""",
            [self.as_of],
        )
        out: dict[str, dict[str, int]] = {}
        for band, gender, persons in rows:
            out.setdefault(str(band), {})[str(gender)] = int(persons)
        return out

    def ending(self) -> list[ActionItem]:
        """Temporary contracts whose last version ends within ``ACTION_DAYS`` after as-of."""
        t = self.t
        temporary = ", ".join(f"'{v}'" for v in TEMPORARY_TYPES)
        rows = self.rows(
            f"""WITH last AS (
    SELECT c.*, row_number() OVER (PARTITION BY tenant_id, employeeid, contractid
                                   ORDER BY valid_from DESC, length(subcontractid) DESC,
                                            subcontractid DESC) AS rn,
           count(*) OVER (PARTITION BY tenant_id, employeeid, contractid) AS versions,
           count(valid_to) OVER (PARTITION BY tenant_id, employeeid, contractid) AS closed
    FROM {t}.contract_periods c
)
SELECT l.tenant_id, coalesce(p.formattedname, l.employeeid), l.employeeid, l.contractid,
       coalesce(u.orgname, l.orgunitname, l.orgunitid, ''), coalesce(l.functionname, ''),
       l.valid_to
FROM last l
LEFT JOIN {t}.persons p ON p.tenant_id = l.tenant_id AND p.person_key = l.person_key
LEFT JOIN {t}.org_units_current u ON u.tenant_id = l.tenant_id AND u.orgunitid = l.orgunitid
WHERE l.rn = 1 AND l.versions = l.closed AND lower(l.contract_type) IN ({temporary})
  AND l.valid_to > ? AND l.valid_to <= ? AND {self._in("l.tenant_id")}
ORDER BY l.valid_to, 2""",
            [self.as_of, self.as_of + dt.timedelta(days=ACTION_DAYS)],
        )
        return [self._item(r) for r in rows]

    def starting(self) -> list[ActionItem]:
        """Persons whose employment spell starts within ``ACTION_DAYS`` after as-of (hires, not
        renewals: a spell runs on across contracts without a gap)."""
        t = self.t
        rows = self.rows(
            f"""WITH first AS (
    SELECT s.tenant_id, s.person_key, s.start_date, c.employeeid, c.contractid, c.orgunitid,
           c.orgunitname, c.functionname,
           row_number() OVER (PARTITION BY s.tenant_id, s.person_key, s.spell_no
                              ORDER BY c.employeeid, c.contractid, c.subcontractid) AS rn
    FROM {t}.employment_spells s
    JOIN {t}.contract_periods c ON c.tenant_id = s.tenant_id AND c.person_key = s.person_key
     AND c.valid_from = s.start_date
    WHERE s.start_date > ? AND s.start_date <= ?
)
SELECT f.tenant_id, coalesce(p.formattedname, f.employeeid), f.employeeid, f.contractid,
       coalesce(u.orgname, f.orgunitname, f.orgunitid, ''), coalesce(f.functionname, ''),
       f.start_date
FROM first f
LEFT JOIN {t}.persons p ON p.tenant_id = f.tenant_id AND p.person_key = f.person_key
LEFT JOIN {t}.org_units_current u ON u.tenant_id = f.tenant_id AND u.orgunitid = f.orgunitid
WHERE f.rn = 1 AND {self._in("f.tenant_id")}
ORDER BY f.start_date, 2""",
            [self.as_of, self.as_of + dt.timedelta(days=ACTION_DAYS)],
        )
        return [self._item(r) for r in rows]

    def companies(self, source: str) -> dict[str, list[str]]:
        """Per tenant, the company names of its employees, the most employees first (none
        when the sync left ``companyname`` out)."""
        columns = self.db.query(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = ? "
            "AND table_name = 'employees' AND column_name = 'companyname' "
            "AND table_catalog = current_database()",
            [source],
        )
        if not columns[0][0]:
            return {}
        rows = self.rows(
            f"""SELECT tenant_id, companyname, count(DISTINCT employeeid)
FROM {quote(source)}.employees
WHERE NOT coalesce("_visma_deleted", FALSE) AND trim(coalesce(companyname, '')) <> ''
  AND {self._in()}
GROUP BY tenant_id, companyname ORDER BY tenant_id, 3 DESC, companyname"""
        )
        out: dict[str, list[str]] = {}
        for tenant, name, _employees in rows:
            out.setdefault(str(tenant), []).append(str(name).strip())
        return out

    def _item(self, r: tuple[Any, ...]) -> ActionItem:
        return ActionItem(
            tenant_id=str(r[0]),
            name=str(r[1]),
            employeeid=str(r[2]),
            contractid=str(r[3]),
            unit=str(r[4]),
            function=str(r[5]),
            date=r[6],
            days=(r[6] - self.as_of).days,
        )

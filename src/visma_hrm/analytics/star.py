"""A Power BI-ready star model: dimension and fact views on top of the analytics views.

Power BI (and any BI tool) wants a star: one fact table at a known grain and dimensions with
single-column keys. The views here give it, in their own schema, on DuckDB and PostgreSQL with
one SQL text, reading the synced tables live through the analytics views. See
``docs/powerbi.md`` for the model and how to connect Power BI Desktop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from visma_hrm.analytics.build import (
    DEFAULT_SOURCE_SCHEMA,
    DEFAULT_TARGET_SCHEMA,
    SpineStart,
    _connect,
    build_analytics,
)
from visma_hrm.analytics.models import quote
from visma_hrm.analytics.workforce import FIXED_TERM, gender_sql
from visma_hrm.catalog.custom_fields import (
    VALUES_VIEW,
    CustomField,
    Pivot,
    pivot_sql,
    read_fields,
)
from visma_hrm.errors import ConfigurationError

DEFAULT_MODEL_SCHEMA = "visma_hrm_model"
LEVELS = 6
"""Organisation levels flattened into columns; deeper units roll up into level 6."""

Render = Callable[[str], str]


def _key(*parts: str) -> str:
    """One text key from the parts (tenant first): Power BI relates on a single column."""
    return " || '|' || ".join(f"CAST({p} AS TEXT)" for p in parts)


def _dim_person(a: str) -> str:
    return f"""SELECT {_key("p.tenant_id", "p.person_key")} AS person_id, p.tenant_id, p.person_key,
       p.formattedname AS name, p.initials, p.gender, p.dateofbirth,
       p.employeeids, p.employeeid_count, p.first_start, p.last_end, p.is_active,
       CAST(extract(year FROM p.dateofbirth) AS INTEGER) AS birth_year,
       {gender_sql("p.gender")} AS gender_group
FROM {a}.persons p"""


def _dim_employment(a: str) -> str:
    return f"""WITH ranked AS (
    SELECT c.*, row_number() OVER (
               PARTITION BY tenant_id, employeeid, contractid
               ORDER BY is_current DESC, valid_from DESC, length(subcontractid) DESC,
                        subcontractid DESC) AS rn,
           min(valid_from) OVER (PARTITION BY tenant_id, employeeid, contractid) AS start_date,
           count(*) OVER (PARTITION BY tenant_id, employeeid, contractid) AS versions,
           count(valid_to) OVER (PARTITION BY tenant_id, employeeid, contractid) AS closed,
           max(valid_to) OVER (PARTITION BY tenant_id, employeeid, contractid) AS last_day,
           bool_or(is_active) OVER (PARTITION BY tenant_id, employeeid, contractid) AS active
    FROM {a}.contract_periods c
)
SELECT {_key("tenant_id", "employeeid", "contractid")} AS employment_id, tenant_id,
       {_key("tenant_id", "person_key")} AS person_id, employeeid, contractid,
       start_date, CASE WHEN versions = closed THEN last_day END AS end_date,
       contract_type, emptype, emptypename AS employment_type, functionname AS function_name,
       {_key("tenant_id", "orgunitid")} AS org_unit_id, ptfactor AS current_ptfactor,
       active AS is_active
FROM ranked WHERE rn = 1"""


def _dim_org_unit(a: str) -> str:
    names = ",\n       ".join(
        f"coalesce(max(CASE WHEN p.level = {n} THEN coalesce(p.orgname, p.orgunitid) END), "
        f"max(coalesce(u.orgname, u.orgunitid))) AS level_{n}"
        for n in range(1, LEVELS + 1)
    )
    return f"""SELECT {_key("u.tenant_id", "u.orgunitid")} AS org_unit_id, u.tenant_id, u.orgunitid,
       max(CASE WHEN u.parent_orgunitid IS NOT NULL
                THEN {_key("u.tenant_id", "u.parent_orgunitid")} END) AS parent_org_unit_id,
       max(coalesce(u.orgname, u.orgunitid)) AS name, max(u.level) AS level,
       max(u.id_path) AS id_path, max(u.name_path) AS name_path,
       max(u.costcenter) AS costcenter, max(u.costcentername) AS costcentername,
       {names}
FROM {a}.org_units_current u
LEFT JOIN {a}.org_units_current p
  ON p.tenant_id = u.tenant_id AND p.level <= {LEVELS}
 AND substr(u.id_path, 1, length(p.id_path)) = p.id_path
GROUP BY u.tenant_id, u.orgunitid"""


def _dim_date(a: str) -> str:
    """Every day from the spine's first month to the end of the as-of year."""
    return f"""SELECT CAST(g.d AS DATE) AS date, CAST(extract(year FROM g.d) AS INTEGER) AS year,
       CAST(extract(quarter FROM g.d) AS INTEGER) AS quarter,
       CAST(extract(month FROM g.d) AS INTEGER) AS month,
       CAST(extract(day FROM g.d) AS INTEGER) AS day,
       CAST(date_trunc('month', g.d) AS DATE) AS month_start,
       CAST(extract(year FROM g.d) AS TEXT) || '-' ||
           lpad(CAST(extract(month FROM g.d) AS TEXT), 2, '0') AS year_month,
       CAST(g.d AS DATE) = CAST(date_trunc('month', g.d) + INTERVAL '1 month'
                                - INTERVAL '1 day' AS DATE) AS is_month_end,
       CAST(g.d AS DATE) <= p.as_of AS is_past
FROM {a}.parameters p,
     generate_series(CAST(p.spine_start AS TIMESTAMP),
                     CAST(date_trunc('year', p.as_of) + INTERVAL '1 year' - INTERVAL '1 day'
                          AS TIMESTAMP),
                     INTERVAL '1 day') AS g(d)"""


def _fact_headcount_monthly(a: str) -> str:
    """The counted versions with what the HR numbers need: fixed-term, the person's age,
    service and part-time band on the reference date, and the manager (never oneself)."""
    fixed = f"lower(coalesce(v.contract_type, '')) = '{FIXED_TERM}'"
    manager = "coalesce(mp.person_key, 'userid:' || v.manageruserid)"
    return f"""SELECT v.month, v.reference_date, v.tenant_id,
       {_key("v.tenant_id", "v.person_key")} AS person_id,
       {_key("v.tenant_id", "v.employeeid", "v.contractid")} AS employment_id,
       {_key("v.tenant_id", "v.orgunitid")} AS org_unit_id,
       v.subcontractid, coalesce(v.ptfactor, 0) AS fte, 1 AS employments,
       {fixed} AS is_fixed_term,
       CASE WHEN {fixed} THEN coalesce(v.ptfactor, 0) ELSE 0 END AS fixed_term_fte,
       w.age, w.age_band, w.service_years, w.service_band, w.part_time_band,
       CASE WHEN NULLIF(trim(v.manageruserid), '') IS NOT NULL
             AND (mp.person_key IS NULL OR mp.person_key <> v.person_key)
            THEN {_key("v.tenant_id", manager)} END AS manager_id
FROM {a}.valid_contract_versions v
LEFT JOIN {a}.workforce_persons w
  ON w.month = v.month AND w.tenant_id = v.tenant_id AND w.person_key = v.person_key
 AND w.orgunitid IS NOT DISTINCT FROM v.orgunitid
LEFT JOIN {a}.stg_users us ON us.tenant_id = v.tenant_id AND us.userid = v.manageruserid
LEFT JOIN {a}.employee_persons mp
  ON mp.tenant_id = us.tenant_id AND mp.employeeid = us.employeeid"""


def _fact_span_of_control_monthly(a: str) -> str:
    """Per month and manager: direct reports (``span_of_control_monthly``)."""
    return f"""SELECT s.month, s.reference_date, s.tenant_id,
       {_key("s.tenant_id", "s.manager_key")} AS manager_id,
       CASE WHEN s.manager_person_key IS NOT NULL
            THEN {_key("s.tenant_id", "s.manager_person_key")} END AS person_id,
       s.manager_name, s.direct_reports, s.reports_fte
FROM {a}.span_of_control_monthly s"""


MODEL_VIEWS: tuple[tuple[str, Render], ...] = (
    ("dim_person", _dim_person),
    ("dim_employment", _dim_employment),
    ("dim_org_unit", _dim_org_unit),
    ("dim_date", _dim_date),
    ("fact_headcount_monthly", _fact_headcount_monthly),
    ("fact_span_of_control_monthly", _fact_span_of_control_monthly),
)


def build_model(
    connection_or_path: Any,
    schema: str = DEFAULT_SOURCE_SCHEMA,
    analytics_schema: str = DEFAULT_TARGET_SCHEMA,
    model_schema: str = DEFAULT_MODEL_SCHEMA,
    *,
    as_of: dt.date | None = None,
    start: SpineStart = None,
    custom_fields: Sequence[str] = ("all",),
) -> list[str]:
    """(Re)build the analytics views, then the star model on them; returns the model's views.

    ``as_of``/``start`` as for ``build_analytics`` (None: live, 24 months of history);
    ``custom_fields`` the ``model_custom_fields`` setting: which custom fields the person and
    employment dimensions carry (``all``, field or column names; empty: none).
    """
    m = quote(model_schema)
    with _connect(connection_or_path) as db:
        # the model's views first: PostgreSQL refuses to drop the analytics views they read
        drops = [f'DROP VIEW IF EXISTS {m}."{name}"' for name, _ in reversed(MODEL_VIEWS)]
        db.script([f"CREATE SCHEMA IF NOT EXISTS {m}", *drops])
        build_analytics(db.raw, schema, analytics_schema, as_of=as_of, start=start)
        a = quote(analytics_schema)
        fields = chosen_fields(read_fields(db.query, analytics_schema), custom_fields)
        views = {name: render(a) for name, render in MODEL_VIEWS}
        views["dim_person"] = _with_fields(views["dim_person"], a, "employee", fields)
        views["dim_employment"] = _with_fields(views["dim_employment"], a, "contract", fields)
        db.script([f'CREATE VIEW {m}."{name}" AS\n{sql}' for name, sql in views.items()])
    return list(views)


def chosen_fields(found: Sequence[CustomField], wanted: Sequence[str]) -> list[CustomField]:
    """The fields ``model_custom_fields`` names (by field or column name, any case), all of
    them for ``all``; a name the data does not hold is an error that lists those it does."""
    names = {n.strip().lower(): n.strip() for n in wanted}
    if "all" in names:
        return list(found)
    chosen = [f for f in found if {f.fieldname.strip().lower(), f.column} & set(names)]
    matched = {n for f in chosen for n in (f.fieldname.strip().lower(), f.column)}
    if missing := sorted(given for name, given in names.items() if name not in matched):
        known = ", ".join(sorted({f.fieldname for f in found})) or "none"
        raise ConfigurationError(
            f"model_custom_fields names {', '.join(missing)}, which the data has no custom "
            f"field called. Custom fields in the data: {known}."
        )
    return chosen


_PIVOTS = {
    "employee": (
        "SELECT DISTINCT tenant_id, person_key FROM {a}.persons",
        ("tenant_id", "person_key"),
    ),
    "contract": (
        "SELECT DISTINCT tenant_id, employeeid, contractid FROM {a}.contract_periods",
        ("tenant_id", "employeeid", "contractid"),
    ),
}
"""Per level, the dimension's keys: a person's value comes from any of its employeeids."""


def _with_fields(base: str, a: str, level: str, fields: Sequence[CustomField]) -> str:
    """The dimension with a column per chosen field of ``level``, the value valid on the as-of
    date (``visma_hrm.catalog.custom_fields``: the columns of the analytics views)."""
    mine = [f for f in fields if f.level == level]
    if not mine:
        return base
    keys_sql, keys = _PIVOTS[level]
    pivot = Pivot(
        keys_sql=keys_sql.format(a=a),
        keys=keys,
        match=keys,
        values_from=f"{a}.{quote(VALUES_VIEW)} v, {a}.parameters p",
        on="p.as_of",
    )
    columns = ", ".join(f"cf.{quote(f.column)}" for f in mine)
    on = " AND ".join(f"cf.{k} = d.{k}" for k in keys)
    return f"""SELECT d.*, {columns}
FROM ({base}) d
LEFT JOIN ({pivot_sql(pivot, level, mine)}) cf ON {on}"""

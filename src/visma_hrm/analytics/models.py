"""The analytics views as SQL, in dependency order (see ``docs/analytics.md`` for definitions).

Every view is rendered for one source schema (where dlt loaded the tables) and one target
schema (where the views go), and reads the tables live: a sync needs no rebuild. Only the
as-of date and the spine start are baked in, as literals or as ``CURRENT_DATE``.

The SQL sticks to what DuckDB and PostgreSQL both understand (window functions, ``WITH
RECURSIVE``, ``string_agg ... ORDER BY``, ``date +/- integer``), so one text serves both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from visma_hrm.catalog import DATASETS, DELETED_COLUMN, TENANT_COLUMN, ColumnType

# The columns each staging view takes from its table. Everything else reads staging views, so
# the soft-delete filter lives here only, and a table that is missing (dataset not approved)
# becomes an empty, typed stand-in instead of a failing view.
STAGED_COLUMNS: dict[str, tuple[str, ...]] = {
    "employees": (
        "employeeid",
        "existencestartutc",
        "initials",
        "gender",
        "dateofbirth",
        "birthname",
        "prefixbirthname",
        "formattedname",
    ),
    "contracts": (
        "employeeid",
        "contractid",
        "subcontractid",
        "startdate",
        "enddate",
        "existencestartutc",
        "ptfactor",
        "weekhoursfixed",
        "weekhoursvar",
        "normalhours",
        "orgunit",
        "orgunitname",
        "costcenter",
        "functionid",
        "functionname",
        "emptype",
        "emptypename",
        "contracttypeindication_en",
        "endreason",
        "endreasonname",
        "manageruserid",
        "managername",
    ),
    "organization_units": (
        "orgunitid",
        "orgunitparentid",
        "orgunittype",
        "orgname",
        "costcenter",
        "costcentername",
        "manager",
        "manageruserid",
        "startdate",
        "enddate",
    ),
    "cost_centers": ("costcenter", "costcentername"),
    "users": ("userid", "employeeid"),
}

_SQL_TYPES = {
    ColumnType.TEXT: "TEXT",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMP WITH TIME ZONE",
    ColumnType.INTEGER: "BIGINT",
    ColumnType.DECIMAL: "DECIMAL(18, 6)",
    ColumnType.BOOLEAN: "BOOLEAN",
}

OPEN_END = "DATE '9999-12-31'"
"""Stands in for an open end date inside comparisons; never shown in a view."""


@dataclass(frozen=True)
class Context:
    """What a view's SQL depends on besides other views."""

    source: str
    """Quoted source schema, e.g. ``"visma_hrm"``."""
    target: str
    """Quoted target schema, e.g. ``"visma_hrm_analytics"``."""
    as_of: str
    """SQL date expression: ``DATE '2026-01-31'`` or ``CURRENT_DATE``."""
    spine_start: str
    """SQL date expression for the first month of the spine (any day of that month)."""
    present: frozenset[str]
    """Source tables that exist."""

    def v(self, name: str) -> str:
        return f'{self.target}."{name}"'


@dataclass(frozen=True)
class View:
    name: str
    render: Callable[[Context], str]
    description: str


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _staging(table: str) -> Callable[[Context], str]:
    def render(ctx: Context) -> str:
        columns = STAGED_COLUMNS[table]
        if table in ctx.present:
            cols = ", ".join(quote(c) for c in (TENANT_COLUMN, *columns))
            return (
                f"SELECT {cols} FROM {ctx.source}.{quote(table)} "
                f"WHERE NOT coalesce({quote(DELETED_COLUMN)}, FALSE)"
            )
        dataset = DATASETS[table]
        typed = [f"CAST(NULL AS TEXT) AS {quote(TENANT_COLUMN)}"] + [
            f"CAST(NULL AS {_SQL_TYPES[dataset.column_type(c)]}) AS {quote(c)}" for c in columns
        ]
        return f"SELECT {', '.join(typed)} WHERE 1 = 0"

    return render


def _parameters(ctx: Context) -> str:
    return f"""SELECT CAST({ctx.as_of} AS DATE) AS as_of,
       CAST(date_trunc('month', CAST({ctx.spine_start} AS DATE)) AS DATE) AS spine_start"""


def _months(ctx: Context) -> str:
    return f"""WITH RECURSIVE spine(month) AS (
    SELECT spine_start FROM {ctx.v("parameters")}
    UNION ALL
    SELECT CAST(s.month + INTERVAL '1 month' AS DATE)
    FROM spine s, {ctx.v("parameters")} p
    WHERE CAST(s.month + INTERVAL '1 month' AS DATE) <= p.as_of
)
SELECT s.month,
       CAST(s.month + INTERVAL '1 month' - INTERVAL '1 day' AS DATE) AS month_end,
       CASE WHEN CAST(s.month + INTERVAL '1 month' - INTERVAL '1 day' AS DATE) < p.as_of
            THEN CAST(s.month + INTERVAL '1 month' - INTERVAL '1 day' AS DATE)
            ELSE p.as_of END AS reference_date
FROM spine s, {ctx.v("parameters")} p
WHERE s.month <= p.as_of"""


def _norm(expr: str) -> str:
    return f"NULLIF(lower(trim({expr})), '')"


def _employee_persons(ctx: Context) -> str:
    initials = "NULLIF(lower(replace(replace(trim(e.initials), '.', ''), ' ', '')), '')"
    identity = (
        f"CASE WHEN {initials} IS NULL OR {_norm('e.gender')} IS NULL "
        f"OR e.dateofbirth IS NULL OR {_norm('e.birthname')} IS NULL "
        "THEN 'employeeid:' || i.employeeid "
        f"ELSE {initials} || '|' || {_norm('e.gender')} || '|' "
        f"|| CAST(e.dateofbirth AS TEXT) || '|' || {_norm('e.birthname')} END"
    )
    return f"""WITH latest AS (
    SELECT x.*, row_number() OVER (
        PARTITION BY tenant_id, employeeid ORDER BY existencestartutc DESC NULLS LAST) AS rn
    FROM {ctx.v("stg_employees")} x
), ids AS (
    SELECT tenant_id, employeeid FROM {ctx.v("stg_employees")}
    UNION
    SELECT tenant_id, employeeid FROM {ctx.v("stg_contracts")}
), keyed AS (
    SELECT i.tenant_id, i.employeeid, e.employeeid IS NOT NULL AS has_employee_record,
           {identity} AS identity
    FROM ids i
    LEFT JOIN latest e
      ON e.tenant_id = i.tenant_id AND e.employeeid = i.employeeid AND e.rn = 1
)
SELECT tenant_id, employeeid,
       first_value(employeeid) OVER (
           PARTITION BY tenant_id, identity ORDER BY length(employeeid), employeeid
       ) AS person_key,
       has_employee_record
FROM keyed"""


def _contract_periods(ctx: Context) -> str:
    cc_join = (
        f"LEFT JOIN {ctx.v('stg_cost_centers')} cc "
        "ON cc.tenant_id = c.tenant_id AND cc.costcenter = c.costcenter"
    )
    order = "c.startdate DESC, length(c.subcontractid) DESC, c.subcontractid DESC"
    return f"""WITH base AS (
    SELECT c.*, p.as_of FROM {ctx.v("stg_contracts")} c, {ctx.v("parameters")} p
)
SELECT c.tenant_id, ep.person_key, c.employeeid, c.contractid, c.subcontractid,
       c.startdate AS valid_from, c.enddate AS valid_to,
       c.ptfactor, c.ptfactor AS fte, c.weekhoursfixed, c.weekhoursvar, c.normalhours,
       coalesce(c.weekhoursfixed, 0) + coalesce(c.weekhoursvar, 0) AS weekly_hours,
       c.orgunit AS orgunitid, c.orgunitname, c.costcenter, cc.costcentername,
       c.functionid, c.functionname, c.emptype, c.emptypename,
       c.contracttypeindication_en AS contract_type, c.endreason, c.endreasonname,
       c.manageruserid, c.managername,
       (c.startdate <= c.as_of AND row_number() OVER (
            PARTITION BY c.tenant_id, c.employeeid, c.contractid,
                         CASE WHEN c.startdate <= c.as_of THEN 1 ELSE 0 END
            ORDER BY {order}) = 1) AS is_current,
       (c.startdate <= c.as_of AND coalesce(c.enddate, {OPEN_END}) >= c.as_of) AS is_active
FROM base c
JOIN {ctx.v("employee_persons")} ep
  ON ep.tenant_id = c.tenant_id AND ep.employeeid = c.employeeid
{cc_join}
WHERE c.startdate IS NOT NULL"""


def _persons(ctx: Context) -> str:
    return f"""WITH records AS (
    SELECT ep.tenant_id, ep.person_key, e.initials, e.gender, e.dateofbirth, e.birthname,
           e.prefixbirthname, e.formattedname,
           row_number() OVER (PARTITION BY ep.tenant_id, ep.person_key
                              ORDER BY e.existencestartutc DESC NULLS LAST, e.employeeid DESC
                             ) AS rn
    FROM {ctx.v("employee_persons")} ep
    JOIN {ctx.v("stg_employees")} e ON e.tenant_id = ep.tenant_id AND e.employeeid = ep.employeeid
), ids AS (
    SELECT tenant_id, person_key,
           string_agg(employeeid, ',' ORDER BY length(employeeid), employeeid) AS employeeids,
           count(*) AS employeeid_count,
           bool_and(has_employee_record) AS has_employee_record
    FROM {ctx.v("employee_persons")} GROUP BY tenant_id, person_key
), work AS (
    SELECT tenant_id, person_key, min(valid_from) AS first_start,
           max(coalesce(valid_to, {OPEN_END})) AS last_end,
           bool_or(is_active) AS is_active
    FROM {ctx.v("contract_periods")} GROUP BY tenant_id, person_key
)
SELECT i.tenant_id, i.person_key, r.initials, r.gender, r.dateofbirth, r.birthname,
       r.prefixbirthname, r.formattedname, i.employeeids, i.employeeid_count,
       i.has_employee_record, w.first_start,
       CASE WHEN w.last_end = {OPEN_END} THEN NULL ELSE w.last_end END AS last_end,
       coalesce(w.is_active, FALSE) AS is_active
FROM ids i
LEFT JOIN records r ON r.tenant_id = i.tenant_id AND r.person_key = i.person_key AND r.rn = 1
LEFT JOIN work w ON w.tenant_id = i.tenant_id AND w.person_key = i.person_key"""


def _org_unit_history(ctx: Context) -> str:
    return f"""SELECT u.tenant_id, u.orgunitid, u.orgunitparentid AS parent_orgunitid,
       u.orgname, u.orgunittype, u.costcenter, u.costcentername, u.manager, u.manageruserid,
       u.startdate AS valid_from, u.enddate AS valid_to,
       (u.startdate <= p.as_of AND coalesce(u.enddate, {OPEN_END}) >= p.as_of) AS is_valid_at_as_of
FROM {ctx.v("stg_organization_units")} u, {ctx.v("parameters")} p"""


def _org_units_current(ctx: Context) -> str:
    return f"""WITH RECURSIVE cur AS (
    SELECT h.* FROM (
        SELECT x.*, row_number() OVER (PARTITION BY tenant_id, orgunitid
                                       ORDER BY valid_from DESC) AS rn
        FROM {ctx.v("org_unit_history")} x WHERE x.is_valid_at_as_of
    ) h WHERE h.rn = 1
), tree(tenant_id, orgunitid, level, id_path, name_path) AS (
    SELECT u.tenant_id, u.orgunitid, 1,
           CAST('/' || u.orgunitid || '/' AS TEXT),
           CAST(coalesce(u.orgname, u.orgunitid) AS TEXT)
    FROM cur u
    WHERE u.parent_orgunitid IS NULL OR NOT EXISTS (
        SELECT 1 FROM cur q
        WHERE q.tenant_id = u.tenant_id AND q.orgunitid = u.parent_orgunitid)
    UNION ALL
    SELECT c.tenant_id, c.orgunitid, t.level + 1,
           CAST(t.id_path || c.orgunitid || '/' AS TEXT),
           CAST(t.name_path || ' > ' || coalesce(c.orgname, c.orgunitid) AS TEXT)
    FROM cur c JOIN tree t ON c.tenant_id = t.tenant_id AND c.parent_orgunitid = t.orgunitid
    WHERE t.level < 100 AND position('/' || c.orgunitid || '/' IN t.id_path) = 0
)
SELECT c.tenant_id, c.orgunitid, c.parent_orgunitid, c.orgname, c.orgunittype, c.costcenter,
       c.costcentername, c.manager, c.manageruserid, c.valid_from, c.valid_to,
       t.level, t.id_path, t.name_path
FROM cur c LEFT JOIN tree t ON t.tenant_id = c.tenant_id AND t.orgunitid = c.orgunitid"""


def _valid_on_reference_dates(ctx: Context) -> str:
    """Versions valid on each month's reference date, one per contract (the latest start)."""
    return f"""SELECT month, reference_date, tenant_id, person_key, employeeid, contractid,
       subcontractid, orgunitid, orgunitname, ptfactor
FROM (
    SELECT m.month, m.reference_date, cp.tenant_id, cp.person_key, cp.employeeid,
           cp.contractid, cp.subcontractid, cp.orgunitid, cp.orgunitname, cp.ptfactor,
           row_number() OVER (
               PARTITION BY cp.tenant_id, m.month, cp.employeeid, cp.contractid
               ORDER BY cp.valid_from DESC, length(cp.subcontractid) DESC, cp.subcontractid DESC
           ) AS rn
    FROM {ctx.v("months")} m
    JOIN {ctx.v("contract_periods")} cp
      ON cp.valid_from <= m.reference_date
     AND coalesce(cp.valid_to, {OPEN_END}) >= m.reference_date
) k
WHERE rn = 1"""


def _headcount_monthly(ctx: Context) -> str:
    return f"""WITH agg AS (
    SELECT tenant_id, month, reference_date, orgunitid,
           max(orgunitname) AS contract_orgunitname,
           count(DISTINCT person_key) AS headcount,
           coalesce(sum(ptfactor), 0) AS fte
    FROM {ctx.v("valid_contract_versions")}
    GROUP BY tenant_id, month, reference_date, orgunitid
)
SELECT a.tenant_id, a.month, a.reference_date, a.orgunitid,
       coalesce(u.orgname, a.contract_orgunitname) AS orgunitname,
       a.headcount, a.fte
FROM agg a
LEFT JOIN {ctx.v("org_units_current")} u
  ON u.tenant_id = a.tenant_id AND u.orgunitid = a.orgunitid"""


def _headcount_monthly_rollup(ctx: Context) -> str:
    return f"""SELECT a.tenant_id, v.month, v.reference_date, a.orgunitid,
       a.orgname AS orgunitname, a.level, a.name_path,
       count(DISTINCT v.person_key) AS headcount, coalesce(sum(v.ptfactor), 0) AS fte
FROM {ctx.v("org_units_current")} a
JOIN {ctx.v("org_units_current")} d
  ON d.tenant_id = a.tenant_id
 AND substr(d.id_path, 1, length(a.id_path)) = a.id_path
JOIN {ctx.v("valid_contract_versions")} v
  ON v.tenant_id = d.tenant_id AND v.orgunitid = d.orgunitid
GROUP BY a.tenant_id, v.month, v.reference_date, a.orgunitid, a.orgname, a.level,
         a.name_path"""


def _headcount_monthly_total(ctx: Context) -> str:
    return f"""WITH agg AS (
    SELECT tenant_id, month,
           count(DISTINCT person_key) AS headcount, coalesce(sum(ptfactor), 0) AS fte
    FROM {ctx.v("valid_contract_versions")} GROUP BY tenant_id, month
)
SELECT t.tenant_id, m.month, m.reference_date,
       coalesce(a.headcount, 0) AS headcount, coalesce(a.fte, 0) AS fte
FROM {ctx.v("months")} m
CROSS JOIN (SELECT DISTINCT tenant_id FROM {ctx.v("contract_periods")}) t
LEFT JOIN agg a ON a.tenant_id = t.tenant_id AND a.month = m.month"""


def _employment_spells(ctx: Context) -> str:
    return f"""WITH p AS (
    SELECT tenant_id, person_key, valid_from,
           coalesce(valid_to, {OPEN_END}) AS valid_to
    FROM {ctx.v("contract_periods")}
), ordered AS (
    SELECT p.*, max(valid_to) OVER (
        PARTITION BY tenant_id, person_key ORDER BY valid_from, valid_to
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM p
), marked AS (
    SELECT o.*, CASE WHEN reach IS NULL OR valid_from - 1 > reach THEN 1 ELSE 0 END AS is_start
    FROM ordered o
), numbered AS (
    SELECT m.*, sum(is_start) OVER (
        PARTITION BY tenant_id, person_key ORDER BY valid_from, valid_to
        ROWS UNBOUNDED PRECEDING) AS spell_no
    FROM marked m
)
SELECT tenant_id, person_key, spell_no, min(valid_from) AS start_date,
       CASE WHEN max(valid_to) = {OPEN_END} THEN NULL ELSE max(valid_to) END AS end_date
FROM numbered GROUP BY tenant_id, person_key, spell_no"""


def _transfers(ctx: Context) -> str:
    return f"""WITH candidates AS (
    SELECT w.tenant_id, w.person_key, w.valid_from AS transfer_date,
           w.employeeid, w.contractid, w.subcontractid,
           p.orgunitid AS from_orgunitid, w.orgunitid AS to_orgunitid,
           row_number() OVER (
               PARTITION BY w.tenant_id, w.employeeid, w.contractid, w.subcontractid
               ORDER BY CASE WHEN p.employeeid = w.employeeid AND p.contractid = w.contractid
                             THEN 0 ELSE 1 END,
                        p.valid_from DESC, p.employeeid, p.contractid, p.subcontractid
           ) AS rn
    FROM {ctx.v("contract_periods")} w
    JOIN {ctx.v("contract_periods")} p
      ON p.tenant_id = w.tenant_id AND p.person_key = w.person_key
     AND p.valid_to = w.valid_from - 1
)
SELECT tenant_id, person_key, transfer_date, employeeid, contractid, subcontractid,
       from_orgunitid, to_orgunitid
FROM candidates
WHERE rn = 1 AND from_orgunitid IS DISTINCT FROM to_orgunitid"""


def _flows_monthly(ctx: Context) -> str:
    def count(view: str, column: str, alias: str, extra: str = "") -> str:
        return f"""(SELECT m.month, e.tenant_id, count(DISTINCT e.person_key) AS n
    FROM {ctx.v(view)} e JOIN {ctx.v("months")} m
      ON e.{column} BETWEEN m.month AND m.reference_date {extra}
    GROUP BY m.month, e.tenant_id) {alias}"""

    def join(alias: str) -> str:
        return f"{alias}.tenant_id = t.tenant_id AND {alias}.month = m.month"

    return f"""SELECT t.tenant_id, m.month, m.reference_date,
       coalesce(i.n, 0) AS inflow, coalesce(r.n, 0) AS rehires,
       coalesce(o.n, 0) AS outflow, coalesce(x.n, 0) AS transfers
FROM {ctx.v("months")} m
CROSS JOIN (SELECT DISTINCT tenant_id FROM {ctx.v("contract_periods")}) t
LEFT JOIN {count("employment_spells", "start_date", "i")} ON {join("i")}
LEFT JOIN {count("employment_spells", "start_date", "r", "AND e.spell_no > 1")} ON {join("r")}
LEFT JOIN {count("employment_spells", "end_date", "o")} ON {join("o")}
LEFT JOIN {count("transfers", "transfer_date", "x")} ON {join("x")}"""


def _managers(ctx: Context) -> str:
    def manager(alias: str) -> str:
        return f"""LEFT JOIN {ctx.v("stg_users")} us
  ON us.tenant_id = {alias}.tenant_id AND us.userid = {alias}.manageruserid
LEFT JOIN {ctx.v("employee_persons")} mp
  ON mp.tenant_id = us.tenant_id AND mp.employeeid = us.employeeid
LEFT JOIN {ctx.v("persons")} pp
  ON pp.tenant_id = mp.tenant_id AND pp.person_key = mp.person_key"""

    return f"""SELECT 'org_unit' AS source, u.tenant_id, u.orgunitid,
       CAST(NULL AS TEXT) AS person_key, CAST(NULL AS TEXT) AS employeeid,
       CAST(NULL AS TEXT) AS contractid, CAST(NULL AS TEXT) AS subcontractid,
       u.manageruserid, us.employeeid AS manager_employeeid,
       mp.person_key AS manager_person_key,
       coalesce(pp.formattedname, u.manager) AS manager_name
FROM {ctx.v("org_units_current")} u
{manager("u")}
UNION ALL
SELECT 'contract', c.tenant_id, c.orgunitid, c.person_key, c.employeeid, c.contractid,
       c.subcontractid, c.manageruserid, us.employeeid, mp.person_key,
       coalesce(pp.formattedname, c.managername)
FROM {ctx.v("contract_periods")} c
{manager("c")}
WHERE c.is_current"""


VIEWS: tuple[View, ...] = (
    *(View(f"stg_{t}", _staging(t), f"Current (not deleted) rows of {t}.") for t in STAGED_COLUMNS),
    View("parameters", _parameters, "The as-of date and the first month of the spine."),
    View("months", _months, "Month spine: month, month_end, reference_date."),
    View("employee_persons", _employee_persons, "employeeid -> person_key."),
    View("contract_periods", _contract_periods, "One row per contract version."),
    View("persons", _persons, "One row per person."),
    View("org_unit_history", _org_unit_history, "Every version of every unit."),
    View("org_units_current", _org_units_current, "Units valid on the as-of date, as a tree."),
    View("valid_contract_versions", _valid_on_reference_dates, "Versions per reference date."),
    View("headcount_monthly", _headcount_monthly, "Headcount and FTE per month and unit."),
    View(
        "headcount_monthly_rollup",
        _headcount_monthly_rollup,
        "Headcount and FTE per month and unit, sub-units included.",
    ),
    View("headcount_monthly_total", _headcount_monthly_total, "Headcount and FTE per month."),
    View("employment_spells", _employment_spells, "Uninterrupted employment per person."),
    View("transfers", _transfers, "Org unit changes between consecutive versions."),
    View("flows_monthly", _flows_monthly, "Inflow, rehires, outflow, transfers per month."),
    View("managers", _managers, "Unit and contract -> manager person."),
)

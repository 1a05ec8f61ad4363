"""What is counted per month: contract versions valid on each reference date, headcount and
FTE (per unit, rolled up, in total), employment spells, transfers, flows and managers.
"""

from __future__ import annotations

from visma_hrm.analytics.staging import OPEN_END, Context


def valid_on_reference_dates(ctx: Context) -> str:
    """Versions valid on each month's reference date, one per contract (the latest start)."""
    return f"""SELECT month, reference_date, tenant_id, person_key, employeeid, contractid,
       subcontractid, orgunitid, orgunitname, ptfactor, contract_type, manageruserid, managername
FROM (
    SELECT m.month, m.reference_date, cp.tenant_id, cp.person_key, cp.employeeid,
           cp.contractid, cp.subcontractid, cp.orgunitid, cp.orgunitname, cp.ptfactor,
           cp.contract_type, cp.manageruserid, cp.managername,
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


def headcount_monthly(ctx: Context) -> str:
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


def headcount_monthly_rollup(ctx: Context) -> str:
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


def headcount_monthly_total(ctx: Context) -> str:
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


def employment_spells(ctx: Context) -> str:
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


def transfers(ctx: Context) -> str:
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


def flows_monthly(ctx: Context) -> str:
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


def managers(ctx: Context) -> str:
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

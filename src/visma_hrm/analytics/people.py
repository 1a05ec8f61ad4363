"""Who is who: employeeids grouped into persons, contract versions as periods, and the
organisation's units (every version, and today's tree with its levels and paths).
"""

from __future__ import annotations

from visma_hrm.analytics.staging import OPEN_END, Context


def norm(expr: str) -> str:
    return f"NULLIF(lower(trim({expr})), '')"


def employee_persons(ctx: Context) -> str:
    initials = "NULLIF(lower(replace(replace(trim(e.initials), '.', ''), ' ', '')), '')"
    identity = (
        f"CASE WHEN {initials} IS NULL OR {norm('e.gender')} IS NULL "
        f"OR e.dateofbirth IS NULL OR {norm('e.birthname')} IS NULL "
        "THEN 'employeeid:' || i.employeeid "
        f"ELSE {initials} || '|' || {norm('e.gender')} || '|' "
        f"|| CAST(e.dateofbirth AS TEXT) || '|' || {norm('e.birthname')} END"
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


def contract_periods(ctx: Context) -> str:
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


def persons(ctx: Context) -> str:
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


def org_unit_history(ctx: Context) -> str:
    return f"""SELECT u.tenant_id, u.orgunitid, u.orgunitparentid AS parent_orgunitid,
       u.orgname, u.orgunittype, u.costcenter, u.costcentername, u.manager, u.manageruserid,
       u.startdate AS valid_from, u.enddate AS valid_to,
       (u.startdate <= p.as_of AND coalesce(u.enddate, {OPEN_END}) >= p.as_of) AS is_valid_at_as_of
FROM {ctx.v("stg_organization_units")} u, {ctx.v("parameters")} p"""


def org_units_current(ctx: Context) -> str:
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

"""Span of control: direct reports per manager, and reports per manager in each unit and
tenant, on every month's reference date.

A person reports to the manager their counted contract version names (``manageruserid`` ->
``users`` -> the manager's person), never to themselves; see ``docs/analytics.md``.
"""

from __future__ import annotations

from visma_hrm.analytics.staging import Context


def _reports(ctx: Context) -> str:
    """Counted versions naming a manager, with the manager's key (their person, else the
    user id), the manager's own versions left out."""
    return f"""named AS (
    SELECT v.month, v.reference_date, v.tenant_id, v.person_key, v.orgunitid, v.ptfactor,
           v.manageruserid, v.managername, mp.person_key AS manager_person_key,
           coalesce(mp.person_key, 'userid:' || v.manageruserid) AS manager_key
    FROM {ctx.v("valid_contract_versions")} v
    LEFT JOIN {ctx.v("stg_users")} us
      ON us.tenant_id = v.tenant_id AND us.userid = v.manageruserid
    LEFT JOIN {ctx.v("employee_persons")} mp
      ON mp.tenant_id = us.tenant_id AND mp.employeeid = us.employeeid
    WHERE NULLIF(trim(v.manageruserid), '') IS NOT NULL
), reports AS (
    SELECT * FROM named
    WHERE manager_person_key IS NULL OR manager_person_key <> person_key
)"""


def span_of_control_monthly(ctx: Context) -> str:
    """Per month and manager: distinct persons reporting to them, and those persons' FTE."""
    return f"""WITH {_reports(ctx)}
SELECT r.month, r.reference_date, r.tenant_id, r.manager_key,
       max(r.manager_person_key) AS manager_person_key, min(r.manageruserid) AS manageruserid,
       coalesce(max(p.formattedname), max(r.managername)) AS manager_name,
       count(DISTINCT r.person_key) AS direct_reports,
       coalesce(sum(r.ptfactor), 0) AS reports_fte
FROM reports r
LEFT JOIN {ctx.v("persons")} p
  ON p.tenant_id = r.tenant_id AND p.person_key = r.manager_person_key
GROUP BY r.month, r.reference_date, r.tenant_id, r.manager_key"""


def span_of_control_units_monthly(ctx: Context) -> str:
    """Per month, tenant (``scope`` 'tenant', ``orgunitid`` NULL) and unit: the managers named
    by its counted versions, the persons reporting to them, and persons per manager."""
    return f"""WITH {_reports(ctx)}, scoped AS (
    SELECT 'unit' AS scope, month, reference_date, tenant_id, orgunitid, person_key, manager_key
    FROM reports
    UNION ALL
    SELECT 'tenant', month, reference_date, tenant_id, CAST(NULL AS TEXT), person_key, manager_key
    FROM reports
)
SELECT scope, month, reference_date, tenant_id, orgunitid,
       count(DISTINCT manager_key) AS managers, count(DISTINCT person_key) AS direct_reports,
       round(CAST(count(DISTINCT person_key) AS DECIMAL(18, 6)) / count(DISTINCT manager_key), 2)
           AS span_avg
FROM scoped GROUP BY scope, month, reference_date, tenant_id, orgunitid"""

"""Custom fields in the analytics: every history row with the value it shows, and the views
with a column per field generated from it (``visma_hrm.catalog.custom_fields`` has the rules).

``custom_field_values`` has fixed columns, so it is an ordinary view; ``employee_custom_fields``,
``contract_custom_fields`` and ``custom_field_columns`` depend on which fields the data holds and
are generated after the fixed views (``build_analytics``) and again after every sync
(``visma_hrm.sync.steps.custom_fields``).
"""

from __future__ import annotations

from visma_hrm.analytics.staging import OPEN_END, Context
from visma_hrm.catalog.custom_fields import shown_value_sql


def custom_field_values(ctx: Context) -> str:
    """One row per history row of either level: the person, the value shown, its validity."""

    def level(name: str, contract: str, subcontract: str) -> str:
        return f"""SELECT u.tenant_id, '{name}' AS level, ep.person_key, u.employeeid,
       {contract} AS contractid, {subcontract} AS subcontractid,
       u.fieldname, u.fieldtypeid, u.entityname, u.listname, u.value AS source_value,
       {shown_value_sql("u")} AS value, u.startdate AS valid_from, u.enddate AS valid_to,
       (u.startdate <= p.as_of AND coalesce(u.enddate, {OPEN_END}) >= p.as_of)
           AS is_valid_at_as_of
FROM {ctx.v(f"stg_{name}_udf_histories")} u
CROSS JOIN {ctx.v("parameters")} p
LEFT JOIN {ctx.v("employee_persons")} ep
  ON ep.tenant_id = u.tenant_id AND ep.employeeid = u.employeeid"""

    employee = level("employee", "CAST(NULL AS TEXT)", "CAST(NULL AS TEXT)")
    return f"{employee}\nUNION ALL\n{level('contract', 'u.contractid', 'u.subcontractid')}"

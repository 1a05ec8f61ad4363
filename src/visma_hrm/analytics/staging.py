"""The ground the analytics views stand on: the render context, quoting, the staging views that
alone filter soft-deleted rows (a missing table becomes an empty typed stand-in), the parameters
and the month spine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from visma_hrm.catalog import DATASETS, DELETED_COLUMN, TENANT_COLUMN, ColumnType
from visma_hrm.catalog.personal import PERSON_DISPLAY, PERSON_IDENTITY

UDF_COLUMNS = (
    "fieldname",
    "listname",
    "value",
    "startdate",
    "enddate",
    "entityname",
    "fieldtypeid",
)
# The columns each staging view takes from its table. Everything else reads staging views, so
# the soft-delete filter lives here only, and a table that is missing (dataset not approved)
# becomes an empty, typed stand-in instead of a failing view.
STAGED_COLUMNS: dict[str, tuple[str, ...]] = {
    "employees": ("employeeid", "existencestartutc", *PERSON_IDENTITY, *PERSON_DISPLAY),
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
    "employee_udf_histories": ("employeeid", *UDF_COLUMNS),
    "contract_udf_histories": ("employeeid", "contractid", "subcontractid", *UDF_COLUMNS),
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


def staging(table: str) -> Callable[[Context], str]:
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


def parameters(ctx: Context) -> str:
    return f"""SELECT CAST({ctx.as_of} AS DATE) AS as_of,
       CAST(date_trunc('month', CAST({ctx.spine_start} AS DATE)) AS DATE) AS spine_start"""


def months(ctx: Context) -> str:
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

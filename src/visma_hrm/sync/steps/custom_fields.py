"""Step: the views with a column per custom field, made again from the fields the data holds.

The analytics views read the synced tables live, but a view's columns are fixed when it is made
(PostgreSQL has no dynamic PIVOT), so a field that appears at the source needs its view made
again. After every sync this step finds each schema where ``visma-hrm analytics`` (or ``report``,
``model``) made ``custom_field_values`` and makes ``custom_field_columns``,
``employee_custom_fields`` and ``contract_custom_fields`` there again, by the rules of
``visma_hrm.catalog.custom_fields`` (the same the analytics build uses), one schema per
transaction. Nothing to do where the analytics were never built; a schema it cannot rebuild is
a warning, never a failed sync: the data is loaded either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from visma_hrm.catalog.custom_fields import VALUES_VIEW, view_statements
from visma_hrm.errors import DestinationError
from visma_hrm.messages import Note, text
from visma_hrm.sync.plan import RunPlan
from visma_hrm.sync.steps.base import StepContext, StepResult
from visma_hrm.warehouse.sql import SqlClient


class CustomFields:
    """Make the custom field views again in every analytics schema of the destination."""

    name = "custom_fields"

    def wanted(self, plan: RunPlan) -> bool:
        return True  # no setting: a new field shows up as a column by itself

    def run(self, context: StepContext) -> StepResult:
        result = StepResult()
        if not context.session.supports(self.name):
            return result  # Delta files: no views there
        with context.session.sql() as sql:
            for schema in analytics_schemas(sql):
                try:
                    with context.session.translated("making the custom field views"):
                        fields = rebuild(sql, schema)
                except DestinationError as exc:
                    values = {"schema": schema, "error": exc.message}
                    result.warnings.append(text("warning.custom_fields", "en", **values))
                    continue
                result.notes.append(Note("note.custom_fields", schema=schema, fields=fields))
        return result


def analytics_schemas(sql: SqlClient) -> list[str]:
    """The schemas holding a ``custom_field_values`` view (made by the analytics build)."""
    rows = sql.execute_sql(
        "SELECT DISTINCT table_schema FROM information_schema.tables "
        "WHERE table_name = %s AND table_type = 'VIEW' AND table_catalog = current_database() "
        "ORDER BY 1",
        VALUES_VIEW,
    )
    return [str(r[0]) for r in rows or []]


def rebuild(sql: SqlClient, schema: str) -> int:
    """Make the generated views of one schema again, in one transaction; returns the fields."""

    def query(statement: str) -> Sequence[Sequence[Any]]:
        return sql.execute_sql(statement) or []

    statements = view_statements(query, schema)
    with sql.begin_transaction():
        for statement in statements:
            sql.execute_sql(statement)
    found = query(f'SELECT count(*) FROM "{schema}"."custom_field_columns"')
    return int(found[0][0]) if found else 0

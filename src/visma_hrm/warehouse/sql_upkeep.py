"""A tenant's rows on SQL destinations: every table that holds them, forgetting, reloading.

Every table the connector writes that belongs to a tenant has a ``tenant_id`` column: the
datasets, their history, the change feed and what it saw, the positions, the run log, the
rejected rows, the steps' record, the people retention removed; also dlt's staging copies of
the datasets (emptied after each load, but left full by a load that failed half way). They are
found in the database's catalogue (``information_schema``), not from a list, so a table added
later (custom fields' tables, a new dataset) is forgotten too. Views hold no rows of their own.
"""

from __future__ import annotations

from visma_hrm.catalog import SYNC_STATE_TABLE, TENANT_COLUMN
from visma_hrm.load.dlt_internals import DatabaseUndefinedRelation, SqlClient
from visma_hrm.warehouse.runs import RUN_DATASETS_TABLE, RUNS_TABLE

STAGING_SUFFIX = "_staging"
"""dlt's staging dataset is named ``<dataset>_staging`` (its default layout)."""


def tenant_tables(sql: SqlClient) -> list[tuple[str, str]]:
    """(schema, table) of every base table with a ``tenant_id`` column, in the dataset's
    schema and its staging schema."""
    rows = sql.execute_sql(
        "SELECT c.table_schema, c.table_name FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_catalog = c.table_catalog "
        "AND t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.column_name = %s AND t.table_type = 'BASE TABLE' "
        "AND c.table_catalog = current_database() AND c.table_schema IN (%s, %s) "
        "ORDER BY 1, 2",
        TENANT_COLUMN,
        sql.dataset_name,
        sql.dataset_name + STAGING_SUFFIX,
    )
    return [(str(schema), str(table)) for schema, table in rows or []]


def _name(sql: SqlClient, schema: str, table: str) -> str:
    return f"{sql.escape_column_name(schema)}.{sql.escape_column_name(table)}"


def _label(sql: SqlClient, schema: str, table: str) -> str:
    return table if schema == sql.dataset_name else f"{schema}.{table}"


def forget(sql: SqlClient, tenant_id: str) -> dict[str, int]:
    """Delete the tenant's rows from every table that holds them, in one transaction (a
    failure leaves every table as it was); rows deleted, per table that had any."""
    tenant = sql.escape_column_name(TENANT_COLUMN)
    deleted: dict[str, int] = {}
    tables = tenant_tables(sql)
    with sql.begin_transaction():
        for schema, table in tables:
            name = _name(sql, schema, table)
            found = sql.execute_sql(f"SELECT count(*) FROM {name} WHERE {tenant} = %s", tenant_id)
            rows = int(found[0][0]) if found else 0
            if rows:
                sql.execute_sql(f"DELETE FROM {name} WHERE {tenant} = %s", tenant_id)
                deleted[_label(sql, schema, table)] = rows
        if (sql.dataset_name, RUN_DATASETS_TABLE) in tables:
            _drop_runs_without_datasets(sql)
    return deleted


def _drop_runs_without_datasets(sql: SqlClient) -> None:
    """A run whose every tenant was forgotten says nothing any more: it goes too."""
    runs = sql.make_qualified_table_name(RUNS_TABLE)
    datasets = sql.make_qualified_table_name(RUN_DATASETS_TABLE)
    try:
        sql.execute_sql(
            f"DELETE FROM {runs} WHERE NOT EXISTS "
            f"(SELECT 1 FROM {datasets} d WHERE d.run_id = {runs}.run_id)"
        )
    except DatabaseUndefinedRelation:
        return


def forget_positions(sql: SqlClient, tenant_id: str) -> int:
    """Delete the tenant's positions: its next run takes full exports; rows deleted."""
    name = sql.make_qualified_table_name(SYNC_STATE_TABLE)
    tenant = sql.escape_column_name(TENANT_COLUMN)
    try:
        found = sql.execute_sql(f"SELECT count(*) FROM {name} WHERE {tenant} = %s", tenant_id)
    except DatabaseUndefinedRelation:
        return 0
    rows = int(found[0][0]) if found else 0
    if rows:
        sql.execute_sql(f"DELETE FROM {name} WHERE {tenant} = %s", tenant_id)
    return rows

"""Step: retention, the personal data of people who left long ago emptied (or removed) each sync.

With ``retention = N`` (years), after every load the sync finds, per tenant of the run, the
people whose last employment ended more than N years before the run's date, and empties their
personal columns in every stored row (``retention_action = "empty"``, the default: keys, dates,
organisation and pay stay, so headcount and turnover history still add up) or removes their rows
from every dataset keyed by employeeid (``"remove"``).

A *person* is the analytics' person grouping (``visma_hrm.analytics.people``): employeeids of one
tenant whose newest employee record shares initials, gender, birth date and birth name are one
person, so a rehire under a new employeeid keeps the old one's data. A person counts as gone
when every contract row of every one of their employeeids (not marked deleted) has an end date,
and the latest is before the cutoff; people without any contract are left alone (nothing says
when they left). The step is idempotent: rows already emptied are not counted again; a row the
source sends again is emptied again in the same run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from visma_hrm.catalog import DATASETS, DELETED_COLUMN, TENANT_COLUMN
from visma_hrm.messages import Note
from visma_hrm.sync.plan import RetentionRule, RunPlan
from visma_hrm.sync.steps.base import StepContext, StepResult
from visma_hrm.sync.steps.history import history_table
from visma_hrm.warehouse.sql import SqlClient, stored_columns

_SCRATCH = "_visma_retention_people"
REMOVED_TABLE = "_visma_retention_removed"
"""Employeeids whose rows ``remove`` took out: rows of theirs sent again are removed too."""
_REMOVED_COLUMNS = "tenant_id VARCHAR(64) NOT NULL, employeeid TEXT NOT NULL, removed_on DATE"


def personal_columns(dataset_name: str) -> list[str]:
    """The columns retention empties in one dataset (catalog order): every personal column
    but the keys (``visma_hrm.catalog.personal``): names, contact data, birth date, what
    describes the person, user-defined field values; job, dates and pay stay."""
    return list(DATASETS[dataset_name].personal_columns())


PERSON_DATASETS = (*(n for n, d in DATASETS.items() if "employeeid" in d.primary_key), "users")
"""Datasets whose rows belong to one employee (users through their employeeid column)."""


@dataclass
class RetentionResult:
    people: int
    rows: dict[str, int]
    cutoff: dt.date
    action: str

    def note(self, years: int) -> Note:
        counted = ", ".join(f"{n:,} of {t}" for t, n in self.rows.items() if n) or "0"
        return Note(
            f"note.retention.{self.action}",
            changed=any(self.rows.values()),
            years=years,
            people=self.people,
            cutoff=self.cutoff.isoformat(),
            counted=counted,
        )


def apply_retention(
    client: SqlClient, retention: RetentionRule, tenants: Sequence[str], today: dt.date
) -> RetentionResult | None:
    """Empty or remove the data of people gone before the cutoff, in ``tenants``.

    None when the destination holds no contracts table (then nobody's end is known).
    """
    cutoff = retention.cutoff(today)
    stored = {name: stored_columns(client, name) for name in PERSON_DATASETS}
    if not stored.get("contracts") or not tenants:
        return None
    scratch = client.make_qualified_table_name(_SCRATCH)
    removed = client.make_qualified_table_name(REMOVED_TABLE)
    client.execute_sql(f"CREATE TABLE IF NOT EXISTS {removed} ({_REMOVED_COLUMNS})")
    client.execute_sql(f"DROP TABLE IF EXISTS {scratch}")
    people_query = _people_query(client, stored, tenants)
    client.execute_sql(f"CREATE TABLE {scratch} AS {people_query}", cutoff, cutoff)
    try:
        people = client.execute_sql(
            f"SELECT count(DISTINCT {_q(client, TENANT_COLUMN)} || '|' || person_key) "
            f"FROM {scratch} WHERE found"
        )
        if retention.action == "remove":
            _remember_removed(client, removed, scratch, today)
        rows = {
            name: _apply_to(client, name, columns, retention.action, scratch)
            for name, columns in stored.items()
            if "employeeid" in columns
        }
        for name in PERSON_DATASETS:  # every old version too (visma_hrm.sync.steps.history)
            columns = stored_columns(client, history_table(name))
            if "employeeid" in columns:
                rows[history_table(name)] = _apply_to(
                    client, history_table(name), columns, retention.action, scratch, name
                )
        rows.update(_apply_to_feed(client, retention.action, scratch))
    finally:
        client.execute_sql(f"DROP TABLE IF EXISTS {scratch}")
    return RetentionResult(int(people[0][0]) if people else 0, rows, cutoff, retention.action)


def _remember_removed(client: SqlClient, removed: str, scratch: str, today: dt.date) -> None:
    tenant = _q(client, TENANT_COLUMN)
    client.execute_sql(
        f"INSERT INTO {removed} ({tenant}, employeeid, removed_on) "
        f"SELECT DISTINCT s.{tenant}, s.employeeid, %s FROM {scratch} s WHERE s.found "
        f"AND NOT EXISTS (SELECT 1 FROM {removed} r WHERE r.{tenant} = s.{tenant} "
        "AND r.employeeid = s.employeeid)",
        today,
    )


def _people_query(client: SqlClient, stored: dict[str, list[str]], tenants: Sequence[str]) -> str:
    """(tenant_id, employeeid, person_key, found) of everyone gone before the cutoff (both
    parameters %s): found now, or removed by an earlier run and not employed again since (their
    contracts are gone, so only the list of removed people says an employee row sent again is
    theirs)."""
    employees = client.make_qualified_table_name("employees")
    contracts = client.make_qualified_table_name("contracts")
    removed = client.make_qualified_table_name(REMOVED_TABLE)
    tenant, deleted = _q(client, TENANT_COLUMN), _q(client, DELETED_COLUMN)
    in_tenants = ", ".join(_literal(t) for t in tenants)
    ids = f"SELECT {tenant}, employeeid FROM {contracts}"
    latest = "SELECT NULL AS tenant_id, NULL AS employeeid, NULL AS identity, 1 AS rn WHERE 1 = 0"
    if stored.get("employees"):
        ids += f" UNION SELECT {tenant}, employeeid FROM {employees}"
        initials = "NULLIF(lower(replace(replace(trim(initials), '.', ''), ' ', '')), '')"
        gender, birthname = _norm("gender"), _norm("birthname")
        identity = (
            f"CASE WHEN {initials} IS NULL OR {gender} IS NULL OR dateofbirth IS NULL "
            f"OR {birthname} IS NULL THEN NULL ELSE {initials} || '|' || {gender} || '|' "
            f"|| CAST(dateofbirth AS TEXT) || '|' || {birthname} END"
        )
        latest = (
            f"SELECT {tenant} AS tenant_id, employeeid, {identity} AS identity, row_number() "
            f"OVER (PARTITION BY {tenant}, employeeid ORDER BY existencestartutc DESC) AS rn "
            f"FROM {employees}"
        )
    return f"""
WITH latest AS ({latest}),
ids AS ({ids}),
keyed AS (
    SELECT i.{tenant} AS tenant_id, i.employeeid,
           coalesce(e.identity, 'employeeid:' || i.employeeid) AS identity
    FROM ids i LEFT JOIN latest e
      ON e.tenant_id = i.{tenant} AND e.employeeid = i.employeeid AND e.rn = 1
    WHERE i.{tenant} IN ({in_tenants})
),
grouped AS (
    SELECT k.tenant_id, k.employeeid, k.identity,
           min(k.employeeid) OVER (PARTITION BY k.tenant_id, k.identity) AS person_key
    FROM keyed k
),
ends AS (
    SELECT g.tenant_id, g.identity,
           count(c.employeeid) AS contract_rows,
           sum(CASE WHEN c.enddate IS NULL OR c.enddate >= %s THEN 1 ELSE 0 END) AS recent
    FROM grouped g
    LEFT JOIN {contracts} c
      ON c.{tenant} = g.tenant_id AND c.employeeid = g.employeeid AND NOT c.{deleted}
    GROUP BY g.tenant_id, g.identity
)
SELECT g.tenant_id AS {tenant}, g.employeeid, g.person_key, TRUE AS found
FROM grouped g JOIN ends x ON x.tenant_id = g.tenant_id AND x.identity = g.identity
WHERE x.contract_rows > 0 AND x.recent = 0
UNION
SELECT r.{tenant}, r.employeeid, r.employeeid AS person_key, FALSE AS found
FROM {removed} r
WHERE r.{tenant} IN ({in_tenants}) AND NOT EXISTS (
    SELECT 1 FROM {contracts} c
    WHERE c.{tenant} = r.{tenant} AND c.employeeid = r.employeeid AND NOT c.{deleted}
      AND (c.enddate IS NULL OR c.enddate >= %s))"""


def _apply_to(
    client: SqlClient, name: str, columns: list[str], action: str, scratch: str, dataset: str = ""
) -> int:
    """Empty or remove the matching rows of table ``name`` (of ``dataset``, default: itself)."""
    table = client.make_qualified_table_name(name)
    tenant = _q(client, TENANT_COLUMN)
    match = (
        f"EXISTS (SELECT 1 FROM {scratch} r WHERE r.{tenant} = {table}.{tenant} "
        f"AND r.employeeid = {table}.employeeid)"
    )
    if action == "remove":
        where = match
        statement = f"DELETE FROM {table} WHERE {where}"
    else:
        wanted = [c for c in personal_columns(dataset or name) if c in columns]
        if not wanted:
            return 0
        escaped = [_q(client, c) for c in wanted]
        where = f"{match} AND ({' OR '.join(f'{c} IS NOT NULL' for c in escaped)})"
        statement = f"UPDATE {table} SET {', '.join(f'{c} = NULL' for c in escaped)} WHERE {where}"
    found = client.execute_sql(f"SELECT count(*) FROM {table} WHERE {where}")
    count = int(found[0][0]) if found else 0
    if count:
        client.execute_sql(statement)
    return count


def _apply_to_feed(client: SqlClient, action: str, scratch: str) -> dict[str, int]:
    """The change feed (``visma_hrm.sync.steps.changes``) holds personal values too: in the
    before/after of personal data and custom field changes, and in what the feed saw last
    (``_visma_changes_seen``)."""
    from visma_hrm.sync.steps.changes import CHANGES_TABLE, SEEN_TABLE

    out: dict[str, int] = {}
    personal = "type IN ('personal_data_change', 'custom_field_change')"
    seen = "dataset IN ('employees', 'employee_udf_histories', 'contract_udf_histories')"
    for table, only, assignments in (
        (CHANGES_TABLE, personal, "before = NULL, after = NULL"),
        (SEEN_TABLE, seen, "seen = '{}'"),
    ):
        if not stored_columns(client, table):
            continue
        name = client.make_qualified_table_name(table)
        tenant = _q(client, TENANT_COLUMN)
        match = (
            f"EXISTS (SELECT 1 FROM {scratch} r WHERE r.{tenant} = {name}.{tenant} "
            f"AND r.employeeid = {name}.employeeid)"
        )
        if action == "remove":
            where, statement = match, f"DELETE FROM {name} WHERE {match}"
        else:
            holding = "after IS NOT NULL" if table == CHANGES_TABLE else "seen <> '{}'"
            where = f"{match} AND {only} AND {holding}"
            statement = f"UPDATE {name} SET {assignments} WHERE {where}"
        found = client.execute_sql(f"SELECT count(*) FROM {name} WHERE {where}")
        count = int(found[0][0]) if found else 0
        if count:
            client.execute_sql(statement)
        if table == CHANGES_TABLE:
            out[table] = count
    return out


def _q(client: SqlClient, name: str) -> str:
    return str(client.escape_column_name(name))


def _norm(expr: str) -> str:
    return f"NULLIF(lower(trim({expr})), '')"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class Retention:
    """Empty or remove the data of people gone longer than ``retention`` years."""

    name = "retention"

    def wanted(self, plan: RunPlan) -> bool:
        return plan.retention is not None

    def run(self, context: StepContext) -> StepResult:
        rule = context.plan.retention
        assert rule is not None  # wanted() said so
        with context.session.sql() as sql:
            done = apply_retention(sql, rule, context.tenants, context.started.date())
        if done is None:
            return StepResult(
                warnings=[
                    "retention is set, but no contracts are loaded: nobody's last day is known."
                ]
            )
        note = done.note(rule.years)
        return StepResult(notes=[note], erased=note.changed)

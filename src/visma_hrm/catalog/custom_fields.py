"""Custom fields (Visma's user-defined fields) as columns: the value a history row shows, the
column name a field gets, the type its values get, and the SQL of views with a column per field.

Visma exports custom fields as history rows (``employee_udf_histories``,
``contract_udf_histories``: ``fieldname``, ``listname``, ``value``, ``startdate``, ``enddate``,
``entityname``, ``fieldtypeid``). The rules, stated once here and in ``docs/analytics.md``:

* **shown value**: a list field's row (``fieldtypeid`` 1, where Visma puts the chosen entry's
  name in ``listname``, as the public HelloID connector reads a work location) shows
  ``listname``; every other row ``value``; blank text is empty;
* **column name**: the field name folded to ASCII, lower case, every run of other characters
  one ``_``, at most 50 characters, a leading digit prefixed with ``f_``, an SQL keyword or a
  name already taken (the view's own columns, an earlier field) suffixed ``_2``, ``_3``, ...;
  fields are numbered in the order of their names, so the names are unique and stable;
* **type**: from every value the field has ever shown: all booleans (true/false, ja/nee,
  yes/no, waar/onwaar) -> boolean; all dates (``YYYY-MM-DD``, optionally with a time, or
  ``DD-MM-YYYY``) -> date; all numbers (``-123.45``, a point as decimal mark, at most 12 + 6
  digits) -> decimal; anything else, or no value at all -> text.

Both the analytics build (``visma_hrm.analytics``) and the after-sync step
(``visma_hrm.sync.steps.custom_fields``) make the views from here, so a field that appears at
the source becomes a column after the next sync, and both read the same rule. The SQL is one
text for DuckDB and PostgreSQL (``SIMILAR TO`` matches the whole value on both).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from visma_hrm.catalog.personal import PERSON_DISPLAY, PERSON_IDENTITY

LIST_TYPE_ID = "1"
"""``fieldtypeid`` of a list field: the chosen entry's name is in ``listname``."""
VALUES_VIEW = "custom_field_values"
COLUMNS_VIEW = "custom_field_columns"
LEVELS = ("employee", "contract")
PIVOT_VIEWS = {"employee": "employee_custom_fields", "contract": "contract_custom_fields"}
"""Per level, the view with one row per employee (employeeid) or contract and a column per field."""
GENERATED_VIEWS = (COLUMNS_VIEW, *PIVOT_VIEWS.values())
"""The views made from the fields the data holds, in the order they are made."""
PIVOT_KEYS = {
    "employee": ("tenant_id", "employeeid", "person_key"),
    "contract": ("tenant_id", "employeeid", "contractid", "person_key"),
}
RESERVED = {
    "employee": (
        *PIVOT_KEYS["employee"],
        *PERSON_IDENTITY,
        *PERSON_DISPLAY,
        *("person_id", "name", "employeeids", "employeeid_count", "first_start", "last_end"),
        *("is_active", "birth_year", "gender_group"),
    ),
    "contract": (
        *PIVOT_KEYS["contract"],
        *("employment_id", "person_id", "start_date", "end_date", "contract_type", "emptype"),
        *("employment_type", "function_name", "org_unit_id", "current_ptfactor", "is_active"),
    ),
}
"""Per level, the columns next to the fields: in the views here and in the star model's person
and employment dimensions (``visma_hrm.analytics.star``), so a field has one column name in
both."""
MAX_NAME = 50
OPEN_END = "DATE '9999-12-31'"

TRUE_WORDS = ("true", "ja", "yes", "waar")
FALSE_WORDS = ("false", "nee", "no", "onwaar")
ISO_DATE = (
    r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([T ][0-9]{2}:[0-9]{2}[0-9:.]*Z{0,1}){0,1}"
)
DUTCH_DATE = r"(0[1-9]|[12][0-9]|3[01])-(0[1-9]|1[0-2])-[0-9]{4}"
NUMBER = r"-{0,1}[0-9]{1,12}([.][0-9]{1,6}){0,1}"
"""The patterns hold no ``?`` (a DB-API placeholder to some drivers): ``{0,1}`` instead."""

_KEYWORDS = """
all analyse analyze and any array as asc asymmetric authorization between binary both case
cast check collate column constraint create cross current_date current_role current_time
current_timestamp current_user default deferrable desc distinct do else end except false fetch
for foreign freeze from full grant group having ilike in initially inner intersect into is
isnull join lateral leading left like limit localtime localtimestamp natural not notnull null
offset on only or order outer over overlaps placing primary qualify references returning right
select session_user similar some symmetric table then to trailing true union unique user using
variadic verbose when where window with
"""
SQL_KEYWORDS = frozenset(_KEYWORDS.split())
"""Reserved words of PostgreSQL and DuckDB: a column named so would need quotes in SQL."""


class FieldType(enum.Enum):
    BOOLEAN = "boolean"
    DATE = "date"
    NUMBER = "number"
    TEXT = "text"

    @property
    def sql(self) -> str:
        return {"boolean": "BOOLEAN", "date": "DATE", "number": "DECIMAL(18, 6)"}.get(
            self.value, "TEXT"
        )


@dataclass(frozen=True)
class CustomField:
    """One field of one level, with its column name and type."""

    level: str
    fieldname: str
    column: str
    type: FieldType


def shown_value(fieldtypeid: Any, listname: Any, value: Any) -> str | None:
    """The value a history row shows (the rule above), in Python."""
    name = str(listname).strip() if listname is not None else ""
    if str(fieldtypeid or "").strip() == LIST_TYPE_ID and name:
        return name
    text = str(value).strip() if value is not None else ""
    return text or None


def shown_value_sql(alias: str) -> str:
    """The same rule in SQL, on the columns of a history row ``alias``."""
    listed = f"NULLIF(trim({alias}.listname), '')"
    return (
        f"CASE WHEN trim(coalesce({alias}.fieldtypeid, '')) = '{LIST_TYPE_ID}' "
        f"AND {listed} IS NOT NULL THEN trim({alias}.listname) "
        f"ELSE NULLIF(trim({alias}.value), '') END"
    )


def column_name(base: str) -> str:
    """A field name as a column name, before uniqueness: ``Reisafstand (km)`` ->
    ``reisafstand_km``."""
    folded = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode().lower()
    name = re.sub(r"[^a-z0-9]+", "_", folded).strip("_")[:MAX_NAME].rstrip("_") or "field"
    return f"f_{name}" if name[0].isdigit() else name


def column_names(fieldnames: Iterable[str], taken: Iterable[str]) -> dict[str, str]:
    """Field name -> unique column name, the fields numbered in the order of their names."""
    used = {t.lower() for t in taken}
    out: dict[str, str] = {}
    for field in sorted(set(fieldnames)):
        base = column_name(field)
        name, n = base, 1
        while name in used or name in SQL_KEYWORDS:
            n += 1
            name = f"{base[: MAX_NAME - len(str(n)) - 1]}_{n}"
        used.add(name)
        out[field] = name
    return out


def field_type(values: int, booleans: int, dates: int, numbers: int) -> FieldType:
    """The type rule on the counts of a field's values (non-empty) and of those that match."""
    if not values:
        return FieldType.TEXT
    for kind, matching in (
        (FieldType.BOOLEAN, booleans),
        (FieldType.DATE, dates),
        (FieldType.NUMBER, numbers),
    ):
        if matching == values:
            return kind
    return FieldType.TEXT


def _words(words: Sequence[str]) -> str:
    return ", ".join(f"'{w}'" for w in words)


def typed_sql(expr: str, kind: FieldType) -> str:
    """``expr`` (shown text) as the field's type; a value that breaks the type fails loudly."""
    if kind is FieldType.BOOLEAN:
        return (
            f"CASE WHEN lower({expr}) IN ({_words(TRUE_WORDS)}) THEN TRUE "
            f"WHEN lower({expr}) IN ({_words(FALSE_WORDS)}) THEN FALSE "
            f"WHEN {expr} IS NOT NULL THEN CAST({expr} AS BOOLEAN) END"
        )
    if kind is FieldType.DATE:
        dutch = (
            f"substr({expr}, 7, 4) || '-' || substr({expr}, 4, 2) || '-' || substr({expr}, 1, 2)"
        )
        return (
            f"CASE WHEN {expr} SIMILAR TO '{DUTCH_DATE}' THEN CAST({dutch} AS DATE) "
            f"WHEN {expr} SIMILAR TO '{ISO_DATE}' THEN CAST(substr({expr}, 1, 10) AS DATE) "
            f"ELSE CAST({expr} AS DATE) END"
        )
    if kind is FieldType.NUMBER:
        return f"CAST({expr} AS {kind.sql})"
    return expr


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A field name as an SQL string literal (quotes doubled: nothing to inject)."""
    return "'" + text.replace("'", "''") + "'"


Query = Callable[[str], Sequence[Sequence[Any]]]


def read_fields(query: Query, schema: str) -> list[CustomField]:
    """Every field of ``schema``'s ``custom_field_values`` with its column name and type."""
    words = _words((*TRUE_WORDS, *FALSE_WORDS))
    rows = query(
        f"""SELECT level, fieldname, count(value),
       sum(CASE WHEN lower(value) IN ({words}) THEN 1 ELSE 0 END),
       sum(CASE WHEN value SIMILAR TO '{ISO_DATE}' OR value SIMILAR TO '{DUTCH_DATE}'
                THEN 1 ELSE 0 END),
       sum(CASE WHEN value SIMILAR TO '{NUMBER}' THEN 1 ELSE 0 END)
FROM {quote(schema)}.{quote(VALUES_VIEW)}
WHERE fieldname IS NOT NULL GROUP BY level, fieldname"""
    )
    out: list[CustomField] = []
    for level in LEVELS:
        mine = {str(r[1]): r for r in rows if r[0] == level}
        names = column_names(mine, RESERVED[level])
        for field, column in sorted(names.items(), key=lambda kv: kv[1]):
            _l, _f, values, booleans, dates, numbers = mine[field]
            kind = field_type(*(int(x or 0) for x in (values, booleans, dates, numbers)))
            out.append(CustomField(level, field, column, kind))
    return out


TIE_BREAK = (
    "v.valid_from DESC, length(v.employeeid) DESC, v.employeeid DESC, "
    "length(coalesce(v.subcontractid, '')) DESC, v.subcontractid DESC"
)
"""Of several rows valid on one day: the latest start, then the highest employeeid (a person's
newest record) and subcontractid (a contract's newest version)."""


@dataclass(frozen=True)
class Pivot:
    """What one view with a column per field is made of."""

    keys_sql: str
    """A query giving one row per key (every employee, contract or person, with or without a
    value)."""
    keys: Sequence[str]
    """The key columns, shown first."""
    match: Sequence[str]
    """The key columns a value row is matched on."""
    values_from: str
    """``FROM`` items naming the value rows ``v`` and the parameters ``p``."""
    on: str
    """The day whose valid value is shown, an SQL expression (``p.as_of``)."""


def pivot_sql(pivot: Pivot, level: str, fields: Sequence[CustomField]) -> str:
    """One row per key, each field's value valid on ``pivot.on`` as a typed column."""
    partition = ", ".join(f"v.{k}" for k in pivot.match)
    columns = "".join(
        ",\n       "
        + typed_sql(f"max(CASE WHEN v.fieldname = {literal(f.fieldname)} THEN v.value END)", f.type)
        + f" AS {quote(f.column)}"
        for f in fields
    )
    keys = ", ".join(f"k.{k}" for k in pivot.keys)
    joined = " AND ".join(f"v.{k} = k.{k}" for k in pivot.match)
    return f"""WITH keys AS ({pivot.keys_sql}),
valid AS (
    SELECT v.*, row_number() OVER (PARTITION BY {partition}, v.fieldname ORDER BY {TIE_BREAK})
           AS rn
    FROM {pivot.values_from}
    WHERE v.level = '{level}' AND v.valid_from <= {pivot.on}
      AND coalesce(v.valid_to, {OPEN_END}) >= {pivot.on}
)
SELECT {keys}{columns}
FROM keys k
LEFT JOIN valid v ON {joined} AND v.rn = 1
GROUP BY {keys}"""


def view_statements(query: Query, schema: str) -> list[str]:
    """Drop and re-create the generated views of an analytics schema (the column map and one
    view per level) from the fields its ``custom_field_values`` holds now."""
    fields = read_fields(query, schema)
    s = quote(schema)
    statements = [f"DROP VIEW IF EXISTS {s}.{quote(v)}" for v in GENERATED_VIEWS]
    statements.append(f"CREATE VIEW {s}.{quote(COLUMNS_VIEW)} AS\n{columns_sql(fields)}")
    keys_sql = {
        "employee": f"SELECT tenant_id, employeeid, person_key FROM {s}.employee_persons",
        "contract": "SELECT DISTINCT tenant_id, employeeid, contractid, person_key "
        f"FROM {s}.contract_periods",
    }
    for level, view in PIVOT_VIEWS.items():
        keys = PIVOT_KEYS[level]
        pivot = Pivot(
            keys_sql=keys_sql[level],
            keys=keys,
            match=[k for k in keys if k != "person_key"],
            values_from=f"{s}.{quote(VALUES_VIEW)} v, {s}.parameters p",
            on="p.as_of",
        )
        body = pivot_sql(pivot, level, [f for f in fields if f.level == level])
        statements.append(f"CREATE VIEW {s}.{quote(view)} AS\n{body}")
    return statements


def columns_sql(fields: Sequence[CustomField]) -> str:
    """The column map as a view: level, field name, column name, type."""
    if not fields:
        return (
            "SELECT CAST(NULL AS TEXT) AS level, CAST(NULL AS TEXT) AS fieldname, "
            "CAST(NULL AS TEXT) AS column_name, CAST(NULL AS TEXT) AS type WHERE 1 = 0"
        )
    rows = " UNION ALL ".join(
        f"SELECT {literal(f.level)}, {literal(f.fieldname)}, {literal(f.column)}, "
        f"{literal(f.type.value)}"
        for f in fields
    )
    return (
        "SELECT CAST(level AS TEXT) AS level, CAST(fieldname AS TEXT) AS fieldname, "
        "CAST(column_name AS TEXT) AS column_name, CAST(type AS TEXT) AS type "
        f"FROM ({rows}) AS m(level, fieldname, column_name, type)"
    )

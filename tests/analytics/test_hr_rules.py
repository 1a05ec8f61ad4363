"""The HR numbers' and custom fields' corner cases on hand-made tables, things the sandbox
never produces: a person in two units at once, a manager of themselves, a manager without a
user, a pseudonymized birth date, an anniversary, band boundaries, a part-time factor never
filled in; and field names, list entries and values that test the column and type rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.hr_tables import T1, T2, contract_row, create_table, employee_row
from visma_hrm.analytics import build_analytics

AS_OF = dt.date(2025, 6, 15)
JUNE = dt.date(2025, 6, 1)
S = "visma_hrm_analytics"


def _udf(
    tenant: str, eid: str, field: str, value: str | None, start: str, **kw: Any
) -> dict[str, Any]:
    row = {"tenant_id": tenant, "employeeid": eid, "fieldname": field, "value": value}
    row.update({"startdate": start, "enddate": None, "fieldtypeid": "0", "_visma_deleted": False})
    row.update(kw)
    return row


@pytest.fixture
def built(tmp_path: Path) -> Path:
    path = tmp_path / "hr.duckdb"
    fixed, permanent = (
        {"contracttypeindication_en": "Fixed term"},
        {"contracttypeindication_en": "Indefinite"},
    )
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE SCHEMA visma_hrm")
        create_table(
            db,
            "employees",
            [
                employee_row(T1, "1", "A.", "Aa", gender="M", dateofbirth="1990-12-31"),
                employee_row(T1, "2", "B.", "Bb", dateofbirth="2001-06-16"),
                employee_row(T1, "3", "C.", "Cc", gender="X", dateofbirth=None),
                # born 1990 as the pseudonymize profile keeps it: 1 January
                employee_row(T1, "9", "D.", "Dd", gender="F", dateofbirth="1990-01-01"),
                employee_row(T2, "1", "A.", "Aa"),
            ],
        )
        create_table(
            db,
            "contracts",
            [
                # person 1 in two units at once; the second contract names themselves
                contract_row(
                    T1, "1", "1", "2020-01-01", None, "U1", "0.5", manageruserid="u2", **permanent
                ),
                contract_row(
                    T1,
                    "1",
                    "1",
                    "2021-01-01",
                    None,
                    "U2",
                    "0.5",
                    contractid="2",
                    manageruserid="u1",
                    **fixed,
                ),
                # the first anniversary is on the as-of date: one completed year
                contract_row(
                    T1, "2", "1", "2024-06-15", None, "U1", "0.8", manageruserid="u1", **fixed
                ),
                # a part-time factor never filled in; a manager no user names
                contract_row(
                    T1, "3", "1", "2025-01-01", None, "U1", None, manageruserid="u9", **permanent
                ),
                # the day before the anniversary: under a year
                contract_row(
                    T1, "9", "1", "2024-06-16", None, "U1", "0.5", manageruserid="u1", **permanent
                ),
                contract_row(T2, "1", "1", "2020-01-01", None, "U1", "1.0", **fixed),
            ],
        )
        create_table(
            db,
            "users",
            [
                {"tenant_id": T1, "userid": "u1", "employeeid": "1", "_visma_deleted": False},
                {"tenant_id": T1, "userid": "u2", "employeeid": "2", "_visma_deleted": False},
            ],
        )
        create_table(db, "employee_udf_histories", _employee_fields())
        create_table(db, "contract_udf_histories", _contract_fields())
    build_analytics(path, as_of=AS_OF)
    return path


def _employee_fields() -> list[dict[str, Any]]:
    return [
        _udf(T1, "1", "Locatie", "LOC1", "2020-01-01", listname="Utrecht", fieldtypeid="1"),
        _udf(T1, "2", "Locatie", "LOC2", "2020-01-01", listname=" ", fieldtypeid="1"),
        _udf(T1, "1", "Start  datum!", "01-02-2025", "2025-01-01"),
        _udf(T1, "2", "Start  datum!", "2025-03-04T00:00:00", "2025-01-01"),
        _udf(T1, "1", "Aantal", "3", "2020-01-01", enddate="2025-06-14"),  # ended: not valid
        _udf(T1, "1", "Aantal", "-1.25", "2025-06-15"),  # starts on the day: valid
        _udf(T1, "1", "Mixed", "1", "2020-01-01"),
        _udf(T1, "2", "Mixed", "abc", "2020-01-01"),
        _udf(T1, "1", "Flag", " JA ", "2020-01-01"),
        _udf(T1, "2", "Flag", "nee", "2020-01-01"),
        _udf(T1, "3", "Flag", "waar", "2020-01-01", _visma_deleted=True),  # gone at the source
        _udf(T1, "1", "tenant_id", "x", "2020-01-01"),
        _udf(T1, "1", "BHV", "True", "2020-01-01"),
        _udf(T1, "1", "bhv", "False", "2020-01-01"),
        _udf(T1, "1", "Leeg", None, "2020-01-01"),
        _udf(T2, "1", "Locatie", "LOC9", "2020-01-01", listname="Zwolle", fieldtypeid="1"),
    ]


def _contract_fields() -> list[dict[str, Any]]:
    rows = [
        _udf(T1, "1", "Kostendrager", "A", "2020-01-01", subcontractid="1"),
        _udf(T1, "1", "Kostendrager", "B", "2024-01-01", subcontractid="1"),  # later start wins
        _udf(T1, "2", "Kostendrager", "C", "2024-06-15", subcontractid="1"),
        _udf(T1, "2", "Kostendrager", "D", "2024-06-15", subcontractid="2"),  # higher version
    ]
    for row in rows:
        row["contractid"] = "1"
    return rows


def _q(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path)) as db:
        return list(db.execute(sql).fetchall())


def test_a_person_in_two_units_counts_in_each_and_once_in_the_tenant(built: Path) -> None:
    rows = _q(
        built,
        f"SELECT scope, orgunitid, headcount, fte, fixed_term_headcount, fixed_term_fte "
        f"FROM {S}.workforce_monthly WHERE tenant_id = '{T1}' AND month = DATE '{JUNE}'",
    )
    assert sorted(rows, key=str) == sorted(
        [
            ("tenant", None, 4, Decimal("2.3"), 2, Decimal("1.3")),
            ("unit", "U1", 4, Decimal("1.8"), 1, Decimal("0.8")),
            ("unit", "U2", 1, Decimal("0.5"), 1, Decimal("0.5")),
        ],
        key=str,
    )


def test_bands_by_the_year_rule_anniversaries_and_boundaries(built: Path) -> None:
    rows = _q(
        built,
        f"SELECT dimension, band, headcount FROM {S}.workforce_bands_monthly "
        f"WHERE tenant_id = '{T1}' AND scope = 'tenant' AND month = DATE '{JUNE}'",
    )
    got: dict[str, dict[str, int]] = {}
    for dimension, band, n in rows:
        got.setdefault(dimension, {})[band] = n
    assert got == {
        # 1990-12-31 and a pseudonymized 1990-01-01 are the same age: 2025 - 1990
        "age": {"35-44": 2, "<25": 1, "unknown": 1},
        "gender": {"male": 1, "female": 2, "unknown": 1},
        # 0.5 + 0.5 is full time; 0.5 opens its band; a factor never filled in is unknown
        "part_time": {"100%+": 1, "80-99%": 1, "50-79%": 1, "unknown": 1},
        # 2024-06-15 -> 2025-06-15 is one completed year, 2024-06-16 not yet
        "service": {"5-9": 1, "1-2": 1, "<1": 2},
        "contract": {"fixed_term": 2, "permanent": 2},
    }


def test_span_of_control_never_counts_a_manager_under_themselves(built: Path) -> None:
    managers = _q(
        built,
        f"SELECT manager_key, manager_person_key, direct_reports, reports_fte "
        f"FROM {S}.span_of_control_monthly WHERE tenant_id = '{T1}' AND month = DATE '{JUNE}'",
    )
    assert sorted(managers) == [
        ("1", "1", 2, Decimal("1.3")),  # 2 and 9; not their own second contract
        ("2", "2", 1, Decimal("0.5")),
        ("userid:u9", None, 1, Decimal("0")),  # a user nobody knows: the id stands in
    ]
    units = _q(
        built,
        f"SELECT scope, orgunitid, managers, direct_reports, span_avg "
        f"FROM {S}.span_of_control_units_monthly WHERE tenant_id = '{T1}' "
        f"AND month = DATE '{JUNE}'",
    )
    assert sorted(units, key=str) == sorted(
        [("tenant", None, 3, 4, 1.33), ("unit", "U1", 3, 4, 1.33)], key=str
    )


def test_custom_field_names_types_and_values(built: Path) -> None:
    columns = {
        f: (c, t)
        for lv, f, c, t in _q(built, f"SELECT * FROM {S}.custom_field_columns")
        if lv == "employee"
    }
    assert columns == {
        "Aantal": ("aantal", "number"),
        "BHV": ("bhv", "boolean"),
        "Flag": ("flag", "boolean"),
        "Leeg": ("leeg", "text"),
        "Locatie": ("locatie", "text"),
        "Mixed": ("mixed", "text"),
        "Start  datum!": ("start_datum", "date"),
        "bhv": ("bhv_2", "boolean"),  # unique: numbered in the order of the names
        "tenant_id": ("tenant_id_2", "text"),  # never one of the view's own columns
    }
    rows = _q(
        built,
        f"SELECT tenant_id, employeeid, locatie, start_datum, aantal, mixed, flag, bhv, bhv_2, "
        f"leeg FROM {S}.employee_custom_fields ORDER BY 1, 2",
    )
    d = dt.date
    assert rows == sorted(
        [
            (T1, "1", "Utrecht", d(2025, 2, 1), Decimal("-1.25"), "1", True, True, False, None),
            (T1, "2", "LOC2", d(2025, 3, 4), None, "abc", False, None, None, None),
            (T1, "3", None, None, None, None, None, None, None, None),  # deleted row: no value
            (T1, "9", None, None, None, None, None, None, None, None),
            (T2, "1", "Zwolle", None, None, None, None, None, None, None),
        ]
    )
    contracts = _q(
        built,
        f"SELECT employeeid, contractid, kostendrager FROM {S}.contract_custom_fields "
        f"WHERE tenant_id = '{T1}' ORDER BY 1, 2",
    )
    assert contracts == [
        ("1", "1", "B"),
        ("1", "2", None),
        ("2", "1", "D"),
        ("3", "1", None),
        ("9", "1", None),
    ]


def test_a_value_that_breaks_its_type_fails_loudly_until_the_views_are_made_again(
    built: Path,
) -> None:
    with duckdb.connect(str(built)) as db:
        db.execute(
            "INSERT INTO visma_hrm.employee_udf_histories (tenant_id, employeeid, fieldname, "
            "value, startdate, fieldtypeid, _visma_deleted) "
            "VALUES (?, '9', 'Aantal', 'twee', DATE '2025-01-01', '0', FALSE)",
            [T1],
        )
    with pytest.raises(duckdb.ConversionException, match="twee"):
        _q(built, f"SELECT aantal FROM {S}.employee_custom_fields")
    build_analytics(built, as_of=AS_OF)  # what the step after each sync does, too
    types = dict(_q(built, f"SELECT fieldname, type FROM {S}.custom_field_columns"))
    assert types["Aantal"] == "text"
    assert ("9", "twee") in _q(built, f"SELECT employeeid, aantal FROM {S}.employee_custom_fields")

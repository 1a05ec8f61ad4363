"""The definitions' corner cases on hand-made tables: things the sandbox never produces.

Renewal under a new employeeid, overlapping versions, unnormalised names, missing attributes,
a contract without an employee record, deleted rows, a dataset that was never approved.
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


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "rules.duckdb"
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE SCHEMA visma_hrm")
        create_table(
            db,
            "employees",
            [
                employee_row(T1, "1", "J.A.", "Jansen"),
                employee_row(T1, "2", "JA", " jansen "),  # same person, written differently
                employee_row(T1, "3", None, "Bakker"),  # no initials: alone
                employee_row(T1, "4", None, "Bakker"),
                employee_row(T1, "5", "P.", "Smit"),
                employee_row(T1, "6", "P.", "Smit"),
                employee_row(T1, "7", "Q.", "Deleted"),
                employee_row(T2, "1", "J.A.", "Jansen"),  # another tenant, same keys
            ],
        )
        create_table(
            db,
            "contracts",
            [
                # renewal under a new employeeid the next day, in another unit
                contract_row(T1, "1", "1", "2025-01-01", "2025-03-31", "U1", "1.0"),
                contract_row(T1, "2", "1", "2025-04-01", None, "U2", "0.8"),
                contract_row(T1, "3", "1", "2025-02-10", "2025-05-20", "U1", "0.5"),
                contract_row(T1, "4", "1", "2025-02-10", None, "U1", "0.5"),
                # overlapping versions of one contract, plus a parallel contract
                contract_row(T1, "5", "1", "2025-01-01", None, "U1", "1.0"),
                contract_row(T1, "5", "2", "2025-03-01", None, "U1", "0.5"),
                contract_row(T1, "6", "1", "2025-01-15", None, "U2", "0.2"),
                contract_row(T1, "7", "1", "2023-01-01", None, "U1", "1.0", _visma_deleted=True),
                contract_row(T1, "8", "1", "2025-05-01", None, "U2", "0.4"),  # no employee record
                contract_row(T2, "1", "1", "2024-12-01", None, "U1", "1.0"),
            ],
        )
        create_table(db, "organization_units", [])
    return path


def _q(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path)) as db:
        return list(db.execute(sql).fetchall())


S = "visma_hrm_analytics"


@pytest.fixture
def built(db_path: Path) -> Path:
    views = build_analytics(db_path, as_of=AS_OF)
    assert "managers" in views  # users and cost_centers were never loaded: empty stand-ins
    return db_path


def test_persons_normalise_names_and_keep_incomplete_records_apart(built: Path) -> None:
    persons = _q(built, f"SELECT tenant_id, employeeids, has_employee_record FROM {S}.persons")
    assert sorted(persons) == [
        (T1, "1,2", True),
        (T1, "3", True),
        (T1, "4", True),
        (T1, "5,6", True),
        (T1, "7", True),  # the person exists; the deleted contract does not count
        (T1, "8", False),
        (T2, "1", True),
    ]


def test_headcount_counts_a_person_once_and_one_version_per_contract(built: Path) -> None:
    totals = dict(
        _q(
            built,
            f"SELECT reference_date, (headcount, fte) FROM {S}.headcount_monthly_total "
            f"WHERE tenant_id = '{T1}' AND month >= DATE '2025-01-01'",
        )
    )
    d = dt.date
    # person 5/6: counted once, FTE 0.5 (latest overlapping version) + 0.2 (other contract)
    assert totals[d(2025, 1, 31)] == (2, Decimal("2.2"))
    assert totals[d(2025, 3, 31)] == (4, Decimal("2.7"))
    assert totals[d(2025, 4, 30)] == (4, Decimal("2.5"))
    assert totals[d(2025, 5, 31)] == (4, Decimal("2.4"))  # 3 left 05-20, 8 joined 05-01
    assert totals[AS_OF] == (4, Decimal("2.4"))
    other = _q(built, f"SELECT headcount FROM {S}.headcount_monthly_total WHERE tenant_id = '{T2}'")
    assert {r[0] for r in other} == {0, 1}


def test_a_renewal_under_a_new_employeeid_is_no_flow_but_may_be_a_transfer(built: Path) -> None:
    rows = _q(
        built,
        f"SELECT month, inflow, rehires, outflow, transfers FROM {S}.flows_monthly "
        f"WHERE tenant_id = '{T1}' AND month >= DATE '2025-01-01'",
    )
    d = dt.date
    assert {r[0]: tuple(r[1:]) for r in rows} == {
        d(2025, 1, 1): (2, 0, 0, 0),
        d(2025, 2, 1): (2, 0, 0, 0),
        d(2025, 3, 1): (0, 0, 0, 0),  # renewal: no outflow on 03-31 ...
        d(2025, 4, 1): (0, 0, 0, 1),  # ... no inflow on 04-01, but a transfer U1 -> U2
        d(2025, 5, 1): (1, 0, 1, 0),
        d(2025, 6, 1): (0, 0, 0, 0),
    }


def test_managers_build_without_a_users_table(built: Path) -> None:
    # one row per current contract version (8), no manager resolvable without users
    assert _q(built, f"SELECT count(*), count(manager_person_key) FROM {S}.managers") == [(8, 0)]


def test_spine_from_the_earliest_current_contract(db_path: Path) -> None:
    build_analytics(db_path, as_of=AS_OF, start="earliest")
    months = [r[0] for r in _q(db_path, f"SELECT month FROM {S}.months ORDER BY 1")]
    # the deleted contract of 2023 does not count; tenant 2's of 2024-12-01 does
    assert months[0] == dt.date(2024, 12, 1) and months[-1] == dt.date(2025, 6, 1)
    assert len(months) == 7
    build_analytics(db_path, as_of=AS_OF)
    assert len(_q(db_path, f"SELECT * FROM {S}.months")) == 25  # default: 24 months back

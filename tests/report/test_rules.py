"""The report's definitions on hand-made tables, for what the sandbox never produces: one person
with two contracts at once in two units (persons vs employments, a unit counted once in its
parent), a leaver, a hire registered ahead and a temporary contract about to end."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.hr_tables import T1, contract_row, create_table, employee_row
from visma_hrm.errors import ConfigurationError
from visma_hrm.report import collect

AS_OF = dt.date(2025, 6, 30)


def _unit(unit: str, parent: str | None, name: str) -> dict[str, Any]:
    return {
        "tenant_id": T1,
        "orgunitid": unit,
        "orgunitparentid": parent,
        "orgname": name,
        "startdate": "2020-01-01",
        "enddate": None,
        "_visma_deleted": False,
    }


def _make(path: Path) -> None:
    fixed = {"contracttypeindication_en": "Fixed term"}
    permanent = {"contracttypeindication_en": "Indefinite"}
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE SCHEMA visma_hrm")
        create_table(
            db,
            "employees",
            [
                employee_row(T1, "5", "P.", "Smit"),  # 5 and 6: one person, two contracts at once
                employee_row(T1, "6", "P.", "Smit"),
                employee_row(T1, "1", "J.", "Jansen"),
                employee_row(T1, "4", "M.", "Meijer", gender="M", dateofbirth="2003-07-01"),
                employee_row(T1, "2", "K.", "Kok"),
            ],
        )
        create_table(
            db,
            "contracts",
            [
                contract_row(T1, "5", "1", "2025-01-01", None, "U1", "1.0", **permanent),
                contract_row(T1, "6", "1", "2025-01-15", "2025-08-15", "U2", "0.2", **fixed),
                contract_row(T1, "1", "1", "2024-01-01", "2025-05-10", "U1", "0.8", **permanent),
                contract_row(T1, "4", "1", "2024-06-01", None, "U2", "0.5", **permanent),
                contract_row(T1, "2", "1", "2025-07-20", None, "U2", "1.0", **fixed),
            ],
        )
        create_table(
            db,
            "organization_units",
            [_unit("U0", None, "Org"), _unit("U1", "U0", "Team A"), _unit("U2", "U0", "Team B")],
        )


def test_persons_employments_turnover_units_and_action_lists(tmp_path: Path) -> None:
    path = tmp_path / "rules.duckdb"
    _make(path)
    data = collect(path, as_of=AS_OF, months=3)
    assert [m.month for m in data.months] == [dt.date(2025, m, 1) for m in (4, 5, 6)]
    assert (data.begin_persons, data.begin_employments) == (3, 4)
    end = data.end
    assert (end.persons, end.employments, end.fte) == (2, 3, Decimal("1.7"))
    assert [m.outflow for m in data.months] == [0, 1, 0]
    assert [m.employments_ended for m in data.months] == [0, 1, 0]
    assert [m.turnover_pct for m in data.months] == [0.0, 40.0, 0.0]  # 1 / ((3 + 2) / 2)
    assert data.period_turnover_pct == 40.0
    units = {u.orgunitid: (u.level, u.persons[-1], u.fte) for u in data.units}
    assert units == {
        "U0": (1, 2, Decimal("1.7")),  # P in both teams counts once here
        "U1": (2, 1, Decimal("1.0")),
        "U2": (2, 2, Decimal("0.7")),
    }
    assert [u.orgunitid for u in data.units] == ["U0", "U1", "U2"]  # tree order
    assert data.contract_mix == {"Fixed term": 1, "Indefinite": 2}
    assert data.age_gender == {"45-54": {"female": 1}, "<25": {"male": 1}}  # 21 on 2025-06-30
    assert [(i.employeeid, i.date, i.days) for i in data.ending] == [
        ("6", dt.date(2025, 8, 15), 46)
    ]
    assert [(i.employeeid, i.name, i.unit, i.date, i.days) for i in data.starting] == [
        ("2", "K. Kok", "Team B", dt.date(2025, 7, 20), 20)
    ]


def test_a_database_without_contracts_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE SCHEMA visma_hrm")
        create_table(db, "employees", [])
        create_table(db, "contracts", [])
    with pytest.raises(ConfigurationError, match="No contracts"):
        collect(path, as_of=AS_OF)

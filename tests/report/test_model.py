"""The Power BI star model against the truth: facts add up to the reference figures, the
flattened hierarchy is the tree, every key joins (DuckDB here, PostgreSQL in test_postgres)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import duckdb

from tests.report import reference
from tests.report.conftest import Synced
from visma_hrm.model import LEVELS, build_model
from visma_hrm.report.data import month_add

M = "visma_hrm_model"
Query = Callable[[str], list[tuple[Any, ...]]]


def current_tree(units: Sequence[Mapping[str, Any]], as_of: dt.date) -> dict[str, tuple[Any, str]]:
    """unit -> (parent, name) of the version valid on the as-of date (latest start)."""
    best: dict[str, Mapping[str, Any]] = {}
    for r in units:
        start, end = str(r["startdate"]), r["enddate"]
        if start <= as_of.isoformat() and (end is None or str(end) >= as_of.isoformat()):
            key = str(r["orgunitid"])
            if key not in best or start > str(best[key]["startdate"]):
                best[key] = r
    return {k: (r["orgunitparentid"], str(r["orgname"])) for k, r in best.items()}


def assert_model(q: Query, truth: Mapping[str, Any], as_of: dt.date, months: int) -> None:
    exp = reference.expected(truth, as_of, months)
    facts = q(
        f"""SELECT month, count(DISTINCT person_id), sum(employments), sum(fte)
            FROM {M}.fact_headcount_monthly GROUP BY month ORDER BY month"""
    )
    got = {r[0]: (int(r[1]), int(r[2]), Decimal(r[3])) for r in facts}
    for month, persons, employments, fte, *_rest in exp.months:
        assert got[month] == (persons, employments, fte), month
    # every key of the fact joins its dimension, and dimension keys are unique
    for dim, key in (
        ("dim_person", "person_id"),
        ("dim_employment", "employment_id"),
        ("dim_org_unit", "org_unit_id"),
    ):
        assert q(f"SELECT count(*) - count(DISTINCT {key}) FROM {M}.{dim}") == [(0,)], dim
        if dim != "dim_org_unit":  # versions in units gone from today's tree keep their id
            orphans = q(
                f"SELECT count(*) FROM {M}.fact_headcount_monthly f "
                f"LEFT JOIN {M}.{dim} d ON d.{key} = f.{key} WHERE d.{key} IS NULL"
            )
            assert orphans == [(0,)], dim
    days = q(
        f"SELECT count(*) FROM {M}.fact_headcount_monthly f "
        f"LEFT JOIN {M}.dim_date d ON d.date = f.month WHERE d.date IS NULL"
    )
    assert days == [(0,)]
    # the hierarchy flattened into level columns is the tree of the truth
    rows = q(
        f"SELECT tenant_id, orgunitid, level, "
        f"{', '.join(f'level_{n}' for n in range(1, LEVELS + 1))} FROM {M}.dim_org_unit"
    )
    assert rows
    for tenant, unit, level, *names in rows:
        tree = current_tree(truth[tenant]["organization_units"], as_of)
        chain = [str(unit)]
        while tree[chain[-1]][0] is not None:
            chain.append(str(tree[chain[-1]][0]))
        path = [tree[u][1] for u in reversed(chain)]
        assert level == len(chain)
        assert names == (path + [path[-1]] * LEVELS)[:LEVELS]
    # slicing a unit by its level column counts it with everything below (the rollup)
    end = max(got)
    for (tenant, unit), (persons, _fte) in exp.units.items():
        n = q(
            f"SELECT count(DISTINCT f.person_id) FROM {M}.fact_headcount_monthly f "
            f"JOIN {M}.dim_org_unit d ON d.org_unit_id = f.org_unit_id "
            f"JOIN {M}.dim_org_unit s ON s.tenant_id = d.tenant_id "
            f"AND substr(d.id_path, 1, length(s.id_path)) = s.id_path "
            f"WHERE s.tenant_id = '{tenant}' AND s.orgunitid = '{unit}' "
            f"AND f.month = DATE '{end.isoformat()}'"
        )
        assert n[0][0] == persons[-1], unit


def test_star_model_on_duckdb(synced: Synced) -> None:
    start = month_add(synced.as_of.replace(day=1), -12)
    views = build_model(synced.path, as_of=synced.as_of, start=start)
    assert views[-1] == "fact_headcount_monthly"
    with duckdb.connect(str(synced.path)) as db:

        def q(sql: str) -> list[tuple[Any, ...]]:
            return list(db.execute(sql).fetchall())

        assert_model(q, synced.truth, synced.as_of, 12)
        dates = q(f"SELECT min(date), max(date), count(*) FROM {M}.dim_date")
        assert dates[0][0] == start and dates[0][1] == dt.date(synced.as_of.year, 12, 31)
        assert dates[0][2] == (dates[0][1] - dates[0][0]).days + 1

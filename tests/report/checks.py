"""What the report tests check, shared by the DuckDB and the PostgreSQL tests: the figures
and the star model against the Python reference, and the synced warehouse they are read from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.report import reference
from tests.support import workforce_reference as wf
from visma_hrm.analytics.star import LEVELS
from visma_hrm.report import ReportData

DATASETS = ("employees", "contracts", "organization_units", "users")


@dataclass
class Synced:
    """The synced DuckDB file, its as-of date, its tenants and the truth it was synced from."""

    path: Path
    as_of: dt.date
    tenants: list[str]
    truth: dict[str, dict[str, list[dict[str, Any]]]]


M = "visma_hrm_model"
"""The schema the star model is built in."""
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
    """The star model: headcount per month as the reference, keys joining, the flattened
    hierarchy the truth's tree, and a unit's level column rolling up what is below."""
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


def assert_figures(data: ReportData, exp: reference.Expected) -> None:
    """Every figure of the report equals the Python computation of the reference."""
    got = [
        (
            m.month,
            m.persons,
            m.employments,
            m.fte,
            m.inflow,
            m.outflow,
            m.employments_started,
            m.employments_ended,
            m.turnover_pct,
        )
        for m in data.months
    ]
    assert got == exp.months
    assert data.begin_persons == exp.begin_persons
    assert {(u.tenant_id, u.orgunitid): (u.persons, u.fte) for u in data.units} == exp.units
    assert data.contract_mix == exp.contract_mix
    assert data.age_gender == exp.age_gender
    assert {(i.tenant_id, i.employeeid, i.contractid, i.date) for i in data.ending} == exp.ending
    assert all(i.days == (i.date - data.as_of).days for i in data.ending + data.starting)


def assert_workforce(
    data: ReportData, truth: Mapping[str, Mapping[str, Sequence[Mapping[str, Any]]]]
) -> None:
    """The report's HR numbers equal the Python computation of ``workforce_reference``:
    every month of the period summed over the report's tenants, the bands, ages and span of
    control at the end, and each shown unit's fixed-term share with everything below it."""
    mine = {t: truth[t] for t in data.tenants}
    exp = wf.workforce(mine, data.as_of)
    w = data.workforce
    assert w is not None
    for m in w.months:
        cells = [
            exp.cells[(t, m.month, wf.ALL)]
            for t in data.tenants
            if (t, m.month, wf.ALL) in exp.cells
        ]
        assert (m.headcount, m.fte, m.fixed_term_headcount, m.fixed_term_fte, m.service_days) == (
            sum(len(c.persons) for c in cells),
            sum((c.fte for c in cells), Decimal(0)),
            sum(len(c.fixed_persons) for c in cells),
            sum((c.fixed_fte for c in cells), Decimal(0)),
            sum(c.service_days for c in cells),
        ), m.month
    end = [exp.cells[(t, data.as_of.replace(day=1), wf.ALL)] for t in data.tenants]
    bands: dict[str, dict[str, tuple[int, Decimal]]] = {}
    for cell in end:
        for (dimension, band), (persons, fte) in cell.bands.items():
            known = bands.setdefault(dimension, {}).get(band, (0, Decimal(0)))
            bands[dimension][band] = (known[0] + int(str(persons)), known[1] + Decimal(str(fte)))
    assert w.bands == bands
    assert w.ages == (sum(sum(c.ages) for c in end), sum(len(c.ages) for c in end))
    month = data.as_of.replace(day=1)
    managers = sorted(n for (t, m, _k), (n, _f) in exp.managers.items() if m == month)
    assert sorted(n for _t, _name, n in w.managers) == managers
    spans = [exp.unit_spans[(t, month, wf.ALL)] for t in data.tenants]
    assert w.span == (sum(s[0] for s in spans), sum(s[1] for s in spans))
    for node in w.org:
        tree = current_tree(truth[node.tenant_id]["organization_units"], data.as_of)
        below = {u for u in tree if node.orgunitid in _chain(tree, u)}
        cells = [
            exp.cells[(node.tenant_id, month, u)]
            for u in below
            if (node.tenant_id, month, u) in exp.cells
        ]
        persons = set().union(*(c.persons for c in cells)) if cells else set()
        fixed = set().union(*(c.fixed_persons for c in cells)) if cells else set()
        assert (node.subtree_headcount, node.subtree_fixed_term) == (len(persons), len(fixed))


def _chain(tree: Mapping[str, tuple[Any, str]], unit: str) -> list[str]:
    """The unit and its ancestors in the current tree."""
    out = [unit]
    while tree[out[-1]][0] is not None and str(tree[out[-1]][0]) in tree:
        out.append(str(tree[out[-1]][0]))
    return out

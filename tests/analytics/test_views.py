"""The views against the sandbox's ground truth, after a real sync over HTTP into DuckDB.

Expectations come from ``reference.py`` (plain Python over the truth's CSV text); persons
are also checked against how the sandbox made them (employeeid = 100000 + 10 * person + k).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from tests.analytics import helpers as h
from tests.support import hr_reference as ref
from tests.support.runs import run_sync
from tests.support.settings import clock_date, loaded_sandbox_settings
from tests.support.tables import duckdb_query
from visma_hrm.analytics import build_analytics
from visma_hrm.catalog import DELETED_COLUMN
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox


@dataclass
class Loaded:
    sb: Sandbox
    path: Path
    as_of: dt.date


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    tmp = tmp_path_factory.mktemp("analytics")
    with start_sandbox(SandboxConfig(tenants=2, employees=70, seed=21)) as sb:
        settings = loaded_sandbox_settings(sb, tmp)
        run_sync(settings)
        as_of = clock_date(sb)
        build_analytics(settings.duckdb_path, as_of=as_of)
        yield Loaded(sb, settings.duckdb_path, as_of)


def _sandbox_persons(sb: Sandbox, tenant: str) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for row in sb.truth(tenant, "contracts"):
        eid = str(row["employeeid"])
        groups.setdefault((int(eid) - 100000) // 10, set()).add(eid)
    return {frozenset(g) for g in groups.values()}


def test_persons_group_the_employeeids_of_one_person(loaded: Loaded) -> None:
    several = 0
    for tenant in loaded.sb.tenant_ids:
        got = h.view_persons(loaded.path, tenant)
        assert got == h.expected_persons(loaded.sb, tenant)
        assert got == _sandbox_persons(loaded.sb, tenant)
        several += sum(1 for g in got if len(g) > 1)
    assert several, "no person with several employeeids: the grouping would be untested"


def test_headcount_fte_and_flows_equal_the_python_computation(loaded: Loaded) -> None:
    for tenant in loaded.sb.tenant_ids:
        versions = h.truth(loaded.sb, tenant)
        h.assert_views_match(loaded.path, tenant, versions, loaded.as_of)
        flows = ref.flows(versions, loaded.as_of)
        assert len(flows) == 25  # 24 months back plus the as-of month
        assert sum(f[0] for f in flows.values()) and sum(f[2] for f in flows.values())
        assert sum(f[3] for f in flows.values()), "no transfer: that count would be untested"
        total = h.view_totals(loaded.path, tenant)[loaded.as_of]
        assert total[0] > 20 and total[1] > 10


def test_tenants_share_source_keys_but_never_mix(loaded: Loaded) -> None:
    first, second = (
        {str(r["employeeid"]) for r in loaded.sb.truth(t, "contracts")}
        for t in loaded.sb.tenant_ids
    )
    assert first & second  # a join without tenant_id would mix them and fail the tests above
    rows = duckdb_query(
        loaded.path,
        f"SELECT count(*) FROM {h.SCHEMA}.contract_periods c JOIN {h.SCHEMA}.persons p "
        "ON p.person_key = c.person_key AND p.tenant_id <> c.tenant_id "
        "WHERE position(c.employeeid IN p.employeeids) > 0 AND p.tenant_id IS NOT NULL",
    )
    assert rows[0][0] > 0  # same keys exist in both tenants
    per_tenant = duckdb_query(
        loaded.path,
        f"SELECT tenant_id, count(*) FROM {h.SCHEMA}.persons GROUP BY 1 ORDER BY 1",
    )
    expected = sorted((t, len(h.expected_persons(loaded.sb, t))) for t in loaded.sb.tenant_ids)
    assert [(str(t), int(n)) for t, n in per_tenant] == expected


def test_contract_periods_flag_one_current_version_per_started_contract(loaded: Loaded) -> None:
    rows = duckdb_query(
        loaded.path,
        f"""SELECT tenant_id, employeeid, contractid, count(*) FILTER (WHERE is_current),
                   max(subcontractid) FILTER (WHERE is_current)
            FROM {h.SCHEMA}.contract_periods GROUP BY ALL""",
    )
    for tenant in loaded.sb.tenant_ids:
        latest: dict[tuple[str, str], tuple[dt.date, str]] = {}
        for r in loaded.sb.truth(tenant, "contracts"):
            key = (str(r["employeeid"]), str(r["contractid"]))
            start = dt.date.fromisoformat(str(r["startdate"]))
            if start <= loaded.as_of and (start, str(r["subcontractid"])) > latest.get(
                key, (dt.date.min, "")
            ):
                latest[key] = (start, str(r["subcontractid"]))
        got = {(e, c): (n, s) for t, e, c, n, s in rows if t == tenant}
        assert got == {k: (1, v[1]) for k, v in latest.items()}


def test_org_tree_and_managers(loaded: Loaded) -> None:
    tenant = loaded.sb.tenant_ids[0]
    units = duckdb_query(
        loaded.path,
        f"SELECT orgunitid, parent_orgunitid, level, id_path FROM {h.SCHEMA}.org_units_current "
        "WHERE tenant_id = ?",
        [tenant],
    )
    truth_units = {
        str(r["orgunitid"]): r["orgunitparentid"]
        for r in loaded.sb.truth(tenant, "organization_units")
    }
    assert {u[0] for u in units} == set(truth_units)
    by_id = {u[0]: u for u in units}
    for unit, parent, level, path in units:
        # the path is the chain of parents up to the root, computed here independently
        chain = [unit]
        while truth_units[chain[-1]] is not None:
            chain.append(str(truth_units[chain[-1]]))
        assert path == "/" + "/".join(reversed(chain)) + "/"
        assert level == len(chain)
        assert parent is None or by_id[parent][2] == level - 1
    # a unit's manager: manageruserid -> users.employeeid -> that employee's person
    users = {str(r["userid"]): str(r["employeeid"]) for r in loaded.sb.truth(tenant, "users")}
    truth = loaded.sb.truth
    keys = ref.person_keys(truth(tenant, "employees"), truth(tenant, "contracts"))
    managers = duckdb_query(
        loaded.path,
        f"SELECT orgunitid, manageruserid, manager_person_key FROM {h.SCHEMA}.managers "
        "WHERE tenant_id = ? AND source = 'org_unit'",
        [tenant],
    )
    assert managers and all(m[2] == keys[users[m[1]]] for m in managers)


@pytest.mark.slow
def test_advance_incremental_then_full_refresh_drop_deleted_rows(tmp_path: Path) -> None:
    with start_sandbox(SandboxConfig(tenants=2, employees=50, seed=6)) as sb:
        settings = loaded_sandbox_settings(sb, tmp_path)
        path = settings.duckdb_path
        run_sync(settings)
        before = {t: sb.truth(t, "contracts") for t in sb.tenant_ids}
        old_clock = clock_date(sb)
        build_analytics(path, as_of=old_clock)
        old_persons = {t: h.view_persons(path, t) for t in sb.tenant_ids}

        sb.advance(days=60)
        run_sync(settings)
        as_of = clock_date(sb)
        build_analytics(path, as_of=as_of)
        new_hires = 0
        for tenant in sb.tenant_ids:
            # an incremental sync cannot see deletions: the database holds the truth plus rows
            # the source deleted meanwhile; the views must equal Python over exactly that
            held = _with_lingering(before[tenant], sb.truth(tenant, "contracts"))
            versions = ref.versions(sb.truth(tenant, "employees"), held)
            h.assert_views_match(path, tenant, versions, as_of)
            flows = h.view_flows(path, tenant)
            new_hires += sum(flows[m][0] for m in flows if m >= old_clock.replace(day=1))
            assert h.view_persons(path, tenant) - old_persons[tenant]
        assert new_hires > 0

        # let the source delete contract rows, then a full refresh marks them deleted
        for _ in range(12):
            gone = _vanished(before, sb)
            if gone:
                break
            sb.advance(days=240)
        assert gone, "the sandbox deleted no contract row: the test would prove nothing"
        run_sync(settings, full_refresh=True)
        as_of = clock_date(sb)
        build_analytics(path, as_of=as_of)
        for tenant in sb.tenant_ids:
            versions = h.truth(sb, tenant)
            h.assert_views_match(path, tenant, versions, as_of)
            assert h.view_persons(path, tenant) == h.expected_persons(sb, tenant)
        marked = duckdb_query(
            path,
            f"SELECT tenant_id, employeeid, contractid, subcontractid FROM hrm.visma_hrm.contracts "
            f"WHERE {DELETED_COLUMN}",
        )
        assert {tuple(map(str, m)) for m in marked} >= gone
        shown = duckdb_query(
            path,
            f"SELECT tenant_id, employeeid, contractid, subcontractid "
            f"FROM {h.SCHEMA}.contract_periods",
        )
        assert not gone & {tuple(map(str, s)) for s in shown}


def _key(tenant: str, r: ref.Row) -> tuple[str, str, str, str]:
    return (tenant, str(r["employeeid"]), str(r["contractid"]), str(r["subcontractid"]))


def _with_lingering(before: Sequence[ref.Row], now: Sequence[ref.Row]) -> list[ref.Row]:
    keys = {_key("", r) for r in now}
    return list(now) + [r for r in before if _key("", r) not in keys]


def _vanished(
    before: Mapping[str, Sequence[ref.Row]], sb: Sandbox
) -> set[tuple[str, str, str, str]]:
    gone: set[tuple[str, str, str, str]] = set()
    for tenant, rows in before.items():
        now = {_key(tenant, r) for r in sb.truth(tenant, "contracts")}
        gone |= {_key(tenant, r) for r in rows} - now
    return gone


def test_copy_of_the_database_keeps_working(loaded: Loaded, tmp_path: Path) -> None:
    """Views name their source schema, not the file: a copied file answers the same."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(loaded.path, copy)
    tenant = loaded.sb.tenant_ids[0]
    assert h.view_totals(copy, tenant) == h.view_totals(loaded.path, tenant)


def test_rollup_counts_each_unit_with_its_sub_units(loaded: Loaded) -> None:
    for tenant in loaded.sb.tenant_ids:
        parents = {
            str(r["orgunitid"]): r["orgunitparentid"]
            for r in loaded.sb.truth(tenant, "organization_units")
        }

        versions = h.truth(loaded.sb, tenant)
        expected = {}
        for _start, day in ref.month_spine(loaded.as_of):
            valid = ref.valid_versions(versions, day)
            for unit in parents:
                mine = [v for v in valid if unit in _chain(parents, v.unit)]
                if mine:
                    fte = sum((v.ptfactor or Decimal(0) for v in mine), Decimal(0))
                    expected[(day, unit)] = (len({v.person for v in mine}), fte)
        rows = duckdb_query(
            loaded.path,
            f"SELECT reference_date, orgunitid, headcount, fte "
            f"FROM {h.SCHEMA}.headcount_monthly_rollup WHERE tenant_id = ?",
            [tenant],
        )
        assert {(r[0], r[1]): (int(r[2]), Decimal(r[3])) for r in rows} == expected
        root = [u for u, p in parents.items() if p is None]
        totals = h.view_totals(loaded.path, tenant)
        assert {d: v for (d, u), v in expected.items() if u in root} == {
            d: v for d, v in totals.items() if v[0]
        }


def _chain(parents: Mapping[str, str | None], unit: str | None) -> list[str]:
    """The unit and its ancestors up to the root."""
    out: list[str] = []
    while unit is not None:
        out.append(unit)
        unit = parents[unit]
    return out

"""The change feed's opt-in events end to end: custom field changes for the fields named in
``change_feed_events``, and salary, scale and step changes, against the sandbox's truth.

The sandbox records no event for these (they are not business events of a person, and are off
by default), so the expected events are read from the truth itself: each history row or
contract version new since the sync before compared with the one before it, each row changed in
place compared with what it was. Every sync is a full refresh, so rows deleted at the source
are marked, and the feed and the truth see the same rows.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

from tests.support import workforce_reference as wf
from tests.support.settings import sandbox_settings
from tests.support.tables import fetch_rows
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox
from visma_hrm.sync import SyncSettings, sync

pytestmark = pytest.mark.slow  # four syncs of a 120-person sandbox

FIELDS = ("Locatie", "BHV", "Kostendrager", "Einde proeftijd")
PAY = {
    "salary_change": ("salaryfulltime", "salaryhour"),
    "scale_change": ("scale",),
    "step_change": ("step",),
}
UDF = {
    "employee_udf_histories": ("employeeid", "fieldname", "startdate"),
    "contract_udf_histories": (
        "employeeid",
        "contractid",
        "subcontractid",
        "fieldname",
        "startdate",
    ),
}
Row = Mapping[str, Any]
Truth = dict[str, dict[str, list[Row]]]


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with start_sandbox(SandboxConfig(tenants=2, employees=120, seed=23)) as sandbox:
        yield sandbox


def _norm(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return str(Decimal(str(value)).normalize())
    except InvalidOperation:
        return str(value)


def _truth(sb: Sandbox) -> Truth:
    return {t: {d: list(sb.truth(t, d)) for d in ("contracts", *UDF)} for t in sb.tenant_ids}


def _field_events(
    tenant: str, dataset: str, now: Sequence[Row], before: Sequence[Row] | None
) -> Counter[tuple[Any, ...]]:
    keys = UDF[dataset]
    old = {tuple(r[k] for k in keys): wf.shown(r) for r in before or []}
    wanted = [r for r in now if r["fieldname"] in FIELDS]
    out: Counter[tuple[Any, ...]] = Counter()
    for r in wanted:
        key = tuple(r[k] for k in keys)
        contract = r.get("contractid")
        if key in old:
            was = old[key]
        else:
            earlier = [
                p
                for p in wanted
                if (p["employeeid"], p.get("contractid"), p["fieldname"])
                == (r["employeeid"], contract, r["fieldname"])
                and _order(p) < _order(r)
            ]
            was = wf.shown(max(earlier, key=_order)) if earlier else None
        if was != wf.shown(r):
            after = {r["fieldname"]: wf.shown(r)}
            out[
                (
                    tenant,
                    "custom_field_change",
                    r["employeeid"],
                    contract,
                    r["startdate"],
                    _items(after),
                )
            ] += 1
    return out


def _order(r: Row) -> tuple[str, int, str]:
    sub = str(r.get("subcontractid") or "")
    return (str(r["startdate"]), len(sub), sub)


def _pay_events(
    tenant: str, now: Sequence[Row], before: Sequence[Row] | None
) -> Counter[tuple[Any, ...]]:
    key = ("employeeid", "contractid", "subcontractid")
    old = {tuple(r[k] for k in key): r for r in before or []}
    out: Counter[tuple[Any, ...]] = Counter()
    for r in now:
        was = old.get(tuple(r[k] for k in key))
        if was is None:
            versions = sorted(
                (
                    v
                    for v in now
                    if (v["employeeid"], v["contractid"]) == (r["employeeid"], r["contractid"])
                ),
                key=lambda v: (str(v["startdate"]), int(v["subcontractid"])),
            )
            n = versions.index(r)
            if n == 0:
                continue  # a contract's first version is a hire, not a pay change
            was = versions[n - 1]
        for kind, columns in PAY.items():
            if any(_norm(was[c]) != _norm(r[c]) for c in columns):
                after = {c: r[c] for c in columns}
                out[
                    (tenant, kind, r["employeeid"], r["contractid"], r["startdate"], _items(after))
                ] += 1
    return out


def _items(values: Mapping[str, Any]) -> tuple[tuple[str, str | None], ...]:
    return tuple(sorted((k, _norm(v)) for k, v in values.items()))


def _expected(now: Truth, before: Truth | None) -> Counter[tuple[Any, ...]]:
    out: Counter[tuple[Any, ...]] = Counter()
    for tenant, data in now.items():
        old = before[tenant] if before else None
        out += _pay_events(tenant, data["contracts"], old["contracts"] if old else None)
        for dataset in UDF:
            out += _field_events(tenant, dataset, data[dataset], old[dataset] if old else None)
    return out


def _got(rows: Sequence[Mapping[str, Any]], started: str) -> Counter[tuple[Any, ...]]:
    kinds = {"custom_field_change", *PAY}
    mine = [r for r in rows if r["type"] in kinds and r["detected_at"].isoformat() == started]
    return Counter(
        (
            r["tenant_id"],
            r["type"],
            r["employeeid"],
            r["contractid"],
            r["effective_date"].isoformat(),
            _items(json.loads(r["after"])),
        )
        for r in mine
    )


def test_opt_in_events_equal_the_changes_in_the_truth(sb: Sandbox, tmp_path: Path) -> None:
    events = (*PAY, *(f"custom_field:{f.lower()}" for f in FIELDS))  # names in any case
    settings = sandbox_settings(sb, tmp_path, change_feed=True, change_feed_events=events)
    before: Truth | None = None
    seen: Counter[str] = Counter()
    for round_ in range(4):
        if round_:
            sb.advance(days=45)
        report = sync(SyncSettings(settings, full_refresh=True))
        assert report.ok
        now = _truth(sb)
        got = _got(fetch_rows(settings, "changes"), report.started_at)
        want = _expected(now, before)
        missing, invented = want - got, got - want
        assert not missing and not invented, (round_, list(missing)[:3], list(invented)[:3])
        seen.update(kind for _t, kind, *_rest in got.elements())
        if round_:
            assert got, f"round {round_}: no opt-in event: the comparison proves little"
        before = now
    assert set(seen) == {"custom_field_change", *PAY}, seen
    again = sync(SyncSettings(settings))
    assert not _got(fetch_rows(settings, "changes"), again.started_at)  # a re-run adds none

"""The change feed end to end: the sandbox over HTTP with every kind of event, a DuckDB file.

After a first sync (the baseline: history the sandbox has no record of), each advance of the
sandbox's clock is followed by a sync, and the events that sync added must equal the
sandbox's own record of what the advance did: none missing, none invented, none doubled by a
re-run.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

from tests.pipeline.truth import fetch_rows, sandbox_settings
from visma_hrm.config import Settings
from visma_hrm.pipeline import SyncReport, SyncSettings, sync
from visma_hrm.sandbox import Sandbox, SandboxConfig, SandboxEvent, start_sandbox


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    config = SandboxConfig(tenants=2, employees=150, seed=17, all_changes=True)
    with start_sandbox(config) as sandbox:
        yield sandbox


def _sync(settings: Settings, full_refresh: bool = False) -> SyncReport:
    report = sync(SyncSettings(settings, full_refresh=full_refresh))
    assert report.ok, [t for t in report.tables if t.status != "ok"]
    return report


def _value(text: Any) -> str | None:
    if text is None:
        return None
    try:
        return str(Decimal(str(text)).normalize())
    except InvalidOperation:
        return str(text)


def _values(values: dict[str, Any]) -> tuple[tuple[str, str | None], ...]:
    return tuple(sorted((k, _value(v)) for k, v in values.items()))


def _from_sandbox(event: SandboxEvent) -> tuple[Any, ...]:
    if event.type == "record_deleted":
        return (event.tenant_id, event.type, event.dataset, "|".join(str(k) for k in event.key))
    after = {} if event.type in ("hire", "rehire") else event.after
    effective = None if event.type == "personal_data_change" else event.effective_date
    return (
        event.tenant_id,
        event.type,
        event.employeeid,
        event.contractid,
        effective,
        _values(after),
    )


def _from_feed(row: dict[str, Any]) -> tuple[Any, ...]:
    if row["type"] == "record_deleted":
        return (row["tenant_id"], row["type"], row["dataset"], row["row_key"])
    after = {} if row["type"] in ("hire", "rehire") else json.loads(row["after"])
    effective = row["effective_date"]
    if row["type"] == "personal_data_change":
        effective = None
    elif isinstance(effective, dt.date):
        effective = effective.isoformat()
    return (
        row["tenant_id"],
        row["type"],
        row["employeeid"],
        row["contractid"],
        effective,
        _values(after),
    )


PERSONAL = "personal_data_change"


def _personal(items: Iterator[tuple[str, str | None, dict[str, Any]]]) -> dict[Any, Any]:
    """Personal data changes per person and sync, merged in order (later values win): a
    correction in place of a version the feed has not seen yet is part of that version's
    change, as the API shows only the corrected version (see docs/changes.md)."""
    merged: dict[tuple[str, str | None], dict[str, str | None]] = {}
    for tenant, employeeid, after in items:
        merged.setdefault((tenant, employeeid), {}).update({k: _value(v) for k, v in after.items()})
    return merged


def _feed(settings: Settings, detected_at: str | None = None) -> list[dict[str, Any]]:
    rows = fetch_rows(settings, "changes")
    if detected_at is None:
        return rows
    moment = dt.datetime.fromisoformat(detected_at)
    return [r for r in rows if r["detected_at"] == moment]


def test_the_feed_equals_the_sandbox_record_over_advances_and_re_runs(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = sandbox_settings(sb, tmp_path, change_feed=True)
    first = _sync(settings)
    baseline = _feed(settings)
    assert {r["type"] for r in baseline} >= {"hire", "rehire", "leave", "transfer"}
    recorded = 0
    pending: list[SandboxEvent] = []
    for round_ in range(4):
        before = {t: len(sb.events(t)) for t in sb.tenant_ids}
        sb.advance(days=40)
        if round_ == 1:  # a night whose feed step never ran (killed after the load)
            _sync(sandbox_settings(sb, tmp_path, change_feed=False))
            sb.advance(days=40)
        full = round_ == 3  # deletions are evidence of a complete full export only
        report = _sync(settings, full_refresh=full)
        new = [e for t in sb.tenant_ids for e in sb.events(t)[before[t] :]]
        pending += [e for e in new if e.type == "record_deleted"]
        applied = [e for e in new if e.type != "record_deleted"]
        if full:  # every deletion since the last full export shows now, and only now
            applied += pending
            pending = []
        feed = _feed(settings, report.started_at)
        expected = Counter(_from_sandbox(e) for e in applied if e.type != PERSONAL)
        got = Counter(_from_feed(r) for r in feed if r["type"] != PERSONAL)
        personal_expected = _personal(
            (e.tenant_id, e.employeeid, e.after) for e in applied if e.type == PERSONAL
        )
        personal_got = _personal(
            (r["tenant_id"], r["employeeid"], json.loads(r["after"]))
            for r in sorted(feed, key=lambda r: str(r["row_key"]))
            if r["type"] == PERSONAL
        )
        assert personal_got == personal_expected, f"round {round_}: personal data changes"
        recorded += len(personal_expected)
        missing, invented = expected - got, got - expected
        assert not missing and not invented, (
            f"round {round_}: missing {list(missing)[:5]}, invented {list(invented)[:5]}"
        )
        recorded += sum(expected.values())
    kinds = {k[1] for k in Counter(_from_feed(r) for r in _feed(settings)) if k}
    assert kinds >= {
        "hire",
        "leave",
        "transfer",
        "function_change",
        "hours_change",
        "manager_change",
        "cost_centre_change",
        "personal_data_change",
        "record_deleted",
    }
    assert recorded > 20
    total = len(_feed(settings))
    again = _sync(settings)
    assert len(_feed(settings)) == total, "a re-run added events"
    assert "changes: 0 new event(s)" in again.notes
    assert first.notes

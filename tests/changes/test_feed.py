"""The change feed end to end: the sandbox over HTTP with every kind of event, a DuckDB file.

After a first sync (the baseline: history the sandbox has no record of), each advance of the
sandbox's clock is followed by a sync, and the events that sync added must equal the
sandbox's own record of what the advance did: none missing, none invented, none doubled by a
re-run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import CLI
from tests.support.postgres_server import PostgresServer, use_as_dlt_destination
from tests.support.settings import sandbox_settings
from tests.support.tables import duckdb_query, fetch_rows
from visma_hrm.analytics import build_analytics
from visma_hrm.config import Settings
from visma_hrm.sandbox import Sandbox, SandboxConfig, SandboxEvent, start_sandbox
from visma_hrm.sync import SyncReport, SyncSettings, sync
from visma_hrm.sync.steps import changes, feed_scope
from visma_hrm.sync.steps.changes import FIELDS

pytestmark = pytest.mark.slow  # the feed is checked over many advances of a 150-person sandbox


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


@pytest.mark.parametrize("batch", [None, 7], ids=["one-batch", "batches-of-7-persons"])
def test_the_feed_equals_the_sandbox_record_over_advances_and_re_runs(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int | None
) -> None:
    """With 7 persons a batch, each tenant's first run reads its 150 employees in about 20
    batches (a person's employeeids always in one): the events are the same."""
    if batch is not None:
        monkeypatch.setattr(feed_scope, "BATCH_PERSONS", batch)
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


# ------------------------------------------------------------------------------ the command


def _cli(args: list[str], settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISMA_HRM_")}
    env["VISMA_HRM_DUCKDB_PATH"] = str(settings.duckdb_path)
    env["VISMA_HRM_PIPELINES_DIR"] = str(settings.pipelines_dir)
    return subprocess.run(
        [CLI, "changes", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_changes_command_filters_and_writes_jsonl_csv_and_a_table(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = sandbox_settings(sb, tmp_path, change_feed=True, pipeline_name="visma_hrm")
    _sync(settings)
    sb.advance(days=30)
    second = _sync(settings)
    tenant = sb.tenant_ids[0]
    done = _cli(["--format", "jsonl", "--since", second.started_at, "--tenant", tenant], settings)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines and all(list(r) == list(FIELDS) for r in lines)
    assert {r["tenant_id"] for r in lines} == {tenant}
    assert all(r["detected_at"] >= second.started_at for r in lines)
    stored = [r for r in _feed(settings, second.started_at) if r["tenant_id"] == tenant]
    assert sorted(r["event_id"] for r in lines) == sorted(r["event_id"] for r in stored)

    leaves = _cli(["--format", "csv", "--type", "leave", "--type", "hire"], settings)
    assert leaves.returncode == 0, leaves.stderr
    parsed = list(csv.DictReader(io.StringIO(leaves.stdout)))
    assert parsed and {r["type"] for r in parsed} <= {"leave", "hire"}
    assert list(parsed[0]) == list(FIELDS)
    assert all(isinstance(json.loads(r["after"]), dict) for r in parsed)

    table = _cli([], settings)
    assert (table.returncode == 0 and "transfer" in table.stdout) or "hire" in table.stdout
    bad = _cli(["--type", "promotion"], settings)
    assert bad.returncode == 2 and "Unknown event type" in bad.stderr
    assert "Traceback" not in bad.stderr


# ------------------------------------------------------------------------------ PostgreSQL
@pytest.mark.postgres
def test_the_feed_on_postgres_equals_the_record(
    sb: Sandbox, postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = use_as_dlt_destination(postgres_server, monkeypatch, "feed")
    settings = sandbox_settings(
        sb, tmp_path, change_feed=True, destination="postgres", dataset_name=schema
    )
    _sync(settings)
    before = {t: len(sb.events(t)) for t in sb.tenant_ids}
    sb.advance(days=40)
    report = _sync(settings)
    applied = [
        e
        for t in sb.tenant_ids
        for e in sb.events(t)[before[t] :]
        if e.type not in (PERSONAL, "record_deleted")
    ]
    feed = [r for r in _feed(settings, report.started_at) if r["type"] != PERSONAL]
    assert applied
    assert Counter(_from_feed(r) for r in feed) == Counter(_from_sandbox(e) for e in applied)
    again = _sync(settings)
    assert "changes: 0 new event(s)" in again.notes


def test_a_run_that_dies_inside_the_feed_step_leaves_no_half_and_no_double(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events and what the feed saw are written in one transaction: a failure between them
    (here injected after the events of the first tenant are inserted) leaves neither, and
    the next run adds each event exactly once."""
    settings = sandbox_settings(sb, tmp_path, change_feed=True)
    _sync(settings)
    sb.advance(days=40)
    original = changes._replace_seen

    def dying(*args: Any) -> None:
        raise RuntimeError("killed between the events and the seen-state")

    monkeypatch.setattr(changes, "_replace_seen", dying)
    count = len(_feed(settings))
    with pytest.raises(RuntimeError, match="killed between"):
        sync(SyncSettings(settings))
    assert len(_feed(settings)) == count, "a half-written feed step stayed"
    monkeypatch.setattr(changes, "_replace_seen", original)
    report = _sync(settings)
    added = _feed(settings, report.started_at)
    assert added and len({r["event_id"] for r in _feed(settings)}) == len(_feed(settings))


def test_a_run_that_dies_after_some_batches_resumes_with_each_event_once(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch of persons commits its events, seen-state and digests together: a run
    that dies in its third batch keeps the first two, and the next run derives only what was
    left and ends with the same events as a run that never died."""
    monkeypatch.setattr(feed_scope, "BATCH_PERSONS", 7)
    clean = sandbox_settings(sb, tmp_path / "clean", change_feed=True)
    settings = sandbox_settings(sb, tmp_path / "dying", change_feed=True)
    original = changes._replace_seen
    calls = []

    def dying_in_the_third_batch(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("killed in the third batch")
        original(*args)

    monkeypatch.setattr(changes, "_replace_seen", dying_in_the_third_batch)
    with pytest.raises(RuntimeError, match="third batch"):
        sync(SyncSettings(settings))
    kept = _feed(settings)
    assert kept, "the first two batches' events were lost"
    monkeypatch.setattr(changes, "_replace_seen", original)
    _sync(settings)
    _sync(clean)
    resumed, whole = _feed(settings), _feed(clean)
    assert len({r["event_id"] for r in resumed}) == len(resumed)
    assert {r["event_id"] for r in resumed} == {r["event_id"] for r in whole}
    assert len(kept) < len(resumed)


def test_columns_excluded_later_never_reach_the_feed(sb: Sandbox, tmp_path: Path) -> None:
    """Excluding contact data later empties it in stored rows; the feed must not report that
    as personal data changes carrying the old values."""
    settings = sandbox_settings(sb, tmp_path, change_feed=True)
    _sync(settings)
    private = sandbox_settings(sb, tmp_path, change_feed=True, privacy_profile="contact")
    report = _sync(private)
    added = _feed(private, report.started_at)
    assert not [r for r in added if r["type"] == PERSONAL], added[:3]
    seen = fetch_rows(private, "_visma_changes_seen")
    assert all(
        "homestreet" not in json.loads(r["seen"]) for r in seen if r["dataset"] == "employees"
    )


def test_the_analytics_view_shows_every_event_with_the_person_and_unit(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = sandbox_settings(sb, tmp_path, change_feed=True)
    _sync(settings)
    sb.advance(days=40)
    _sync(settings)
    build_analytics(settings.duckdb_path)
    view = duckdb_query(
        settings.duckdb_path,
        "SELECT event_id, tenant_id, employeeid, contractid, formattedname, orgunitid "
        "FROM visma_hrm_analytics.changes",
    )
    assert sorted(r[0] for r in view) == sorted(r["event_id"] for r in _feed(settings))
    named = 0
    for event_id, tenant, employeeid, contractid, name, unit in view:
        names = _names_of_person(sb, tenant, employeeid)
        assert (name in names) if names else name is None, (event_id, name, names)
        named += bool(names)
        versions = [
            c
            for c in sb.truth(tenant, "contracts")
            if c["employeeid"] == employeeid and c["contractid"] == contractid
        ]
        if versions:
            latest = max(versions, key=lambda c: str(c["startdate"]))
            assert unit == latest["orgunit"], (event_id, unit)
    assert named > 10


def _names_of_person(sb: Sandbox, tenant: str, employeeid: str | None) -> set[str | None]:
    """The formatted names of everyone the analytics count as the same person as employeeid
    (initials, gender, birth date and birth name of their latest record; docs/analytics.md)."""
    records = sb.truth(tenant, "employees")
    latest: dict[str, dict[str, Any]] = {}
    for row in records:
        known = latest.get(str(row["employeeid"]))
        if known is None or str(row["existencestartutc"]) > str(known["existencestartutc"]):
            latest[str(row["employeeid"])] = row
    mine = latest.get(str(employeeid))
    if mine is None:
        return set()
    fields = ("initials", "gender", "dateofbirth", "birthname")
    same = [r for r in latest.values() if all(r[f] == mine[f] for f in fields)]
    return {r["formattedname"] for r in same}

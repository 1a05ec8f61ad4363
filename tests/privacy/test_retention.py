"""Retention end to end: the sandbox over HTTP, advances of its clock, DuckDB and PostgreSQL.

Who is gone is computed here from the sandbox's truth, independently of the SQL in
``visma_hrm.sync.steps.retention``: the analytics' person grouping, every contract row ended,
the latest
end before the cutoff.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.postgres_server import PostgresServer, use_as_dlt_destination
from tests.support.settings import sandbox_settings
from tests.support.tables import fetch_rows
from tests.support.truth import differences
from visma_hrm.catalog import DELETED_COLUMN, TENANT_COLUMN
from visma_hrm.config import Settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox
from visma_hrm.sync import SyncReport, SyncSettings, sync
from visma_hrm.sync.plan import RetentionRule
from visma_hrm.sync.steps.retention import PERSON_DATASETS, REMOVED_TABLE, personal_columns

YEARS = 2
START = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1100)).strftime("%Y-%m-%dT00:00:00Z")
"""The sandbox starts three years back, so its advances move people across the cutoff."""


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    config = SandboxConfig(tenants=2, employees=60, seed=8, start=START)
    with start_sandbox(config) as sandbox:
        yield sandbox


def _cutoff() -> dt.date:
    """Today's cutoff, read when asked: the suite runs for half an hour and may cross midnight."""
    return RetentionRule(YEARS).cutoff(dt.datetime.now(dt.UTC).date())


def gone(sb: Sandbox, tenant: str, settings: Settings) -> set[str]:
    """The employeeids of people whose last employment ended before the cutoff.

    Who is one person is told by every employee record the destination received, also one
    the source deleted since (kept, marked deleted): a person re-hired under a new employeeid
    whose old record the source then removed is still employed, under either employeeid.
    """
    latest: dict[str, dict[str, Any]] = {}
    for row in [*sb.truth(tenant, "employees"), *_deleted_at_the_source(settings, tenant)]:
        known = latest.get(str(row["employeeid"]))
        if known is None or str(row["existencestartutc"]) > str(known["existencestartutc"]):
            latest[str(row["employeeid"])] = row
    contracts = sb.truth(tenant, "contracts")
    ids = set(latest) | {str(c["employeeid"]) for c in contracts}
    groups: dict[str, set[str]] = {}
    for employeeid in ids:
        groups.setdefault(_identity(latest.get(employeeid), employeeid), set()).add(employeeid)
    out: set[str] = set()
    cutoff = _cutoff().isoformat()
    for members in groups.values():
        ends = [c["enddate"] for c in contracts if c["employeeid"] in members]
        if ends and all(ends) and max(str(e) for e in ends) < cutoff:
            out |= members
    return out


def _deleted_at_the_source(settings: Settings, tenant: str) -> list[dict[str, Any]]:
    """The tenant's employee rows the destination holds marked deleted, as the truth spells
    its values (text, moments with a ``T``)."""
    rows = [r for r in fetch_rows(settings, "employees") if r[TENANT_COLUMN] == tenant]
    return [
        {
            **{k: None if v is None else str(v) for k, v in r.items()},
            "existencestartutc": r["existencestartutc"] and r["existencestartutc"].isoformat(),
        }
        for r in rows
        if r[DELETED_COLUMN]
    ]


def _identity(row: dict[str, Any] | None, employeeid: str) -> str:
    if row is None:
        return f"employeeid:{employeeid}"
    initials = (row["initials"] or "").strip().replace(".", "").replace(" ", "").lower()
    parts = [initials, (row["gender"] or "").strip().lower(), row["dateofbirth"] or ""]
    parts.append((row["birthname"] or "").strip().lower())
    return "|".join(parts) if all(parts) else f"employeeid:{employeeid}"


def _check(sb: Sandbox, settings: Settings, action: str, skip: set[tuple[str, str]]) -> int:
    """Gone people's rows emptied (or absent), everyone else's equal to the truth; returns
    the number of gone employeeids. ``skip``: people emptied earlier and back since."""
    total = 0
    problems: list[str] = []
    for name in PERSON_DATASETS:
        loaded = fetch_rows(settings, name)
        columns = personal_columns(name)
        for tenant in sb.tenant_ids:
            away = gone(sb, tenant, settings)
            total += len(away) if name == "contracts" else 0
            mine = [r for r in loaded if r[TENANT_COLUMN] == tenant]
            for row in mine:
                if row["employeeid"] in away:
                    if action == "remove":
                        problems.append(f"{name} {row['employeeid']}: not removed")
                    held = [c for c in columns if row[c] is not None]
                    if held:
                        problems.append(f"{name} {row['employeeid']}: {held} not emptied")
            if action == "empty":
                present = {r["employeeid"] for r in mine}
                missing = {r["employeeid"] for r in sb.truth(tenant, name)} - present
                problems += [f"{name} {m}: row lost" for m in missing]
            kept = {
                r["employeeid"]
                for r in mine
                if r["employeeid"] not in away and (tenant, r["employeeid"]) not in skip
            }
            truth = [r for r in sb.truth(tenant, name) if r["employeeid"] in kept]
            rows = [r for r in mine if r["employeeid"] in kept]
            problems += differences(truth, rows, name, tenant, deleted_may_linger=True)
    assert not problems, problems[:20]
    return total


def _sync(settings: Settings, full_refresh: bool = False) -> SyncReport:
    report = sync(SyncSettings(settings, full_refresh=full_refresh))
    assert report.ok, [t for t in report.tables if t.status != "ok"]
    return report


def _counts(note: str) -> dict[str, int]:
    """{table: rows} from a retention note."""
    found = re.findall(r"([\d,]+) of (\w+)", note)
    return {table: int(n.replace(",", "")) for n, table in found}


def _note(report: SyncReport) -> str:
    notes = [n for n in report.notes if n.startswith("retention")]
    assert len(notes) == 1, report.notes
    return notes[0]


@pytest.mark.slow
def test_personal_columns_of_people_gone_long_ago_are_emptied_run_after_run(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = sandbox_settings(sb, tmp_path, retention=YEARS)
    cutoffs = {_cutoff()}
    first = _sync(settings)
    cutoffs.add(_cutoff())  # the run used the day it ran: before or after a midnight
    ever = {(t, e) for t in sb.tenant_ids for e in gone(sb, t, settings)}
    assert _check(sb, settings, "empty", set()) > 0
    assert any(f"before {c.isoformat()}" in _note(first) for c in cutoffs)
    assert "of employees" in _note(first)

    again = _sync(settings)  # nothing changed: only rows the API sent again are counted
    _check(sb, settings, "empty", set())
    for table, count in _counts(_note(again)).items():
        assert count <= sum(t.rows_received for t in again.tables if t.dataset == table)

    for _ in range(2):  # people cross the cutoff while the sandbox's clock moves on
        sb.advance(days=250)
        # full: a contract removed at the source (a correction) lingers, unmarked, after an
        # incremental export, and rightly keeps its person employed until a full export marks
        # it deleted; the truth-based ``gone`` assumes what only a full export can know
        later = _sync(settings, full_refresh=True)
        now = {(t, e) for t in sb.tenant_ids for e in gone(sb, t, settings)}
        back = ever - now  # emptied earlier, re-hired since: their old rows stay empty
        assert now - ever, "no one crossed the cutoff: the advance proves nothing"
        _check(sb, settings, "empty", back)
        assert "of contracts" in _note(later)
        ever |= now


@pytest.mark.slow
def test_remove_takes_the_rows_out_and_a_bad_setting_is_refused(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = sandbox_settings(sb, tmp_path, retention=YEARS, retention_action="remove")
    report = _sync(settings)
    assert _check(sb, settings, "remove", set()) > 0
    assert "removed" in _note(report)
    # a bad setting stops the run before it asks the API for anything: nothing is loaded
    fresh = tmp_path / "fresh"
    with pytest.raises(ConfigurationError, match="retention_action"):
        sync(SyncSettings(sandbox_settings(sb, fresh, retention=2, retention_action="drop")))
    with pytest.raises(ConfigurationError, match="at least 1"):
        sync(SyncSettings(sandbox_settings(sb, fresh, retention=0)))
    assert not (fresh / "hrm.duckdb").exists()


def test_the_cutoff_is_n_calendar_years_back() -> None:
    assert RetentionRule(2).cutoff(dt.date(2026, 11, 29)) == dt.date(2024, 11, 29)
    assert RetentionRule(1).cutoff(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)


@pytest.mark.slow
@pytest.mark.postgres
def test_retention_on_postgres_empty_then_remove(
    sb: Sandbox, postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = use_as_dlt_destination(postgres_server, monkeypatch, "ret")
    base: dict[str, Any] = {"destination": "postgres", "dataset_name": schema}
    settings = sandbox_settings(sb, tmp_path, retention=YEARS, **base)
    _sync(settings)
    assert _check(sb, settings, "empty", set()) > 0
    sb.advance(days=250)
    removing = sandbox_settings(sb, tmp_path, retention=YEARS, retention_action="remove", **base)
    assert "removed" in _note(_sync(removing, full_refresh=True))  # full: see run_after_run
    _check(sb, removing, "remove", set())


@pytest.mark.slow
def test_the_change_feed_of_people_gone_long_ago_is_emptied_too(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = sandbox_settings(sb, tmp_path, retention=YEARS, change_feed=True)
    _sync(settings)
    sb.advance(days=250)
    _sync(settings, full_refresh=True)  # full: see run_after_run
    away = {(t, e) for t in sb.tenant_ids for e in gone(sb, t, settings)}
    feed = fetch_rows(settings, "changes")
    theirs = [r for r in feed if (r[TENANT_COLUMN], r["employeeid"]) in away]
    personal = [r for r in theirs if r["type"] == "personal_data_change"]
    assert personal, "no personal data change of a gone person: the test proves nothing"
    assert all(r["before"] is None and r["after"] is None for r in personal)
    others = [r for r in feed if r["type"] == "personal_data_change" and r not in personal]
    assert others and all(r["after"] for r in others)
    seen = fetch_rows(settings, "_visma_changes_seen")
    assert all(
        r["seen"] == "{}"
        for r in seen
        if r["dataset"] == "employees" and (r[TENANT_COLUMN], r["employeeid"]) in away
    )


@pytest.mark.slow
@pytest.mark.parametrize("action", ["empty", "remove"])
def test_every_history_version_of_people_gone_long_ago_follows_the_retention(
    sb: Sandbox, tmp_path: Path, action: str
) -> None:
    settings = sandbox_settings(
        sb, tmp_path, retention=YEARS, retention_action=action, history=("all",)
    )
    _sync(settings)
    sb.advance(days=250)
    report = _sync(settings, full_refresh=True)  # full: see run_after_run
    away = {(t, e) for t in sb.tenant_ids for e in gone(sb, t, settings)}
    assert "of employees_history" in _note(report)
    for name in ("employees", "contracts"):
        versions = fetch_rows(settings, f"{name}_history")
        theirs = [r for r in versions if (r[TENANT_COLUMN], r["employeeid"]) in away]
        others = [r for r in versions if (r[TENANT_COLUMN], r["employeeid"]) not in away]
        columns = personal_columns(name)
        assert others and any(r[c] is not None for r in others for c in columns)
        if action == "remove":  # rows sent again after their contracts went are gone too
            current = fetch_rows(settings, name)
            assert not [r for r in current if (r[TENANT_COLUMN], r["employeeid"]) in away]
            assert not theirs, f"{name}_history: versions of gone people kept"
        else:
            assert theirs, "no version of a gone person: the test proves nothing"
            held = [(r["employeeid"], c) for r in theirs for c in columns if r[c] is not None]
            assert not held, f"{name}_history: {held[:5]} not emptied"


@pytest.mark.slow
def test_a_removed_persons_employee_row_sent_again_is_removed_again(
    sb: Sandbox, tmp_path: Path
) -> None:
    """The API may send an employee row again after the person's contracts were removed (a
    correction at the source): no stored contract says when they left any more, so only the
    list of removed people can tell the row is theirs. The re-sent row is put back as the
    load of such an incremental export would, then the next sync must take it out again."""
    import duckdb

    plain = sandbox_settings(sb, tmp_path)
    _sync(plain)  # everything stored, so the employee rows can be kept aside
    path = plain.duckdb_path
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE TABLE main.kept AS SELECT * FROM visma_hrm.employees")
    settings = sandbox_settings(sb, tmp_path, retention=YEARS, retention_action="remove")
    _sync(settings)
    with duckdb.connect(str(path)) as db:
        removed = db.execute(
            f"SELECT tenant_id, employeeid FROM visma_hrm.{REMOVED_TABLE}"
        ).fetchall()
        assert removed, "nobody was removed: the test proves nothing"
        db.execute(
            "INSERT INTO visma_hrm.employees SELECT * FROM main.kept k WHERE (tenant_id, "
            f"employeeid) IN (SELECT tenant_id, employeeid FROM visma_hrm.{REMOVED_TABLE})"
        )
        back = db.execute(
            "SELECT count(*) FROM visma_hrm.employees e WHERE (tenant_id, "
            f"employeeid) IN (SELECT tenant_id, employeeid FROM visma_hrm.{REMOVED_TABLE})"
        ).fetchone()
    assert back and back[0] > 0
    report = _sync(settings)
    assert _counts(_note(report)).get("employees", 0) >= back[0]
    left = {(r[TENANT_COLUMN], r["employeeid"]) for r in fetch_rows(settings, "employees")}
    assert not left & {(str(t), str(e)) for t, e in removed}

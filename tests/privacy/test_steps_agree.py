"""Every after-load step sees rows after the same privacy and retention rules.

Two defects found with an independent fake API (issue 20), each shown here end to end against
the sandbox:

- the ``contact`` profile switched on later emptied ``employees`` and its history, but the
  change feed kept home addresses in the ``before``/``after`` of stored events, and
  ``visma-hrm changes`` printed them;
- with retention, a row the API sends again for a person past the cutoff opened a history
  version identical to the last one and raised a ``personal_data_change`` with empty before
  and after: history and the feed compared the raw re-sent row with the emptied one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.settings import sandbox_settings
from tests.support.tables import fetch_rows
from visma_hrm.catalog import DATASETS, TENANT_COLUMN
from visma_hrm.config import Settings
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox
from visma_hrm.sync import SyncReport, SyncSettings, sync

pytestmark = pytest.mark.slow

CONTACT = set(DATASETS["employees"].contact_columns())
YEARS = 2
START = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1100)).strftime("%Y-%m-%dT00:00:00Z")
"""Three years back: the sandbox's people cross the retention cutoff as its clock moves."""


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    config = SandboxConfig(tenants=2, employees=40, seed=8, start=START)
    with start_sandbox(config) as sandbox:
        yield sandbox


def _sync(settings: Settings, full_refresh: bool = False) -> SyncReport:
    report = sync(SyncSettings(settings, full_refresh=full_refresh))
    assert report.ok, [(t.dataset, t.message) for t in report.tables if t.status != "ok"]
    return report


def _contact_values(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(event type, column) for every contact column held in an event's before or after."""
    found = []
    for event in events:
        for side in (event["before"], event["after"]):
            for column in json.loads(side or "{}"):
                if column in CONTACT:
                    found.append((event["type"], column))
    return found


def test_the_contact_profile_switched_on_later_purges_the_feed(sb: Sandbox, tmp_path: Path) -> None:
    settings = sandbox_settings(sb, tmp_path, change_feed=True, history=("all",))
    _sync(settings)
    for _ in range(3):  # people move house: personal data changes with their old addresses
        sb.advance(days=60)
        _sync(settings)
    before = _contact_values(fetch_rows(settings, "changes"))
    assert before, "no address in the feed yet: the test would prove nothing"

    private = dataclasses.replace(settings, privacy_profile="contact")
    _sync(private)
    events = fetch_rows(settings, "changes")
    assert _contact_values(events) == []
    seen = [json.loads(r["seen"] or "{}") for r in fetch_rows(settings, "_visma_changes_seen")]
    assert not [c for s in seen for c in s if c in CONTACT]
    for table in ("employees", "employees_history"):
        rows = fetch_rows(settings, table)
        assert rows and not [(table, c) for r in rows for c in CONTACT if r.get(c) is not None]

    sb.advance(days=60)  # later syncs raise no event for a column kept out
    _sync(private)
    assert _contact_values(fetch_rows(settings, "changes")) == []


def test_a_row_sent_again_for_a_person_past_retention_adds_no_version_and_no_event(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = sandbox_settings(sb, tmp_path, retention=YEARS, change_feed=True, history=("all",))
    _sync(settings)
    gone = _emptied_people(settings)
    assert gone, "nobody past the cutoff: the test would prove nothing"
    versions = _versions_of(settings, gone)
    events = _events_of(settings, gone)

    _sync(settings, full_refresh=True)  # a full export sends every row again, theirs too
    assert _versions_of(settings, gone) == versions
    assert _events_of(settings, gone) == events


def _emptied_people(settings: Settings) -> set[tuple[str, str]]:
    """(tenant, employeeid) of employee rows retention emptied (no formatted name any more)."""
    return {
        (r[TENANT_COLUMN], r["employeeid"])
        for r in fetch_rows(settings, "employees")
        if r["formattedname"] is None and r["firstname"] is None
    }


def _versions_of(settings: Settings, people: set[tuple[str, str]]) -> int:
    return sum(
        1
        for table in ("employees_history", "contracts_history")
        for r in fetch_rows(settings, table)
        if (r[TENANT_COLUMN], r["employeeid"]) in people
    )


def _events_of(settings: Settings, people: set[tuple[str, str]]) -> set[str]:
    return {
        r["event_id"]
        for r in fetch_rows(settings, "changes")
        if (r[TENANT_COLUMN], r["employeeid"]) in people
    }

"""Moments read back from the warehouse are UTC, whatever the machine's time zone.

The run writes ``_visma_synced_at`` and its sync state in UTC. A destination that returns a
moment without its zone (a naive datetime, or text) means UTC, not the local time of the
machine that reads it: history matched such moments against the export's state after shifting
them by the local offset, so on a machine in Amsterdam a version would miss its moment.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest

from visma_hrm.sync.steps.history_moments import parse_moment
from visma_hrm.warehouse.sql import utc


@pytest.fixture()
def amsterdam(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Amsterdam")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("amsterdam")
@pytest.mark.parametrize(
    "stored",
    [
        dt.datetime(2026, 12, 7, 10, 0),
        "2026-12-07 10:00:00",
        "2026-12-07T10:00:00",
        dt.datetime(2026, 12, 7, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        "2026-12-07T10:00:00+00:00",
    ],
)
def test_a_moment_without_a_zone_is_utc_on_a_machine_elsewhere(stored: object) -> None:
    assert time.localtime(0).tm_gmtoff == 3600  # the machine is in Amsterdam now
    assert utc(stored) == dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)


@pytest.mark.usefixtures("amsterdam")
def test_the_apis_moment_without_a_zone_is_utc_too() -> None:
    assert parse_moment("2026-01-01T08:15:00.1234567") == dt.datetime(
        2026, 1, 1, 8, 15, 0, 123456, tzinfo=dt.UTC
    )
    assert parse_moment("2026-01-01T08:15:00Z") == dt.datetime(2026, 1, 1, 8, 15, tzinfo=dt.UTC)

"""The rules behind operations, on their own: the freshness rule, durations, the staggering of
runs, and the run log's columns against its records."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import pytest

from visma_hrm.config_values import coerce, duration
from visma_hrm.errors import ConfigurationError
from visma_hrm.orchestrate.stagger import Window, due, full_weekday
from visma_hrm.sync.status import Freshness, PairStatus, judge
from visma_hrm.warehouse.runs import DATASET_COLUMNS, RUN_COLUMNS, DatasetRun, RunRecord

NOW = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
RULE = Freshness(dt.timedelta(hours=26), dt.timedelta(days=8))
TENANTS = [f"{i:08x}-1111-4000-8000-{i:012x}" for i in range(70)]


def _ago(**delta: float) -> dt.datetime:
    return NOW - dt.timedelta(**delta)


def _kinds(pair: PairStatus, rule: Freshness = RULE) -> list[str]:
    return [p.kind for p in judge(pair, rule, NOW).problems]


def test_the_freshness_rule() -> None:
    fresh = PairStatus("t", "employees", _ago(hours=3), _ago(days=2), status="ok")
    assert _kinds(fresh) == []
    assert _kinds(dataclasses.replace(fresh, last_incremental=_ago(hours=30))) == ["stale"]
    assert _kinds(dataclasses.replace(fresh, last_full=_ago(days=9))) == ["stale_full"]
    assert _kinds(dataclasses.replace(fresh, last_full=None)) == ["stale_full"]
    never_full = judge(dataclasses.replace(fresh, last_full=None), RULE, NOW).problems[0]
    assert never_full.in_lang("en", NOW) == "no full export loaded yet (limit 8 d 0 h)"
    failing = dataclasses.replace(fresh, status="failed", failing_since=_ago(hours=2))
    assert _kinds(failing) == ["failing"] and _kinds(failing, Freshness()) == ["failing"]
    assert _kinds(PairStatus("t", "*")) == ["never"]
    assert _kinds(PairStatus("t", "*"), Freshness()) == []  # no limit: only failures count
    assert _kinds(dataclasses.replace(failing, judged=False)) == []
    assert _kinds(PairStatus("t", "users", status="skipped")) == []
    said = judge(dataclasses.replace(fresh, last_incremental=_ago(days=3)), RULE, NOW)
    assert said.problems[0].in_lang("en", NOW) == "newest load 2 d 0 h ago (limit 26 h)"
    assert said.problems[0].in_lang("nl", NOW) == "nieuwste load 2 d 0 u geleden (grens 26 u)"


def test_durations() -> None:
    assert duration("26h") == dt.timedelta(hours=26)
    assert duration("1d12h") == dt.timedelta(days=1, hours=12)
    assert duration("2w") == dt.timedelta(weeks=2)
    for wrong in ("", "26", "h", "26x", "0h", "-1d"):
        with pytest.raises(ValueError):
            duration(wrong)
    with pytest.raises(ConfigurationError, match=r"max_age = \"soon\" \(from --max-age\): "):
        coerce("max_age", "soon", "from --max-age")


def test_windows() -> None:
    assert Window.parse("02:00-06:00").cron() == "*/10 2,3,4,5 * * *"
    assert Window.parse("22:30-01:00").cron() == "*/10 0,22,23 * * *"
    assert Window.parse("00:00-00:00").cron() == "*/10 * * * *"
    night = Window.parse("22:00-02:00")
    assert night.day_of(dt.datetime(2026, 1, 6, 1, 30, tzinfo=dt.UTC)) == dt.date(2026, 1, 5)
    assert night.minutes_in(dt.datetime(2026, 1, 6, 2, 0, tzinfo=dt.UTC)) is None
    for wrong in ("2-6", "02:05-06:00", "25:00-06:00", "02:00"):
        with pytest.raises(ConfigurationError, match=r"HH:MM-HH:MM|ten-minute"):
            Window.parse(wrong)


def test_each_tenant_runs_once_a_day_at_its_slot_and_fully_on_its_weekday() -> None:
    """Airflow's selection: the window's ticks over a week, each mapping the tenants due."""
    window = Window.parse("22:00-02:00")  # across midnight, the harder case
    start = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    runs = [
        (run, tick)
        for minute in range(0, 8 * 24 * 60, 10)
        for tick in [start + dt.timedelta(minutes=minute)]
        for run in due(TENANTS, tick, window)
    ]
    per_day = Counter((run.tenant_id, run.day) for run, _ in runs)
    assert set(per_day.values()) == {1}
    assert all(window.minutes_in(tick) is not None for _, tick in runs)
    week = [run for run, _ in runs if dt.date(2026, 1, 5) <= run.day <= dt.date(2026, 1, 11)]
    full = Counter(run.tenant_id for run in week if run.full)
    assert full == Counter(dict.fromkeys(TENANTS, 1))
    assert len({full_weekday(t) for t in TENANTS}) == 7
    assert len({window.slot(t) for t in TENANTS}) >= 15
    assert max(Counter(full_weekday(t) for t in TENANTS).values()) <= 20


def test_the_run_logs_columns_follow_its_records() -> None:
    fields = [f.name for f in dataclasses.fields(DatasetRun)]
    assert [name for name, _, _ in DATASET_COLUMNS] == ["run_id", *fields, "started_at", "ended_at"]
    record = RunRecord(
        "r", "cli", "0", NOW, NOW, "ok", datasets=(DatasetRun("t", "d", "full", "ok"),)
    )
    assert len(record.run_row()) == len(RUN_COLUMNS)
    assert [len(row) for row in record.dataset_rows()] == [len(DATASET_COLUMNS)]


@pytest.mark.parametrize("command", [["status"], ["tenants", "list"], ["maintain"]])
def test_an_unknown_destination_names_every_one_the_command_reads(command: list[str]) -> None:
    """status, tenants and maintain read Delta files too: the refusal must say so (it said
    "duckdb or postgres", sending a filesystem user away from a destination that works)."""
    from tests.support.cli import run_cli

    for lang, words in (("en", "filesystem"), ("nl", "filesystem")):
        outcome = run_cli([*command, "--destination", "mssql", "--lang", lang], {})
        assert outcome.exit_code == 2, outcome.output
        assert words in outcome.output and "Traceback" not in outcome.output, outcome.output

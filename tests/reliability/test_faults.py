"""The fault matrix: every fault the sandbox can play, end to end through the pipeline.

Each case starts from a good state (a full sync), lets the source change (a month passes),
then runs a sync with the fault on. The run must either **recover** (exit 0, every table equal
to the sandbox's truth) or **stop cleanly** (exit 1, a message that names the problem, and the
failed tenant/dataset pairs exactly as before: rows, rejected rows and cursors, locally and in
the destination's copy of the state). Then the fault is cleared and a plain re-run must reach
the truth: proof that no cursor moved past data that was not loaded.

Waits the client would spend on a fault that never ends (8 retries with a 30 s backoff cap, a
600 s patience for 429s) are shrunk with ``client_tuning`` for the "stops" cases only; the
"recovers" cases run with the production settings.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from tests.reliability.helpers import (
    client_tuning,
    logged_failures,
    pair_snapshot,
    settings_for,
    table_rows,
    whole_snapshot,
)
from tests.reliability.recorder import Call, Recording, recording_sandbox
from tests.support.runs import keep_dlt_quiet, run, run_ok
from tests.support.truth import all_pairs, assert_truth, truth_problems
from visma_hrm.catalog import REJECTED_ROWS_TABLE, SYNCED_AT_COLUMN, TENANT_COLUMN
from visma_hrm.sandbox import FaultConfig, Sandbox, SandboxConfig
from visma_hrm.sync import EXIT_REJECTED_ROWS, SyncReport

pytestmark = pytest.mark.slow  # every case syncs a recorded sandbox end to end

DATASETS = ("contracts", "users")
"""contracts (several files per export) carries the fault; users shows the others go on."""
FAST_GIVE_UP = {"backoff_max_s": 0.05, "rate_limit_patience_s": 3.0}

Evidence = Callable[[list[Call], SyncReport], bool]


@dataclass(frozen=True)
class Case:
    faults: FaultConfig
    outcome: Literal["recovers", "stops"]
    evidence: Evidence
    """True when the sandbox really played the fault in the faulty run (else the case is void)."""
    failing: tuple[str, ...] = ()
    """Datasets that must fail (every tenant) when the outcome is "stops"."""
    words: str = ""
    """A pattern the failure message a person reads must contain."""
    settings: dict[str, Any] = field(default_factory=dict)
    tuning: dict[str, Any] = field(default_factory=dict)


def _count(status: Callable[[int], bool], prefix: str = "/") -> Evidence:
    def check(calls: list[Call], report: SyncReport) -> bool:
        return sum(1 for c in calls if c.path.startswith(prefix) and status(c.status)) > 0

    return check


def _at_least(n: int, status: int, prefix: str = "/") -> Evidence:
    def check(calls: list[Call], report: SyncReport) -> bool:
        return sum(1 for c in calls if c.path.startswith(prefix) and c.status == status) >= n

    return check


def _files_fetched_again(calls: list[Call], report: SyncReport) -> bool:
    served = sum(1 for c in calls if c.path.startswith("/files/") and c.status == 200)
    return served > sum(t.files for t in report.tables)


def _tokens_renewed(calls: list[Call], report: SyncReport) -> bool:
    tenants = {t.tenant_id for t in report.tables}
    issued = sum(1 for c in calls if c.path == "/connect/token" and c.status == 200)
    return issued > len(tenants)  # an undisturbed run asks one token per tenant


CASES: dict[str, Case] = {
    "429-storm-retry-after": Case(
        FaultConfig(
            rate_limit_rate=0.35, retry_after=1, endpoints=("command", "query", "file"), seed=3
        ),
        "recovers",
        _at_least(4, 429),
    ),
    "429-first-calls-without-retry-after": Case(
        FaultConfig(rate_limit_first=6, retry_after=None), "recovers", _at_least(6, 429)
    ),
    "429-that-never-ends": Case(
        FaultConfig(rate_limit_rate=1.0, retry_after=1),
        "stops",
        _at_least(4, 429),
        failing=DATASETS,
        words="429 Too Many Requests",
        tuning=FAST_GIVE_UP,
    ),
    "5xx-burst": Case(
        FaultConfig(error_first=6, endpoints=("command", "query", "file")),
        "recovers",
        _count(lambda s: s >= 500),
    ),
    "5xx-that-never-ends": Case(
        FaultConfig(error_rate=1.0),
        "stops",
        _count(lambda s: s >= 500),
        failing=DATASETS,
        words="times in a row",
        tuning=FAST_GIVE_UP,
    ),
    "reset-mid-download": Case(FaultConfig(reset_downloads=3), "recovers", _files_fetched_again),
    "reset-every-download": Case(
        FaultConfig(reset_downloads=10_000),
        "stops",
        _count(lambda s: s == 200, "/files/"),
        failing=DATASETS,
        words="broke",
        tuning=FAST_GIVE_UP,
    ),
    "truncated-file": Case(FaultConfig(truncate_downloads=2), "recovers", _files_fetched_again),
    "truncated-every-download": Case(
        FaultConfig(truncate_downloads=10_000),
        "stops",
        _count(lambda s: s == 200, "/files/"),
        failing=DATASETS,
        # where the cut lands decides which check sees it first: both stop the export
        words="cut off in each of 3 downloads|ends inside its header row",
    ),
    "token-lifetime-shorter-than-the-run": Case(
        FaultConfig(token_lifetime_s=1, delay_s=1.0), "recovers", _tokens_renewed
    ),
    "stuck-job": Case(
        FaultConfig(stuck_datasets=("contracts",)),
        "stops",
        _count(lambda s: s == 202, "/v1/query/"),
        failing=("contracts",),
        words="still InProgress",
        settings={"job_timeout_s": 2.0},
    ),
    "failed-job": Case(
        FaultConfig(failed_datasets=("contracts",)),
        "stops",
        _count(lambda s: s == 200, "/v1/query/"),
        failing=("contracts",),
        words="ended with status 'Failed'",
    ),
    "token-outage-short": Case(
        FaultConfig(token_outage_first=3), "recovers", _at_least(3, 503, "/connect/token")
    ),
    "token-outage": Case(
        FaultConfig(token_outage=True),
        "stops",
        _at_least(3, 503, "/connect/token"),
        failing=DATASETS,
        words="503",
        tuning=FAST_GIVE_UP,
    ),
}


@pytest.fixture(scope="module")
def recorded() -> Iterator[tuple[Sandbox, Recording]]:
    keep_dlt_quiet()
    config = SandboxConfig(tenants=2, employees=12, seed=61, rows_per_file=15)
    with recording_sandbox(config) as pair:
        yield pair


@pytest.fixture
def sb(recorded: tuple[Sandbox, Recording]) -> Iterator[Sandbox]:
    sandbox, recording = recorded
    sandbox.set_faults(FaultConfig())
    recording.clear()
    yield sandbox
    sandbox.set_faults(FaultConfig())


def _good_state_then_changes(sb: Sandbox, tmp_path: Path, **settings: Any) -> Any:
    cfg = settings_for(sb, tmp_path, DATASETS, **settings)
    run_ok(cfg)
    assert_truth(sb, cfg, all_pairs(sb, DATASETS), deleted_may_linger=False)
    sb.advance(days=30)
    return cfg


@pytest.mark.parametrize("name", list(CASES))
def test_a_fault_is_recovered_or_reported_and_nothing_is_lost(
    name: str, sb: Sandbox, recorded: tuple[Sandbox, Recording], tmp_path: Path
) -> None:
    case = CASES[name]
    recording = recorded[1]
    cfg = _good_state_then_changes(sb, tmp_path, **case.settings)
    pairs = all_pairs(sb, DATASETS)
    failing = [(t, d) for t, d in pairs if d in case.failing]
    before = pair_snapshot(cfg, failing)
    whole = whole_snapshot(cfg)

    recording.clear()
    sb.set_faults(case.faults)
    with client_tuning(**case.tuning):
        report = run(cfg)
    sb.set_faults(FaultConfig())
    assert case.evidence(list(recording.calls), report), f"{name}: the fault was not played"

    if case.outcome == "recovers":
        assert report.ok and report.exit_code == 0, [t.message for t in report.tables]
        assert sum(t.rows_rejected for t in report.tables) == 0
        assert_truth(sb, cfg, pairs)
    else:
        _assert_stopped_cleanly(sb, cfg, report, case, failing, before)
        if set(failing) == set(pairs):  # nothing loaded: not a row of any table changed
            assert whole_snapshot(cfg) == whole

    again = run_ok(cfg)
    assert {t.status for t in again.tables} == {"ok"}
    assert_truth(sb, cfg, pairs)


def _assert_stopped_cleanly(
    sb: Sandbox,
    cfg: Any,
    report: SyncReport,
    case: Case,
    failing: list[tuple[str, str]],
    before: dict[str, Any],
) -> None:
    failed = {(t.tenant_id, t.dataset): t for t in report.tables if t.status == "failed"}
    assert report.exit_code == 1 and not report.ok
    assert set(failed) == set(failing), sorted(failed)
    for entry in failed.values():
        assert re.search(case.words, entry.message or ""), entry.message
        assert entry.tenant_id in (entry.message or ""), entry.message
    assert pair_snapshot(cfg, failing) == before, "a failed export changed the destination"
    logged = logged_failures(cfg, report.run_id)  # the run log says who failed, and why
    assert logged == {pair: (failed[pair].error_code, failed[pair].message) for pair in failed}
    others = [(t.tenant_id, t.dataset) for t in report.tables if t.status == "ok"]
    assert_truth(sb, cfg, others)


# ------------------------------------------------------------------------- link expiry
@pytest.fixture
def short_links() -> Iterator[tuple[Sandbox, Recording]]:
    """Links valid for 2-3 s (the sandbox signs ``int(now + 3)``); a 4 s wait expires them."""
    config = SandboxConfig(tenants=2, employees=12, seed=62, rows_per_file=15, link_ttl_s=3)
    with recording_sandbox(config) as pair:
        yield pair


def test_expired_links_are_refreshed_from_the_job(
    short_links: tuple[Sandbox, Recording], tmp_path: Path
) -> None:
    sb, recording = short_links
    cfg = _good_state_then_changes(sb, tmp_path)
    recording.clear()
    # the first downloads wait out a 4 s Retry-After: their links are dead when they retry
    sb.set_faults(FaultConfig(rate_limit_first=4, retry_after=4, endpoints=("file",)))
    report = run(cfg)
    sb.set_faults(FaultConfig())
    assert any(c.path.startswith("/files/") and c.status == 403 for c in recording.calls)
    assert report.ok, [t.message for t in report.tables]
    assert_truth(sb, cfg, all_pairs(sb, DATASETS))


def test_links_that_keep_expiring_stop_the_export_and_keep_the_old_state(
    short_links: tuple[Sandbox, Recording], tmp_path: Path
) -> None:
    sb, recording = short_links
    cfg = _good_state_then_changes(sb, tmp_path)
    pairs = all_pairs(sb, DATASETS)
    before, whole = pair_snapshot(cfg, pairs), whole_snapshot(cfg)
    recording.clear()
    sb.set_faults(FaultConfig(rate_limit_rate=1.0, retry_after=4, endpoints=("file",)))
    report = run(cfg)
    sb.set_faults(FaultConfig())
    assert _at_least(2 * len(pairs), 403, "/files/")(list(recording.calls), report)
    case = Case(sb.faults, "stops", _at_least(1, 403), failing=DATASETS, words="even after")
    _assert_stopped_cleanly(sb, cfg, report, case, pairs, before)
    assert whole_snapshot(cfg) == whole
    run_ok(cfg)
    assert_truth(sb, cfg, pairs)


# ------------------------------------------------------------------------- malformed rows
def test_a_malformed_row_is_rejected_reported_and_the_rest_loaded(
    sb: Sandbox, tmp_path: Path
) -> None:
    cfg = settings_for(sb, tmp_path, DATASETS)
    sb.set_faults(FaultConfig(malformed_datasets=("contracts",)))
    report = run(cfg)
    sb.set_faults(FaultConfig())
    # loaded, but not equal to the source: its own exit code, never 0
    assert report.ok and report.exit_code == EXIT_REJECTED_ROWS
    for tenant in sb.tenant_ids:
        assert report.table(tenant, "contracts").rows_rejected == 1
        assert report.table(tenant, "users").rows_rejected == 0
    rejected = table_rows(cfg, REJECTED_ROWS_TABLE)
    assert sorted(r[TENANT_COLUMN] for r in rejected) == sorted(sb.tenant_ids)
    assert {r["dataset"] for r in rejected} == {"contracts"}
    # exactly the rejected row is missing, every other row loaded with every value
    for tenant in sb.tenant_ids:
        problems = truth_problems(sb, cfg, [(tenant, "contracts")], deleted_may_linger=False)
        assert len(problems) == 1 and "missing" in problems[0], problems
        key = problems[0].split("missing ")[1]
        raw = next(r["raw"] for r in rejected if r[TENANT_COLUMN] == tenant)
        assert all(part in raw for part in ast.literal_eval(key)), (key, raw)  # raw text kept
    assert_truth(sb, cfg, [(t, "users") for t in sb.tenant_ids], deleted_may_linger=False)
    # the source fixed: a full refresh brings the row (an incremental one cannot know it)
    run_ok(cfg, full_refresh=True)
    assert_truth(sb, cfg, all_pairs(sb, DATASETS), deleted_may_linger=False)


# ------------------------------------------------------------------------- schema drift
def test_a_new_column_lands_and_a_vanished_one_keeps_its_old_values(
    sb: Sandbox, tmp_path: Path
) -> None:
    cfg = _good_state_then_changes(sb, tmp_path)
    pairs = all_pairs(sb, DATASETS)
    had_manager = _non_null(cfg, "managername")
    assert had_manager, "no managername values: the test would prove nothing"
    sb.advance(days=120)  # enough changes that the incremental export carries contracts
    sb.set_faults(
        FaultConfig(
            drift_add=("extracolumn",), drift_drop=("managername",), drift_datasets=("contracts",)
        )
    )
    drifted = run_ok(cfg)
    assert_truth(sb, cfg, pairs)  # the truth has extracolumn and lacks managername now
    rows = table_rows(cfg, "contracts")
    assert "extracolumn" in rows[0] and "managername" in rows[0]
    fresh = [r for r in rows if r[SYNCED_AT_COLUMN].isoformat() == drifted.started_at]
    assert fresh, "the drifted export carried no contracts: the test would prove nothing"
    assert all(r["managername"] is None for r in fresh)
    kept = _non_null(cfg, "managername")
    assert kept and kept <= had_manager  # rows not sent again keep what they had: nothing lost

    # the column comes back: rows received while it was missing hold null until they are sent
    # again, which a full refresh does for all of them
    sb.set_faults(FaultConfig())
    run_ok(cfg, full_refresh=True)
    assert_truth(sb, cfg, pairs, deleted_may_linger=False)


def _non_null(cfg: Any, column: str) -> set[tuple[Any, ...]]:
    return {
        (r[TENANT_COLUMN], r["employeeid"], r["contractid"], r["subcontractid"], r[column])
        for r in table_rows(cfg, "contracts")
        if r[column] is not None
    }

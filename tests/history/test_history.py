"""History mode end to end: the sandbox over HTTP, its clock moved between syncs.

The expected history is built from the sandbox's truth as each sync saw it: for every key, a
new version when its values differ from the last sync's, opened at that export's moment (the
sandbox clock, which is the export's ``changeTimestampBefore``); a key gone from the source is
retired only by a complete full export (an incremental export cannot know), at that export's
moment. The history tables must equal that, version by version, and a re-run adds nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.postgres_server import PostgresServer
from tests.support.runs import run_sync
from tests.support.settings import sandbox_settings
from tests.support.tables import duckdb_query, fetch_rows
from tests.support.truth import canon, canon_row, key_of
from visma_hrm.catalog import DATASETS, TENANT_COLUMN, ColumnType
from visma_hrm.config import Settings
from visma_hrm.sandbox import Sandbox, SandboxConfig, start_sandbox
from visma_hrm.sync import SyncSettings, sync

pytestmark = pytest.mark.slow  # four syncs per test, against a sandbox with every kind of change

HISTORY = ("contracts", "employees")
Version = tuple[Any, ...]


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    config = SandboxConfig(tenants=2, employees=60, seed=23, all_changes=True)
    with start_sandbox(config) as sandbox:
        yield sandbox


class Expected:
    """The versions a history must hold, built from snapshots of the sandbox's truth."""

    def __init__(self, sb: Sandbox, dataset: str) -> None:
        self.sb, self.dataset = sb, DATASETS[dataset]
        self.current: dict[tuple[str, Any], tuple[dict[str, Any], str]] = {}
        self.closed: list[Version] = []
        self.columns: list[str] = []

    def observe(self, full: bool) -> None:
        """A sync happened at the sandbox's current clock (full: a complete full export)."""
        moment = self.sb.clock
        seen: set[tuple[str, Any]] = set()
        for tenant in self.sb.tenant_ids:
            for raw in self.sb.truth(tenant, self.dataset.name):
                self.columns = self.columns or list(raw)
                row = canon_row(self.dataset, raw, self.columns)
                key = (tenant, key_of(self.dataset, row))
                seen.add(key)
                known = self.current.get(key)
                if known is not None and known[0] == row:
                    continue
                if known is not None:
                    self.closed.append(self._version(key[0], known[0], known[1], moment))
                self.current[key] = (row, moment)
        if full:
            for key in [k for k in self.current if k not in seen]:
                row, since = self.current.pop(key)
                self.closed.append(self._version(key[0], row, since, moment))

    def _version(self, tenant: str, row: dict[str, Any], since: Any, until: Any) -> Version:
        stamps = (canon(since, ColumnType.TIMESTAMP), canon(until, ColumnType.TIMESTAMP))
        return (tenant, *(row[c] for c in self.columns), *stamps)

    def versions(self) -> Counter[Version]:
        open_ = [self._version(k[0], row, since, None) for k, (row, since) in self.current.items()]
        return Counter([*self.closed, *open_])


def _stored(settings: Settings, dataset: str, columns: list[str]) -> Counter[Version]:
    spec = DATASETS[dataset]
    out: Counter[Version] = Counter()
    for raw in fetch_rows(settings, f"{dataset}_history"):
        row = canon_row(spec, raw, columns)
        stamps = tuple(canon(raw[c], ColumnType.TIMESTAMP) for c in ("valid_from", "valid_to"))
        out[(raw[TENANT_COLUMN], *(row[c] for c in columns), *stamps)] += 1
    return out


def _assert_history(settings: Settings, expected: dict[str, Expected], when: str) -> None:
    for name, exp in expected.items():
        got, want = _stored(settings, name, exp.columns), exp.versions()
        missing, invented = want - got, got - want
        assert not missing and not invented, (
            f"{when}, {name}: missing {len(missing)} e.g. {[_short(v) for v in missing][:3]}, "
            f"invented {len(invented)} e.g. {[_short(v) for v in invented][:3]}"
        )


def _short(version: Version) -> tuple[Any, ...]:
    """Tenant, the first values and the validity: enough to find a version in a message."""
    return (version[0][:8], *version[1:4], *version[-2:])


def _run_rounds(sb: Sandbox, settings: Settings) -> dict[str, Expected]:
    expected = {name: Expected(sb, name) for name in HISTORY}
    run_sync(settings)
    for exp in expected.values():
        exp.observe(full=True)
    _assert_history(settings, expected, "first sync")
    for round_, full in enumerate((False, False, True)):
        sb.advance(days=45)
        run_sync(settings, full_refresh=full)
        for exp in expected.values():
            exp.observe(full=full)
        _assert_history(settings, expected, f"round {round_} ({'full' if full else 'incr.'})")
    return expected


def test_history_equals_the_versions_the_source_went_through(sb: Sandbox, tmp_path: Path) -> None:
    settings = sandbox_settings(sb, tmp_path, history=HISTORY)
    expected = _run_rounds(sb, settings)
    closed = sum(len(e.closed) for e in expected.values())
    assert closed > 10, "the sandbox's changes must close versions for this test to mean much"
    again = run_sync(settings)
    assert "contracts_history: 0 version(s) opened, 0 closed" in again.notes
    _assert_history(settings, expected, "re-run")
    again_full = run_sync(settings, full_refresh=True)
    assert "employees_history: 0 version(s) opened, 0 closed" in again_full.notes
    _assert_history(settings, expected, "full re-run")


def test_a_run_killed_in_the_history_step_is_finished_by_the_next(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = sandbox_settings(sb, tmp_path, history=HISTORY)
    expected = {name: Expected(sb, name) for name in HISTORY}
    run_sync(settings)
    for exp in expected.values():
        exp.observe(full=True)
    sb.advance(days=45)
    from visma_hrm.sync.steps.history_versions import VersionSql

    real = VersionSql.open

    def dying(self: Any, *args: Any) -> int:
        real(self, *args)
        raise KeyboardInterrupt  # as if killed halfway through the transaction

    monkeypatch.setattr(VersionSql, "open", dying)
    with pytest.raises(KeyboardInterrupt):
        sync(SyncSettings(settings))
    monkeypatch.undo()
    for exp in expected.values():
        exp.observe(full=False)
    run_sync(settings)  # the rows are loaded already: this run finishes the history
    _assert_history(settings, expected, "after the killed run")


def test_a_version_deleted_behind_the_connectors_back_opens_again(
    sb: Sandbox, tmp_path: Path
) -> None:
    """A run compares only the rows loaded since the last one, trusting that every run leaves
    one open version per live row. A run that finds fewer (an open version deleted by hand)
    compares every row instead, so the missing version opens again (from the moment its row
    was last loaded: the one it had is lost) rather than staying missing for good."""
    settings = sandbox_settings(sb, tmp_path, history=HISTORY)
    _run_rounds(sb, settings)
    key = "tenant_id || '|' || employeeid || '|' || contractid || '|' || subcontractid"
    duckdb_query(
        settings.duckdb_path,
        f"DELETE FROM visma_hrm.contracts_history WHERE valid_to IS NULL AND {key} = "
        f"(SELECT min({key}) FROM visma_hrm.contracts_history WHERE valid_to IS NULL)",
    )
    report = run_sync(settings)
    assert "contracts_history: 1 version(s) opened, 0 closed" in report.notes, report.notes
    live = duckdb_query(
        settings.duckdb_path, f"SELECT {key} FROM visma_hrm.contracts WHERE NOT _visma_deleted"
    )
    versions = duckdb_query(
        settings.duckdb_path,
        f"SELECT {key} FROM visma_hrm.contracts_history WHERE valid_to IS NULL",
    )
    assert sorted(live) == sorted(versions)


def test_history_switched_on_later_starts_from_the_loaded_rows(sb: Sandbox, tmp_path: Path) -> None:
    run_sync(sandbox_settings(sb, tmp_path))
    settings = sandbox_settings(sb, tmp_path, history=("contracts",))
    expected = {"contracts": Expected(sb, "contracts")}
    run_sync(settings)
    expected["contracts"].observe(full=True)
    _assert_history(settings, expected, "switched on")
    assert not fetch_rows_or_none(settings, "employees_history")


def fetch_rows_or_none(settings: Settings, table: str) -> list[dict[str, Any]]:
    try:
        return fetch_rows(settings, table)
    except Exception:  # the table does not exist: history is off for it
        return []


def test_excluded_columns_leave_every_version(sb: Sandbox, tmp_path: Path) -> None:
    settings = sandbox_settings(sb, tmp_path, history=("employees",))
    run_sync(settings)
    sb.advance(days=45)
    run_sync(settings)
    assert any(r["mobilephonenumber"] for r in fetch_rows(settings, "employees_history"))
    narrowed = sandbox_settings(
        sb, tmp_path, history=("employees",), fields={"employees": "!mobilephonenumber"}
    )
    run_sync(narrowed)
    rows = fetch_rows(narrowed, "employees_history")
    assert rows and not any(r["mobilephonenumber"] for r in rows)


def test_an_unknown_dataset_in_history_stops_before_asking(sb: Sandbox, tmp_path: Path) -> None:
    from visma_hrm.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="history: unknown dataset"):
        sync(SyncSettings(sandbox_settings(sb, tmp_path, history=("contract",))))


@pytest.mark.postgres
def test_history_on_postgres_equals_the_versions(
    sb: Sandbox, postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dsn = postgres_server.dsn("postgres").replace("postgres@", "postgres:unused@", 1)
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", dsn)
    schema = f"hist_{uuid.uuid4().hex[:8]}"
    settings = sandbox_settings(
        sb, tmp_path, history=HISTORY, destination="postgres", dataset_name=schema
    )
    _run_rounds(sb, settings)

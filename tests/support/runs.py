"""Syncs run in-process, the way the suites drive them, and dlt kept quiet while they run."""

from __future__ import annotations

import dlt

from visma_hrm.config import Settings
from visma_hrm.sync import SyncReport, SyncSettings, sync


def run(settings: Settings, full_refresh: bool = False) -> SyncReport:
    """One sync, whatever its outcome (the test judges the report)."""
    return sync(SyncSettings(settings, full_refresh=full_refresh))


def run_sync(settings: Settings, full_refresh: bool = False) -> SyncReport:
    """One sync that must report ``ok`` (the failed tables are shown when it does not)."""
    report = run(settings, full_refresh)
    assert report.ok, [t for t in report.tables if t.status != "ok"]
    return report


def run_ok(settings: Settings, full_refresh: bool = False) -> SyncReport:
    """One sync that must be wholly clean: ``ok``, exit code 0 and no table other than ok."""
    report = run(settings, full_refresh)
    failed = [(t.tenant_id[:8], t.dataset, t.message) for t in report.tables if t.status != "ok"]
    assert report.ok and report.exit_code == 0 and not failed, failed
    return report


def keep_dlt_quiet() -> None:
    """dlt's INFO/WARNING chatter drowns test output; errors still show."""
    dlt.config["runtime.log_level"] = "ERROR"

"""One sync run, phase by phase: prepare -> plan -> extract -> load -> reconcile.

**Where a run starts** is read from the destination it loads into (``visma_hrm.load.positions``),
never from a local folder: an empty or new destination gets full exports, a restored backup
gets what it lacks. dlt's working folder is a cache of this run only
(``visma_hrm.warehouse.folders``),
removed at its end; a killed run's folder is removed by the next run, which asks again for
what the killed one did not finish.

- **prepare**: settings checked (``plan.py``), the dlt version checked, the destination built
  (``destination.py``), the right to write held, the destination's positions read;
- **plan**: per (tenant, dataset), full or incremental, with which fields (``plan.py``);
- **extract** (phase 1): every export downloaded side by side to the spool (``extract.py``);
- **load** (phase 2): one dlt run over the spooled files (``load.py``);
- **reconcile**: deletions, excluded columns, history, change feed, retention
  (``reconcile.py``).

Two runs never write the same data at once: a DuckDB file is held by one run; on server
databases each tenant is held by one run and loads take turns. SIGINT and SIGTERM stop the run
at a safe point with ``Interrupted`` (``interrupt.py``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import dlt

from visma_hrm.config import Settings
from visma_hrm.load.dlt_internals import check_dlt_version, intercepted_signals
from visma_hrm.load.pseudonyms import Pseudonymizer, check_destination
from visma_hrm.load.source import run_start
from visma_hrm.sync.extract import Outcome, extract_all, extract_or_stop
from visma_hrm.sync.interrupt import stop_if_signalled
from visma_hrm.sync.load import load_exports, release_arrow_memory_promptly
from visma_hrm.sync.plan import Plan, client_settings_from, field_selection, wanted_datasets
from visma_hrm.sync.reconcile import (
    Loaded,
    apply_retention,
    empty_excluded_columns,
    mark_deletions,
    update_change_feed,
    update_histories,
)
from visma_hrm.sync.report import NullReporter, Reporter, SyncReport
from visma_hrm.sync.steps.history import history_datasets, require_supported
from visma_hrm.sync.steps.retention import Retention
from visma_hrm.warehouse.base import Target, failed_to_prepare, sql_client, stored_positions
from visma_hrm.warehouse.locks import warehouse_locks


@dataclass(frozen=True)
class SyncSettings:
    """What one ``sync`` run does: the settings plus the run's own switches."""

    settings: Settings
    full_refresh: bool = False


def sync(run: SyncSettings, reporter: Reporter | None = None) -> SyncReport:
    """Run one sync and return its report; raises only for problems that stop everything.

    Raises ``ConfigurationError`` (nothing to do or contradictory settings),
    ``DestinationError`` (the destination cannot be reached before anything is asked),
    ``ConcurrentRunError`` (another sync writes the same data) and ``Interrupted``.
    """
    reporter = reporter or NullReporter()
    cfg = run.settings
    dlt_warning = check_dlt_version()
    release_arrow_memory_promptly()
    client_settings = client_settings_from(cfg)
    tenants = cfg.require_tenants()
    datasets, explicit = wanted_datasets(cfg)
    selections = {d.name: field_selection(cfg, d) for d in datasets}
    pseudonymizer = Pseudonymizer.from_settings(cfg)
    Retention.from_settings(cfg)  # a bad retention setting stops the run before it asks
    history_datasets(cfg.history, datasets)  # so does a history naming no dataset
    require_supported(cfg.history, cfg.destination)
    target = Target.of(cfg)
    clock = time.monotonic()
    with intercepted_signals(), target.writers(tenants), target.folder.run_folder() as work:
        report = SyncReport(run_start().isoformat(), cfg.destination, target.dataset_name)
        report.location = target.label
        report.privacy_profile = cfg.privacy_profile
        report.fields = {n: p for n, sel in selections.items() if sel and (p := sel.to_param())}
        report.warnings += [dlt_warning] if dlt_warning else []
        report.interrupted_runs_removed = target.folder.remove_abandoned_runs()
        if moved := target.adopt_old_default(cfg):
            report.notes.append(moved)
            reporter.info(moved)
        pipeline = target.pipeline(cfg.pipeline_name, work)
        with warehouse_locks(
            pipeline, target.dataset_name, target.label, failed_to_prepare
        ) as warehouse:
            warehouse.hold_tenants(tenants)
            positions = stored_positions(pipeline)
            with sql_client(pipeline) as sql:
                check_destination(sql, pseudonymizer)
            plan = Plan(tenants, datasets, explicit, selections, positions, run.full_refresh)
            report.notes += plan.selection_notes()
            spool = work / "spool"
            extraction = extract_all(client_settings, plan, spool, cfg.concurrency, reporter)
            outcomes = extract_or_stop(extraction)
            report.tables = [o.table for o in outcomes]
            with target.loading(reporter), warehouse.loading(reporter.info, stop_if_signalled):
                _write(pipeline, plan, outcomes, report, reporter, cfg, pseudonymizer)
    report.seconds = round(time.monotonic() - clock, 3)
    return report


def _write(
    pipeline: dlt.Pipeline,
    plan: Plan,
    outcomes: Sequence[Outcome],
    report: SyncReport,
    reporter: Reporter,
    cfg: Settings,
    pseudonymizer: Pseudonymizer | None,
) -> None:
    """Phase 2 and what follows it, each step whole, a signal checked between them."""
    started = datetime.fromisoformat(report.started_at)
    loaded = [o for o in outcomes if o.export]
    load_exports(pipeline, loaded, started, report, reporter, pseudonymizer)
    stop_if_signalled()
    done = Loaded(pipeline, cfg, plan, outcomes, started, report, reporter)
    mark_deletions(done)
    stop_if_signalled()
    empty_excluded_columns(done)
    stop_if_signalled()
    update_histories(done)
    stop_if_signalled()
    update_change_feed(done)
    apply_retention(done)  # feed included
    stop_if_signalled()  # a signal in the last step must not end in exit 0 unseen

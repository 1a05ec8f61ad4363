"""A ``visma-hrm sync`` run, one module per phase: prepare -> plan -> extract -> load -> reconcile.

``run.py`` drives the phases; ``plan.py`` decides what is asked, ``extract.py`` downloads it
(phase 1), ``load.py`` loads it with dlt (phase 2), ``reconcile.py`` marks deletions and empties
excluded columns (``deletions.py`` holds the SQL); ``destination.py`` builds the destination,
``report.py`` holds what the run tells, ``interrupt.py`` where a signal stops it, ``local.py`` and
``server_locks.py`` keep two runs from writing the same data. This package is the public face:
``sync(SyncSettings(settings), reporter) -> SyncReport``.
"""

from visma_hrm.sync.interrupt import stop_if_signalled
from visma_hrm.sync.load import count_rows, count_unchanged
from visma_hrm.sync.plan import client_settings_from, field_selection, wanted_datasets
from visma_hrm.sync.report import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REJECTED_ROWS,
    NullReporter,
    Reporter,
    SyncReport,
    TableReport,
)
from visma_hrm.sync.run import SyncSettings, sync
from visma_hrm.warehouse.base import Target, make_pipeline, tables_schema

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_REJECTED_ROWS",
    "NullReporter",
    "Reporter",
    "SyncReport",
    "SyncSettings",
    "TableReport",
    "Target",
    "client_settings_from",
    "count_rows",
    "count_unchanged",
    "field_selection",
    "make_pipeline",
    "stop_if_signalled",
    "sync",
    "tables_schema",
    "wanted_datasets",
]

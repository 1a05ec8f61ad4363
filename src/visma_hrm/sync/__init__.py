"""The engine: one run, plan -> extract -> load -> steps, for every entry point.

``run.py`` drives the phases (``run_plan(plan, warehouse, reporter) -> SyncReport``); ``plan.py``
validates the settings once into a frozen ``RunPlan``; ``extract.py`` downloads (phase 1),
``load.py`` loads with dlt (phase 2), ``steps/`` holds the after-load steps in their order;
``report.py`` holds what the run tells, ``interrupt.py`` where a signal stops it. Every
destination question goes to the warehouse seam (``visma_hrm.warehouse``). ``sync`` is the
command line's way in: ``sync(SyncSettings(settings), reporter) -> SyncReport``.
"""

from visma_hrm.messages import Note
from visma_hrm.sync.interrupt import stop_if_signalled
from visma_hrm.sync.plan import RunPlan, field_selection, wanted_datasets
from visma_hrm.sync.report import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REJECTED_ROWS,
    NullReporter,
    Reporter,
    SyncReport,
    TableReport,
)
from visma_hrm.sync.run import SyncSettings, run_plan, sync

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_REJECTED_ROWS",
    "Note",
    "NullReporter",
    "Reporter",
    "RunPlan",
    "SyncReport",
    "SyncSettings",
    "TableReport",
    "field_selection",
    "run_plan",
    "stop_if_signalled",
    "sync",
    "wanted_datasets",
]

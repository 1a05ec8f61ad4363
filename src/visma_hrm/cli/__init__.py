"""The `visma-hrm` command line: the root ``app`` and every command, registered by import.

Options shared by every command (the vocabulary, the error style and exit codes,
``--quiet``/``--verbose``) live in ``visma_hrm.cli.common``; the root in ``visma_hrm.cli.app``.
Each command module below is imported explicitly: one that fails to import fails the CLI with
its traceback rather than leaving a command out of ``--help``. They import heavy libraries
(dlt, pyarrow, duckdb) only inside the commands, so ``--help`` stays fast.
"""

from __future__ import annotations

from visma_hrm.cli import (  # noqa: F401  (each registers its commands on ``app``)
    analytics_cmd,
    changes_cmd,
    datasets_cmd,
    demo_cmd,
    maintain_cmd,
    model_cmd,
    onboarding_cmd,
    report_cmd,
    sandbox_cmd,
    status_cmd,
    sync_cmd,
    tenants_cmd,
)
from visma_hrm.cli.app import WORKFLOW_ORDER, app

__all__ = ["WORKFLOW_ORDER", "app", "main"]


def main() -> None:
    app()

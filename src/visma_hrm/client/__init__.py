"""The Visma.net HRM analytics API client: tokens, export jobs, files, typed Arrow batches.

See docs/architecture.md (Contract 2) and docs/client.md. This package never imports the
sandbox: it talks to it over HTTP only, exactly as it talks to Visma.
"""

from typing import TYPE_CHECKING, Any

from visma_hrm.client.api import VismaClient
from visma_hrm.client.models import (
    ApprovalReport,
    Export,
    ExportProgress,
    RejectedRow,
)
from visma_hrm.client.retry import RetryPolicy, parse_retry_after
from visma_hrm.client.settings import ClientSettings, FieldSelection

if TYPE_CHECKING:
    from visma_hrm.client.csv_arrow import read_export

__all__ = [
    "ApprovalReport",
    "ClientSettings",
    "Export",
    "ExportProgress",
    "FieldSelection",
    "RejectedRow",
    "RetryPolicy",
    "VismaClient",
    "parse_retry_after",
    "read_export",
]


def __getattr__(name: str) -> Any:
    """``read_export`` on first use: pyarrow (and the pandas it pulls in) loads when an export
    is parsed, not for ``visma-hrm check``, which only asks for tokens and approvals."""
    if name == "read_export":
        from visma_hrm.client.csv_arrow import read_export

        return read_export
    raise AttributeError(name)

"""Values the client hands back: exports, progress reports, rejected rows, approvals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from visma_hrm.catalog import Dataset

Phase = Literal["starting", "waiting", "downloading", "done"]


@dataclass(frozen=True)
class ApprovalReport:
    """Which of the asked datasets a tenant approved for this application, and why not."""

    tenant_id: str
    approved: tuple[str, ...]
    refused: dict[str, str] = field(default_factory=dict)
    """dataset name -> reason a person can act on."""


@dataclass(frozen=True)
class ExportProgress:
    """A progress report of one export, for progress bars and logs.

    ``files_total`` is None until the job completed and its file list is known.
    """

    tenant_id: str
    dataset: str
    phase: Phase
    job_id: str | None = None
    files_total: int | None = None
    files_done: int = 0
    bytes_done: int = 0
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class Export:
    """A completed export job with every one of its files on local disk.

    ``change_timestamp_before`` is the API's value verbatim: pass it back as ``since`` next time.
    ``files`` is in the order of the API's list; zero files is a valid export without rows.
    """

    tenant_id: str
    dataset: Dataset
    job_id: str
    since: str | None
    change_timestamp_before: str | None
    files: list[Path]
    bytes: int
    seconds: float


@dataclass(frozen=True)
class RejectedRow:
    """A row that could not be loaded, kept with its raw text and the reason.

    ``record`` is the 1-based number of the record among the well-formed records of the file
    (None when the CSV layer rejected it: pyarrow does not know line numbers once quoted values
    may hold line breaks). ``values`` holds the raw column values when the row was split into
    columns but a value did not parse.
    """

    dataset: str
    file: str
    reason: str
    raw: str
    record: int | None = None
    values: Mapping[str, str | None] | None = None

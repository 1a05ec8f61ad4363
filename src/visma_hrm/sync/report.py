"""What a sync run tells: the report types and the reporter protocol progress is sent through.

``SyncReport`` is everything a person (summary table) or a machine (``--json``) learns of a
run, one ``TableReport`` per (tenant, dataset); its ``exit_code`` is the CLI's. A ``Reporter``
receives progress while the run goes (``visma_hrm.cli.progress`` has a rich and a plain one).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, Protocol

from visma_hrm.client.models import ExportProgress
from visma_hrm.errors import VismaHrmError
from visma_hrm.messages import Note
from visma_hrm.redact import redact_text

Mode = Literal["full", "incremental"]
Status = Literal["ok", "failed", "skipped"]


@dataclass
class TableReport:
    """The outcome of one (tenant, dataset) in a run.

    ``rows_updated`` is "received, already present and changed"; rows the API sent again
    unchanged are ``rows_unchanged`` where that can be told (see there). ``seconds`` covers
    download and parsing of this export; the shared load is in ``SyncReport.load_seconds``.
    """

    tenant_id: str
    dataset: str
    mode: Mode
    status: Status = "ok"
    error_code: str | None = None
    message: str | None = None
    files: int = 0
    bytes: int = 0
    rows_received: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int | None = None
    """Rows received again exactly as stored (the API's change filter resends them); counted
    on DuckDB only, where the load's files and the database are on this machine (else None,
    and ``rows_updated`` includes them)."""
    rows_deleted: int = 0
    rows_rejected: int = 0
    seconds: float = 0.0
    job_seconds: float | None = None
    """How long the API took to finish the export job, as seen by the client."""
    rows_current: int | None = None
    """The tenant's rows of the dataset not marked deleted after a run that marked some (the
    share of rows a run deleted is judged against it); None when none were marked."""
    error: VismaHrmError | None = field(default=None, repr=False, compare=False)
    """Why it failed or was skipped (for callers that classify it; not in ``--json``)."""

    def fail(self, error: VismaHrmError, status: Status = "failed") -> None:
        self.status = status
        self.error_code = error.code
        self.message = redact_text(error.message)
        self.error = error


EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REJECTED_ROWS = 3
"""Everything loaded but some rows could not be parsed: they are in ``_visma_rejected_rows``,
and the destination differs from the source by exactly those rows."""


@dataclass
class SyncReport:
    """Everything a person (or a machine, via ``--json``) needs to know about a run."""

    started_at: str
    destination: str
    dataset_name: str
    location: str = ""
    """Where the data went: the DuckDB file, or the destination and its dataset."""
    run_id: str = ""
    """The run's id in the run log (``_visma_runs``, ``_visma_run_datasets``)."""
    privacy_profile: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    """Per dataset, the ``fields`` value sent to the API (``a,b`` only these, ``!a,b`` all but)."""
    tables: list[TableReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    """What the run did besides loading rows (columns emptied, interrupted runs cleaned up)."""
    interrupted_runs_removed: int = 0
    """Working folders of killed earlier runs removed; what they did not load is asked again."""
    load_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when everything asked for was loaded (skipped datasets were not asked for)."""
        return all(t.status != "failed" for t in self.tables)

    @property
    def rows_rejected(self) -> int:
        return sum(t.rows_rejected for t in self.tables)

    @property
    def exit_code(self) -> int:
        """0 only when the destination equals what the API sent; see the EXIT_* constants."""
        if not self.ok:
            return EXIT_FAILED
        return EXIT_REJECTED_ROWS if self.rows_rejected else EXIT_OK

    def table(self, tenant_id: str, dataset: str) -> TableReport:
        for entry in self.tables:
            if entry.tenant_id == tenant_id and entry.dataset == dataset:
                return entry
        raise KeyError((tenant_id, dataset))

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``--json``): notes as English text, no exceptions."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["tables"] = [
            {f.name: getattr(t, f.name) for f in fields(t) if f.name != "error"}
            for t in self.tables
        ]
        # what the run did: a step that found nothing to do says nothing here, as on screen
        data["notes"] = [str(note) for note in self.notes if getattr(note, "changed", True)]
        data["warnings"] = list(self.warnings)
        data["fields"] = dict(self.fields)
        data["ok"] = self.ok
        data["exit_code"] = self.exit_code
        return data


class Reporter(Protocol):
    """Receives progress while a run goes; ``visma_hrm.cli.progress`` has a rich and a plain one."""

    def export_progress(self, progress: ExportProgress) -> None: ...

    def stage(self, tenant_id: str, dataset: str, state: str, rows: int | None = None) -> None: ...

    def info(self, message: str) -> None: ...


class NullReporter:
    """Reports nothing (library use, tests)."""

    def export_progress(self, progress: ExportProgress) -> None:
        pass

    def stage(self, tenant_id: str, dataset: str, state: str, rows: int | None = None) -> None:
        pass

    def info(self, message: str) -> None:
        pass

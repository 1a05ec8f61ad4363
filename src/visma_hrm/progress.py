"""How a sync shows itself: a live rich table on a terminal, plain log lines elsewhere.

A nightly job's log wants one line per event that matters (job started, files downloaded,
loaded), not a redrawn screen; a person at a terminal wants to see every tenant and dataset
move at once. Both read the same events (``visma_hrm.pipeline.Reporter``).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from types import TracebackType
from typing import IO

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from visma_hrm.catalog import REJECTED_ROWS_TABLE
from visma_hrm.client.models import ExportProgress
from visma_hrm.pipeline import SyncReport


@dataclass
class _Row:
    state: str = "waiting"
    files_done: int = 0
    files_total: int | None = None
    bytes: int = 0
    rows: int = 0


def short_tenant(tenant_id: str) -> str:
    """The first block of a GUID: enough to tell a customer's databases apart on screen."""
    return tenant_id if len(tenant_id) <= 13 else tenant_id[:8] + "…"


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"  # pragma: no cover - loop always returns


class PlainReporter:
    """One log line per state change, for logs and pipes (no terminal control codes)."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self._last: dict[tuple[str, str], tuple[str, int]] = {}

    def export_progress(self, progress: ExportProgress) -> None:
        key = (progress.tenant_id, progress.dataset)
        mark = (progress.phase, progress.files_done)
        if self._last.get(key) == mark:
            return
        self._last[key] = mark
        files = ""
        if progress.files_total is not None:
            files = f" {progress.files_done}/{progress.files_total} files"
            files += f" {human_bytes(progress.bytes_done)}"
        self._line(f"{progress.tenant_id} {progress.dataset}: {progress.phase}{files}")

    def stage(self, tenant_id: str, dataset: str, state: str, rows: int | None = None) -> None:
        if state == "parsing":
            return  # per batch: too chatty for a log
        self._line(f"{tenant_id} {dataset}: {state}")

    def info(self, message: str) -> None:
        self._line(message)

    def _line(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        print(f"{stamp} {text}", file=self.stream, flush=True)


class RichReporter:
    """A live table per tenant and dataset: state, files, bytes, rows. Use as a context manager."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._rows: dict[tuple[str, str], _Row] = {}
        # transient: the live table gives way to the summary table when the run ends
        self._live = Live(
            self._render(), console=self.console, refresh_per_second=4, transient=True
        )

    def __enter__(self) -> RichReporter:
        self._live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._live.update(self._render())
        self._live.__exit__(kind, exc, tb)

    def export_progress(self, progress: ExportProgress) -> None:
        row = self._row(progress.tenant_id, progress.dataset)
        row.state = progress.phase
        row.files_done = progress.files_done
        row.files_total = progress.files_total
        row.bytes = progress.bytes_done
        self._live.update(self._render())

    def stage(self, tenant_id: str, dataset: str, state: str, rows: int | None = None) -> None:
        row = self._row(tenant_id, dataset)
        row.state = state
        if rows is not None:
            row.rows = rows
        self._live.update(self._render())

    def info(self, message: str) -> None:
        self._live.console.print(escape(message))

    def _row(self, tenant_id: str, dataset: str) -> _Row:
        return self._rows.setdefault((tenant_id, dataset), _Row())

    def _render(self) -> Table:
        table = Table(title="visma-hrm sync", expand=False)
        for name in ("tenant", "dataset", "state", "files", "bytes", "rows"):
            table.add_column(
                name, justify="right" if name in ("files", "bytes", "rows") else "left"
            )
        for (tenant, dataset), row in sorted(self._rows.items()):
            total = "?" if row.files_total is None else str(row.files_total)
            table.add_row(
                short_tenant(tenant),
                dataset,
                row.state,
                f"{row.files_done}/{total}",
                human_bytes(row.bytes),
                f"{row.rows:,}",
            )
        return table


def summary_table(report: SyncReport, title: str = "Sync summary") -> Table:
    """The final table: per tenant and dataset what was received, inserted, updated, deleted."""
    table = Table(title=title)
    headers = (
        "tenant",
        "dataset",
        "mode",
        "status",
        "files",
        "received",
        "inserted",
        "updated",
        "deleted",
        "rejected",
        "seconds",
    )
    for name in headers:
        table.add_column(name, justify="left" if name in headers[:4] else "right")
    for t in report.tables:
        status = {"ok": "[green]ok[/]", "failed": "[red]failed[/]"}.get(
            t.status, "[yellow]skipped[/]"
        )
        table.add_row(
            short_tenant(t.tenant_id),
            t.dataset,
            t.mode,
            status,
            str(t.files),
            f"{t.rows_received:,}",
            f"{t.rows_inserted:,}",
            f"{t.rows_updated:,}",
            f"{t.rows_deleted:,}",
            f"{t.rows_rejected:,}",
            f"{t.seconds:.1f}",
        )
    return table


def print_summary(report: SyncReport, console: Console, title: str = "Sync summary") -> None:
    """The summary table, then every problem in words (the table only has room for a code)."""
    console.print(summary_table(report, title))
    for t in report.tables:
        if t.status != "ok":
            console.print(
                f"[bold]{t.status}[/] {t.tenant_id} {t.dataset} ({t.error_code}): "
                + escape(t.message or "")
            )
    for warning in report.warnings:
        console.print("[yellow]warning:[/] " + escape(warning))
    for note in report.notes:
        console.print("note: " + escape(note))
    if report.interrupted_runs_removed:
        console.print(
            f"Removed what {report.interrupted_runs_removed} interrupted earlier run(s) left "
            "behind; their unfinished exports were asked again."
        )
    timing = f"in {report.seconds:.1f} s (load {report.load_seconds:.1f} s)"
    console.print(f"{_verdict(report)} {timing}")


def _verdict(report: SyncReport) -> str:
    """The last line says what the exit code says: rejected rows are not "everything"."""
    if not report.ok:
        return "[red]not everything was loaded[/]"
    if report.rows_rejected:
        return (
            f"[yellow]loaded except {report.rows_rejected:,} rejected row(s)[/] (kept in "
            f"{REJECTED_ROWS_TABLE}; once the source is fixed, `sync --full-refresh` loads them)"
        )
    return "[green]everything loaded[/]"

"""How a sync shows itself: a live rich table on a terminal, plain log lines elsewhere.

A nightly job's log wants one line per event that matters (job started, files downloaded,
loaded), not a redrawn screen; a person at a terminal wants to see every tenant and dataset
move at once. Both read the same events (``visma_hrm.pipeline.Reporter``).
"""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from visma_hrm.catalog import REJECTED_ROWS_TABLE
from visma_hrm.client.models import ExportProgress
from visma_hrm.errors import root_cause_first
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
    """A short log for logs and pipes (no terminal control codes).

    By default one line per export when its files are in, one per failure or skip, and the
    run's phases: a nightly log stays readable. ``verbose`` adds every state change and
    downloaded file (what ``--verbose`` asks for).
    """

    _QUIET_STAGES = frozenset({"parsing", "downloaded", "loading", "ok", "failed", "skipped"})
    """Stages the short log leaves out: the export's line and the summary (which reports a
    failure once per tenant, not once per dataset) say it."""

    def __init__(self, stream: IO[str] | None = None, verbose: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.verbose = verbose
        self._last: dict[tuple[str, str], tuple[str, int]] = {}

    def export_progress(self, progress: ExportProgress) -> None:
        if not self.verbose and progress.phase != "done":
            return
        key = (progress.tenant_id, progress.dataset)
        mark = (progress.phase, progress.files_done)
        if self._last.get(key) == mark:
            return
        self._last[key] = mark
        files = ""
        if progress.files_total is not None:
            files = f" {progress.files_done}/{progress.files_total} files"
            files += f" {human_bytes(progress.bytes_done)}"
        phase = progress.phase if self.verbose else "exported"
        self._line(f"{progress.tenant_id} {progress.dataset}: {phase}{files}")

    def stage(self, tenant_id: str, dataset: str, state: str, rows: int | None = None) -> None:
        if state == "parsing" or (not self.verbose and state in self._QUIET_STAGES):
            return
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


def summary_table(report: SyncReport, title: str = "Sync summary") -> Group:
    """The final tables: per tenant and dataset what was received, new, changed, the same
    (sent again unchanged; ``?`` where it cannot be told), deleted and rejected.

    They stay whole at 80 columns (no ``con…`` for ``contracts``): one table per tenant under
    its id in full (people copy it), mode and status share a column, and files and seconds
    per export are left to ``--json`` (the verdict line has the run's time).
    """
    tables: list[RenderableType] = [Text(title, style="bold")]
    for tenant in dict.fromkeys(t.tenant_id for t in report.tables):
        table = Table(
            title=f"tenant {tenant}",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            padding=0,
            pad_edge=False,
        )
        table.add_column("dataset", no_wrap=True)
        table.add_column("status", no_wrap=True)
        for name in ("received", "new", "changed", "same", "deleted", "rejected"):
            table.add_column(name, justify="right", no_wrap=True)
        for t in (t for t in report.tables if t.tenant_id == tenant):
            status = {"ok": f"[green]ok[/], {t.mode}", "failed": "[red]failed[/]"}.get(
                t.status, "[yellow]skipped[/]"
            )
            table.add_row(
                t.dataset,
                status,
                f"{t.rows_received:,}",
                f"{t.rows_inserted:,}",
                f"{t.rows_updated:,}",
                "?" if t.rows_unchanged is None else f"{t.rows_unchanged:,}",
                f"{t.rows_deleted:,}",
                f"{t.rows_rejected:,}",
            )
        tables.append(table)
    return Group(*tables)


def failure_lines(report: SyncReport) -> list[str]:
    """Every problem in words, in the CLI's error shape, once per tenant where it can be.

    A wrong secret or an unlinked tenant fails every dataset of that tenant with the same
    message: it is one problem, said once, naming the datasets only when not all failed.
    """
    lines: list[str] = []
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for t in report.tables:
        if t.status == "ok":
            continue
        key = (t.tenant_id, t.status, t.error_code or "error", root_cause_first(t.message or ""))
        groups.setdefault(key, []).append(t.dataset)
    per_tenant = {t.tenant_id: 0 for t in report.tables}
    for t in report.tables:
        per_tenant[t.tenant_id] += 1
    for (tenant, status, code, message), datasets in groups.items():
        which = "all datasets" if len(datasets) == per_tenant[tenant] > 1 else ", ".join(datasets)
        prefix = "error" if status == "failed" else "skipped"
        lines.append(f"{prefix} ({code}): tenant {tenant}, {which}: {message}")
    return lines


def print_summary(
    report: SyncReport, console: Console, title: str = "Sync summary", quiet: bool = False
) -> None:
    """The summary table, then every problem in words (the table only has room for a code).

    ``quiet`` leaves out the table and the verdict of a run that loaded everything.
    """
    if not quiet:
        console.print(summary_table(report, title))
    for line in failure_lines(report):
        console.print(escape(line), soft_wrap=True, highlight=False)
    for warning in report.warnings:
        console.print("warning: " + escape(warning), soft_wrap=True, highlight=False)
    for note in report.notes:
        console.print("note: " + escape(note), soft_wrap=True, highlight=False)
    if report.interrupted_runs_removed and not quiet:
        console.print(
            f"Removed what {report.interrupted_runs_removed} interrupted earlier run(s) left "
            "behind; their unfinished exports were asked again."
        )
    if quiet and report.exit_code == 0:
        return
    if report.fields:
        console.print(escape(_kept_out(report)), soft_wrap=True, highlight=False)
    console.print(
        f"{_verdict(report)} into {escape(_where(report))} "
        f"in {report.seconds:.1f} s (load {report.load_seconds:.1f} s)",
    )


def _where(report: SyncReport) -> str:
    """Where the data went, short: a DuckDB file below the current folder by its relative path,
    with the schema the tables are in."""
    where = report.location or report.destination
    with contextlib.suppress(ValueError):
        return f"{Path(where).relative_to(Path.cwd())} (schema {report.dataset_name})"
    return where


def _kept_out(report: SyncReport) -> str:
    """Which columns the API was asked to leave out (privacy profile, fields), per dataset."""
    parts = []
    for dataset, value in sorted(report.fields.items()):
        names = value.lstrip("!").split(",")
        parts.append(
            f"{dataset}: all but {len(names)} column(s)"
            if value.startswith("!")
            else f"{dataset}: only {len(names)} column(s)"
        )
    profile = f"privacy profile {report.privacy_profile}; " if report.privacy_profile else ""
    return f"Columns asked of the API ({profile}fields): {'; '.join(parts)}."


def _verdict(report: SyncReport) -> str:
    """The last line says what the exit code says: rejected rows are not "everything"."""
    if not report.ok:
        return "[red]not everything was loaded[/]"
    if report.rows_rejected:
        return (
            f"[yellow]loaded except {report.rows_rejected:,} rejected row(s)[/] (kept in "
            f"{REJECTED_ROWS_TABLE}; once the source is fixed, the next sync loads them)"
        )
    return "[green]everything loaded[/]"

"""How a sync shows itself: a live rich table on a terminal, plain log lines elsewhere.

A nightly job's log wants one line per event that matters (job started, files downloaded,
loaded), not a redrawn screen; a person at a terminal wants to see every tenant and dataset
move at once. Both read the same events (``visma_hrm.sync.Reporter``).
"""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from visma_hrm.catalog import REJECTED_ROWS_TABLE
from visma_hrm.errors import root_cause_first
from visma_hrm.messages import CATALOG, Note, number, short_tenant, text

if TYPE_CHECKING:  # types only: the report's renderer imports this module without a sync
    from visma_hrm.client.models import ExportProgress
    from visma_hrm.sync import SyncReport


@dataclass
class _Row:
    state: str = "waiting"
    files_done: int = 0
    files_total: int | None = None
    bytes: int = 0
    rows: int = 0


def state_word(state: str, lang: str = "en") -> str:
    """A state or phase in the reader's language; one the catalog does not know, as given."""
    key = f"sync.state.{state}"
    return text(key, lang) if key in CATALOG["en"] else state


def human_bytes(n: int, lang: str = "en") -> str:
    """A size as the reader writes it: ``1.2 MB``, in Dutch ``1,2 MB``."""
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            shown = f"{size:.0f}" if unit == "B" else f"{size:.1f}"
            return f"{number(shown, lang)} {unit}"
        size /= 1000
    return f"{number(f'{size:.1f}', lang)} GB"  # pragma: no cover - loop always returns


class PlainReporter:
    """A short log for logs and pipes (no terminal control codes).

    By default one line per export when its files are in, one per failure or skip, and the
    run's phases: a nightly log stays readable. ``verbose`` adds every state change and
    downloaded file (what ``--verbose`` asks for).
    """

    _QUIET_STAGES = frozenset({"parsing", "downloaded", "loading", "ok", "failed", "skipped"})
    """Stages the short log leaves out: the export's line and the summary (which reports a
    failure once per tenant, not once per dataset) say it."""

    def __init__(
        self, stream: IO[str] | None = None, verbose: bool = False, lang: str = "en"
    ) -> None:
        self.stream = stream or sys.stderr
        self.verbose = verbose
        self.lang = lang
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
            size = human_bytes(progress.bytes_done, self.lang)
            done, total = progress.files_done, progress.files_total
            files = " " + text("sync.log.files", self.lang, done=done, total=total, size=size)
        phase = state_word(progress.phase, self.lang)
        self._line(f"{progress.tenant_id} {progress.dataset}: {phase}{files}")

    def stage(self, tenant_id: str, dataset: str, state: str, rows: int | None = None) -> None:
        if state == "parsing" or (not self.verbose and state in self._QUIET_STAGES):
            return
        self._line(f"{tenant_id} {dataset}: {state_word(state, self.lang)}")

    def info(self, message: str) -> None:
        self._line(message)

    def _line(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        print(f"{stamp} {text}", file=self.stream, flush=True)


class RichReporter:
    """A live table per tenant and dataset: state, files, bytes, rows. Use as a context manager."""

    def __init__(self, console: Console | None = None, lang: str = "en") -> None:
        self.console = console or Console(stderr=True)
        self.lang = lang
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
                text(f"sync.live.col.{name}", self.lang),
                justify="right" if name in ("files", "bytes", "rows") else "left",
            )
        for (tenant, dataset), row in sorted(self._rows.items()):
            total = "?" if row.files_total is None else str(row.files_total)
            table.add_row(
                short_tenant(tenant),
                dataset,
                state_word(row.state, self.lang),
                f"{row.files_done}/{total}",
                human_bytes(row.bytes, self.lang),
                number(row.rows, self.lang),
            )
        return table


def summary_table(report: SyncReport, title: str | None = None, lang: str = "en") -> Group:
    """The final tables: per tenant and dataset what was received, new, changed, the same
    (sent again unchanged; ``?`` where it cannot be told), deleted and rejected.

    They stay whole at 80 columns (no ``con…`` for ``contracts``): one table per tenant under
    its id in full (people copy it), mode and status share a column, and files and seconds
    per export are left to ``--json`` (the verdict line has the run's time).
    """
    tables: list[RenderableType] = [Text(title or text("sync.summary.title", lang), style="bold")]
    for tenant in dict.fromkeys(t.tenant_id for t in report.tables):
        table = Table(
            title=text("sync.summary.tenant", lang, tenant=tenant),
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            padding=0,
            pad_edge=False,
        )
        table.add_column(text("sync.col.dataset", lang), no_wrap=True)
        table.add_column(text("sync.col.status", lang), no_wrap=True)
        for name in ("received", "new", "changed", "same", "deleted", "rejected"):
            table.add_column(text(f"sync.col.{name}", lang), justify="right", no_wrap=True)
        for t in (t for t in report.tables if t.tenant_id == tenant):
            table.add_row(
                t.dataset,
                _status_cell(t.status, t.mode, lang),
                number(t.rows_received, lang),
                number(t.rows_inserted, lang),
                number(t.rows_updated, lang),
                "?" if t.rows_unchanged is None else number(t.rows_unchanged, lang),
                number(t.rows_deleted, lang),
                number(t.rows_rejected, lang),
            )
        tables.append(table)
    return Group(*tables)


def _status_cell(status: str, mode: str, lang: str) -> str:
    if status == "ok":
        return f"[green]{state_word('ok', lang)}[/], {text(f'sync.mode.{mode}', lang)}"
    if status == "failed":
        return f"[red]{state_word('failed', lang)}[/]"
    return f"[yellow]{state_word('skipped', lang)}[/]"


def failure_lines(report: SyncReport, lang: str = "en") -> list[str]:
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
        every = len(datasets) == per_tenant[tenant] > 1
        which = text("sync.all_datasets", lang) if every else ", ".join(datasets)
        prefix = text("sync.prefix.failed" if status == "failed" else "sync.prefix.skipped", lang)
        values = {"code": code, "tenant": tenant, "which": which, "message": message}
        lines.append(text("sync.failure", lang, prefix=prefix, **values))
    return lines


def print_summary(
    report: SyncReport,
    console: Console,
    title: str | None = None,
    quiet: bool = False,
    lang: str = "en",
    verbose: bool = False,
) -> None:
    """The summary table, then every problem in words (the table only has room for a code),
    the notes, and the verdict line.

    ``quiet`` keeps what ``-q`` promises: problems, warnings and the verdict line (the result),
    nothing else; a note that says a step found nothing to do shows with ``verbose`` only.
    Words are in ``lang``, the engine's notes too (``Note.in_lang``); its warnings and error
    causes are English for now.
    """
    if not quiet:
        console.print(summary_table(report, title, lang))
    for line in failure_lines(report, lang):
        console.print(escape(line), soft_wrap=True, highlight=False)
    for warning in report.warnings:
        line = text("warning.line", lang, message=warning)
        console.print(escape(line), soft_wrap=True, highlight=False)
    if not quiet:
        _print_notes(report, console, lang, verbose)
    seconds = number(round(report.seconds, 1), lang)
    load = number(round(report.load_seconds, 1), lang)
    where = escape(_where(report, lang))
    verdict = _verdict(report, lang)
    console.print(
        text("sync.verdict_line", lang, verdict=verdict, where=where, seconds=seconds, load=load)
    )


def _print_notes(report: SyncReport, console: Console, lang: str, verbose: bool) -> None:
    """What the run did besides loading: its notes, leftovers it removed, columns kept out."""
    for note in report.notes:
        if isinstance(note, Note) and not note.changed and not verbose:
            continue  # a step that found nothing to do
        message = note.in_lang(lang) if isinstance(note, Note) else note
        line = escape(text("sync.note", lang, message=message))
        console.print(line, soft_wrap=True, highlight=False)
    if report.interrupted_runs_removed:
        count = report.interrupted_runs_removed
        console.print(text("sync.interrupted_removed", lang, count=count))
    if report.fields:
        console.print(escape(_kept_out(report, lang)), soft_wrap=True, highlight=False)


def _where(report: SyncReport, lang: str = "en") -> str:
    """Where the data went, short: a DuckDB file below the current folder by its relative path,
    with the schema the tables are in."""
    where = report.location or report.destination
    with contextlib.suppress(ValueError):
        path = Path(where).relative_to(Path.cwd())
        return text("sync.where.schema", lang, path=path, schema=report.dataset_name)
    return where


def _kept_out(report: SyncReport, lang: str = "en") -> str:
    """Which columns the API was asked to leave out (privacy profile, fields), per dataset."""
    parts = []
    for dataset, value in sorted(report.fields.items()):
        count = len(value.lstrip("!").split(","))
        key = "sync.kept_out.all_but" if value.startswith("!") else "sync.kept_out.only"
        parts.append(text(key, lang, dataset=dataset, count=count))
    profile = report.privacy_profile
    said = text("sync.kept_out.profile", lang, profile=profile) if profile else ""
    return text("sync.kept_out", lang, profile=said, parts="; ".join(parts))


def _verdict(report: SyncReport, lang: str = "en") -> str:
    """The last line says what the exit code says: rejected rows are not "everything"."""
    if not report.ok:
        return f"[red]{text('sync.verdict.not_all', lang)}[/]"
    if report.rows_rejected:
        count = number(report.rows_rejected, lang)
        where = text("sync.verdict.rejected_where", lang, table=REJECTED_ROWS_TABLE)
        return f"[yellow]{text('sync.verdict.rejected', lang, count=count)}[/] {where}"
    return f"[green]{text('sync.verdict.all', lang)}[/]"

"""The ``demo`` command: a full and an incremental sync of a local sandbox, then what it made.

What the demo runs and which file it may replace is ``visma_hrm.cli.demo``'s business; this module
prints: the sandbox's address, both syncs' summaries, the change feed, the rows per table, the
analytics and where the report went.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    EmployeesOpt,
    ForceOpt,
    LangOpt,
    QuietOpt,
    VerboseOpt,
    check_lang,
    errors_to_exit,
    set_verbosity,
    stdout_console,
)
from visma_hrm.cli.extras import require_sandbox
from visma_hrm.messages import number, text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from visma_hrm.cli.demo import TableCount
    from visma_hrm.config import Settings
    from visma_hrm.sync import SyncReport


@app.command("demo")
@errors_to_exit
def demo_command(
    duckdb_path: Annotated[
        Path | None,
        typer.Option(
            "--duckdb-path",
            metavar="FILE",
            help="DuckDB file the demo makes (default ./visma_hrm_demo.duckdb; replaced only "
            "when an earlier demo made it).",
        ),
    ] = None,
    employees: EmployeesOpt = 200,
    force: ForceOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Sync a local sandbox (two tenants) fully, advance it a month, sync again incrementally."""
    from visma_hrm.cli import demo
    from visma_hrm.cli.changes_cmd import show_latest

    set_verbosity(quiet, verbose)
    lang = check_lang(lang)
    require_sandbox("visma-hrm demo", lang)
    path = duckdb_path or demo.DEMO_FILE
    console = stdout_console()
    demo.prepare_database(path, force, lang)
    with (
        demo.running_sandbox(employees) as sb,
        tempfile.TemporaryDirectory(prefix="visma-hrm-demo-") as work,
    ):
        tenants = ", ".join(sb.tenant_ids)
        console.print(text("demo.sandbox_running", lang, url=sb.base_url, tenants=tenants))
        settings = demo.demo_settings(sb, path, Path(work), lang)
        first = _demo_step(settings, console, text("demo.step.full", lang))
        sb.advance(days=30)
        console.print("\n" + text("demo.clock_moved", lang))
        second = _demo_step(settings, console, text("demo.step.incremental", lang))
        show_latest(settings, second.started_at, console)
    _explain(path, settings, console)
    raise typer.Exit(first.exit_code or second.exit_code)


def _demo_step(settings: Settings, console: Console, title: str) -> SyncReport:
    from visma_hrm.cli.progress import print_summary
    from visma_hrm.cli.sync_cmd import sync_with_display
    from visma_hrm.sync import SyncSettings

    report = sync_with_display(SyncSettings(settings), settings.lang)
    console.print()
    print_summary(report, console, title, lang=settings.lang)
    return report


def _explain(path: Path, settings: Settings, console: Console) -> None:
    """Row counts per table and tenant, the HR analytics views, and how to query them next."""
    from visma_hrm.analytics.build import DEFAULT_TARGET_SCHEMA
    from visma_hrm.cli.demo import schema_of, table_counts, write_demo_report

    lang = settings.lang
    schema = schema_of(path, settings)
    tables, counts = table_counts(path, schema)
    console.print(_counts_table(counts, lang))
    if "contracts" in tables:
        _show_analytics(path, settings, console)
    code = (
        "  import duckdb\n"
        f"  db = duckdb.connect({str(path)!r}, read_only=True)\n"
        f"  db.sql('SELECT tenant_id, count(*) FROM {schema}.contracts GROUP BY ALL').show()\n"
        f"  db.sql('SELECT * FROM {DEFAULT_TARGET_SCHEMA}.headcount_monthly_total "
        "ORDER BY ALL').show()"
    )
    values = {"code": code, "schema": schema, "tables": ", ".join(tables), "path": path}
    console.print(text("demo.next", lang, **values), highlight=False)
    if "contracts" in tables:
        out = write_demo_report(path, settings)
        console.print(text("demo.report", lang, path=out.resolve()), highlight=False)


def _show_analytics(path: Path, settings: Settings, console: Console) -> None:
    """The analytics views on the demo file: headcount, FTE and flows of the last months."""
    from visma_hrm.analytics.build import DEFAULT_TARGET_SCHEMA
    from visma_hrm.cli.analytics_cmd import print_analytics
    from visma_hrm.cli.demo import build_demo_analytics, custom_field_sample

    built = build_demo_analytics(path, settings)
    console.print(text("demo.analytics", settings.lang, date=built.as_of), highlight=False)
    print_analytics(console, DEFAULT_TARGET_SCHEMA, built.views, built.tenants, lang=settings.lang)
    sample = custom_field_sample(path)
    if sample is not None:
        lang = settings.lang
        values = ", ".join(f"{value} {number(n, lang)}" for value, n in sample.values)
        console.print(
            text(
                "demo.custom_fields",
                lang,
                schema=DEFAULT_TARGET_SCHEMA,
                columns=", ".join(sample.columns),
                field=sample.field,
                column=sample.column,
                values=values,
            ),
            highlight=False,
        )


def _counts_table(counts: list[TableCount], lang: str = "en") -> Table:
    from rich import box
    from rich.table import Table

    table = Table(
        title=text("demo.counts.title", lang),
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
        pad_edge=False,
    )
    for name in ("table", "tenant", "current", "deleted"):
        numeric = name in ("current", "deleted")
        header = text(f"demo.counts.col.{name}", lang)
        table.add_column(header, justify="right" if numeric else "left", overflow="fold")
    for c in counts:
        table.add_row(c.table, c.tenant, number(c.current, lang), number(c.deleted, lang))
    return table

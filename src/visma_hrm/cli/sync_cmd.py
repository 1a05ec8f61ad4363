"""The ``sync`` and ``demo`` commands.

``sync`` is the product's main job: settings from flags > environment > file > defaults (the
secret only from ``VISMA_HRM_CLIENT_SECRET`` or the secrets file), a live display on a terminal
or plain log lines elsewhere, a summary table or ``--json``, and exit code 0 only when
everything asked for was loaded. Expected errors print their message, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from visma_hrm.analytics.build import DEFAULT_TARGET_SCHEMA
from visma_hrm.catalog import DELETED_COLUMN, REJECTED_ROWS_TABLE, SYNC_STATE_TABLE
from visma_hrm.cli import app
from visma_hrm.config import Settings, load_settings
from visma_hrm.dlt_internals import quiet_dlt_logs
from visma_hrm.errors import ConcurrentRunError, ConfigurationError, Interrupted, VismaHrmError
from visma_hrm.pipeline import SyncReport, SyncSettings, duckdb_schema, sync
from visma_hrm.progress import PlainReporter, RichReporter, print_summary, short_tenant
from visma_hrm.redact import Secret, redact_text

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 75
"""Another sync writes the same data right now (EX_TEMPFAIL: try again later)."""
EXIT_INTERRUPTED = 130
"""128 + the signal's number, as shells report it: 130 for SIGINT, 143 for SIGTERM."""


@app.command("sync")
def sync_command(
    config: Annotated[Path | None, typer.Option("--config", help="TOML config file.")] = None,
    api_url: Annotated[str | None, typer.Option("--api-url", help="Analytics API URL.")] = None,
    token_url: Annotated[str | None, typer.Option("--token-url", help="Token URL.")] = None,
    client_id: Annotated[str | None, typer.Option("--client-id", help="isv_... id.")] = None,
    tenant: Annotated[
        list[str] | None, typer.Option("--tenant", help="Tenant id (repeatable).")
    ] = None,
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", help="Only this dataset (repeatable).")
    ] = None,
    fields: Annotated[
        list[str] | None,
        typer.Option("--fields", help="DATASET=a,b (only these) or DATASET=!a,b (all but)."),
    ] = None,
    privacy_profile: Annotated[
        str | None,
        typer.Option(
            "--privacy-profile",
            help="'contact': no private contact data; 'pseudonymize': keyed pseudonyms "
            "(both: 'contact,pseudonymize').",
        ),
    ] = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Full exports; mark vanished rows deleted.")
    ] = False,
    destination: Annotated[
        str | None, typer.Option("--destination", help="dlt destination (default duckdb).")
    ] = None,
    duckdb_path: Annotated[
        Path | None, typer.Option("--duckdb-path", help="DuckDB file (default ./visma_hrm.duckdb).")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", help="Exports running at once.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Load the approved datasets of every configured tenant into the destination."""
    overrides: dict[str, Any] = {
        "api_url": api_url,
        "token_url": token_url,
        "client_id": client_id,
        "tenants": tuple(tenant or ()),
        "datasets": tuple(dataset or ()),
        "privacy_profile": privacy_profile,
        "destination": destination,
        "duckdb_path": duckdb_path,
        "concurrency": concurrency,
    }
    quiet_dlt_logs()
    with _expected_errors(json_output):
        settings = load_settings(config, overrides=overrides)
        settings = with_field_flags(settings, fields or [])
        report = _run(SyncSettings(settings, full_refresh=full_refresh), json_output)
    raise typer.Exit(report.exit_code)


def with_field_flags(settings: Settings, specs: list[str]) -> Settings:
    """Apply ``--fields DATASET=SPEC`` flags on top of the configured ``fields`` per dataset."""
    merged = dict(settings.fields)
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ConfigurationError(f"--fields {spec!r}: expected DATASET=a,b or DATASET=!a,b.")
        merged[name.strip()] = value.strip()
    return replace(settings, fields=merged)


def stdout_console() -> Console:
    """stdout; when it is not a terminal (logs, pipes) wide enough for the summary table."""
    console = Console()
    return console if console.is_terminal else Console(width=140)


def _run(settings: SyncSettings, json_output: bool) -> SyncReport:
    out = stdout_console()
    if json_output:
        report = sync(settings, PlainReporter())
        print(json.dumps(report.to_dict(), indent=2))
        return report
    report = _sync_with_display(settings)
    print_summary(report, out)
    return report


def _sync_with_display(settings: SyncSettings) -> SyncReport:
    if sys.stderr.isatty():
        with RichReporter() as live:
            return sync(settings, live)
    return sync(settings, PlainReporter())


@contextmanager
def _expected_errors(json_output: bool = False) -> Iterator[None]:
    """Print expected errors as one message (no traceback, no secret) and exit non-zero.

    With ``--json`` the error is also printed as JSON on stdout, so a machine reading stdout
    always gets a document.
    """
    try:
        yield
    except Interrupted as exc:
        code = 128 + exc.signal_number
        _error(exc, code, json_output, label="[yellow]interrupted[/]")
        raise typer.Exit(code) from None
    except VismaHrmError as exc:
        code = _exit_code_of(exc)
        _error(exc, code, json_output)
        raise typer.Exit(code) from None
    except KeyboardInterrupt:  # a second Ctrl-C: stop at once
        message = "Stopped at once by a second Ctrl-C; the next sync redoes what was not finished."
        _error(Interrupted(2, message), EXIT_INTERRUPTED, json_output, "[yellow]interrupted[/]")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _exit_code_of(exc: VismaHrmError) -> int:
    if isinstance(exc, ConfigurationError):
        return EXIT_USAGE
    return EXIT_BUSY if isinstance(exc, ConcurrentRunError) else EXIT_FAILED


def _error(
    exc: VismaHrmError, exit_code: int, json_output: bool, label: str = "[red]error[/]"
) -> None:
    message = redact_text(exc.message)
    Console(stderr=True).print(f"{label} ({exc.code}): " + escape(message))
    if json_output:
        document = {"ok": False, "exit_code": exit_code, "error_code": exc.code, "message": message}
        print(json.dumps(document, indent=2))


# ------------------------------------------------------------------------------------- demo
DEMO_TENANTS = 2
DEMO_SEED = 7


@app.command("demo")
def demo_command(
    path: Annotated[Path, typer.Option("--path", help="DuckDB file to (re)create.")] = Path(
        "visma_hrm_demo.duckdb"
    ),
    employees: Annotated[
        int, typer.Option("--employees", min=1, help="Employees per tenant.")
    ] = 200,
) -> None:
    """Sync a local sandbox (two tenants) fully, advance it a month, sync again incrementally."""
    from visma_hrm.sandbox import SandboxConfig, start_sandbox

    console = stdout_console()
    config = SandboxConfig(tenants=DEMO_TENANTS, employees=employees, seed=DEMO_SEED)
    with (
        _expected_errors(),
        start_sandbox(config) as sb,
        tempfile.TemporaryDirectory(prefix="visma-hrm-demo-") as work,
    ):
        _remove_database(path)
        console.print(f"Sandbox running at {sb.base_url} with tenants {', '.join(sb.tenant_ids)}")
        settings = _demo_settings(sb, path, Path(work))
        first = _demo_step(settings, console, "1. Full sync")
        sb.advance(days=30)
        console.print("\nThe sandbox clock moved 30 days: hires, contract changes, leavers.")
        second = _demo_step(settings, console, "2. Incremental sync, a month later")
        as_of = sb.clock[:10]
        from visma_hrm.cli.changes_cmd import show_latest

        show_latest(settings, second.started_at, console)
    _explain(path, settings, console, as_of)
    raise typer.Exit(first.exit_code or second.exit_code)


def _demo_settings(sb: Any, path: Path, work: Path) -> Settings:
    """Settings for the in-process sandbox; a fresh dlt folder, never the user's real state."""
    return Settings(
        api_url=sb.api_url,
        token_url=sb.token_url,
        client_id=sb.client_id,
        client_secret=Secret(sb.client_secret),
        tenants=tuple(sb.tenant_ids),
        duckdb_path=path,
        pipelines_dir=work,
        pipeline_name="visma_hrm_demo",
        change_feed=True,
    )


def _remove_database(path: Path) -> None:
    """Start the demo from an empty file; refuse to touch anything that is not a file."""
    for old in (path, path.with_name(path.name + ".wal")):
        if old.exists() and not old.is_file():
            raise ConfigurationError(
                f"{old} exists and is not a DuckDB file; choose another --path."
            )
        old.unlink(missing_ok=True)


def _demo_step(settings: Settings, console: Console, title: str) -> SyncReport:
    report = _sync_with_display(SyncSettings(settings))
    console.print()
    print_summary(report, console, title)
    return report


def _explain(path: Path, settings: Settings, console: Console, as_of: str) -> None:
    """Row counts per table and tenant, the HR analytics views, and how to query them next."""
    import duckdb

    schema = duckdb_schema(path.resolve(), settings.dataset_name)
    with duckdb.connect(str(path), read_only=True) as db:
        tables = _tables(db, schema)
        console.print(_counts_table(db, schema, tables))
    if "contracts" in tables:
        _show_analytics(path, settings, console, as_of)
    console.print(
        f"\n[bold]Query it next[/]\n  duckdb {path}\n"
        f"  SELECT tenant_id, count(*) FROM {schema}.contracts GROUP BY ALL;\n"
        f"  SELECT * FROM {DEFAULT_TARGET_SCHEMA}.headcount_monthly_total ORDER BY ALL;\n"
        "or in Python:\n"
        "  import duckdb\n"
        f"  db = duckdb.connect({str(path)!r}, read_only=True)\n"
        f"  db.sql('SELECT * FROM {schema}.employees LIMIT 5').show()\n"
        f"Tables in schema {schema}: {', '.join(tables)}\n"
        "Rows gone at the source are marked _visma_deleted = true by a full export "
        "(`visma-hrm sync --full-refresh`). "
        f"Rebuild the analytics views with `visma-hrm analytics --duckdb-path {path}`.",
        highlight=False,
    )
    if "contracts" in tables:
        _write_demo_report(path, settings, console, as_of)


def _show_analytics(path: Path, settings: Settings, console: Console, as_of: str) -> None:
    """Build the analytics views on the demo file and show headcount, FTE and flows."""
    from visma_hrm.analytics.build import build_analytics, summary
    from visma_hrm.cli.analytics_cmd import print_analytics

    views = build_analytics(path, settings.dataset_name, as_of=dt.date.fromisoformat(as_of))
    console.print("\n[bold]HR analytics[/] (persons, contract history, headcount, FTE, flows)")
    print_analytics(console, DEFAULT_TARGET_SCHEMA, views, summary(path, months=3))


def _write_demo_report(path: Path, settings: Settings, console: Console, as_of: str) -> None:
    """The HR report of the demo data, next to the database file."""
    from visma_hrm.report import report

    out = path.with_name(path.stem + "_report.html")
    day = dt.date.fromisoformat(as_of)
    report(path, out, schema=settings.dataset_name, as_of=day)
    console.print(
        f"\n[bold]HR report[/] (open it in a browser; `visma-hrm report --lang nl` for Dutch)\n"
        f"  {out.resolve()}",
        highlight=False,
    )


def _tables(db: Any, schema: str) -> list[str]:
    """The dataset tables (not dlt's, the sync state, the change feed or other bookkeeping)."""
    rows = db.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
        "AND NOT starts_with(table_name, '_dlt') AND table_name <> ? ORDER BY 1",
        [schema, SYNC_STATE_TABLE],
    ).fetchall()
    from visma_hrm.catalog import DATASETS

    return [str(r[0]) for r in rows if str(r[0]) in DATASETS]


def _counts_table(db: Any, schema: str, tables: list[str]) -> Table:
    table = Table(title="Rows in the database (current / marked deleted)")
    for name in ("table", "tenant", "current", "deleted"):
        table.add_column(name, justify="right" if name in ("current", "deleted") else "left")
    for name in tables:
        if name == REJECTED_ROWS_TABLE:
            query = f'SELECT tenant_id, count(*), 0 FROM {schema}."{name}" GROUP BY 1 ORDER BY 1'
        else:
            query = (
                f"SELECT tenant_id, count(*) FILTER (WHERE NOT {DELETED_COLUMN}), "
                f'count(*) FILTER (WHERE {DELETED_COLUMN}) FROM {schema}."{name}" '
                "GROUP BY 1 ORDER BY 1"
            )
        for tenant, current, deleted in db.execute(query).fetchall():
            table.add_row(name, short_tenant(str(tenant)), f"{current:,}", f"{deleted:,}")
    return table

"""The ``sync`` and ``demo`` commands.

``sync`` is the product's main job: settings from flags > environment > file > defaults (the
secret only from ``VISMA_HRM_CLIENT_SECRET`` or the secrets file), a live display on a terminal
or plain log lines elsewhere, a summary table or ``--json``, and exit code 0 only when
everything asked for was loaded. Expected errors print their message, never a traceback.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from visma_hrm.analytics.build import DEFAULT_TARGET_SCHEMA
from visma_hrm.catalog import DELETED_COLUMN, REJECTED_ROWS_TABLE, SYNC_STATE_TABLE
from visma_hrm.cli import app
from visma_hrm.cli.common import (
    VERBOSITY,
    ApiUrlOpt,
    ClientIdOpt,
    ConfigOpt,
    DatasetOpt,
    DestinationOpt,
    DuckdbPathOpt,
    EmployeesOpt,
    FieldsOpt,
    ForceOpt,
    JsonOpt,
    LangOpt,
    PrivacyOpt,
    QuietOpt,
    TenantOpt,
    TokenUrlOpt,
    VerboseOpt,
    check_fields,
    check_lang,
    expected_errors,
    set_verbosity,
    stdout_console,
    warn,
)
from visma_hrm.config import Settings, load_settings
from visma_hrm.dlt_internals import quiet_dlt_logs
from visma_hrm.errors import ConfigurationError
from visma_hrm.messages import number, text
from visma_hrm.progress import PlainReporter, RichReporter, print_summary
from visma_hrm.redact import Secret
from visma_hrm.sync import NullReporter, Reporter, SyncReport, SyncSettings, sync, tables_schema


@app.command("sync")
def sync_command(
    config: ConfigOpt = None,
    api_url: ApiUrlOpt = None,
    token_url: TokenUrlOpt = None,
    client_id: ClientIdOpt = None,
    tenant: TenantOpt = None,
    dataset: DatasetOpt = None,
    fields: FieldsOpt = None,
    privacy_profile: PrivacyOpt = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Full exports; mark vanished rows deleted.")
    ] = False,
    destination: DestinationOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    table_format: Annotated[
        str | None,
        typer.Option(
            "--table-format",
            metavar="FORMAT",
            help="filesystem only: delta (default; parquet is refused).",
        ),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", metavar="N", help="Exports running at once.")
    ] = None,
    json_output: JsonOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Load the approved datasets of every configured tenant into the destination."""
    set_verbosity(quiet, verbose)
    overrides: dict[str, Any] = {
        "api_url": api_url,
        "token_url": token_url,
        "client_id": client_id,
        "tenants": tuple(tenant or ()),
        "datasets": tuple(dataset or ()),
        "privacy_profile": privacy_profile,
        "destination": destination,
        "duckdb_path": duckdb_path,
        "table_format": table_format,
        "concurrency": concurrency,
        "lang": lang,
    }
    quiet_dlt_logs()  # dlt's own log repeats what the run reports (RUNTIME__LOG_LEVEL wins)
    with expected_errors(json_output, check_lang(lang)):
        settings = load_settings(config, overrides=overrides)
        settings = with_field_flags(settings, fields or [])
        for warning in check_fields(dict(settings.fields)):
            warn(warning, settings.lang)
        run = SyncSettings(settings, full_refresh=full_refresh)
        report = _run(run, json_output, settings.lang)
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


def _run(settings: SyncSettings, json_output: bool, lang: str = "en") -> SyncReport:
    """Sync with the display that fits; the summary in ``lang``, ``--json`` always English."""
    out = stdout_console()
    if json_output:
        reporter: Reporter = NullReporter()
        if not VERBOSITY.quiet:
            reporter = PlainReporter(verbose=VERBOSITY.verbose, lang=lang)
        report = sync(settings, reporter)
        print(json.dumps(report.to_dict(), indent=2))
        return report
    report = _sync_with_display(settings, lang)
    print_summary(report, out, quiet=VERBOSITY.quiet, lang=lang)
    return report


def _sync_with_display(settings: SyncSettings, lang: str = "en") -> SyncReport:
    if VERBOSITY.quiet:
        return sync(settings, NullReporter())
    if sys.stderr.isatty() and not VERBOSITY.verbose:
        with RichReporter(lang=lang) as live:
            return sync(settings, live)
    return sync(settings, PlainReporter(verbose=VERBOSITY.verbose, lang=lang))


# ------------------------------------------------------------------------------------- demo
DEMO_TENANTS = 2
DEMO_FILE = Path("visma_hrm_demo.duckdb")
DEMO_SEED = 7


@app.command("demo")
def demo_command(
    duckdb_path: DuckdbPathOpt = None,
    employees: EmployeesOpt = 200,
    force: ForceOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Sync a local sandbox (two tenants) fully, advance it a month, sync again incrementally."""
    from visma_hrm.sandbox import SandboxConfig, start_sandbox

    set_verbosity(quiet, verbose)
    lang = check_lang(lang)
    path = duckdb_path or DEMO_FILE
    console = stdout_console()
    config = SandboxConfig(tenants=DEMO_TENANTS, employees=employees, seed=DEMO_SEED)
    with expected_errors(lang=lang):
        _remove_database(path, force, lang)
        _mark_as_demo(path)
        with (
            start_sandbox(config) as sb,
            tempfile.TemporaryDirectory(prefix="visma-hrm-demo-") as work,
        ):
            tenants = ", ".join(sb.tenant_ids)
            console.print(text("demo.sandbox_running", lang, url=sb.base_url, tenants=tenants))
            settings = _demo_settings(sb, path, Path(work), lang)
            first = _demo_step(settings, console, text("demo.step.full", lang))
            sb.advance(days=30)
            console.print("\n" + text("demo.clock_moved", lang))
            second = _demo_step(settings, console, text("demo.step.incremental", lang))
            from visma_hrm.cli.changes_cmd import show_latest

            show_latest(settings, second.started_at, console)
        _explain(path, settings, console)
    raise typer.Exit(first.exit_code or second.exit_code)


def _demo_settings(sb: Any, path: Path, work: Path, lang: str = "en") -> Settings:
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
        lang=lang,
    )


def _remove_database(path: Path, force: bool, lang: str = "en") -> None:
    """Start from an empty file; replace only a file an earlier demo made, unless ``--force``."""
    for old in (path, path.with_name(path.name + ".wal")):
        if old.exists() and not old.is_file():
            raise ConfigurationError(text("demo.not_duckdb", lang, path=old))
    if path.exists() and not force and not _made_by_demo(path):
        raise ConfigurationError(text("demo.not_ours", lang, path=path))
    for old in (path, path.with_name(path.name + ".wal")):
        old.unlink(missing_ok=True)


DEMO_MARK_SCHEMA = "_visma_hrm_demo"


def _made_by_demo(path: Path) -> bool:
    import duckdb

    try:
        with duckdb.connect(str(path), read_only=True) as db:
            found = db.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = ?",
                [DEMO_MARK_SCHEMA],
            ).fetchone()
    except duckdb.Error:
        return False  # not a DuckDB file at all: certainly not ours
    return bool(found and found[0])


def _mark_as_demo(path: Path) -> None:
    """Create the file with a mark (in a schema of its own, apart from the data)."""
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as db:
        db.execute(f"CREATE SCHEMA IF NOT EXISTS {DEMO_MARK_SCHEMA}")
        db.execute(f"CREATE TABLE IF NOT EXISTS {DEMO_MARK_SCHEMA}.made_by (tool VARCHAR)")
        db.execute(f"INSERT INTO {DEMO_MARK_SCHEMA}.made_by VALUES ('visma-hrm demo')")


def _demo_step(settings: Settings, console: Console, title: str) -> SyncReport:
    report = _sync_with_display(SyncSettings(settings), settings.lang)
    console.print()
    print_summary(report, console, title, lang=settings.lang)
    return report


def _explain(path: Path, settings: Settings, console: Console) -> None:
    """Row counts per table and tenant, the HR analytics views, and how to query them next."""
    import duckdb

    lang = settings.lang
    schema = tables_schema(settings)
    with duckdb.connect(str(path), read_only=True) as db:
        tables = _tables(db, schema)
        console.print(_counts_table(db, schema, tables, lang))
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
        _write_demo_report(path, settings, console)


def _show_analytics(path: Path, settings: Settings, console: Console) -> None:
    """Build the analytics views on the demo file and show headcount, FTE and flows.

    As ``visma-hrm analytics`` does without ``--as-of``: on the last date the data covers
    (the sandbox's clock, a year or more before today), so the months show real movement.
    """
    from visma_hrm.analytics.build import build_analytics, data_as_of, summary
    from visma_hrm.cli.analytics_cmd import print_analytics

    schema = tables_schema(settings)
    as_of = data_as_of(path, schema)
    views = build_analytics(path, settings.dataset_name, as_of=as_of)
    console.print(text("demo.analytics", settings.lang, date=as_of), highlight=False)
    tenants = summary(path, months=3)
    print_analytics(console, DEFAULT_TARGET_SCHEMA, views, tenants, lang=settings.lang)


def _write_demo_report(path: Path, settings: Settings, console: Console) -> None:
    """The HR report of the demo data, next to the database file, as of the data's last date."""
    from visma_hrm.analytics.build import data_as_of
    from visma_hrm.report import report

    out = path.with_name(path.stem + "_report.html")
    day = data_as_of(path, tables_schema(settings))
    report(path, out, lang=settings.lang, schema=settings.dataset_name, as_of=day)
    console.print(text("demo.report", settings.lang, path=out.resolve()), highlight=False)


def _tables(db: Any, schema: str) -> list[str]:
    """The dataset tables (not dlt's, the sync state, the change feed or other bookkeeping)."""
    rows = db.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
        "AND NOT starts_with(table_name, '_dlt') AND table_name <> ? ORDER BY 1",
        [schema, SYNC_STATE_TABLE],
    ).fetchall()
    from visma_hrm.catalog import DATASETS

    return [str(r[0]) for r in rows if str(r[0]) in DATASETS]


def _counts_table(db: Any, schema: str, tables: list[str], lang: str = "en") -> Table:
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
            table.add_row(name, str(tenant), number(current, lang), number(deleted, lang))
    return table

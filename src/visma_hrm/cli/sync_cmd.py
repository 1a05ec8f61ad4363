"""The ``sync`` command.

``sync`` is the product's main job: settings from flags > environment > file > defaults (the
secret only from ``VISMA_HRM_CLIENT_SECRET`` or the secrets file), a live display on a terminal
or plain log lines elsewhere, a summary table or ``--json``, and exit code 0 only when
everything asked for was loaded. Expected errors print their message, never a traceback.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

import typer

from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    VERBOSITY,
    ApiUrlOpt,
    ClientIdOpt,
    ConfigOpt,
    DatasetOpt,
    DestinationOpt,
    DuckdbPathOpt,
    FieldsOpt,
    JsonOpt,
    LangOpt,
    PrivacyOpt,
    QuietOpt,
    TenantOpt,
    TokenUrlOpt,
    VerboseOpt,
    check_lang,
    errors_to_exit,
    set_verbosity,
    stdout_console,
    warn,
)
from visma_hrm.config import Settings, load_settings
from visma_hrm.errors import ConfigurationError

if TYPE_CHECKING:
    from visma_hrm.sync import SyncReport, SyncSettings


@app.command("sync")
@errors_to_exit
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
    from visma_hrm.load.dlt_internals import quiet_dlt_logs
    from visma_hrm.sync import SyncSettings
    from visma_hrm.sync.plan import field_warnings

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
    check_lang(lang)
    settings = load_settings(config, overrides=overrides)
    settings = with_field_flags(settings, fields or [])
    for warning in field_warnings(settings.fields):  # before anything is asked
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
    from visma_hrm.cli.progress import PlainReporter, print_summary
    from visma_hrm.sync import NullReporter, Reporter, sync

    out = stdout_console()
    if json_output:
        reporter: Reporter = NullReporter()
        if not VERBOSITY.quiet:
            reporter = PlainReporter(verbose=VERBOSITY.verbose, lang=lang)
        report = sync(settings, reporter)
        print(json.dumps(report.to_dict(), indent=2))
        return report
    report = sync_with_display(settings, lang)
    print_summary(report, out, quiet=VERBOSITY.quiet, lang=lang, verbose=VERBOSITY.verbose)
    return report


def sync_with_display(settings: SyncSettings, lang: str = "en") -> SyncReport:
    """Sync with a live table on a terminal, plain log lines elsewhere, nothing with ``-q``."""
    from visma_hrm.cli.progress import PlainReporter, RichReporter
    from visma_hrm.sync import NullReporter, sync

    if VERBOSITY.quiet:
        return sync(settings, NullReporter())
    if sys.stderr.isatty() and not VERBOSITY.verbose:
        with RichReporter(lang=lang) as live:
            return sync(settings, live)
    return sync(settings, PlainReporter(verbose=VERBOSITY.verbose, lang=lang))

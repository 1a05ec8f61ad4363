"""The ``report`` command: write the HR report (one self-contained HTML file) and say where.

Reads DuckDB (``--duckdb-path``) or PostgreSQL (``--destination postgres``, credentials the
usual dlt way, never from a flag); all the work is in ``visma_hrm.report``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from visma_hrm.analytics.build import DEFAULT_SOURCE_SCHEMA
from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    MONTHS_HELP,
    AsOfOpt,
    DestinationOpt,
    DuckdbPathOpt,
    LangOpt,
    QuietOpt,
    SchemaOpt,
    TenantOpt,
    VerboseOpt,
    check_lang,
    errors_to_exit,
    parse_date,
    set_verbosity,
    stdout_console,
)
from visma_hrm.config import load_settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.messages import number, text
from visma_hrm.report import ReportData, report
from visma_hrm.report.data import DEFAULT_REPORT_SCHEMA, PERIOD_MONTHS
from visma_hrm.report.output import check_output


@app.command("report")
@errors_to_exit
def report_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="HTML file to write.")
    ] = Path("visma_hrm_report.html"),
    duckdb_path: DuckdbPathOpt = None,
    destination: DestinationOpt = None,
    schema: SchemaOpt = DEFAULT_SOURCE_SCHEMA,
    report_schema: Annotated[
        str,
        typer.Option(
            "--report-schema", metavar="SCHEMA", help="Schema for the report's own views."
        ),
    ] = DEFAULT_REPORT_SCHEMA,
    tenant: TenantOpt = None,
    as_of: AsOfOpt = None,
    months: Annotated[
        int, typer.Option("--months", min=2, metavar="N", help=MONTHS_HELP)
    ] = PERIOD_MONTHS,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Write the HR report: headcount, FTE, flows, units, contracts, age, action lists."""
    set_verbosity(quiet, verbose)
    lang = check_lang(lang)
    check_output(output, lang)
    day = _report_day(as_of)
    path = duckdb_path or load_settings().duckdb_path
    with connection(destination or "duckdb", path) as conn:
        data = report(
            conn,
            output,
            lang,
            schema=schema,
            report_schema=report_schema,
            tenants=list(tenant or []),
            as_of=day,
            months=months,
        )
    stdout_console().print(written_line(output, data, lang), highlight=False)


def written_line(output: Path, data: ReportData, lang: str) -> str:
    """Where the report went and what it counted, numbers as the reader writes them."""
    from rich.markup import escape

    return text(
        "report.written",
        lang,
        path=escape(str(output.resolve())),
        first=f"{data.months[0].month:%Y-%m}",
        as_of=data.as_of.isoformat(),
        tenants=number(len(data.tenants), lang),
        headcount=number(data.end.persons, lang),
        fte=number(f"{float(data.end.fte):,.1f}", lang),
    )


@contextmanager
def connection(destination: str, duckdb_path: Path) -> Iterator[Any]:
    """A DB-API connection to the synced tables: the DuckDB file, or PostgreSQL."""
    if destination == "duckdb":
        import duckdb

        if not duckdb_path.is_file():
            raise ConfigurationError(f"{duckdb_path} does not exist: run `visma-hrm sync` first.")
        conn = duckdb.connect(str(duckdb_path))
    elif destination == "postgres":
        conn = _postgres()
    else:
        raise ConfigurationError(
            f"--destination {destination!r}: the report reads duckdb or postgres."
        )
    try:
        yield conn
    finally:
        conn.close()


def _postgres() -> Any:
    """Credentials from DESTINATION__POSTGRES__CREDENTIALS or .dlt/secrets.toml, as the sync."""
    import dlt

    try:
        import psycopg2  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigurationError(
            "PostgreSQL needs the postgres extra: pip install 'visma-hrm[postgres]'."
        ) from None
    credentials: Any = dlt.secrets.get("destination.postgres.credentials")
    if not credentials:
        raise ConfigurationError(
            "No PostgreSQL credentials: set DESTINATION__POSTGRES__CREDENTIALS or "
            "[destination.postgres] credentials in .dlt/secrets.toml."
        )
    if isinstance(credentials, str):
        return psycopg2.connect(credentials)
    names = {
        "username": "user",
        "password": "password",
        "host": "host",
        "port": "port",
        "database": "dbname",
    }
    given = {names[k]: v for k, v in dict(credentials).items() if k in names and v is not None}
    return psycopg2.connect(**given)


def _report_day(flag: str | None) -> dt.date | None:
    """--as-of: a date, 'today', or absent (the report's default: the data's last date)."""
    if flag is None:
        return None
    return dt.date.today() if flag.strip().lower() == "today" else parse_date("--as-of", flag)

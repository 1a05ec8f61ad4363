"""The ``report`` command: write the HR report (one self-contained HTML file) and say where.

Reads the warehouse the settings name (a DuckDB file, or PostgreSQL with the credentials the
sync uses) through ``visma_hrm.warehouse.reading``; all the work is in ``visma_hrm.report``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    ConfigOpt,
    DuckdbPathOpt,
    JsonOpt,
    LangOpt,
    QuietOpt,
    VerboseOpt,
    errors_to_exit,
    set_verbosity,
    stdout_console,
)
from visma_hrm.cli.read_options import (
    DEFAULT_MONTHS,
    AsOfOpt,
    MonthsOpt,
    ReadDestinationOpt,
    SchemaOpt,
    as_of_date,
    read_settings,
    tenant_filter,
)
from visma_hrm.messages import number, text
from visma_hrm.report.definitions import DEFAULT_REPORT_SCHEMA

if TYPE_CHECKING:
    from visma_hrm.report import ReportData


@app.command("report")
@errors_to_exit
def report_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="HTML file to write.")
    ] = Path("visma_hrm_report.html"),
    config: ConfigOpt = None,
    destination: ReadDestinationOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    schema: SchemaOpt = None,
    report_schema: Annotated[
        str,
        typer.Option(
            "--report-schema", metavar="SCHEMA", help="Schema for the report's own views."
        ),
    ] = DEFAULT_REPORT_SCHEMA,
    tenant: Annotated[
        list[str] | None,
        typer.Option(
            "--tenant", metavar="TENANT_ID", help="Only this tenant in the report; repeatable."
        ),
    ] = None,
    as_of: AsOfOpt = None,
    months: MonthsOpt = DEFAULT_MONTHS,
    json_output: JsonOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Write the HR report: headcount, FTE, flows, units, contracts, age, action lists."""
    from visma_hrm.report import report
    from visma_hrm.report.output import check_output
    from visma_hrm.warehouse.reading import open_for_reading

    set_verbosity(quiet, verbose)
    settings = read_settings(
        config, destination=destination, duckdb_path=duckdb_path, schema=schema, lang=lang
    )
    wanted = tenant_filter(tenant)
    check_output(output, settings.lang)  # before the work, not after it
    with open_for_reading(settings, views=True) as reading:
        day = as_of_date(reading, as_of, settings.lang) or dt.date.today()
        data = report(
            reading.connection,
            output,
            settings.lang,
            schema=reading.schema,
            report_schema=report_schema,
            tenants=list(wanted),
            as_of=day,
            months=months,
        )
    if json_output:
        document = {
            "output": str(output.resolve()),
            "as_of": data.as_of.isoformat(),
            "first_month": f"{data.months[0].month:%Y-%m}",
            "tenants": data.tenants,
            "headcount": data.end.persons,
            "fte": float(data.end.fte),
        }
        print(json.dumps(document, indent=2))
        return
    stdout_console().print(written_line(output, data, settings.lang), highlight=False)


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

"""The ``report`` command: write the HR report (one self-contained HTML file) and say where.

Reads the warehouse the settings name (a DuckDB file, or PostgreSQL with the credentials the
sync uses) through ``visma_hrm.warehouse.reading``; all the work is in ``visma_hrm.report``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

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
    from visma_hrm.warehouse.reading import open_for_reading

    set_verbosity(quiet, verbose)
    settings = read_settings(
        config, destination=destination, duckdb_path=duckdb_path, schema=schema, lang=lang
    )
    wanted = tenant_filter(tenant)
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
    where = output.resolve()
    if json_output:
        document = {
            "output": str(where),
            "as_of": data.as_of.isoformat(),
            "first_month": f"{data.months[0].month:%Y-%m}",
            "tenants": data.tenants,
            "headcount": data.end.persons,
        }
        print(json.dumps(document, indent=2))
        return
    from rich.markup import escape

    values = {
        "path": escape(str(where)),
        "first": f"{data.months[0].month:%Y-%m}",
        "as_of": data.as_of.isoformat(),
        "tenants": number(len(data.tenants), settings.lang),
        "headcount": number(data.end.persons, settings.lang),
    }
    stdout_console().print(text("report.written", settings.lang, **values), highlight=False)

"""The ``model`` command: build the Power BI-ready star model (``visma_hrm.analytics.star``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from visma_hrm.analytics.build import DEFAULT_SOURCE_SCHEMA, DEFAULT_TARGET_SCHEMA, data_as_of
from visma_hrm.analytics.star import DEFAULT_MODEL_SCHEMA, build_model
from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    AsOfOpt,
    DestinationOpt,
    DuckdbPathOpt,
    QuietOpt,
    SchemaOpt,
    VerboseOpt,
    errors_to_exit,
    parse_date,
    set_verbosity,
)
from visma_hrm.cli.report_cmd import connection
from visma_hrm.config import load_settings


@app.command("model")
@errors_to_exit
def model_command(
    duckdb_path: DuckdbPathOpt = None,
    destination: DestinationOpt = None,
    schema: SchemaOpt = DEFAULT_SOURCE_SCHEMA,
    analytics_schema: Annotated[
        str,
        typer.Option(
            "--analytics-schema", metavar="SCHEMA", help="Schema for the analytics views."
        ),
    ] = DEFAULT_TARGET_SCHEMA,
    model_schema: Annotated[
        str,
        typer.Option("--model-schema", metavar="SCHEMA", help="Schema for the star model's views."),
    ] = DEFAULT_MODEL_SCHEMA,
    as_of: AsOfOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Create the star model for Power BI: person, employment, unit and date dimensions and a
    monthly headcount/FTE fact (see docs/powerbi.md)."""
    set_verbosity(quiet, verbose)
    settings = load_settings()
    path = duckdb_path or settings.duckdb_path
    fields = settings.model_custom_fields
    with connection(destination or "duckdb", path) as conn:
        day = _model_day(conn, schema, as_of)
        views = build_model(
            conn, schema, analytics_schema, model_schema, as_of=day, custom_fields=fields
        )
    from rich.console import Console

    Console().print(f"Views in schema {model_schema}: {', '.join(views)}", highlight=False)


def _model_day(conn: Any, schema: str, flag: str | None) -> dt.date | None:
    """--as-of: a date; 'today' (None: CURRENT_DATE, views follow the calendar); absent: the
    data's last date, as ``visma-hrm analytics`` does."""
    if flag is None:
        return data_as_of(conn, schema)
    return None if flag.strip().lower() == "today" else parse_date("--as-of", flag)

"""The ``model`` command: build the Power BI-ready star model (``visma_hrm.model``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import duckdb
import typer
from rich.console import Console

from visma_hrm.analytics.build import DEFAULT_SOURCE_SCHEMA, DEFAULT_TARGET_SCHEMA, data_as_of
from visma_hrm.cli import app
from visma_hrm.cli.common import (
    AsOfOpt,
    DestinationOpt,
    DuckdbPathOpt,
    QuietOpt,
    SchemaOpt,
    VerboseOpt,
    set_verbosity,
)
from visma_hrm.cli.report_cmd import EXIT_FAILED, EXIT_USAGE, _connection, _date, _fail
from visma_hrm.config import load_settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.model import DEFAULT_MODEL_SCHEMA, build_model
from visma_hrm.redact import redact_text


@app.command("model")
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
    try:
        path = duckdb_path or load_settings().duckdb_path
        with _connection(destination or "duckdb", path) as conn:
            day = _model_day(conn, schema, as_of)
            views = build_model(conn, schema, analytics_schema, model_schema, as_of=day)
    except ConfigurationError as exc:
        _fail(f"({exc.code}): {exc.message}", EXIT_USAGE)
    except duckdb.Error as exc:
        _fail(f"(database): {redact_text(str(exc))}", EXIT_FAILED)
    Console().print(f"Views in schema {model_schema}: {', '.join(views)}", highlight=False)


def _model_day(conn: Any, schema: str, flag: str | None) -> dt.date | None:
    """--as-of: a date; 'today' (None: CURRENT_DATE, views follow the calendar); absent: the
    data's last date, as ``visma-hrm analytics`` does."""
    if flag is None:
        return data_as_of(conn, schema)
    return None if flag.strip().lower() == "today" else _date(flag)

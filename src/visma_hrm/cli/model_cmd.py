"""The ``model`` command: build the Power BI-ready star model (``visma_hrm.model``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console

from visma_hrm.analytics.build import DEFAULT_SOURCE_SCHEMA, DEFAULT_TARGET_SCHEMA
from visma_hrm.cli import app
from visma_hrm.cli.report_cmd import EXIT_FAILED, EXIT_USAGE, _connection, _date, _fail
from visma_hrm.duckdb_file import DEFAULT_FILE
from visma_hrm.errors import ConfigurationError
from visma_hrm.model import DEFAULT_MODEL_SCHEMA, build_model
from visma_hrm.redact import redact_text


@app.command("model")
def model_command(
    duckdb_path: Annotated[
        Path, typer.Option("--duckdb-path", help="DuckDB file the sync loaded into.")
    ] = DEFAULT_FILE,
    destination: Annotated[
        str, typer.Option("--destination", help="duckdb, or postgres (dlt credentials).")
    ] = "duckdb",
    schema: Annotated[
        str, typer.Option("--schema", help="Schema holding the synced tables.")
    ] = DEFAULT_SOURCE_SCHEMA,
    analytics_schema: Annotated[
        str, typer.Option("--analytics-schema", help="Schema for the analytics views.")
    ] = DEFAULT_TARGET_SCHEMA,
    model_schema: Annotated[
        str, typer.Option("--model-schema", help="Schema for the star model's views.")
    ] = DEFAULT_MODEL_SCHEMA,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Reference date YYYY-MM-DD (default: live).")
    ] = None,
) -> None:
    """Create the star model for Power BI: person, employment, unit and date dimensions and a
    monthly headcount/FTE fact (see docs/powerbi.md)."""
    try:
        day = _date(as_of) if as_of else None
        with _connection(destination, duckdb_path) as conn:
            views = build_model(conn, schema, analytics_schema, model_schema, as_of=day)
    except ConfigurationError as exc:
        _fail(f"({exc.code}): {exc.message}", EXIT_USAGE)
    except duckdb.Error as exc:
        _fail(f"(database): {redact_text(str(exc))}", EXIT_FAILED)
    Console().print(f"Views in schema {model_schema}: {', '.join(views)}", highlight=False)

"""The ``analytics`` command: (re)create the HR views and print headcount, FTE and flows.

The views read the synced tables live; running this again is needed only to fix another
as-of date or after a dataset was approved for the first time.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, NoReturn

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from visma_hrm.analytics.build import (
    DEFAULT_SOURCE_SCHEMA,
    DEFAULT_TARGET_SCHEMA,
    SpineStart,
    TenantSummary,
    build_analytics,
    summary,
)
from visma_hrm.cli import app
from visma_hrm.errors import ConfigurationError

EXIT_FAILED = 1
EXIT_USAGE = 2


@app.command("analytics")
def analytics_command(
    duckdb_path: Annotated[
        Path, typer.Option("--duckdb-path", help="DuckDB file the sync loaded into.")
    ] = Path("visma_hrm.duckdb"),
    schema: Annotated[
        str, typer.Option("--schema", help="Schema holding the synced tables.")
    ] = DEFAULT_SOURCE_SCHEMA,
    target_schema: Annotated[
        str, typer.Option("--target-schema", help="Schema for the analytics views.")
    ] = DEFAULT_TARGET_SCHEMA,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Reference date YYYY-MM-DD (default: today, live)."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="First month YYYY-MM-DD or 'earliest' (default 24 back)."),
    ] = None,
    months: Annotated[int, typer.Option("--months", min=1, help="Months of flows shown.")] = 6,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON document.")] = False,
) -> None:
    """Create the HR analytics views (persons, contract history, headcount, FTE, flows)."""
    try:
        as_of_date = _date("--as-of", as_of) if as_of else None
        start: SpineStart = None
        if since == "earliest":
            start = "earliest"
        elif since:
            start = _date("--since", since)
        views = build_analytics(duckdb_path, schema, target_schema, as_of=as_of_date, start=start)
        tenants = summary(duckdb_path, target_schema, months=months)
    except ConfigurationError as exc:
        _fail(f"({exc.code}): {exc.message}", EXIT_USAGE)
    except duckdb.Error as exc:
        _fail(f"(database): {exc}", EXIT_FAILED)
    if json_output:
        document = {
            "schema": target_schema,
            "views": views,
            "tenants": [t.to_dict() for t in tenants],
        }
        print(json.dumps(document, indent=2))
        return
    print_analytics(Console(), target_schema, views, tenants)


def _fail(message: str, code: int) -> NoReturn:
    Console(stderr=True).print("[red]error[/] " + escape(message), highlight=False)
    raise typer.Exit(code)


def _date(flag: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(f"{flag} {text!r}: expected a date as YYYY-MM-DD.") from None


def print_analytics(
    console: Console, schema: str, views: list[str], tenants: list[TenantSummary]
) -> None:
    """The views built and, per tenant, headcount, FTE and flows of the last months."""
    public = [v for v in views if not v.startswith("stg_")]
    console.print(f"Views in schema [bold]{schema}[/]: {', '.join(public)}", highlight=False)
    for tenant in tenants:
        table = Table(
            title=f"Tenant {tenant.tenant_id}: headcount {tenant.headcount}, "
            f"FTE {tenant.fte} on {tenant.as_of.isoformat()}"
        )
        for name in ("month", "headcount", "fte", "inflow", "rehires", "outflow", "transfers"):
            table.add_column(name, justify="left" if name == "month" else "right")
        for m in tenant.months:
            table.add_row(
                *(str(m[k]) for k in ("month", "headcount", "fte", "inflow")),
                *(str(m[k]) for k in ("rehires", "outflow", "transfers")),
            )
        console.print(table)
    if not tenants:
        console.print("No contracts found: nothing to count yet.")
    console.print(
        f"Query them next: SELECT * FROM {schema}.headcount_monthly_total ORDER BY 1, 2;",
        highlight=False,
    )

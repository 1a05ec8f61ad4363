"""The ``analytics`` command: (re)create the HR views and print headcount, FTE and flows.

The views read the synced tables live. Without ``--as-of`` they count on the one reference date
(``visma_hrm.analytics.as_of``: the last date the data covers), so run this again after a sync
to move that date; ``--as-of today`` makes views that follow the calendar by themselves. The
warehouse is opened through ``visma_hrm.warehouse.reading`` (views only in their own schema).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    VERBOSITY,
    ConfigOpt,
    DuckdbPathOpt,
    JsonOpt,
    LangOpt,
    QuietOpt,
    VerboseOpt,
    errors_to_exit,
    parse_date,
    set_verbosity,
    stdout_console,
)
from visma_hrm.cli.read_options import (
    DEFAULT_ANALYTICS_SCHEMA,
    DEFAULT_MONTHS,
    AnalyticsSchemaOpt,
    AsOfOpt,
    MonthsOpt,
    ReadDestinationOpt,
    SchemaOpt,
    as_of_date,
    chosen_tenants,
    read_settings,
    tenant_filter,
)
from visma_hrm.messages import number, text

if TYPE_CHECKING:  # rich's tables and the analytics load when used, not for --help
    from rich.console import Console

    from visma_hrm.analytics.build import SpineStart, TenantSummary


@app.command("analytics")
@errors_to_exit
def analytics_command(
    config: ConfigOpt = None,
    destination: ReadDestinationOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    schema: SchemaOpt = None,
    analytics_schema: AnalyticsSchemaOpt = DEFAULT_ANALYTICS_SCHEMA,
    target_schema: Annotated[
        str | None, typer.Option("--target-schema", metavar="SCHEMA", hidden=True)
    ] = None,
    tenant: Annotated[
        list[str] | None,
        typer.Option(
            "--tenant",
            metavar="TENANT_ID",
            help="Only this tenant in the figures printed (the views hold every tenant); "
            "repeatable.",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="First month of the views' history: YYYY-MM-DD, or 'earliest' (the first "
            "contract); default 24 months before the as-of date.",
        ),
    ] = None,
    months: MonthsOpt = DEFAULT_MONTHS,
    json_output: JsonOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Create the HR analytics views (persons, contract history, headcount, FTE, flows) and
    print headcount, FTE and flows per tenant."""
    from visma_hrm.analytics.build import build_analytics, summary
    from visma_hrm.warehouse.reading import open_for_reading

    set_verbosity(quiet, verbose)
    settings = read_settings(
        config, destination=destination, duckdb_path=duckdb_path, schema=schema, lang=lang
    )
    wanted, start = tenant_filter(tenant), _spine_start(since)
    target = target_schema or analytics_schema  # --target-schema: the old name, kept hidden
    with open_for_reading(settings, views=True) as reading:
        day = as_of_date(reading, as_of, settings.lang)
        views = build_analytics(reading.connection, reading.schema, target, as_of=day, start=start)
        found = summary(reading.connection, target, months=months)
    shown = chosen_tenants(wanted, [t.tenant_id for t in found])
    tenants = [t for t in found if t.tenant_id in shown]
    if json_output:
        document = {
            "schema": target,
            "as_of": day.isoformat() if day else None,
            "views": views,
            "tenants": [t.to_dict() for t in tenants],
        }
        print(json.dumps(document, indent=2))
        return
    print_analytics(stdout_console(), target, views, tenants, settings.lang, VERBOSITY.quiet)


def _spine_start(since: str | None) -> SpineStart:
    if since == "earliest":
        return "earliest"
    return parse_date("--since", since) if since else None


def print_analytics(
    console: Console,
    schema: str,
    views: list[str],
    tenants: list[TenantSummary],
    lang: str = "en",
    quiet: bool = False,
) -> None:
    """The views built and, per tenant, headcount, FTE and flows of the last months.

    Words and numbers as the reader writes them (``1.234,5`` in Dutch); view and schema
    names stay as they are, since they are what a query names. ``quiet``: only the figures
    (not the views built nor what to query next).
    """
    from rich import box
    from rich.table import Table

    public = [v for v in views if not v.startswith("stg_")]
    if not quiet:
        views_line = text("analytics.views", lang, schema=schema, views=", ".join(public))
        console.print(views_line, highlight=False)
    for tenant in tenants:
        title = text(
            "analytics.tenant",
            lang,
            tenant=tenant.tenant_id,
            headcount=number(tenant.headcount, lang, grouping=False),
            fte=number(tenant.fte, lang),
            date=tenant.as_of.isoformat(),
        )
        table = Table(
            title=title,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            padding=0,
            pad_edge=False,
        )
        for name in ("month", "headcount", "fte", "inflow", "rehires", "outflow", "transfers"):
            header = text(f"analytics.col.{name}", lang)
            table.add_column(header, justify="left" if name == "month" else "right", no_wrap=True)
        for m in tenant.months:
            table.add_row(
                str(m["month"]),
                *(number(m[k], lang, grouping=False) for k in ("headcount", "fte", "inflow")),
                *(number(m[k], lang, grouping=False) for k in ("rehires", "outflow", "transfers")),
            )
        console.print(table)
        if tenant.workforce:
            console.print(_workforce_line(tenant.workforce, lang), highlight=False)
    if not tenants:
        console.print(text("analytics.no_contracts", lang))
    if not quiet:
        console.print(text("analytics.next", lang, schema=schema), highlight=False)


def _workforce_line(numbers: dict[str, float | None], lang: str) -> str:
    """The HR numbers of a tenant on the as-of date in one sentence (``-`` when unknown)."""

    def shown(key: str, digits: int = 1) -> str:
        value = numbers.get(key)
        return "-" if value is None else number(round(value, digits), lang)

    return text(
        "analytics.workforce",
        lang,
        fixed=shown("fixed_term_headcount_pct"),
        fixed_fte=shown("fixed_term_fte_pct"),
        service=shown("service_years_avg"),
        age=shown("age_avg"),
        span=shown("span_avg"),
    )

"""The ``analytics`` command: (re)create the HR views and print headcount, FTE and flows.

The views read the synced tables live. Without ``--as-of`` they count on the last date the
data covers (the latest change at the source), so run this again after a sync to move that
date; ``--as-of today`` makes views that follow the calendar by themselves.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from visma_hrm.analytics.build import (
    DEFAULT_SOURCE_SCHEMA,
    DEFAULT_TARGET_SCHEMA,
    SpineStart,
    TenantSummary,
    build_analytics,
    data_as_of,
    summary,
)
from visma_hrm.cli.app import app
from visma_hrm.cli.common import (
    MONTHS_HELP,
    VERBOSITY,
    AsOfOpt,
    DuckdbPathOpt,
    JsonOpt,
    LangOpt,
    QuietOpt,
    SchemaOpt,
    SinceOpt,
    VerboseOpt,
    check_lang,
    errors_to_exit,
    parse_date,
    say,
    set_verbosity,
    stdout_console,
)
from visma_hrm.config import load_settings
from visma_hrm.errors import ConfigurationError
from visma_hrm.messages import number, text

if TYPE_CHECKING:  # rich's tables load when something is printed, not for --help
    from rich.console import Console


@app.command("analytics")
@errors_to_exit
def analytics_command(
    duckdb_path: DuckdbPathOpt = None,
    schema: SchemaOpt = DEFAULT_SOURCE_SCHEMA,
    target_schema: Annotated[
        str,
        typer.Option("--target-schema", metavar="SCHEMA", help="Schema for the analytics views."),
    ] = DEFAULT_TARGET_SCHEMA,
    as_of: AsOfOpt = None,
    since: SinceOpt = None,
    months: Annotated[int, typer.Option("--months", min=1, metavar="N", help=MONTHS_HELP)] = 6,
    json_output: JsonOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Create the HR analytics views (persons, contract history, headcount, FTE, flows)."""
    set_verbosity(quiet, verbose)
    lang = check_lang(lang)
    path = duckdb_path or load_settings().duckdb_path
    if not path.is_file():
        raise ConfigurationError(
            f"{path} does not exist: run `visma-hrm sync` first, or pass the file it "
            "loaded into (--duckdb-path)."
        )
    as_of_date = _as_of(path, schema, as_of)
    start: SpineStart = None
    if since == "earliest":
        start = "earliest"
    elif since:
        start = parse_date("--since", since)
    views = build_analytics(path, schema, target_schema, as_of=as_of_date, start=start)
    tenants = summary(path, target_schema, months=months)
    if json_output:
        document = {
            "schema": target_schema,
            "as_of": as_of_date.isoformat() if as_of_date else None,
            "views": views,
            "tenants": [t.to_dict() for t in tenants],
        }
        print(json.dumps(document, indent=2))
        return
    if as_of is None and not VERBOSITY.quiet:
        say(text("analytics.as_of", lang, date=as_of_date))
    print_analytics(stdout_console(), target_schema, views, tenants, lang=lang)


def _as_of(path: Path, schema: str, flag: str | None) -> dt.date | None:
    """--as-of: a date; 'today' (None: CURRENT_DATE, live); absent: the data's last date."""
    if flag is None:
        return data_as_of(path, schema)
    if flag.strip().lower() == "today":
        return None
    return parse_date("--as-of", flag)


def print_analytics(
    console: Console,
    schema: str,
    views: list[str],
    tenants: list[TenantSummary],
    lang: str = "en",
) -> None:
    """The views built and, per tenant, headcount, FTE and flows of the last months.

    Words and numbers as the reader writes them (``1.234,5`` in Dutch); view and schema
    names stay as they are, since they are what a query names.
    """
    from rich import box
    from rich.table import Table

    public = [v for v in views if not v.startswith("stg_")]
    console.print(
        text("analytics.views", lang, schema=schema, views=", ".join(public)), highlight=False
    )
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

"""The ``model`` command: build the Power BI-ready star model (``visma_hrm.analytics.star``)
and say what it counts on the as-of date (the one reference date unless ``--as-of``)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

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
    set_verbosity,
    stdout_console,
)
from visma_hrm.cli.read_options import (
    DEFAULT_ANALYTICS_SCHEMA,
    AnalyticsSchemaOpt,
    AsOfOpt,
    ReadDestinationOpt,
    SchemaOpt,
    as_of_date,
    chosen_tenants,
    read_settings,
    tenant_filter,
)
from visma_hrm.messages import number, text

DEFAULT_MODEL_SCHEMA = "visma_hrm_model"
"""``visma_hrm.analytics.star.DEFAULT_MODEL_SCHEMA``, spelled here so ``--help`` needs no
analytics import (a test keeps the two equal)."""


@app.command("model")
@errors_to_exit
def model_command(
    config: ConfigOpt = None,
    destination: ReadDestinationOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    schema: SchemaOpt = None,
    analytics_schema: AnalyticsSchemaOpt = DEFAULT_ANALYTICS_SCHEMA,
    model_schema: Annotated[
        str,
        typer.Option("--model-schema", metavar="SCHEMA", help="Schema for the star model's views."),
    ] = DEFAULT_MODEL_SCHEMA,
    tenant: Annotated[
        list[str] | None,
        typer.Option(
            "--tenant",
            metavar="TENANT_ID",
            help="Only this tenant in the figures printed (the model holds every tenant); "
            "repeatable.",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    json_output: JsonOpt = False,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Create the star model for Power BI: person, employment, unit and date dimensions and a
    monthly headcount/FTE fact (see docs/powerbi.md)."""
    from visma_hrm.analytics.star import build_model
    from visma_hrm.warehouse.reading import open_for_reading

    set_verbosity(quiet, verbose)
    settings = read_settings(
        config, destination=destination, duckdb_path=duckdb_path, schema=schema, lang=lang
    )
    wanted = tenant_filter(tenant)
    with open_for_reading(settings, views=True) as reading:
        day = as_of_date(reading, as_of, settings.lang)
        views = build_model(
            reading.connection,
            reading.schema,
            analytics_schema,
            model_schema,
            as_of=day,
            custom_fields=settings.model_custom_fields,
        )
        found = _last_month(reading.query, model_schema)
    shown = chosen_tenants(wanted, list(found))
    tenants = [{"tenant_id": t, **found[t]} for t in shown]
    if json_output:
        document = {
            "schema": model_schema,
            "as_of": day.isoformat() if day else None,
            "views": views,
            "tenants": [{**t, "fte": float(t["fte"]), "date": t["date"]} for t in tenants],
        }
        print(json.dumps(document, indent=2))
        return
    _print(model_schema, views, tenants, settings.lang)


def _last_month(query: Any, model_schema: str) -> dict[str, dict[str, Any]]:
    """Per tenant, what the fact counts in its last month (the as-of date): persons and FTE."""
    from visma_hrm.analytics.models import quote

    fact = f"{quote(model_schema)}.fact_headcount_monthly"
    rows = query(
        f"SELECT tenant_id, count(DISTINCT person_id), sum(fte), max(reference_date) FROM {fact} "
        f"WHERE month = (SELECT max(month) FROM {fact}) GROUP BY tenant_id ORDER BY tenant_id"
    )
    return {
        str(tenant): {
            "headcount": int(persons),
            "fte": Decimal(str(fte)).normalize(),
            "date": str(date)[:10],
        }
        for tenant, persons, fte, date in rows
    }


def _print(schema: str, views: list[str], tenants: list[dict[str, Any]], lang: str) -> None:
    console = stdout_console()
    line = text("model.views", lang, schema=schema, views=", ".join(views))
    console.print(line, highlight=False)
    for t in tenants:
        values = {
            "tenant": t["tenant_id"],
            "headcount": number(t["headcount"], lang, grouping=False),
            "fte": number(t["fte"], lang),
            "date": t["date"],
        }
        console.print(text("model.tenant", lang, **values), highlight=False)
    if not VERBOSITY.quiet:
        console.print(text("model.next", lang), highlight=False)

"""``analytics``: the views built and the headcount, FTE and flows per tenant; the one line of
``report`` (the file written) and of ``model`` (the star model built).

Looked up through ``visma_hrm.messages.text``; every key exists in both languages.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # --- analytics ----------------------------------------------------------------------------
    "analytics.as_of": (
        "As of {date}: the last date the data covers, when its newest export was taken "
        "(--as-of to choose another date, --as-of today to follow the calendar)."
    ),
    "analytics.views": "Views in schema [bold]{schema}[/]: {views}",
    "analytics.tenant": "tenant {tenant}\nheadcount {headcount}, FTE {fte} on {date}",
    "analytics.col.month": "month",
    "analytics.col.headcount": "headcount",
    "analytics.col.fte": "fte",
    "analytics.col.inflow": "inflow",
    "analytics.col.rehires": "rehires",
    "analytics.col.outflow": "outflow",
    "analytics.col.transfers": "transfers",
    "analytics.no_contracts": "No contracts found: nothing to count yet.",
    "analytics.next": (
        "Query them next: SELECT * FROM {schema}.headcount_monthly_total ORDER BY 1, 2;"
    ),
    # --- report and model --------------------------------------------------------------------
    "report.written": (
        "Report written: [bold]{path}[/] ({first} to {as_of}, {tenants} tenant(s), "
        "headcount {headcount})"
    ),
    "model.views": "Views in schema [bold]{schema}[/]: {views}",
    "model.tenant": "tenant {tenant}: headcount {headcount}, FTE {fte} on {date}",
    "model.next": (
        "Connect Power BI to these views (docs/powerbi.md); rebuild after a sync to move the "
        "as-of date."
    ),
}

NL: dict[str, str] = {
    "analytics.as_of": (
        "Peildatum {date}: de laatste datum in de data, toen de nieuwste export werd gemaakt "
        "(--as-of voor een andere datum, --as-of today om de kalender te volgen)."
    ),
    "analytics.views": "Views in schema [bold]{schema}[/]: {views}",
    "analytics.tenant": "tenant {tenant}\nheadcount {headcount}, fte {fte} op {date}",
    "analytics.col.month": "maand",
    "analytics.col.headcount": "headcount",
    "analytics.col.fte": "fte",
    "analytics.col.inflow": "instroom",
    "analytics.col.rehires": "terugkeer",
    "analytics.col.outflow": "uitstroom",
    "analytics.col.transfers": "doorstroom",
    "analytics.no_contracts": "Geen contracten gevonden: nog niets te tellen.",
    "analytics.next": (
        "Verder met SQL: SELECT * FROM {schema}.headcount_monthly_total ORDER BY 1, 2;"
    ),
    "report.written": (
        "Rapportage geschreven: [bold]{path}[/] ({first} t/m {as_of}, {tenants} tenant(s), "
        "headcount {headcount})"
    ),
    "model.views": "Views in schema [bold]{schema}[/]: {views}",
    "model.tenant": "tenant {tenant}: headcount {headcount}, fte {fte} op {date}",
    "model.next": (
        "Verbind Power BI met deze views (docs/powerbi.md); maak ze na een sync opnieuw om de "
        "peildatum te verzetten."
    ),
}

"""``analytics``, ``report`` and ``model``: the views built and the headcount, FTE and flows per
tenant; where the HR report went and what it counted, and why it could not be written; the star
model built and what it counts.

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
    "analytics.workforce": (
        "fixed-term {fixed}% of persons ({fixed_fte}% of FTE), length of service {service} "
        "years and age {age} on average, {span} persons per manager"
    ),
    "analytics.no_contracts": "No contracts found: nothing to count yet.",
    "analytics.next": (
        "Query them next: SELECT * FROM {schema}.headcount_monthly_total ORDER BY 1, 2;"
    ),
    # --- report ---------------------------------------------------------------------------
    "report.written": (
        "Report written: [bold]{path}[/] ({first} to {as_of}, {tenants} tenant(s), "
        "headcount {headcount}, FTE {fte})"
    ),
    "report.output_is_dir": (
        "-o {path} is a directory: name the HTML file to write, e.g. -o {example}."
    ),
    "report.no_contracts": "No contracts in the database: nothing to report yet.",
    "report.unknown_tenant": (
        "No contracts for tenant(s) {tenants} in the database; tenants found: {known}."
    ),
    # --- model ------------------------------------------------------------------------------
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
    "analytics.workforce": (
        "flexibele schil {fixed}% van de personen ({fixed_fte}% van de fte), gemiddeld "
        "{service} jaar in dienst en {age} jaar oud, {span} personen per leidinggevende"
    ),
    "analytics.no_contracts": "Geen contracten gevonden: nog niets te tellen.",
    "analytics.next": (
        "Verder met SQL: SELECT * FROM {schema}.headcount_monthly_total ORDER BY 1, 2;"
    ),
    "report.written": (
        "Rapportage geschreven: [bold]{path}[/] ({first} t/m {as_of}, {tenants} tenant(s), "
        "bezetting {headcount}, fte {fte})"
    ),
    "report.output_is_dir": (
        "-o {path} is een map: geef het HTML-bestand op dat geschreven moet worden, "
        "bijvoorbeeld -o {example}."
    ),
    "report.no_contracts": "Geen contracten in de database: nog niets te rapporteren.",
    "report.unknown_tenant": (
        "Geen contracten voor tenant(s) {tenants} in de database; gevonden tenants: {known}."
    ),
    "model.views": "Views in schema [bold]{schema}[/]: {views}",
    "model.tenant": "tenant {tenant}: headcount {headcount}, fte {fte} op {date}",
    "model.next": (
        "Verbind Power BI met deze views (docs/powerbi.md); maak ze na een sync opnieuw om de "
        "peildatum te verzetten."
    ),
}

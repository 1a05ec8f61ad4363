"""``demo`` and ``sandbox``: the sandbox's address, the two syncs, the rows per table, what to
query next.

Looked up through ``visma_hrm.messages.text``; every key exists in both languages.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # --- demo -----------------------------------------------------------------------------------
    "demo.sandbox_running": "Sandbox running at {url} with tenants {tenants}",
    "demo.clock_moved": "The sandbox clock moved 30 days: hires, contract changes, leavers.",
    "demo.step.full": "1. Full sync",
    "demo.step.incremental": "2. Incremental sync, a month later",
    "demo.counts.title": "Rows in the database (current / marked deleted)",
    "demo.counts.col.table": "table",
    "demo.counts.col.tenant": "tenant",
    "demo.counts.col.current": "current",
    "demo.counts.col.deleted": "deleted",
    "demo.next": (
        "\n[bold]Query it next[/] with the duckdb Python module (.venv/bin/python):\n{code}\n"
        "Tables in schema {schema}: {tables}\n"
        "Rows gone at the source are marked _visma_deleted = true by a full export "
        "(`visma-hrm sync --full-refresh`). "
        "Rebuild the analytics views with `visma-hrm analytics --duckdb-path {path}`."
    ),
    "demo.analytics": (
        "\n[bold]HR analytics[/] (persons, contract history, headcount, FTE, flows) as of "
        "{date}: the last date the data covers (when the sandbox exported it, by its clock), "
        "not today. `visma-hrm analytics` without --as-of does the same."
    ),
    "demo.report": (
        "\n[bold]HR report[/] (open it in a browser; `visma-hrm report --lang nl` for Dutch)\n"
        "  {path}"
    ),
    "demo.custom_fields": (
        "\n[bold]Custom fields as columns[/] (Visma's user-defined fields, no setting per field): "
        "{schema}.employee_custom_fields has {columns}. {field} ({column}) on that date: "
        "{values}."
    ),
    "demo.not_duckdb": "{path} exists and is not a DuckDB file; choose another --duckdb-path.",
    "demo.not_ours": (
        "{path} exists and was not made by the demo; the demo will not overwrite it. Choose "
        "another --duckdb-path, or pass --force to replace it."
    ),
    # --- sandbox ------------------------------------------------------------------------------
    "sandbox.admin": "{url}/sandbox/ (clock/advance, faults, tenants, truth)",
    "sandbox.running": "Sandbox running; Ctrl-C to stop.",
    "sandbox.stopped": "Sandbox stopped.",
    "sandbox.cannot_listen": "Cannot listen on {host}:{port}: {reason}. Try another --port.",
}

NL: dict[str, str] = {
    "demo.sandbox_running": "Sandbox draait op {url} met tenants {tenants}",
    "demo.clock_moved": (
        "De klok van de sandbox is 30 dagen vooruitgezet: indiensttredingen, "
        "contractwijzigingen, uitdiensttredingen."
    ),
    "demo.step.full": "1. Volledige sync",
    "demo.step.incremental": "2. Incrementele sync, een maand later",
    "demo.counts.title": "Rijen in de database (actueel / gemarkeerd als verwijderd)",
    "demo.counts.col.table": "tabel",
    "demo.counts.col.tenant": "tenant",
    "demo.counts.col.current": "actueel",
    "demo.counts.col.deleted": "verwijderd",
    "demo.next": (
        "\n[bold]Verder zoeken[/] met de duckdb-module van Python (.venv/bin/python):\n{code}\n"
        "Tabellen in schema {schema}: {tables}\n"
        "Rijen die bij de bron zijn verdwenen, krijgen bij een volledige export "
        "_visma_deleted = true (`visma-hrm sync --full-refresh`). "
        "De analytics-views opnieuw maken: `visma-hrm analytics --duckdb-path {path}`."
    ),
    "demo.analytics": (
        "\n[bold]HR-analytics[/] (personen, contracthistorie, headcount, fte, in-, door- en "
        "uitstroom) op peildatum {date}: de laatste datum in de data (toen de sandbox ze "
        "exporteerde, volgens zijn eigen klok), niet vandaag. `visma-hrm analytics` zonder "
        "--as-of doet hetzelfde."
    ),
    "demo.report": "\n[bold]HR-rapportage[/] (open het bestand in een browser)\n  {path}",
    "demo.custom_fields": (
        "\n[bold]Eigen velden als kolommen[/] (de vrije velden van Visma, zonder instelling per "
        "veld): {schema}.employee_custom_fields heeft {columns}. {field} ({column}) op die "
        "datum: {values}."
    ),
    "demo.not_duckdb": "{path} bestaat en is geen DuckDB-bestand; kies een andere --duckdb-path.",
    "demo.not_ours": (
        "{path} bestaat en is niet door de demo gemaakt; de demo overschrijft het niet. Kies "
        "een andere --duckdb-path, of geef --force om het te vervangen."
    ),
    "sandbox.admin": "{url}/sandbox/ (clock/advance, faults, tenants, truth)",
    "sandbox.running": "Sandbox draait; Ctrl-C om te stoppen.",
    "sandbox.stopped": "Sandbox gestopt.",
    "sandbox.cannot_listen": (
        "Kan niet luisteren op {host}:{port}: {reason}. Probeer een andere --port."
    ),
}

"""``report``: where the HR report went and what it counted, and why it could not be written.

Looked up through ``visma_hrm.messages.text``; every key exists in both languages.
"""

from __future__ import annotations

EN: dict[str, str] = {
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
}

NL: dict[str, str] = {
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
}

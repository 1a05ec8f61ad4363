"""``changes``: the change feed's table for people (its JSON Lines and CSV fields are a contract
and stay as they are), and what the demo says about the events it detected.

Looked up through ``visma_hrm.messages.text``; every key exists in both languages.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # --- changes ---------------------------------------------------------------------------
    "changes.col.detected": "detected",
    "changes.col.tenant": "tenant",
    "changes.col.type": "type",
    "changes.col.employee": "employment",
    "changes.col.effective": "effective",
    "changes.col.change": "change",
    "changes.count": "{count} event(s)",
    "changes.none_yet": (
        "This destination has no change feed yet: set change_feed = true and run a sync."
    ),
    "changes.demo_title": "\n[bold]Change feed[/]: {count} new event(s)",
    "changes.demo_all": "  all of them: visma-hrm changes --duckdb-path {path} --format jsonl",
}

NL: dict[str, str] = {
    "changes.col.detected": "gezien",
    "changes.col.tenant": "tenant",
    "changes.col.type": "soort",
    "changes.col.employee": "medewerker",
    "changes.col.effective": "per",
    "changes.col.change": "wijziging",
    "changes.count": "{count} gebeurtenis(sen)",
    "changes.none_yet": (
        "Deze bestemming heeft nog geen wijzigingenfeed: zet change_feed = true en draai een sync."
    ),
    "changes.demo_title": "\n[bold]Wijzigingenfeed[/]: {count} nieuwe gebeurtenis(sen)",
    "changes.demo_all": "  allemaal: visma-hrm changes --duckdb-path {path} --format jsonl",
}

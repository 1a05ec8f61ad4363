"""The change feed as a view: the events of table ``changes`` with the person they are about.

The feed's table (``visma_hrm.sync.steps.changes``) is a contract for scripts and holds keys
only; people
reading it in a BI tool want a name and the unit next to each event. The view adds them from
the analytics' persons and contract versions and keeps every column of the table, so both read
the same events. Without a feed (``change_feed`` off) the view exists and is empty.
"""

from __future__ import annotations

from visma_hrm.analytics.staging import Context, quote

FEED_TABLE = "changes"
_FEED_COLUMNS = (
    ("event_id", "TEXT"),
    ("tenant_id", "TEXT"),
    ("type", "TEXT"),
    ("person_key", "TEXT"),
    ("employeeid", "TEXT"),
    ("contractid", "TEXT"),
    ("effective_date", "DATE"),
    ("detected_at", "TIMESTAMP WITH TIME ZONE"),
    ("before", "TEXT"),
    ("after", "TEXT"),
    ("dataset", "TEXT"),
    ("row_key", "TEXT"),
)


def changes(ctx: Context) -> str:
    """One row per event, with the person's name and the unit of the contract it concerns."""
    columns = ", ".join(f"c.{quote(name)}" for name, _ in _FEED_COLUMNS)
    if FEED_TABLE in ctx.present:
        events = f"SELECT * FROM {ctx.source}.{quote(FEED_TABLE)}"
    else:
        typed = ", ".join(f"CAST(NULL AS {kind}) AS {quote(name)}" for name, kind in _FEED_COLUMNS)
        events = f"SELECT {typed} WHERE 1 = 0"
    return f"""WITH events AS ({events}),
units AS (
    SELECT tenant_id, employeeid, contractid, orgunitid, orgunitname,
           row_number() OVER (PARTITION BY tenant_id, employeeid, contractid
                              ORDER BY valid_from DESC) AS rn
    FROM {ctx.v("contract_periods")}
)
SELECT {columns}, p.formattedname, u.orgunitid, u.orgunitname
FROM events c
LEFT JOIN {ctx.v("persons")} p ON p.tenant_id = c.tenant_id AND p.person_key = c.person_key
LEFT JOIN units u ON u.tenant_id = c.tenant_id AND u.employeeid = c.employeeid
                 AND u.contractid = c.contractid AND u.rn = 1"""

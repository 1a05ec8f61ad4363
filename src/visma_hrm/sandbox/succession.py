"""How a history row changes in the sandbox: by succession. The open row ends the day before
the change date and a copy starts on it (units, custom fields and subcontracts alike).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from visma_hrm.sandbox.clock import ticks_date
from visma_hrm.sandbox.data import Row, Stamped


def open_before(rows: list[Stamped], day: str, skip: Collection[str] = ()) -> list[int]:
    """Indexes of the history rows still open (no end date) that started before ``day``,
    leaving out the rows of the custom fields named in ``skip``."""
    return [
        n
        for n, (r, _) in enumerate(rows)
        if r["enddate"] is None and (r["startdate"] or "") < day and r.get("fieldname") not in skip
    ]


def successor(rows: list[Stamped], n: int, ts: int) -> Row | None:
    """History rows change by succession: row ``n`` ends the day before the change date and
    a copy starts on it (returned, for the caller to change). None when row ``n`` itself
    starts on or after that day (a second change the same day would repeat its key)."""
    row = rows[n][0]
    day = ticks_date(ts)
    if (row["startdate"] or "") >= day.isoformat():
        return None
    closed = dict(row)
    closed["enddate"] = (day - dt.timedelta(days=1)).isoformat()
    rows[n] = (closed, ts)
    new = dict(row)
    new.update({"startdate": day.isoformat(), "enddate": None})
    rows.append((new, ts))
    return new

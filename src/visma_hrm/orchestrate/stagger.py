"""When each tenant runs: daily runs spread over a window, full exports spread over the week.

Hundreds of tenants started in the same minute ask Visma for thousands of export jobs at once,
and every weekly full export on Sunday at 02:00 asks for the heaviest ones together. Instead,
from a stable hash of the tenant id (SHA-256: the same on every machine and in every release):

* each tenant has a **slot** in the daily window (default 02:00-06:00 UTC, in steps of ten
  minutes): its daily run starts then;
* each tenant has a **weekday** for its full export: on that day its daily run is full.

Both orchestrators use this module: Dagster's schedule ticks every ten minutes in the window
and asks for the tenants whose slot has come (a missed tick is caught up at the next one, as
the run key names the tenant and the day); Airflow's DAG is scheduled on the same ticks and
maps over the tenants whose slot is the tick's. Nothing here imports an orchestrator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from visma_hrm.errors import ConfigurationError

DEFAULT_WINDOW = "02:00-06:00"
TICK_MINUTES = 10
DAY = 24 * 60
_WINDOW = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


def _hash(tenant_id: str, part: int) -> int:
    """Eight bytes of the tenant id's SHA-256: ``part`` 0 for the slot, 1 for the weekday."""
    digest = hashlib.sha256(tenant_id.strip().lower().encode()).digest()
    return int.from_bytes(digest[8 * part : 8 * part + 8], "big")


def full_weekday(tenant_id: str) -> int:
    """The weekday (Monday 0 ... Sunday 6) of the tenant's full export."""
    return _hash(tenant_id, 1) % 7


def is_full_day(tenant_id: str, day: dt.date) -> bool:
    return day.weekday() == full_weekday(tenant_id)


@dataclass(frozen=True)
class Window:
    """The daily window runs are spread over: ``start`` and length in minutes (UTC)."""

    start: int
    minutes: int

    @classmethod
    def parse(cls, text: str, where: str = "the window") -> Window:
        """``HH:MM-HH:MM`` in UTC, on ten-minute steps; past midnight is fine (22:00-02:00),
        equal ends are the whole day."""
        match = _WINDOW.fullmatch(text or "")
        if match is None:
            raise ConfigurationError(
                f"{where} {text!r}: expected HH:MM-HH:MM in UTC, such as {DEFAULT_WINDOW}."
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or m1 % TICK_MINUTES or m2 % TICK_MINUTES:
            raise ConfigurationError(
                f"{where} {text!r}: hours 00-23 and minutes on ten-minute steps "
                f"(00, 10, ... 50), such as {DEFAULT_WINDOW}."
            )
        start, end = h1 * 60 + m1, h2 * 60 + m2
        return cls(start, (end - start) % DAY or DAY)

    @property
    def slots(self) -> int:
        return self.minutes // TICK_MINUTES

    def slot(self, tenant_id: str) -> int:
        """The tenant's slot: its run starts ``slot * 10`` minutes into the window."""
        return _hash(tenant_id, 0) % self.slots

    def minutes_in(self, tick: dt.datetime) -> int | None:
        """How far into the window ``tick`` is (UTC), or None outside it."""
        moment = tick.astimezone(dt.UTC)
        into = (moment.hour * 60 + moment.minute - self.start) % DAY
        return into if into < self.minutes else None

    def day_of(self, tick: dt.datetime) -> dt.date:
        """The day the window ``tick`` falls in began (22:00-02:00: 01:00 is the day before)."""
        moment = tick.astimezone(dt.UTC)
        into = (moment.hour * 60 + moment.minute - self.start) % DAY
        return (moment - dt.timedelta(minutes=into)).date()

    def due(self, tenant_id: str, tick: dt.datetime, *, catch_up: bool = False) -> bool:
        """Whether the tenant's run starts at ``tick`` (``catch_up``: or started earlier in the
        same window, for a scheduler that may miss a tick and dedupes by run key)."""
        into = self.minutes_in(tick)
        if into is None:
            return False
        slot = self.slot(tenant_id)
        tick_slot = into // TICK_MINUTES
        return tick_slot >= slot if catch_up else tick_slot == slot

    def cron(self) -> str:
        """Every ten minutes in the hours the window covers (a tick outside it asks nothing)."""
        if self.minutes >= DAY:
            return f"*/{TICK_MINUTES} * * * *"
        first, last = self.start // 60, (self.start + self.minutes - 1) // 60
        hours = sorted({h % 24 for h in range(first, last + 1)})
        return f"*/{TICK_MINUTES} {','.join(str(h) for h in hours)} * * *"


@dataclass(frozen=True)
class Due:
    """A tenant whose run starts now, and whether it is its full-export day."""

    tenant_id: str
    full: bool
    day: dt.date

    @property
    def run_key(self) -> str:
        return f"{self.tenant_id}:{self.day.isoformat()}:{'full' if self.full else 'daily'}"


def due(
    tenants: Iterable[str], tick: dt.datetime, window: Window, *, catch_up: bool = False
) -> list[Due]:
    """The tenants whose run starts at ``tick``, each with its full-export day applied."""
    day = window.day_of(tick)
    return [
        Due(t, is_full_day(t, day), day) for t in tenants if window.due(t, tick, catch_up=catch_up)
    ]

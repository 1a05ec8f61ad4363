"""Timestamps the way .NET writes them: UTC, 7 fractional digits, ``Z``.

The sandbox keeps every change timestamp as an integer count of 100-nanosecond ticks since the
Unix epoch, so comparisons are exact and the 7th digit survives (a float would not).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

TICKS_PER_SECOND = 10_000_000
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$"
)


def format_ticks(ticks: int) -> str:
    """``2026-01-01T08:15:00.1234567Z``."""
    days, rest = divmod(ticks, TICKS_PER_DAY)
    seconds, frac = divmod(rest, TICKS_PER_SECOND)
    minutes, second = divmod(seconds, 60)
    return f"{_day_text(days)}T{minutes // 60:02d}:{minutes % 60:02d}:{second:02d}.{frac:07d}Z"


@functools.lru_cache(maxsize=65536)
def _day_text(days: int) -> str:
    return (_EPOCH.date() + dt.timedelta(days=days)).isoformat()


def parse_ticks(text: str) -> int:
    """Parse an ISO 8601 timestamp (up to 9 fractional digits, Z, offset or none = UTC)."""
    m = _ISO.match(text.strip())
    if not m:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    frac, zone = m.group(7) or "", m.group(8) or "Z"
    stamp = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        stamp -= sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    whole = (stamp - _EPOCH) // dt.timedelta(seconds=1)
    return whole * TICKS_PER_SECOND + int((frac + "0000000")[:7])


def date_ticks(day: dt.date) -> int:
    """Ticks at midnight UTC of a date."""
    return (day - _EPOCH.date()).days * TICKS_PER_DAY


def ticks_date(ticks: int) -> dt.date:
    return _EPOCH.date() + dt.timedelta(days=ticks // TICKS_PER_DAY)

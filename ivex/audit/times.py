"""Operator input for instants and durations: ``2025-03-01``, ``2025-03-01T08:00``, ``36h``.

A naive date or datetime is read in the federation's deadline zone (China Standard Time,
UTC+8, by default), the zone in which the cities' days end.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final

from ivex.errors import IvexError

_DURATION: Final = re.compile(r"(\d+)\s*([wdhms])")
_UNIT_S: Final = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}


class BadTimeInput(IvexError):  # noqa: N818 - an outcome of parsing, not a fault
    """A TIME or DURATION argument could not be read; ``text`` is what was given."""

    code = "bad_time_input"

    def __init__(self, text: str, expected: str) -> None:
        super().__init__(f"{text!r} is not {expected}")
        self.text = text
        self.expected = expected


def zone(tz_hours: int) -> timezone:
    """The fixed-offset zone ``UTC+tz_hours``."""
    return timezone(timedelta(hours=tz_hours))


def parse_instant(text: str, tz_hours: int = 8, *, end_of_day: bool = False) -> int:
    """Epoch milliseconds of an ISO date or datetime; naive means ``UTC+tz_hours``.

    A bare date is the start of that day, or with ``end_of_day`` its last millisecond
    (so ``--to 2025-03-31`` includes the whole of March 31st).
    """
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=zone(tz_hours))
            if end_of_day:
                moment += timedelta(days=1, milliseconds=-1)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.utcoffset() is None:
                moment = moment.replace(tzinfo=zone(tz_hours))
    except ValueError:
        raise BadTimeInput(text, "an ISO date or datetime (e.g. 2025-03-01T08:00)") from None
    return int(moment.timestamp() * 1000)


def parse_duration(text: str) -> int:
    """Milliseconds of a duration like ``36h``, ``2d``, ``90m``, ``1d12h`` or ``45s``."""
    value = text.strip().lower()
    parts = _DURATION.findall(value)
    if not parts or _DURATION.sub("", value).strip():
        raise BadTimeInput(text, "a duration like 36h, 2d, 90m or 1d12h")
    return sum(int(n) * _UNIT_S[unit] for n, unit in parts) * 1000


def format_duration(ms: int) -> str:
    """``3d 4h``, ``5h 20m``, ``12m``, ``0m``: two largest units, for tables."""
    sign = "-" if ms < 0 else ""
    minutes = abs(ms) // 60_000
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h" if hours else f"{sign}{days}d"
    if hours:
        return f"{sign}{hours}h {mins}m" if mins else f"{sign}{hours}h"
    return f"{sign}{mins}m"


def iso_utc(ms: int) -> str:
    """RFC 3339 in UTC with milliseconds, e.g. ``2025-03-04T02:00:00.000Z``."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def local_text(ms: int, tz_hours: int = 8) -> str:
    """``2025-03-04 10:00`` in ``UTC+tz_hours``: for tables a person reads."""
    return datetime.fromtimestamp(ms / 1000, zone(tz_hours)).strftime("%Y-%m-%d %H:%M")

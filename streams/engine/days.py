"""Calendar arithmetic in the federation's zone (China Standard Time by default).

Deadline days are inclusive: day ``D`` ends at the midnight that starts ``D + 1`` locally.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

MS_PER_DAY: Final = 86_400_000
MS_PER_HOUR: Final = 3_600_000
#: Proleptic Gregorian ordinal of 1970-01-01.
EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()


def end_of_day(day: dt.date, tz_hours: int) -> int:
    """Epoch ms of the instant day ``day`` ends in UTC+``tz_hours``."""
    return (day.toordinal() - EPOCH_ORDINAL + 1) * MS_PER_DAY - tz_hours * MS_PER_HOUR


def local_date(instant_ms: int, tz_hours: int) -> dt.date:
    """The local calendar date of an instant in UTC+``tz_hours``."""
    days = (instant_ms + tz_hours * MS_PER_HOUR) // MS_PER_DAY
    return dt.date.fromordinal(EPOCH_ORDINAL + days)

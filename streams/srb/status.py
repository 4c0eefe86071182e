"""The monitoring status of one SRB figure (docs/srb.md, "Statuses").

- ``INSUFFICIENT_DATA`` below ``min_births`` (male + female): never alerts;
- ``ALERT`` when the whole interval lies outside the normal range — above it (the lower
  bound exceeds ``normal_high``) or, symmetrically, below it (the upper bound is under
  ``normal_low``: boys missing from the register is as much a finding as girls missing);
- ``WATCH`` when only the point estimate lies outside the normal range;
- ``NORMAL`` otherwise.
"""

from __future__ import annotations

from ivex.models.enums import SrbStatus
from ivex.settings import SrbSettings
from streams.srb.wilson import SrbInterval

#: Statuses that raise an early-warning notice when a cell reaches them.
WARNING_STATUSES = frozenset({SrbStatus.WATCH, SrbStatus.ALERT})


def srb_status(male: int, female: int, interval: SrbInterval, settings: SrbSettings) -> SrbStatus:
    """The status of ``male``/``female`` births whose interval is ``interval``."""
    if male + female < settings.min_births:
        return SrbStatus.INSUFFICIENT_DATA
    # None on the SRB scale means +infinity (no girls at all).
    low = interval.ci_low if interval.ci_low is not None else float("inf")
    high = interval.ci_high if interval.ci_high is not None else float("inf")
    point = interval.srb if interval.srb is not None else float("inf")
    if low > settings.normal_high or high < settings.normal_low:
        return SrbStatus.ALERT
    if point > settings.normal_high or point < settings.normal_low:
        return SrbStatus.WATCH
    return SrbStatus.NORMAL

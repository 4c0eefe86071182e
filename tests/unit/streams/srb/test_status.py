"""Every boundary of the monitoring status."""

from __future__ import annotations

import pytest

from ivex.models.enums import SrbStatus
from ivex.settings import SrbSettings
from streams.srb.status import srb_status
from streams.srb.wilson import SrbInterval, srb_interval

S = SrbSettings()  # 103–107, at least 200 births


def _status(srb: float | None, low: float | None, high: float | None, n: int = 1000) -> SrbStatus:
    return srb_status(n // 2, n - n // 2, SrbInterval(srb, low, high), S)


def test_below_the_minimum_is_insufficient_whatever_the_figures() -> None:
    assert _status(150.0, 140.0, 160.0, n=199) is SrbStatus.INSUFFICIENT_DATA
    assert _status(105.0, 100.0, 110.0, n=200) is SrbStatus.NORMAL


@pytest.mark.parametrize(
    ("srb", "low", "high", "expected"),
    [
        (105.0, 100.0, 110.0, SrbStatus.NORMAL),
        (107.0, 100.0, 114.0, SrbStatus.NORMAL),  # on the limit: not above it
        (107.01, 100.0, 114.0, SrbStatus.WATCH),  # only the point estimate above
        (115.0, 107.0, 123.0, SrbStatus.WATCH),  # lower bound on the limit: not above
        (115.0, 107.01, 123.0, SrbStatus.ALERT),  # the whole interval above
        (103.0, 96.0, 110.0, SrbStatus.NORMAL),  # low side, on the limit
        (102.99, 96.0, 110.0, SrbStatus.WATCH),
        (95.0, 88.0, 103.0, SrbStatus.WATCH),  # upper bound on the limit: not below
        (95.0, 88.0, 102.99, SrbStatus.ALERT),  # the whole interval below
        (None, 130.0, None, SrbStatus.ALERT),  # no girls at all
    ],
)
def test_status_boundaries(
    srb: float | None, low: float, high: float | None, expected: SrbStatus
) -> None:
    assert _status(srb, low, high) is expected


def test_real_counts() -> None:
    # 118 boys per 100 girls over 3,000 births: the interval (≈110–126) is above 107.
    assert srb_status(1624, 1376, srb_interval(1624, 1376, 0.95), S) is SrbStatus.ALERT
    assert srb_status(1537, 1463, srb_interval(1537, 1463, 0.95), S) is SrbStatus.NORMAL
    assert srb_status(110, 90, srb_interval(110, 90, 0.95), S) is SrbStatus.WATCH

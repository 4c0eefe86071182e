"""The Wilson interval on the SRB scale against independently computed values."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.srb.wilson import srb_interval, wilson_p, z_value


@pytest.mark.parametrize(
    ("births", "low", "high"),
    [(1_000, 92.7, 118.8), (5_000, 99.3, 111.0), (20_000, 102.1, 108.0)],
)
def test_srb_105_matches_the_published_intervals(births: int, low: float, high: float) -> None:
    male = round(births * 105 / 205)
    interval = srb_interval(male, births - male, 0.95)
    assert interval.ci_low == pytest.approx(low, abs=0.05)
    assert interval.ci_high == pytest.approx(high, abs=0.05)
    assert interval.srb == pytest.approx(105.0, abs=0.1)


def test_wilson_matches_a_textbook_case() -> None:
    # Newcombe (1998), method 3: 81 of 263 → 0.2553–0.3662.
    low, high = wilson_p(81, 263, 0.95)
    assert low == pytest.approx(0.2553, abs=1e-4)
    assert high == pytest.approx(0.3662, abs=1e-4)


def test_z_of_95_percent() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    with pytest.raises(ValueError, match="confidence"):
        z_value(1.0)


def test_edges() -> None:
    assert srb_interval(0, 0, 0.95).srb is None
    no_girls = srb_interval(10, 0, 0.95)
    assert no_girls.srb is None
    assert no_girls.ci_high is None
    assert no_girls.ci_low is not None
    no_boys = srb_interval(0, 10, 0.95)
    assert no_boys.srb == 0.0
    assert no_boys.ci_low == 0.0
    with pytest.raises(ValueError, match="negative"):
        srb_interval(-1, 3, 0.95)


@given(st.integers(0, 50_000), st.integers(1, 50_000))
def test_the_interval_contains_the_point_estimate(male: int, female: int) -> None:
    interval = srb_interval(male, female, 0.95)
    assert interval.srb is not None
    assert interval.ci_low is not None
    high = interval.ci_high if interval.ci_high is not None else math.inf
    assert interval.ci_low <= interval.srb * (1 + 1e-12) + 1e-9
    assert interval.srb <= high * (1 + 1e-12) + 1e-9

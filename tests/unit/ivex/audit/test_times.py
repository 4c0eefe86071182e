"""TIME and DURATION parsing, and the durations tables show."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivex.audit.times import (
    BadTimeInput,
    format_duration,
    iso_utc,
    local_text,
    parse_duration,
    parse_instant,
)


def _ms(year: int, month: int, day: int, hour: int = 0) -> int:
    return int(datetime(year, month, day, hour, tzinfo=UTC).timestamp() * 1000)


def test_a_naive_date_is_midnight_china_standard_time() -> None:
    assert parse_instant("2025-03-01") == _ms(2025, 2, 28, 16)


def test_a_date_as_end_of_range_is_its_last_millisecond() -> None:
    assert parse_instant("2025-03-01", end_of_day=True) == _ms(2025, 3, 1, 16) - 1


def test_naive_and_aware_datetimes() -> None:
    assert parse_instant("2025-03-01T08:00") == _ms(2025, 3, 1, 0)
    assert parse_instant("2025-03-01T08:00:00+00:00") == _ms(2025, 3, 1, 8)
    assert parse_instant("2025-03-01T08:00:00Z") == _ms(2025, 3, 1, 8)
    assert parse_instant("2025-03-01T08:00", tz_hours=0) == _ms(2025, 3, 1, 8)


@pytest.mark.parametrize("text", ["yesterday", "2025-13-01", "", "01/03/2025"])
def test_bad_times_say_what_was_expected(text: str) -> None:
    with pytest.raises(BadTimeInput, match="ISO date"):
        parse_instant(text)


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("36h", 36 * 3_600_000),
        ("2d", 2 * 86_400_000),
        ("90m", 90 * 60_000),
        ("1d12h", 36 * 3_600_000),
        ("45s", 45_000),
        ("1w", 7 * 86_400_000),
        (" 2D ", 2 * 86_400_000),
    ],
)
def test_durations(text: str, ms: int) -> None:
    assert parse_duration(text) == ms


@pytest.mark.parametrize("text", ["", "36", "h", "2 days", "1.5h", "-3h", "3x"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(BadTimeInput, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0m"),
        (12 * 60_000, "12m"),
        (5 * 3_600_000 + 20 * 60_000, "5h 20m"),
        (3 * 3_600_000, "3h"),
        (3 * 86_400_000 + 4 * 3_600_000 + 59_000, "3d 4h"),
        (2 * 86_400_000, "2d"),
        (-90 * 60_000, "-1h 30m"),
    ],
)
def test_format_duration(ms: int, text: str) -> None:
    assert format_duration(ms) == text


@given(st.integers(min_value=0, max_value=10_000), st.sampled_from("dhm"))
def test_a_formatted_duration_truncates_by_less_than_an_hour(n: int, unit: str) -> None:
    ms = parse_duration(f"{n}{unit}")
    shown = parse_duration(format_duration(ms).replace(" ", ""))
    assert 0 <= ms - shown < 3_600_000


def test_iso_and_local_text() -> None:
    ms = _ms(2025, 3, 4, 2)
    assert iso_utc(ms) == "2025-03-04T02:00:00.000Z"
    assert local_text(ms) == "2025-03-04 10:00"

"""CloudEvents binary-mode headers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivex.codec import ce_headers, parse_ce_headers
from ivex.codec.cloudevents import ce_headers_ms, content_id, format_epoch_ms, format_time
from ivex.errors import CodecError, MalformedMessageError

EVENT_ID = uuid.UUID("6f1c1e4e-4b1b-4f39-9d44-8d1d6a3f2a01")


def test_headers_and_back() -> None:
    at = datetime(2025, 3, 4, 10, 15, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    headers = ce_headers("BirthRecorded", "620700", EVENT_ID, at)
    assert dict(headers) == {
        "ce_id": str(EVENT_ID).encode(),
        "ce_source": b"620700",
        "ce_type": b"BirthRecorded",
        "ce_time": b"2025-03-04T02:15:00.123Z",
        "ce_specversion": b"1.0",
        "content-type": b"application/avro",
    }
    event = parse_ce_headers(headers)
    assert event.id == str(EVENT_ID)
    assert event.source == "620700"
    assert event.type == "BirthRecorded"
    assert event.time == datetime(2025, 3, 4, 2, 15, 0, 123000, tzinfo=UTC)
    assert event.content_type == "application/avro"


def test_naive_time_refused() -> None:
    with pytest.raises(CodecError, match="timezone-aware"):
        ce_headers("BirthRecorded", "620700", EVENT_ID, datetime(2025, 1, 1))


def test_missing_headers_are_named() -> None:
    with pytest.raises(MalformedMessageError) as info:
        parse_ce_headers([("ce_id", b"x"), ("ce_type", b"T")])
    assert info.value.reason == "missing CloudEvents headers: ce_source, ce_time, ce_specversion"


def test_bad_time_and_version() -> None:
    good = dict(ce_headers("T", "620700", EVENT_ID, datetime(2025, 1, 1, tzinfo=UTC)))
    with pytest.raises(MalformedMessageError, match="RFC 3339"):
        parse_ce_headers(list((good | {"ce_time": b"yesterday"}).items()))
    with pytest.raises(MalformedMessageError, match="no UTC offset"):
        parse_ce_headers(list((good | {"ce_time": b"2025-01-01T00:00:00"}).items()))
    with pytest.raises(MalformedMessageError, match="ce_specversion"):
        parse_ce_headers(list((good | {"ce_specversion": b"0.3"}).items()))


@given(st.binary(max_size=300), st.uuids())
def test_a_content_id_is_the_uuid5_of_the_values_hex(value: bytes, namespace: uuid.UUID) -> None:
    assert content_id(namespace, value) == str(uuid.uuid5(namespace, value.hex()))


@given(st.integers(-62_135_596_800_000, 253_402_300_799_999))
def test_epoch_ms_format_as_the_datetime_they_name(instant_ms: int) -> None:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=instant_ms)
    assert format_epoch_ms(instant_ms) == format_time(moment)
    # The float path the emitters took before: the same up to 2^32 s (year 2106), where a
    # double still places an instant within half a microsecond.
    if abs(instant_ms) < 2**32 * 1000:
        assert format_epoch_ms(instant_ms) == format_time(
            datetime.fromtimestamp(instant_ms / 1000, tz=UTC)
        )


def test_headers_from_epoch_ms_are_the_headers_from_a_datetime() -> None:
    at = datetime(2025, 3, 4, 10, 15, 0, 123000, tzinfo=UTC)
    ms = int((at - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1000)
    assert ce_headers_ms("X", "620700", str(EVENT_ID), ms) == tuple(
        ce_headers("X", "620700", EVENT_ID, at)
    )

"""CloudEvents binary-mode headers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ivex.codec import ce_headers, parse_ce_headers
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

"""The row path's fast spellings give exactly what the plain ones gave.

Content digests and event ids are compared with what is already on the topics, so the
orjson digest and the direct UUIDv5 must produce the very same text as the ``json.dumps``
digest and ``uuid.uuid5`` they replaced — over prepared rows of every stream and over
datums built to hit every difference between json and orjson (non-ASCII, escapes, DEL,
floats, big integers, enums, dates, nested values).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.examples import EXAMPLE_ROWS
from connectors.rows import EVENT_NAMESPACE, RowPreparer, content_digest, event_id, parse_row
from ivex.errors import RecordRejected
from ivex.models.enums import Action, ChildSex
from ivex.settings import load_settings
from ivex.topics import STREAMS

PREPARER = RowPreparer(load_settings(), "620700", key=b"speedup-key")


def reference_digest(datum: dict[str, Any]) -> str:
    """The digest as it was first written (PreparedRecord.digest before orjson)."""
    body = {k: v for k, v in datum.items() if k != "event_id"}
    text = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_prepared_rows_of_every_stream_digest_as_before() -> None:
    checked = 0
    for stream in STREAMS:
        base = dict(EXAMPLE_ROWS[stream])
        for n in range(50):
            row = base | {"record_id": f"R-{n}-\u00e9\u5e02" if n % 3 else f"R-{n}"}
            if n % 4 == 0 and "source_system" in row:
                row["source_system"] = 'HIS "v2" \\ \x7f /x'
            if n % 5 == 0 and "facility_code" in row:
                row["facility_code"] = "F\t01\n"
            record = PREPARER.prepare(stream, row)
            assert record.digest == reference_digest(record.datum)
            checked += 1
    assert checked == 50 * len(STREAMS)


SCALARS = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20),
    st.sampled_from(["", '"', "\\", "\x7f", "\x00", "\x1f", "é", "市", "\u2028", "a/b"]),
    st.integers(-(2**70), 2**70),
    st.integers(-(2**31), 2**31),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8))])),
    st.datetimes(),
    st.uuids(),
    st.sampled_from([Action.RECORD, Action.VOID, ChildSex.FEMALE]),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(), SCALARS))
KEYS = st.one_of(
    st.sampled_from(["event_id", "record_id", "birth_date", "a", "B", "é", "_", "z1"]),
    st.text(max_size=6),
)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=12))
def test_any_datum_digests_as_before(datum: dict[str, Any]) -> None:
    assert content_digest(datum) == reference_digest(datum)


@settings(max_examples=400, deadline=None)
@given(
    st.text(max_size=8),
    st.sampled_from(STREAMS),
    st.text(max_size=30),
    st.sampled_from(["RECORD", "CORRECT", "VOID"]),
    st.integers(-(2**62), 2**62),
)
def test_event_id_is_uuid5_of_its_name(
    city: str, stream: str, record_id: str, action: str, ms: int
) -> None:
    name = f"{city}|{stream}|{record_id}|{action}|{ms}"
    expected = str(uuid.uuid5(EVENT_NAMESPACE, name))
    assert event_id(city, stream, record_id, action, ms) == expected


def test_parse_row_rejects_in_the_same_order() -> None:
    row = dict(EXAMPLE_ROWS["births"])
    # Unknown column first, then the first faulty column in schema order.
    assert _rejection(parse_row, row | {"extra": "1", "birth_order": "x"}) == (
        "extra",
        "unknown column",
    )
    missing = {k: v for k, v in row.items() if k != "record_id"} | {"birth_order": "x"}
    assert _rejection(parse_row, missing) == ("record_id", "missing column")
    assert _rejection(parse_row, row | {"birth_order": " "}) == ("birth_order", "missing value")
    assert parse_row("births", row | {"gestational_weeks": ""})["gestational_weeks"] is None


def _rejection(parse: Any, row: dict[str, Any]) -> tuple[str, str]:
    try:
        parse("births", row)
    except RecordRejected as exc:
        return exc.field, exc.reason
    raise AssertionError("not rejected")


def test_plain_rows_take_the_orjson_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_json(_datum: Any) -> bytes:
        raise AssertionError("took the json path")

    monkeypatch.setattr("connectors.rows.json_digest_text", no_json)
    for stream in STREAMS:
        datum = PREPARER.prepare(stream, EXAMPLE_ROWS[stream]).datum
        assert content_digest(datum) == reference_digest(datum)

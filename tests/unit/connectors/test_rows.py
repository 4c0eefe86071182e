"""Input rows → typed, pseudonymised, validated records: the table of docs/bad-input.md."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.columns import column_names
from connectors.examples import CHILD_ID, EXAMPLE_ROWS, MOTHER_ID
from connectors.rows import RowPreparer, event_id, parse_row
from ivex.errors import RecordRejected
from ivex.identity import looks_like_resident_id, subject_ref
from ivex.settings import Settings, load_settings
from ivex.topics import STREAMS, Stream

KEY = b"unit-test-key"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def preparer(settings: Settings) -> RowPreparer:
    return RowPreparer(settings, "620700", key=KEY)


def _row(stream: Stream, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict(EXAMPLE_ROWS[stream])
    for name, value in changes.items():
        if value is _DROP:
            row.pop(name)
        else:
            row[name] = value
    return row


_DROP = object()


def _rejection(preparer: RowPreparer, stream: Stream, row: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(RecordRejected) as info:
        preparer.prepare(stream, row)
    assert not looks_like_resident_id(str(info.value))
    return info.value.field, info.value.reason


@pytest.mark.parametrize("stream", STREAMS)
def test_every_example_row_is_accepted(preparer: RowPreparer, stream: Stream) -> None:
    record = preparer.prepare(stream, EXAMPLE_ROWS[stream])
    assert record.datum["mother_ref"] == subject_ref(MOTHER_ID, KEY) or stream in (
        "terminations",
        "pregnancies",
    )
    assert not looks_like_resident_id(json.dumps(record.datum, default=str))
    assert str(record.datum["event_id"]) == record.event_id


def test_columns_are_the_schema_fields_with_id_numbers_for_references() -> None:
    names = column_names("registrations")
    assert "event_id" not in names
    assert "child_id_number" in names
    assert "mother_id_number" in names
    assert "child_ref" not in names


def test_event_id_is_derived_from_content(preparer: RowPreparer) -> None:
    first = preparer.prepare("births", EXAMPLE_ROWS["births"])
    again = preparer.prepare("births", dict(EXAMPLE_ROWS["births"]))
    assert first.event_id == again.event_id
    assert first.event_id == event_id("620700", "births", "B-2025-0001", "RECORD", 1741054500000)
    corrected = preparer.prepare(
        "births", _row("births", action="CORRECT", recorded_at="2025-03-05T10:15:00+08:00")
    )
    assert corrected.event_id != first.event_id
    # Same instant written in another zone: same event.
    utc = preparer.prepare("births", _row("births", recorded_at="2025-03-04T02:15:00Z"))
    assert utc.event_id == first.event_id


def test_lowercase_x_is_accepted_and_canonicalised(preparer: RowPreparer) -> None:
    upper = preparer.prepare("births", _row("births", mother_id_number="11010519491231002X"))
    lower = preparer.prepare("births", _row("births", mother_id_number="11010519491231002x"))
    assert lower.datum["mother_ref"] == upper.datum["mother_ref"]
    assert lower.datum["mother_ref"] == subject_ref("11010519491231002X", KEY)


@pytest.mark.parametrize(
    ("stream", "changes", "field", "reason"),
    [
        # resident ID fails its check character; never echoed
        (
            "births",
            {"mother_id_number": MOTHER_ID[:17] + "9"},
            "mother_id_number",
            "check character does not match (ISO 7064 MOD 11-2)",
        ),
        (
            "registrations",
            {"child_id_number": CHILD_ID[:17] + "X"},
            "child_id_number",
            "check character does not match (ISO 7064 MOD 11-2)",
        ),
        (
            "births",
            {"mother_id_number": MOTHER_ID[:17]},
            "mother_id_number",
            "must be 18 characters (GB 11643-1999)",
        ),
        # unknown city code in any city field, source_city not the publishing city
        (
            "births",
            {"mother_hukou_city": "110105"},
            "mother_hukou_city",
            "not a member city of the federation",
        ),
        (
            "pregnancies",
            {"residence_city": "999999"},
            "residence_city",
            "not a member city of the federation",
        ),
        (
            "registrations",
            {"birth_place_city": "11010"},
            "birth_place_city",
            "must be a 6-digit GB/T 2260 division code",
        ),
        ("births", {"source_city": "620600"}, "source_city", "must be the publishing city"),
        ("births", {"source_city": "110105"}, "source_city", "not a member city of the federation"),
        # dates not exactly YYYY-MM-DD, or not a real calendar date
        ("births", {"birth_date": "2024-2-3"}, "birth_date", "must be a date in YYYY-MM-DD form"),
        ("births", {"birth_date": "2024-02-30"}, "birth_date", "not a real calendar date"),
        ("births", {"birth_date": "03/02/2025"}, "birth_date", "must be a date in YYYY-MM-DD form"),
        (
            "births",
            {"birth_date": "2025-03-05"},
            "birth_date",
            "must not be after the date of recorded_at (UTC+8)",
        ),
        # enum not exactly a symbol
        (
            "births",
            {"child_sex": "male"},
            "child_sex",
            "must be one of: MALE, FEMALE, UNDETERMINED",
        ),
        ("births", {"action": "record"}, "action", "must be one of: RECORD, CORRECT, VOID"),
        # timestamps need a zone
        (
            "births",
            {"recorded_at": "2025-03-04T10:15:00"},
            "recorded_at",
            "timestamp must carry a UTC offset",
        ),
        (
            "births",
            {"recorded_at": "2025-03-04"},
            "recorded_at",
            "must be an ISO 8601 timestamp with a UTC offset",
        ),
        (
            "births",
            {"recorded_at": "yesterday"},
            "recorded_at",
            "must be an ISO 8601 timestamp with a UTC offset",
        ),
        # missing column / missing value / unknown column
        ("births", {"facility_code": _DROP}, "facility_code", "missing column"),
        ("births", {"certificate_no": ""}, "certificate_no", "missing value"),
        ("births", {"nickname": "x"}, "nickname", "unknown column"),
        # wrong type
        ("births", {"birth_order": "first"}, "birth_order", "must be an integer"),
        ("births", {"birth_order": "1.5"}, "birth_order", "must be an integer"),
        (
            "terminations",
            {"medical_indication": "yes"},
            "medical_indication",
            "must be true or false",
        ),
        (
            "terminations",
            {"medical_indication": "True"},
            "medical_indication",
            "must be true or false",
        ),
        # domain ranges come from the models
        ("births", {"plurality": "0"}, "plurality", "must be between 1 and 8"),
    ],
)
def test_bad_input_is_rejected_with_field_and_exact_reason(
    preparer: RowPreparer, stream: Stream, changes: dict[str, Any], field: str, reason: str
) -> None:
    assert _rejection(preparer, stream, _row(stream, **changes)) == (field, reason)


@pytest.mark.parametrize("value", [1.5, True, [1]])
def test_json_values_of_the_wrong_type_are_rejected(preparer: RowPreparer, value: Any) -> None:
    row = _row("births", birth_order=value)
    assert _rejection(preparer, "births", row) == ("birth_order", "must be an integer")


def test_json_text_follows_the_csv_rules(preparer: RowPreparer) -> None:
    assert preparer.prepare("births", _row("births", birth_order="2")).datum["birth_order"] == 2


def test_json_native_types_are_accepted(preparer: RowPreparer) -> None:
    row = _row("terminations", gestational_weeks=15, medical_indication=True, approval_ref=None)
    record = preparer.prepare("terminations", row)
    assert record.datum["medical_indication"] is True
    assert record.datum["gestational_weeks"] == 15


def test_json_number_where_text_belongs_is_rejected(preparer: RowPreparer) -> None:
    assert _rejection(preparer, "births", _row("births", mother_hukou_city=620600)) == (
        "mother_hukou_city",
        "must be text",
    )


def test_optional_columns_may_be_empty_or_absent(preparer: RowPreparer) -> None:
    empty = preparer.prepare("registrations", _row("registrations", certificate_no=""))
    absent = preparer.prepare("registrations", _row("registrations", certificate_no=_DROP))
    assert empty.datum["certificate_no"] is None
    assert absent.datum["certificate_no"] is None


def test_the_first_failing_field_in_column_order_is_named(preparer: RowPreparer) -> None:
    row = _row("births", birth_date="2024-2-3", child_sex="male")
    assert _rejection(preparer, "births", row)[0] == "birth_date"


def test_parse_row_types_values() -> None:
    typed = parse_row("terminations", EXAMPLE_ROWS["terminations"])
    assert typed["gestational_weeks"] == 15
    assert typed["medical_indication"] is False
    assert typed["approval_ref"] is None
    assert typed["recorded_at"].utcoffset().total_seconds() == 0

"""The operator's view of a dead letter: headers and the row's id, masked (no broker)."""

from __future__ import annotations

from ivex.audit.dead_letters import counts_by_reason, rejected
from ivex.dlq import dead_letter
from ivex.topic_reader import LogRecord

_ID = "11010519491231002X"


def _record(offset: int, reason: str, field: str = "child_sex") -> LogRecord:
    letter = dead_letter(
        city="620700",
        stream="births",
        source="births.csv",
        line=str(offset + 2),
        field=field,
        reason=reason,
        row={"record_id": f"B-{offset}", "mother_id_number": _ID, "child_sex": "male"},
    )
    return LogRecord(
        "dlq.620700", 0, offset, 0, letter.key(), letter.value(), tuple(letter.headers())
    )


def test_a_dead_letter_shows_where_why_and_the_record_id_only() -> None:
    row = rejected(_record(3, "must be one of: MALE, FEMALE, UNDETERMINED"))
    assert (row.stream, row.source, row.line, row.field) == (
        "births",
        "births.csv",
        "5",
        "child_sex",
    )
    assert row.record_id == "B-3"
    assert _ID not in repr(row)


def test_a_foreign_value_gives_no_record_id_and_headers_are_masked_again() -> None:
    headers = (("ivex_reason", f"bad {_ID}".encode()), ("ivex_field", b"x"))
    row = rejected(LogRecord("dlq.620700", 0, 1, 0, None, b"\xff", headers))
    assert row.record_id == ""
    assert _ID not in row.reason


def test_counts_by_reason_most_frequent_first() -> None:
    rows = [rejected(_record(i, "r1")) for i in range(3)]
    rows += [rejected(_record(9, "r2", "plurality"))]
    assert counts_by_reason(rows) == [
        ("births", "child_sex", "r1", 3),
        ("births", "plurality", "r2", 1),
    ]

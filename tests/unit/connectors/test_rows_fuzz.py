"""Fuzz of the pure input path: mutated rows, CSV and JSON Lines text.

Every row either becomes a record or is rejected with a field and a reason; neither the
record nor the dead letter made of a rejected row holds a raw resident ID number.
"""

from __future__ import annotations

import io
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.examples import CHILD_ID, EXAMPLE_ROWS, MOTHER_ID
from connectors.formats import read_csv, read_jsonl
from connectors.rows import RowPreparer
from ivex.dlq import dead_letter
from ivex.errors import RecordRejected
from ivex.identity import check_character, looks_like_resident_id
from ivex.settings import load_settings
from ivex.topics import STREAMS

PREPARER = RowPreparer(load_settings(), "620700", key=b"fuzz-key")


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    """Plausible resident ID numbers (real date part, matching check character)."""
    area = draw(st.sampled_from(["620702", "620102", "110105", "440305"]))
    day = draw(st.dates(min_value=__import__("datetime").date(1950, 1, 1)))
    serial = draw(st.integers(0, 999))
    first17 = f"{area}{day:%Y%m%d}{serial:03d}"
    return first17 + check_character(first17)


#: Values a broken export, or an attacker, may put in any column.
VALUES = st.one_of(
    st.text(max_size=30),
    resident_ids(),
    resident_ids().map(lambda i: f"id {i} ."),
    resident_ids().map(str.lower),
    st.sampled_from(["", " ", "null", "NaN", "-1", "9" * 40, "2025-02-30", "1e309", "\x00"]),
    st.sampled_from([MOTHER_ID, CHILD_ID, MOTHER_ID[:17] + "9"]),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)


@st.composite
def mutated_rows(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    stream = draw(st.sampled_from(STREAMS))
    row: dict[str, Any] = dict(EXAMPLE_ROWS[stream])
    for name in draw(st.lists(st.sampled_from(sorted(row)), max_size=4, unique=True)):
        if draw(st.booleans()):
            row[name] = draw(VALUES)
        else:
            del row[name]
    extra = draw(st.dictionaries(st.text(max_size=8), VALUES, max_size=2))
    return stream, row | extra


def _no_id(text: str) -> None:
    assert not looks_like_resident_id(text), "a raw resident ID number was echoed"


@given(mutated_rows())
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_rows_publish_or_reject_without_echoing_an_id(
    case: tuple[str, dict[str, Any]],
) -> None:
    stream, row = case
    try:
        record = PREPARER.prepare(stream, row)  # type: ignore[arg-type]
    except RecordRejected as exc:
        rejected = exc
    else:
        _no_id(repr(record.datum))
        return
    assert rejected.reason  # the field may be '' (a column without a name)
    letter = dead_letter(
        city="620700", stream=stream, source="fuzz.csv", line="2",
        field=rejected.field, reason=rejected.reason, row=row,
    )  # fmt: skip
    _no_id(letter.value().decode("utf-8"))
    _no_id(letter.key().decode("utf-8"))
    for _, header in letter.headers():
        _no_id(header.decode("utf-8"))


# The files are opened with newline="" (connectors.formats.read_file): so are these.
@given(st.text(max_size=400))
@settings(max_examples=300)
def test_any_csv_text_reads_as_rows(text: str) -> None:
    for row in read_csv(io.StringIO(text, newline=""), source="fuzz.csv"):
        assert row.line
        assert row.malformed is None or row.malformed.reason


@given(st.text(max_size=400))
@settings(max_examples=300)
def test_any_jsonl_text_reads_as_rows(text: str) -> None:
    for row in read_jsonl(io.StringIO(text, newline=""), source="fuzz.jsonl"):
        assert row.line
        assert row.malformed is None or row.malformed.reason


def test_an_id_number_outside_the_id_columns_is_rejected() -> None:
    row = dict(EXAMPLE_ROWS["births"]) | {"certificate_no": CHILD_ID}
    try:
        PREPARER.prepare("births", row)
    except RecordRejected as exc:
        rejected = exc
    else:
        raise AssertionError("a resident ID number in certificate_no was accepted")
    assert rejected.field == "certificate_no"
    assert "resident ID number" in rejected.reason

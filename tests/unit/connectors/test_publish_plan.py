"""The publisher's decisions without Kafka: duplicates, clashes, rejections, watermarks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from connectors.formats import InputRow
from connectors.publish_plan import (
    CLASH_REASON,
    batches,
    input_rows,
    next_watermark,
    plan_batch,
)
from connectors.rows import PreparedRecord
from ivex.errors import RecordRejected


def _prepare(row: InputRow) -> PreparedRecord:
    if row.malformed is not None:
        raise row.malformed
    if "bad" in row.data:
        raise RecordRejected("birth_date", "not a real calendar date")
    datum: dict[str, Any] = {"event_id": row.data["id"], "value": row.data.get("value", 0)}
    return PreparedRecord("births", "BirthRecorded", row.data["id"], "r", 0, datum)


def _rows(*data: Mapping[str, Any]) -> list[InputRow]:
    return list(input_rows(data, "f.csv"))


def _nothing_published(_event_id: str) -> str | None:
    return None


def test_new_rows_are_sent_and_a_repeat_in_the_batch_is_a_duplicate() -> None:
    plan = plan_batch(_rows({"id": "a"}, {"id": "b"}, {"id": "a"}), _prepare, _nothing_published)
    assert [p.verdict for p in plan] == ["send", "send", "duplicate"]
    assert [p.row.line for p in plan] == ["1", "2", "3"]


def test_an_event_on_the_log_with_the_same_content_is_a_duplicate() -> None:
    digest = _prepare(_rows({"id": "a"})[0]).digest
    plan = plan_batch(_rows({"id": "a"}), _prepare, {"a": digest}.get)
    assert plan[0].verdict == "duplicate"


def test_a_legacy_event_without_digest_counts_as_the_same() -> None:
    plan = plan_batch(_rows({"id": "a"}), _prepare, {"a": ""}.get)
    assert plan[0].verdict == "duplicate"


def test_same_id_other_content_is_rejected_as_a_clash() -> None:
    plan = plan_batch(_rows({"id": "a", "value": 2}), _prepare, {"a": "other"}.get)
    assert plan[0].verdict == "reject"
    assert plan[0].rejection is not None
    assert (plan[0].rejection.field, plan[0].rejection.reason) == ("recorded_at", CLASH_REASON)


def test_a_clash_within_the_batch_is_rejected_too() -> None:
    rows = _rows({"id": "a", "value": 1}, {"id": "a", "value": 2})
    assert [p.verdict for p in plan_batch(rows, _prepare, _nothing_published)] == [
        "send",
        "reject",
    ]


def test_invalid_and_malformed_rows_are_rejected_with_their_field() -> None:
    broken = InputRow("f.csv", "2", {}, malformed=RecordRejected("row", "wrong column count"))
    plan = plan_batch([*_rows({"id": "a", "bad": 1}), broken], _prepare, _nothing_published)
    assert [(p.verdict, p.rejection and p.rejection.field) for p in plan] == [
        ("reject", "birth_date"),
        ("reject", "row"),
    ]


def test_watermark_follows_the_latest_accepted_record() -> None:
    assert next_watermark([5, 9, 7], now_ms=100, last_ms=3) == 9


def test_watermark_never_promises_the_future_nor_moves_back() -> None:
    assert next_watermark([500], now_ms=100, last_ms=None) == 100
    assert next_watermark([5], now_ms=100, last_ms=5) is None
    assert next_watermark([4], now_ms=100, last_ms=5) is None
    assert next_watermark([], now_ms=100, last_ms=None) is None


@given(st.lists(st.integers(0, 10**6)), st.integers(0, 10**6), st.none() | st.integers(0, 10**6))
def test_a_new_watermark_is_always_ahead_and_not_in_the_future(
    accepted: list[int], now: int, last: int | None
) -> None:
    through = next_watermark(accepted, now, last)
    if through is not None:
        assert through <= now
        assert last is None or through > last
        assert through <= max(accepted)


@given(st.lists(st.integers(), max_size=30), st.integers(1, 7))
def test_batches_keep_order_and_size(values: list[int], size: int) -> None:
    rows = _rows(*({"id": str(v)} for v in values))
    parts = list(batches(iter(rows), size))
    assert [r for part in parts for r in part] == rows
    assert all(1 <= len(part) <= size for part in parts)

"""ONE contract suite for the case table, run against SQLite and a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.sinks import CaseTable, PostgresCaseTable, SqliteCaseTable, open_case_table
from tests.requests_helpers import notice_item, request_id, request_item

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]


@pytest.fixture(params=BACKENDS)
def table(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CaseTable]:
    """A fresh case table on each backend, schema created."""
    if request.param == "sqlite":
        case_table: CaseTable = SqliteCaseTable(tmp_path / "cases.db")
    else:
        case_table = PostgresCaseTable(request.getfixturevalue("postgres_db"))
    with case_table:
        yield case_table


def test_schema_creation_is_idempotent(table: CaseTable) -> None:
    table.write([request_item(1, 0)])
    table.open()
    table.open()
    assert table.count() == 1


def test_upsert_stores_every_field(table: CaseTable) -> None:
    table.write([request_item(1, 0, child_ref="child-ref")])
    row = table.request(request_id(1))
    assert row is not None
    assert row["kind"] == "BIRTH_NOT_REGISTERED"
    assert row["state"] == "OPEN"
    assert row["copy_to"] == ["620700"]
    assert row["child_ref"] == "child-ref"
    assert row["evidence"][0]["stream"] == "births"
    assert row["evidence"][0]["offset"] == 0
    assert row["answered_status"] is None
    assert row["response_published_at"] is None
    [case] = table.requests()
    assert case.raised_at == datetime(2025, 3, 4, 3, 15, tzinfo=UTC)
    assert case.respond_by - case.raised_at == timedelta(days=30)


def test_re_emission_makes_no_second_row(table: CaseTable) -> None:
    table.write([request_item(n, n) for n in range(5)])
    # The processors re-emit after a crash: same requests, later offsets.
    table.write([request_item(n, 10 + n) for n in range(5)])
    # A crashed subscriber replays a batch it had already stored.
    table.write([request_item(n, n) for n in range(5)])
    assert table.count() == 5


def test_withdrawn_marks_the_row_and_never_deletes_it(table: CaseTable) -> None:
    table.write([request_item(1, 0)])
    first_seen = _get(table, 1)["first_seen_at"]
    table.write([request_item(1, 1, state="WITHDRAWN", reason="recorded late on 2025-05-02")])
    row = _get(table, 1)
    assert (row["state"], row["reason"]) == ("WITHDRAWN", "recorded late on 2025-05-02")
    assert row["first_seen_at"] == first_seen
    assert table.count() == 1


def test_latest_state_wins_in_log_order(table: CaseTable) -> None:
    table.write([request_item(1, 5, state="WITHDRAWN", reason="voided")])
    # A replay from an older committed offset must not flip it back, not even in a batch
    # that also carries the newer version.
    table.write([request_item(1, 2, state="OPEN")])
    assert _get(table, 1)["state"] == "WITHDRAWN"
    table.write([request_item(1, 2), request_item(1, 5, state="WITHDRAWN", reason="voided")])
    assert _get(table, 1)["state"] == "WITHDRAWN"
    # A genuinely newer version wins, within one batch too.
    table.write([request_item(1, 7, state="ACKNOWLEDGED"), request_item(1, 8, state="RESOLVED")])
    assert _get(table, 1)["state"] == "RESOLVED"


def test_notices_are_upserted_by_id(table: CaseTable) -> None:
    table.write([notice_item(1, 0), notice_item(2, 1), request_item(1, 0)])
    table.write([notice_item(1, 0), notice_item(2, 5)])
    assert table.count("ivex_notices") == 2
    assert table.count("ivex_requests") == 1
    item = notice_item(1, 0)
    row = table.notice(item.record_id)
    assert row is not None
    assert row["kind"] == "OUTCOME_RECORDED_ELSEWHERE"
    assert row["evidence"][0]["record_id"] == "B-2025-0001"


def test_answered_rows_are_listed_for_the_outbox_until_marked(table: CaseTable) -> None:
    table.write([request_item(n, n) for n in range(3)])
    assert table.pending_answers() == []
    at = datetime(2025, 4, 1, 8, 0, 0, 123000, tzinfo=UTC)
    assert table.answer(request_id(0), "RESOLVED", outcome="REGISTERED_LATE", answered_at=at)
    assert table.answer(request_id(2), "ACKNOWLEDGED", note="looking")
    assert not table.answer("no-such-request", "ACKNOWLEDGED")
    pending = table.pending_answers()
    assert [(p.request_id, p.status) for p in pending] == [
        (request_id(0), "RESOLVED"),
        (request_id(2), "ACKNOWLEDGED"),
    ]
    assert pending[0].outcome == "REGISTERED_LATE"
    assert pending[0].answered_at == at
    assert pending[1].note == "looking"

    table.mark_published(pending[:1], datetime.now(UTC))
    assert [p.request_id for p in table.pending_answers()] == [request_id(2)]
    # An upsert from the log never touches the city's answer.
    table.write([request_item(0, 10, state="RESOLVED")])
    assert _get(table, 0)["answered_status"] == "RESOLVED"
    assert _get(table, 0)["response_published_at"] is not None


def test_a_changed_answer_is_not_marked_by_a_stale_publish(table: CaseTable) -> None:
    table.write([request_item(1, 0)])
    table.answer(request_id(1), "ACKNOWLEDGED")
    [stale] = table.pending_answers()
    table.answer(request_id(1), "RESOLVED", outcome="BIRTH_FOUND")
    table.mark_published([stale], datetime.now(UTC))
    assert [p.status for p in table.pending_answers()] == ["RESOLVED"]


def test_answers_that_cannot_be_published_leave_the_outbox(table: CaseTable) -> None:
    table.write([request_item(1, 0), request_item(2, 1)])
    table.answer(request_id(1), "DONE")
    table.answer(request_id(2), "RESOLVED")
    bad, good = table.pending_answers()
    table.mark_failed([(bad, "status: must be one of …")])
    assert table.pending_answers() == [good]
    assert _get(table, 1)["response_error"] == "status: must be one of …"
    table.answer(request_id(1), "ACKNOWLEDGED")  # re-answered: back in the outbox
    assert {p.request_id for p in table.pending_answers()} == {request_id(1), request_id(2)}


def test_rows_answered_without_a_time_get_a_stable_one(table: CaseTable) -> None:
    table.write([request_item(1, 0)])
    # A case worker's system may set only the status.
    update = "UPDATE ivex_requests SET answered_status = ? WHERE request_id = ?"
    table._run((update, [("ACKNOWLEDGED", request_id(1))]))
    first = table.pending_answers()[0].answered_at
    assert table.pending_answers()[0].answered_at == first


def test_open_case_table_picks_the_backend(tmp_path: Path) -> None:
    assert isinstance(open_case_table(f"sqlite:///{tmp_path}/x.db"), SqliteCaseTable)
    assert isinstance(open_case_table("postgresql://u@h/db"), PostgresCaseTable)


def _get(table: CaseTable, n: int) -> dict[str, object]:
    row = table.request(request_id(n))
    assert row is not None
    return row

"""The published state of a request, rule by rule, with the boundary cases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from streams.engine.facts import Position
from streams.engine.outputs import OPEN, WITHDRAWN
from streams.lifecycle import (
    NO_CLOCK,
    Decision,
    InMemoryLifecycleStore,
    RequestLifecycle,
    RequestRecord,
)
from tests.unit.streams.lifecycle.builders import (
    RESPOND_BY,
    RID,
    at,
    decision,
    feed,
    request,
    response,
    states,
    tick,
    with_state,
    withdrawn,
)

ACK = "ACKNOWLEDGED"
OVERDUE = ("OVERDUE", "not acknowledged by 2024-03-16")


def test_a_decision_alone_is_published_as_the_engine_made_it() -> None:
    lc = RequestLifecycle()
    out = lc.apply(decision())
    assert out.requests == [request()]
    assert not out.escalations
    assert not out.rejections
    assert lc.published(RID) == request()


def test_reapplying_a_decision_is_a_no_op() -> None:
    lc = RequestLifecycle()
    lc.apply(decision())
    assert not lc.apply(decision())


def test_a_changed_decision_keeps_the_lifecycle_state() -> None:
    lc = RequestLifecycle()
    feed(lc, decision(), response(ACK, at("2024-03-02")))
    out = lc.apply(decision(reason="a corrected reason"))
    assert out.requests == []  # the published view (ACKNOWLEDGED) did not change
    assert lc.published(RID) == with_state(
        request(reason="x"), ACK, "acknowledged on 2024-03-02 by 620600"
    )


def test_acknowledgement_before_respond_by() -> None:
    lc = RequestLifecycle()
    out = feed(lc, decision(), response(ACK, at("2024-03-10", 15)))
    assert states(out)[-1] == (ACK, "acknowledged on 2024-03-10 by 620600")


def test_response_before_any_clock_applies() -> None:
    lc = RequestLifecycle()
    assert lc.clock == NO_CLOCK
    out = feed(lc, decision(), response("RESOLVED", at("2024-03-02"), outcome="BIRTH_FOUND"))
    assert states(out)[-1] == ("RESOLVED", "RESOLVED by 620600: BIRTH_FOUND")


def test_ack_exactly_at_respond_by_is_in_time() -> None:
    lc = RequestLifecycle()
    out = feed(lc, decision(), response(ACK, RESPOND_BY), tick(RESPOND_BY + 1))
    assert states(out) == [
        (OPEN, "no outcome recorded"),
        (ACK, "acknowledged on 2024-03-16 by 620600"),
    ]
    assert out.escalations == []


def test_clock_exactly_at_respond_by_makes_it_overdue() -> None:
    lc = RequestLifecycle()
    feed(lc, decision())
    assert not lc.apply(tick(RESPOND_BY - 1))
    out = lc.apply(tick(RESPOND_BY))
    assert states(out) == [OVERDUE]
    assert out.escalations == [with_state(request(), *OVERDUE)]


def test_the_escalation_is_issued_once() -> None:
    lc = RequestLifecycle()
    out = feed(lc, decision(), tick(RESPOND_BY), tick(RESPOND_BY + 5), decision(reason="changed"))
    assert len(out.escalations) == 1
    assert states(out)[-1] == OVERDUE
    assert lc.republish_all().escalations == out.escalations


def test_late_ack_after_overdue() -> None:
    lc = RequestLifecycle()
    feed(lc, decision(), tick(RESPOND_BY))
    out = lc.apply(response(ACK, at("2024-03-18")))
    assert states(out) == [(ACK, "acknowledged late on 2024-03-18 by 620600")]
    assert out.escalations == []


def test_late_ack_before_the_clock_passes_still_escalates() -> None:
    lc = RequestLifecycle()
    out = feed(lc, decision(), response(ACK, RESPOND_BY + 1))
    assert states(out)[-1] == (ACK, "acknowledged late on 2024-03-16 by 620600")
    out = lc.apply(tick(RESPOND_BY))
    assert out.requests == []  # still acknowledged late: nothing to republish
    assert [e.state for e in out.escalations] == ["OVERDUE"]


def test_the_earliest_ack_is_named_whatever_the_order() -> None:
    early = replace(response(ACK, at("2024-03-03")), response_id="b")
    later = replace(response(ACK, at("2024-03-20")), response_id="a")
    for order in ((early, later), (later, early)):
        lc = RequestLifecycle()
        feed(lc, decision(), *order, tick(RESPOND_BY))
        published = lc.published(RID)
        assert published is not None
        assert published.reason == "acknowledged on 2024-03-03 by 620600"


def test_terminal_after_overdue() -> None:
    lc = RequestLifecycle()
    feed(lc, decision(), tick(RESPOND_BY + 1))
    note = "left for Xinjiang"
    out = feed(
        lc,
        response("UNABLE_TO_LOCATE", at("2024-03-20"), outcome="MOVED_AWAY", note=note),
        tick(at("2024-04-01")),
    )
    assert states(out) == [
        ("RESOLVED", "UNABLE_TO_LOCATE by 620600: MOVED_AWAY — left for Xinjiang")
    ]
    assert out.escalations == []


def test_terminal_after_ack() -> None:
    lc = RequestLifecycle()
    out = feed(
        lc,
        decision(),
        response(ACK, at("2024-03-02")),
        response("REJECTED", at("2024-03-04"), note="not our resident"),
    )
    assert states(out)[1:] == [
        (ACK, "acknowledged on 2024-03-02 by 620600"),
        ("RESOLVED", "REJECTED by 620600 — not our resident"),
    ]


def test_the_latest_terminal_wins_whatever_the_order() -> None:
    first = response("UNABLE_TO_LOCATE", at("2024-03-05"), outcome="MOVED_AWAY")
    second = response("RESOLVED", at("2024-03-09"), outcome="REGISTERED_LATE")
    for order in ((first, second), (second, first)):
        lc = RequestLifecycle()
        feed(lc, decision(), *order)
        published = lc.published(RID)
        assert published is not None
        assert published.reason == "RESOLVED by 620600: REGISTERED_LATE"


def test_terminals_at_the_same_instant_tie_on_response_id() -> None:
    a = response("RESOLVED", at("2024-03-05"), outcome="BIRTH_FOUND")
    b = response("REJECTED", at("2024-03-05"))
    winner = max((a, b), key=lambda r: r.response_id)
    for order in ((a, b), (b, a)):
        lc = RequestLifecycle()
        feed(lc, decision(), *order)
        published = lc.published(RID)
        assert published is not None
        assert published.reason.startswith(winner.status + " by ")


def test_withdrawn_after_ack() -> None:
    lc = RequestLifecycle()
    out = feed(lc, decision(), response(ACK, at("2024-03-02")), withdrawn())
    assert states(out)[-1] == (WITHDRAWN, "recorded late on 2024-03-05")


def test_withdrawn_wins_over_a_resolution() -> None:
    lc = RequestLifecycle()
    feed(lc, decision(), withdrawn())
    out = lc.apply(response("RESOLVED", at("2024-03-06"), outcome="BIRTH_FOUND"))
    assert out.requests == []
    assert lc.published(RID) == withdrawn().request


def test_withdrawn_request_is_still_escalated_on_event_time() -> None:
    lc = RequestLifecycle()
    out = feed(lc, decision(), withdrawn(), tick(RESPOND_BY))
    assert out.requests[-1].state == WITHDRAWN
    assert [e.state for e in out.escalations] == ["OVERDUE"]


def test_a_decision_after_respond_by_is_published_overdue_at_once() -> None:
    lc = RequestLifecycle()
    out = feed(lc, tick(RESPOND_BY + 10), decision())
    assert states(out) == [OVERDUE]
    assert len(out.escalations) == 1


def test_an_older_clock_changes_nothing() -> None:
    lc = RequestLifecycle()
    feed(lc, decision(), tick(RESPOND_BY))
    assert not lc.apply(tick(RESPOND_BY - 5))
    assert lc.clock == RESPOND_BY


class CountingStore(InMemoryLifecycleStore):
    """Counts the records read."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get(self, request_id: str) -> RequestRecord | None:
        self.reads.append(request_id)
        return super().get(request_id)

    def records(self) -> Iterator[RequestRecord]:
        raise AssertionError("a clock advance must not walk every request")


def test_a_clock_advance_touches_only_requests_now_due() -> None:
    store = CountingStore()
    lc = RequestLifecycle(store)
    for i in range(50):
        lc.apply(decision(f"r-{i:02}", respond_by=RESPOND_BY + i * 1000))
    store.reads.clear()
    out = lc.apply(tick(RESPOND_BY + 2500))
    assert sorted(store.reads) == ["r-00", "r-01", "r-02"]
    assert len(out.escalations) == 3
    store.reads.clear()
    lc.apply(tick(RESPOND_BY + 2600))
    assert store.reads == []


def test_republish_all_resends_the_latest_of_everything() -> None:
    lc = RequestLifecycle()
    feed(
        lc, decision("a"), decision("b"), response(ACK, at("2024-03-02"), rid="b"), tick(RESPOND_BY)
    )
    again = lc.republish_all()
    assert [(r.request_id, r.state) for r in again.requests] == [("a", "OVERDUE"), ("b", ACK)]
    assert [e.request_id for e in again.escalations] == ["a"]
    assert not again.rejections
    assert lc.published("nope") is None


def test_a_replayed_older_decision_is_ignored() -> None:
    lc = RequestLifecycle()
    topic = "ivex.lifecycle.decisions"
    first = Decision(request(), Position(topic, 0, 5))
    gone = Decision(withdrawn().request, Position(topic, 0, 9))
    feed(lc, first, gone)
    assert not lc.apply(first)
    assert not lc.apply(gone)
    assert lc.stats.replayed == 2
    assert lc.published(RID) == gone.request


def test_without_positions_the_latest_applied_decision_wins() -> None:
    lc = RequestLifecycle()
    out = feed(lc, decision(), withdrawn(), decision())
    assert [r.state for r in out.requests] == [OPEN, WITHDRAWN, OPEN]

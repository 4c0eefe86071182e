"""Responses the lifecycle refuses, with their exact reasons; duplicates absorbed."""

from __future__ import annotations

from dataclasses import replace

from streams.lifecycle import InMemoryLifecycleStore, Rejection, RequestLifecycle, Response
from tests.unit.streams.lifecycle.builders import (
    JC,
    JQ,
    RID,
    WW,
    ZY,
    at,
    decision,
    feed,
    response,
    states,
)

ACK = "ACKNOWLEDGED"


def _only_rejection(lc: RequestLifecycle, resp: Response) -> Rejection:
    out = lc.apply(resp)
    assert out.requests == []
    assert out.escalations == []
    [rejection] = out.rejections
    return rejection


def test_response_to_an_unknown_request() -> None:
    store = InMemoryLifecycleStore()
    lc = RequestLifecycle(store)
    resp = response(ACK, at("2024-03-02"), rid="no-such-request")
    rejection = _only_rejection(lc, resp)
    assert (rejection.field, rejection.reason) == ("request_id", "unknown request")
    assert rejection.response == resp
    assert rejection.dlq_city == WW
    assert len(store) == 0  # a stranger's ids never grow the store


def test_response_from_a_copy_to_city() -> None:
    lc = RequestLifecycle()
    lc.apply(decision())
    rejection = _only_rejection(lc, response(ACK, at("2024-03-02"), city=ZY))
    assert rejection.field == "responding_city"
    assert rejection.reason == f"request {RID} is addressed to {WW}; {ZY} may not answer it"
    assert lc.published(RID) == decision().request  # state unchanged


def test_response_from_an_unrelated_city() -> None:
    lc = RequestLifecycle()
    lc.apply(decision())
    rejection = _only_rejection(lc, response("RESOLVED", at("2024-03-02"), city=JC))
    assert rejection.reason == f"request {RID} is addressed to {WW}; {JC} may not answer it"


def test_response_published_on_another_city_topic() -> None:
    lc = RequestLifecycle()
    lc.apply(decision())
    rejection = _only_rejection(lc, response(ACK, at("2024-03-02"), topic_city=JQ))
    assert rejection.field == "responding_city"
    assert rejection.reason == "responding_city differs from the publishing city"
    assert rejection.dlq_city == JQ


def test_not_addressed_is_reported_before_the_publisher_mismatch() -> None:
    lc = RequestLifecycle()
    lc.apply(decision())
    rejection = _only_rejection(lc, response(ACK, at("2024-03-02"), city=ZY, topic_city=JQ))
    assert rejection.reason.endswith(f"{ZY} may not answer it")


def test_a_rejected_response_is_rejected_again() -> None:
    lc = RequestLifecycle()
    lc.apply(decision())
    bad = response(ACK, at("2024-03-02"), city=ZY)
    assert lc.apply(bad).rejections == lc.apply(bad).rejections
    assert lc.stats.rejected == 2


def test_a_duplicate_response_is_absorbed_silently() -> None:
    lc = RequestLifecycle()
    ack = response(ACK, at("2024-03-02"))
    feed(lc, decision(), ack)
    again = replace(ack, position=replace(ack.position, offset=99))  # a re-send
    assert not lc.apply(again)
    assert not lc.apply(ack)
    assert lc.stats.duplicates == 2


def test_copies_of_one_response_id_settle_on_the_earliest() -> None:
    first = response(ACK, at("2024-03-20"))
    resend = replace(first, responded_at=at("2024-03-10"))
    for order in ((first, resend), (resend, first)):
        lc = RequestLifecycle()
        out = feed(lc, decision(), *order)
        assert states(out)[-1] == (ACK, "acknowledged on 2024-03-10 by 620600")
        assert out.rejections == []

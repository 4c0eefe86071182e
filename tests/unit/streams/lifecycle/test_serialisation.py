"""State survives a JSON round trip; a resumed lifecycle carries on as if never stopped."""

from __future__ import annotations

import json

from streams.lifecycle import (
    Decision,
    ExchangeClock,
    InMemoryLifecycleStore,
    LifecycleOutput,
    RequestLifecycle,
    RequestRecord,
    Response,
)
from tests.unit.streams.lifecycle.builders import (
    RESPOND_BY,
    at,
    decision,
    feed,
    response,
    tick,
    withdrawn,
)

ACK = "ACKNOWLEDGED"

SCRIPT: list[Decision | Response | ExchangeClock] = [
    decision("a"),
    decision("b", respond_by=RESPOND_BY + 1000),
    decision("c", respond_by=RESPOND_BY + 2000),
    response(ACK, at("2024-03-02"), rid="b", note="on it"),
    tick(RESPOND_BY),
    response("UNABLE_TO_LOCATE", at("2024-03-20"), rid="a", outcome="MOVED_AWAY"),
    withdrawn("c"),
    tick(RESPOND_BY + 5000),
]


def _through_json(store: InMemoryLifecycleStore) -> InMemoryLifecycleStore:
    copy = InMemoryLifecycleStore()
    for record in store.records():
        data = json.loads(json.dumps(record.to_dict()))
        copy.put(record.request_id, RequestRecord.from_dict(data))
    return copy


def test_record_round_trip() -> None:
    lc = RequestLifecycle()
    feed(lc, *SCRIPT)
    for record in lc.store.records():
        data = json.loads(json.dumps(record.to_dict()))
        assert RequestRecord.from_dict(data) == record


def test_resumed_lifecycle_equals_an_uninterrupted_one() -> None:
    for cut in range(len(SCRIPT) + 1):
        whole = RequestLifecycle()
        feed(whole, *SCRIPT[:cut])
        first_store = InMemoryLifecycleStore()
        first = RequestLifecycle(first_store)
        feed(first, *SCRIPT[:cut])
        state = json.loads(json.dumps(first.to_dict()))
        resumed = RequestLifecycle.from_dict(state, _through_json(first_store))
        assert feed(resumed, *SCRIPT[cut:]) == feed(whole, *SCRIPT[cut:])
        assert resumed.republish_all() == whole.republish_all()


def test_recovery_rebuilds_the_index_and_settles_what_was_lost() -> None:
    store = InMemoryLifecycleStore()
    lc = RequestLifecycle(store)
    feed(lc, decision("a"), decision("b", respond_by=RESPOND_BY + 1000))
    # A crash after the clock was saved but before the due requests were settled.
    resumed = RequestLifecycle(store, clock=RESPOND_BY)
    resumed.rebuild_index()
    out = resumed.settle_due()
    assert [r.request_id for r in out.escalations] == ["a"]
    assert [(r.request_id, r.state) for r in out.requests] == [("a", "OVERDUE")]
    assert resumed.settle_due() == LifecycleOutput()
    later = resumed.apply(tick(RESPOND_BY + 1000))
    assert [r.request_id for r in later.escalations] == ["b"]

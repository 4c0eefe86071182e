"""The audit re-derivation without Kafka: engine decisions and the exchange clock feed
the lifecycle in the engine's order, then responses; final published states follow."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ivex.codec import Codec, shipped
from ivex.codec.compatibility import sample_datum
from ivex.samples import sample_records
from streams.engine.days import MS_PER_DAY
from streams.engine.outputs import BIRTH_NOT_REGISTERED, LATE_TERMINATION_UNAPPROVED, OPEN
from streams.rederive import ForeignRecords, Rederiver, Share
from tests.unit.streams.engine.builders import (
    CITIES,
    JC,
    JQ,
    PARAMS,
    WW,
    ZY,
    all_watermarks,
    birth,
    eod,
    termination,
)
from tests.unit.streams.lifecycle.builders import response


def _run(*items: object) -> Rederiver:
    r = Rederiver(PARAMS, CITIES)
    for item in items:
        r.city_item(item)  # type: ignore[arg-type]
    return r


def test_without_answers_or_clock_the_engines_decisions_are_published() -> None:
    r = _run(termination(JQ, mother_ref="m-2", mother_hukou_city=JC, gestational_weeks=16))
    [req] = r.result.requests.values()
    assert (req.kind, req.state) == (LATE_TERMINATION_UNAPPROVED, OPEN)
    assert r.result.requests == r.result.decisions


def test_the_clock_from_every_watermark_makes_an_unanswered_request_overdue() -> None:
    r = _run(birth(ZY, mother_ref="m-1"), *all_watermarks(eod("2024-03-10")))
    [req] = r.result.requests.values()
    assert req.kind == BIRTH_NOT_REGISTERED
    assert r.result.decisions[req.request_id].state == OPEN
    late = req.respond_by + MS_PER_DAY
    r.city_item(all_watermarks(late)[0])  # one city alone does not move the clock
    assert r.result.requests[req.request_id].state == OPEN
    for mark in all_watermarks(late)[1:]:
        r.city_item(mark)
    assert r.result.requests[req.request_id].state == "OVERDUE"


def test_responses_after_the_clock_give_the_final_state_of_any_order() -> None:
    r = _run(birth(ZY, mother_ref="m-1"), *all_watermarks(eod("2024-03-10")))
    [req] = r.result.requests.values()
    rid = req.request_id
    for mark in all_watermarks(req.respond_by + MS_PER_DAY):
        r.city_item(mark)
    r.response(response("ACKNOWLEDGED", req.raised_at + MS_PER_DAY, rid=rid, city=WW))
    assert r.result.requests[rid].state == "ACKNOWLEDGED"
    r.response(response("RESOLVED", req.raised_at + 2 * MS_PER_DAY, rid=rid, city=WW))
    r.response(response("RESOLVED", req.raised_at, rid=rid, city=JQ))  # not addressed to JQ
    assert r.result.requests[rid].state == "RESOLVED"
    assert r.result.requests[rid].reason == "RESOLVED by 620600"
    assert (r.result.responses, r.result.rejected) == (3, 1)


def _city_value(mother_ref: str) -> bytes:
    datum = sample_datum(shipped().latest("BirthRecorded").raw) | {"mother_ref": mother_ref}
    return Codec().encode("BirthRecorded", datum)


@given(st.text(max_size=40), st.integers(1, 4))
def test_exactly_one_share_keeps_a_womans_record(mother_ref: str, count: int) -> None:
    value = _city_value(mother_ref)
    filters = [ForeignRecords(Share(k, count)) for k in range(count)]
    keepers = [k for k, keep in enumerate(filters) if keep(value)]
    assert keepers == [k for k in range(count) if Share(k, count).owns(mother_ref)]
    assert len(keepers) == 1
    assert sum(f.skipped for f in filters) == count - 1


def test_every_share_keeps_watermarks_tombstones_and_what_it_cannot_place() -> None:
    watermark = Codec().encode("SourceWatermark", sample_records()["SourceWatermark"])
    for value in (watermark, None, b"not avro", _city_value("m-1")[:12]):
        filters = [ForeignRecords(Share(k, 2)) for k in range(2)]
        assert all(keep(value) for keep in filters)
        assert sum(f.skipped for f in filters) == 0

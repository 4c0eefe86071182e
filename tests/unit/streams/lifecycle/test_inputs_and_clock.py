"""Decoding responses as fastavro yields them; the exchange clock tracker."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid

import fastavro

from streams.engine.facts import Position, Watermark
from streams.lifecycle import (
    ExchangeClock,
    ExchangeClockTracker,
    RequestLifecycle,
    response_from_avro,
)
from tests.unit.streams.lifecycle.builders import (
    JQ,
    RESPOND_BY,
    RID,
    WW,
    at,
    decision,
    feed,
    response,
    tick,
)

STREAMS = ("births", "registrations", "terminations", "pregnancies")


def _decoded(datum: dict[str, object]) -> dict[str, object]:
    with open("schemas/avro/v1/AssistanceResponse.avsc", encoding="utf-8") as f:
        schema = fastavro.parse_schema(json.load(f))
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, schema, datum)
    buf.seek(0)
    decoded = fastavro.schemaless_reader(buf, schema, schema)
    assert isinstance(decoded, dict)
    return decoded


def test_response_from_avro_converts_uuids_and_timestamps() -> None:
    rid = uuid.UUID(RID)
    when = dt.datetime(2024, 3, 10, 7, 0, tzinfo=dt.UTC)
    datum = _decoded(
        {
            "response_id": uuid.uuid4(),
            "request_id": rid,
            "responding_city": WW,
            "status": "RESOLVED",
            "outcome": "BIRTH_FOUND",
            "responded_at": when,
            "note": None,
        }
    )
    assert isinstance(datum["request_id"], uuid.UUID)
    assert isinstance(datum["responded_at"], dt.datetime)
    position = Position("assist.responses.620600", 0, 7)
    resp = response_from_avro(datum, WW, position)
    assert resp.request_id == RID
    assert resp.responded_at == at("2024-03-10", 15)
    assert (resp.status, resp.outcome, resp.note) == ("RESOLVED", "BIRTH_FOUND", None)
    assert (resp.topic_city, resp.position) == (WW, position)
    assert resp.response_id == str(datum["response_id"])


def _wm(city: str, stream: str, through: int) -> Watermark:
    return Watermark(str(uuid.uuid4()), city, stream, through, through)


def test_the_clock_waits_for_every_city_and_stream() -> None:
    tracker = ExchangeClockTracker([WW, JQ])
    pairs = [(c, s) for c in (WW, JQ) for s in STREAMS]
    for city, stream in pairs[:-1]:
        assert tracker.observe(_wm(city, stream, 100)) is None
    assert tracker.clock() is None
    assert tracker.observe(_wm(*pairs[-1], 50)) == ExchangeClock(50)


def test_the_clock_advances_only_with_the_minimum() -> None:
    tracker = ExchangeClockTracker([WW, JQ])
    for city in (WW, JQ):
        for stream in STREAMS:
            tracker.observe(_wm(city, stream, 100))
    assert tracker.clock() == ExchangeClock(100)
    assert tracker.observe(_wm(WW, "births", 300)) is None  # others still at 100
    assert tracker.observe(_wm(WW, "births", 200)) is None  # older: ignored
    assert tracker.observe(_wm("999999", "births", 500)) is None  # not a member
    for stream in STREAMS[1:]:
        assert tracker.observe(_wm(WW, stream, 300)) is None
    for stream in STREAMS[:-1]:
        assert tracker.observe(_wm(JQ, stream, 250)) is None
    assert tracker.observe(_wm(JQ, "pregnancies", 260)) == ExchangeClock(250)


def test_the_tracker_round_trips() -> None:
    tracker = ExchangeClockTracker([WW])
    for stream in STREAMS:
        tracker.observe(_wm(WW, stream, 10))
    data = json.loads(json.dumps(tracker.to_dict()))
    resumed = ExchangeClockTracker.from_dict(data, [WW])
    assert resumed.clock() == ExchangeClock(10)
    for stream in STREAMS[:-1]:
        assert resumed.observe(_wm(WW, stream, 20)) is None
    assert resumed.observe(_wm(WW, "pregnancies", 30)) == ExchangeClock(20)


def test_every_published_state_fits_the_request_schema() -> None:
    with open("schemas/avro/v1/AssistanceRequest.avsc", encoding="utf-8") as f:
        schema = fastavro.parse_schema(json.load(f))
    lc = RequestLifecycle()
    out = feed(
        lc,
        decision(),
        tick(RESPOND_BY),
        response("ACKNOWLEDGED", RESPOND_BY + 1),
        response("REJECTED", RESPOND_BY + 2, note="not ours"),
    )
    published = out.requests + out.escalations
    assert {r.state for r in published} == {"OPEN", "OVERDUE", "ACKNOWLEDGED", "RESOLVED"}
    for req in published:
        datum = req.to_avro() | {"request_id": uuid.UUID(RID)}
        datum["evidence"] = [e | {"event_id": uuid.UUID(e["event_id"])} for e in datum["evidence"]]
        fastavro.schemaless_writer(io.BytesIO(), schema, datum)

"""The per-partition lifecycle driver over plain dicts: published states, escalations,
rejections to the responding city's DLQ, replays, the clock from engine ticks, and the
re-send of what was published on recovery."""

from __future__ import annotations

from typing import Any

import pytest

from ivex.codec import Codec
from ivex.settings import Settings
from ivex.topics import INTERNAL_PARTITIONS, TopicNames
from streams.driver.errors import CODE_HEADER
from streams.driver.lifecycle_store import TableLifecycleStore
from streams.driver.lifecycle_wire import EngineTick, LifecycleItem, encode_lifecycle_item
from streams.driver.lifecycles import LifecycleDriver, clock_key
from streams.driver.records import Outgoing, SourceMessage
from streams.driver.wire import partition_for
from streams.engine.days import MS_PER_DAY
from streams.engine.outputs import WITHDRAWN
from streams.lifecycle.lifecycle import NO_CLOCK
from streams.lifecycle.record import RequestRecord
from tests.unit.streams.lifecycle.builders import JQ, RESPOND_BY, RID, WW, at, request, response

TOPIC = "u.app-lifecycle-in"
P = partition_for(RID, INTERNAL_PARTITIONS)


class Tables:
    """The two tables of a worker, surviving a 'restart' of the driver."""

    def __init__(self) -> None:
        self.records: dict[str, Any] = {}
        self.clocks: dict[str, Any] = {}
        self.offset = 0

    def driver(self, settings: Settings) -> LifecycleDriver:
        return LifecycleDriver(
            settings,
            self.records,
            self.clocks,
            partitions=INTERNAL_PARTITIONS,
            engine_partitions=INTERNAL_PARTITIONS,
        )

    def feed(self, driver: LifecycleDriver, *items: LifecycleItem) -> list[Outgoing]:
        """Deliver items as the engine and response ingest would, at the next offsets."""
        out: list[Outgoing] = []
        for item in items:
            self.offset += 1
            msg = SourceMessage(TOPIC, P, self.offset, None, encode_lifecycle_item(item))
            out += driver.process(msg)
        return out


def _same_partition() -> str:
    return next(
        rid
        for n in range(100)
        if partition_for(rid := f"00000000-0000-0000-0000-{n:012d}", INTERNAL_PARTITIONS) == P
        and rid != RID
    )


def _all_ticks(time_ms: int) -> list[EngineTick]:
    return [EngineTick(p, time_ms) for p in range(INTERNAL_PARTITIONS)]


def _states(out: list[Outgoing], topic: str) -> list[str]:
    codec = Codec()
    return [str(codec.decode(o.value).datum["state"]) for o in out if o.topic == topic]


@pytest.fixture
def tables() -> Tables:
    return Tables()


def test_a_decision_is_published_to_the_addressed_city(settings: Settings, tables: Tables) -> None:
    out = tables.feed(tables.driver(settings), request())
    [record] = out
    assert record.topic == TopicNames(settings).requests(WW)
    assert record.key == RID.encode()
    assert _states(out, record.topic) == ["OPEN"]


def test_responses_move_the_request_on(settings: Settings, tables: Tables) -> None:
    driver = tables.driver(settings)
    topic = TopicNames(settings).requests(WW)
    out = tables.feed(
        driver,
        request(),
        response("ACKNOWLEDGED", at("2024-03-02")),
        response("RESOLVED", at("2024-03-04"), outcome="MOVED_AWAY"),
    )
    assert _states(out, topic) == ["OPEN", "ACKNOWLEDGED", "RESOLVED"]
    assert Codec().decode(out[-1].value).datum["reason"] == "RESOLVED by 620600: MOVED_AWAY"


def test_the_clock_waits_for_every_engine_partition_then_escalates_once(
    settings: Settings, tables: Tables
) -> None:
    driver = tables.driver(settings)
    names = TopicNames(settings)
    tables.feed(driver, request())
    late = RESPOND_BY + MS_PER_DAY
    ticks = _all_ticks(late)
    assert tables.feed(driver, *ticks[:-1]) == []
    out = tables.feed(driver, ticks[-1])
    assert _states(out, names.requests(WW)) == ["OVERDUE"]
    [escalation] = [o for o in out if o.topic == names.escalations]
    assert escalation.key == RID.encode()
    assert tables.clocks[clock_key(P)]["clock"] == late
    assert tables.feed(driver, *_all_ticks(late + MS_PER_DAY)) == []


def test_bad_responses_go_to_the_dlq_of_the_responding_city(
    settings: Settings, tables: Tables
) -> None:
    driver = tables.driver(settings)
    names = TopicNames(settings)
    tables.feed(driver, request())
    before = dict(tables.records)
    unknown = response("ACKNOWLEDGED", at("2024-03-02"), rid="00000000-0000-0000-0000-000000000009")
    stranger = response("RESOLVED", at("2024-03-02"), city=JQ)
    out = tables.feed(driver, unknown, stranger)
    assert [o.topic for o in out] == [names.dlq(WW), names.dlq(JQ)]
    assert out[0].header("ivex_reason") == "unknown request"
    assert out[0].header("ivex_field") == "request_id"
    assert out[1].header("ivex_field") == "responding_city"
    assert f"addressed to {WW}" in (out[1].header("ivex_reason") or "")
    assert out[1].key == f"{stranger.position.topic}:{stranger.position.offset}".encode()
    assert tables.records == before


def test_a_redelivered_older_decision_changes_nothing(settings: Settings, tables: Tables) -> None:
    driver = tables.driver(settings)
    first = SourceMessage(TOPIC, P, 1, None, encode_lifecycle_item(request()))
    withdrawn = request(state=WITHDRAWN, reason="recorded late on 2024-03-05")
    second = SourceMessage(TOPIC, P, 2, None, encode_lifecycle_item(withdrawn))
    driver.process(first)
    driver.process(second)
    assert driver.process(first) == []
    record = RequestRecord.from_dict(tables.records[RID])
    assert record.published is not None
    assert record.published.state == WITHDRAWN


def test_recovery_resends_what_was_published_and_settles_the_saved_clock(
    settings: Settings, tables: Tables
) -> None:
    names = TopicNames(settings)
    first = tables.driver(settings)
    published = tables.feed(first, request(), response("ACKNOWLEDGED", at("2024-03-02")))
    other = _same_partition()
    tables.records[other] = RequestRecord(other, request(other), published=request(other)).to_dict()
    # Killed after the clock state was saved, before the requests were re-judged.
    tables.clocks[clock_key(P)] = {"ticks": {}, "clock": RESPOND_BY}
    second = tables.driver(settings)
    out = tables.feed(second, EngineTick(0, NO_CLOCK + 1))
    requests = [o for o in out if o.topic == names.requests(WW)]
    assert published[-1] in requests  # ACKNOWLEDGED, byte-identical
    states = _states(out, names.requests(WW))
    assert states.count("OPEN") == 1
    assert states[-1] == "OVERDUE"
    assert len([o for o in out if o.topic == names.escalations]) == 1
    assert second.stats.recoveries == 1


def test_foreign_bytes_go_to_errors(settings: Settings, tables: Tables) -> None:
    driver = tables.driver(settings)
    [out] = driver.process(SourceMessage(TOPIC, 0, 1, None, b"nope"))
    assert out.topic == TopicNames(settings).processing_errors
    assert out.header(CODE_HEADER) == "malformed_internal"


def test_a_lifecycle_failure_is_reported_and_the_partition_reloaded(
    settings: Settings, tables: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = tables.driver(settings)

    def boom(*_: Any) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr("streams.lifecycle.lifecycle.RequestLifecycle.apply", boom)
    [out] = tables.feed(driver, request())
    assert out.header(CODE_HEADER) == "lifecycle_error"
    assert driver.owned() == []
    assert tables.records == {}


def test_the_store_keeps_to_its_partition_and_writes_at_flush() -> None:
    table: dict[str, Any] = {}
    store = TableLifecycleStore(table, partition=P, partitions=INTERNAL_PARTITIONS)
    record = RequestRecord(RID, request())
    store.put(RID, record)
    assert table == {}
    assert store.get(RID) is record
    assert [r.request_id for r in store.records()] == [RID]
    assert store.flush() == 1
    assert RequestRecord.from_dict(table[RID]) == record
    foreign = next(
        f"r-{n}" for n in range(100) if partition_for(f"r-{n}", INTERNAL_PARTITIONS) != P
    )
    table[foreign] = RequestRecord(foreign, request(foreign)).to_dict()
    assert [r.request_id for r in store.records()] == [RID]
    store.put(RID, RequestRecord(RID))
    store.discard()
    assert store.get(RID) == record

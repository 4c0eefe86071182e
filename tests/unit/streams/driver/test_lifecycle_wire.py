"""The lifecycle topic's format and the lifecycle partition's exchange clock."""

from __future__ import annotations

import pytest

from ivex.topics import INTERNAL_PARTITIONS
from streams.driver.clocks import EngineClocks
from streams.driver.lifecycle_wire import (
    EngineTick,
    decode_lifecycle_item,
    encode_lifecycle_item,
    keyed_record,
    tick_records,
)
from streams.driver.wire import partition_for
from streams.lifecycle import ExchangeClock
from streams.lifecycle.lifecycle import NO_CLOCK
from tests.unit.streams.lifecycle.builders import RID, at, request, response

TOPIC = "u.app-lifecycle-in"


@pytest.mark.parametrize(
    "item", [request(), response("ACKNOWLEDGED", at("2024-03-02")), EngineTick(3, 12345)]
)
def test_items_round_trip(item: object) -> None:
    assert decode_lifecycle_item(encode_lifecycle_item(item)) == item  # type: ignore[arg-type]


@pytest.mark.parametrize("junk", [b"nope", b"[]", b"{}", b'{"tick": [1]}'])
def test_foreign_bytes_raise(junk: bytes) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        decode_lifecycle_item(junk)


def test_decisions_and_responses_go_to_the_partition_of_their_request() -> None:
    p = partition_for(RID, INTERNAL_PARTITIONS)
    for item in (request(), response("RESOLVED", at("2024-03-02"))):
        out = keyed_record(TOPIC, item, INTERNAL_PARTITIONS)
        assert (out.topic, out.key, out.partition) == (TOPIC, RID.encode(), p)


def test_a_tick_goes_to_every_partition() -> None:
    out = tick_records(TOPIC, EngineTick(1, 7), INTERNAL_PARTITIONS)
    assert [o.partition for o in out] == list(range(INTERNAL_PARTITIONS))
    assert {decode_lifecycle_item(o.value) for o in out} == {EngineTick(1, 7)}


def test_the_clock_is_the_minimum_over_every_engine_partition() -> None:
    clocks = EngineClocks(3)
    assert clocks.observe(EngineTick(0, 100)) is None
    assert clocks.observe(EngineTick(1, 50)) is None
    assert clocks.time_ms == NO_CLOCK
    assert clocks.observe(EngineTick(2, 70)) == ExchangeClock(50)
    assert clocks.observe(EngineTick(0, 200)) is None  # the minimum did not move
    assert clocks.observe(EngineTick(1, 300)) == ExchangeClock(70)


def test_old_duplicate_and_foreign_ticks_change_nothing() -> None:
    clocks = EngineClocks(2, {0: 10, 1: 20})
    for tick in (EngineTick(0, 10), EngineTick(0, 5), EngineTick(7, 99), EngineTick(-1, 99)):
        assert not clocks.changed_by(tick)
        assert clocks.observe(tick) is None
    assert clocks.time_ms == 10


def test_clocks_round_trip() -> None:
    clocks = EngineClocks(2, {0: 10, 1: 20})
    back = EngineClocks.from_dict(clocks.to_dict(), 2)
    assert back.to_dict() == clocks.to_dict()
    assert back.time_ms == 10
    assert EngineClocks.from_dict({}, 2).time_ms == NO_CLOCK

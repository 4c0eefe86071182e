"""The rebalance-safe consumer: which partitions it seeks to their beginning after a
rebalance, and which messages it refuses to ack."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

import pytest
from faust.transport.consumer import Consumer as FaustConsumer
from faust.types import TP, Message
from faust.types.tuples import ConsumerMessage

from ivex.settings import Settings
from streams import transport
from streams.app import build_app
from streams.options import WorkerOptions
from streams.transport import RebalanceSafeConsumer, never_committed

CITY = TP("t.city.620200.births", 0)
INTERNAL = TP("t.ivex-case-engine-engine-in", 3)
CHANGELOG = TP("t.ivex-case-engine-women-changelog", 3)


def test_partitions_without_a_commit_are_rewound() -> None:
    committed: dict[TP, int | None] = {CITY: None, INTERNAL: 0, CHANGELOG: None}
    assert never_committed(committed, {CHANGELOG.topic}) == [CITY, INTERNAL]


def test_committed_partitions_and_changelogs_are_left_alone() -> None:
    committed: dict[TP, int | None] = {CITY: 12, INTERNAL: 1, CHANGELOG: -1}
    assert never_committed(committed, {CHANGELOG.topic}) == []


def test_the_order_does_not_depend_on_the_mapping() -> None:
    ours = {INTERNAL: None, CITY: None}
    assert never_committed(ours, ()) == never_committed(dict(reversed(ours.items())), ())


def _consumer(settings: Settings, tmp_path: Path) -> RebalanceSafeConsumer:
    options = WorkerOptions(app_id="a", data_dir=tmp_path, store="memory://")
    consumer = build_app(settings, options).consumer
    assert isinstance(consumer, RebalanceSafeConsumer)
    return consumer


def _message(generation: int, *, tracked: bool) -> ConsumerMessage:
    message = ConsumerMessage(
        CITY.topic, 0, 7, 0.0, 0, [], b"k", b"v", None, tp=CITY, generation_id=generation
    )
    message.tracked = tracked
    return message


@pytest.fixture
def base_acks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Offsets Faust's own ``Consumer.ack`` was asked to mark."""
    calls: list[int] = []

    def ack(self: Any, message: Message) -> bool:
        calls.append(message.offset)
        return True

    monkeypatch.setattr(FaustConsumer, "ack", ack)
    return calls


def test_a_message_skipped_while_the_flow_is_stopped_is_not_acked(
    settings: Settings, tmp_path: Path, base_acks: list[int]
) -> None:
    consumer = _consumer(settings, tmp_path)
    consumer.app.flow_control.suspend()
    message = _message(consumer.app.consumer_generation_id, tracked=False)
    assert consumer.ack(message) is False
    assert not message.acked
    assert base_acks == []


def test_a_message_of_an_older_generation_is_not_acked(
    settings: Settings, tmp_path: Path, base_acks: list[int]
) -> None:
    consumer = _consumer(settings, tmp_path)
    consumer.app.flow_control.resume()
    consumer.app.consumer_generation_id = 3
    assert consumer.ack(_message(2, tracked=False)) is False
    assert base_acks == []


def test_processed_and_undecodable_messages_are_acked_as_before(
    settings: Settings, tmp_path: Path, base_acks: list[int]
) -> None:
    consumer = _consumer(settings, tmp_path)
    consumer.app.flow_control.suspend()
    generation = consumer.app.consumer_generation_id
    assert consumer.ack(_message(generation, tracked=True)) is True  # processed, then revoked
    consumer.app.flow_control.resume()
    assert consumer.ack(_message(generation, tracked=False)) is True  # Faust's decode errors
    assert base_acks == [7, 7]


def test_messages_of_a_failed_batch_are_never_acked(
    settings: Settings, tmp_path: Path, base_acks: list[int]
) -> None:
    consumer = _consumer(settings, tmp_path)
    consumer.app.flow_control.resume()
    generation = consumer.app.consumer_generation_id
    held, other = _message(generation, tracked=True), _message(generation, tracked=True)
    consumer.track_message(held)
    consumer.hold([held])
    # Not waited for at a revocation either (Faust's wait_empty): it is read again.
    assert held not in consumer.unacked
    assert consumer.ack(held) is False
    assert consumer.ack(held) is False  # take_events acks again: still refused
    assert consumer.ack(other) is True
    assert base_acks == [7]


class _FakeKafkaConsumer:
    """The three aiokafka calls the rewind makes; one partition is revoked meanwhile."""

    def __init__(self, assigned: set[TP], start: int = 4) -> None:
        self.assigned = assigned
        self.start = start
        self.seeks: list[tuple[TP, int]] = []

    async def beginning_offsets(self, partitions: list[TP]) -> dict[TP, int]:
        self.assigned.discard(INTERNAL)  # a rebalance ran during the request
        return {tp: self.start for tp in partitions}

    def assignment(self) -> set[TP]:
        return set(self.assigned)

    def seek(self, tp: TP, offset: int) -> None:
        self.seeks.append((tp, offset))


class _FakeThread:
    def __init__(self, consumer: _FakeKafkaConsumer) -> None:
        self.consumer = consumer
        #: The high watermark the consumer last heard of, per partition.
        self.ends: dict[TP, int] = {}

    def highwater(self, tp: TP) -> int | None:
        return self.ends.get(tp)

    def _ensure_consumer(self) -> _FakeKafkaConsumer:
        return self.consumer

    async def call_thread(self, fun: Any, *args: Any) -> Any:
        return await fun(*args)


def test_the_rewind_seeks_explicitly_and_only_what_is_still_assigned(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = _consumer(settings, tmp_path)
    kafka = _FakeKafkaConsumer({CITY, INTERNAL})
    monkeypatch.setattr(consumer, "_thread", _FakeThread(kafka))
    asyncio.run(consumer._seek_to_start([CITY, INTERNAL]))
    assert kafka.seeks == [(CITY, 4)]


class _SeekingThread(_FakeThread):
    """The consumer thread after an assignment: ``committed`` offsets, logs from 0."""

    def __init__(self, committed: dict[TP, int | None]) -> None:
        super().__init__(_FakeKafkaConsumer(set(committed), start=0))
        self.committed = committed

    async def seek_to_committed(self) -> dict[TP, int | None]:
        return dict(self.committed)


def _assigned(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, committed: int | None
) -> RebalanceSafeConsumer:
    """A consumer just assigned CITY (committed at ``committed``) and sought there."""
    consumer = _consumer(settings, tmp_path)
    monkeypatch.setattr(consumer, "_thread", _SeekingThread({CITY: committed}))
    monkeypatch.setattr(consumer.app.topics, "acks_enabled_for", lambda topic: True)
    asyncio.run(consumer.perform_seek())
    return consumer


def _at(offset: int, generation: int) -> ConsumerMessage:
    message = ConsumerMessage(
        CITY.topic, 0, offset, 0.0, 0, [], b"k", b"v", None, tp=CITY, generation_id=generation
    )
    message.tracked = True
    return message


@pytest.mark.parametrize("committed", [31, None])
def test_a_record_skipped_in_a_rebalance_is_never_committed_past(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, committed: int | None
) -> None:
    # The window of the commit hole, step by step: the record at the committed offset
    # is skipped while the flow is stopped (not acknowledged), the next one is
    # processed and acknowledged, and a commit runs (at revocation, or the periodic one
    # before the worker dies). Faust committed past the skipped record: one missing
    # offset got through its check, and any number on a partition never committed.
    consumer = _assigned(settings, tmp_path, monkeypatch, committed)
    first = committed or 0
    generation = consumer.app.consumer_generation_id
    consumer.app.flow_control.suspend()
    skipped = _at(first, generation)
    skipped.tracked = False
    assert consumer.ack(skipped) is False
    consumer.app.flow_control.resume()
    assert consumer.ack(_at(first + 1, generation)) is True
    assert consumer._filter_committable_offsets([CITY]) == {}
    # Read again and processed: now both are committed.
    assert consumer.ack(_at(first, generation)) is True
    assert consumer._filter_committable_offsets([CITY]) == {CITY: first + 2}


def test_a_held_batch_is_not_committed_past_by_a_later_one(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = _assigned(settings, tmp_path, monkeypatch, 10)
    generation = consumer.app.consumer_generation_id
    failed = [_at(offset, generation) for offset in (10, 11)]
    consumer.hold(failed)
    for message in failed:
        assert consumer.ack(message) is False
    for offset in (12, 13):
        assert consumer.ack(_at(offset, generation)) is True
    assert consumer._filter_committable_offsets([CITY]) == {}


def test_acknowledged_records_are_committed_in_order(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = _assigned(settings, tmp_path, monkeypatch, 5)
    generation = consumer.app.consumer_generation_id
    for offset in (5, 6, 8):
        consumer.ack(_at(offset, generation))
    offsets = consumer._filter_committable_offsets([CITY])
    assert offsets == {CITY: 7}
    consumer._committed_offset.update(offsets)  # as the commit does
    consumer.ack(_at(7, generation))
    assert consumer._filter_committable_offsets([CITY]) == {CITY: 9}


def test_a_record_lost_on_its_way_to_the_streams_is_read_again(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Offset 10 never reached a stream (dropped below Faust's read offset after a seek)
    # while 11 and 12 were processed: the commit stays at 10, and once that has lasted
    # LOST_AFTER_S the partition is read again from 10.
    consumer = _assigned(settings, tmp_path, monkeypatch, 10)
    consumer.app.flow_control.resume()
    generation = consumer.app.consumer_generation_id
    for offset in (11, 12):
        consumer.ack(_at(offset, generation))
    scheduled: list[Any] = []
    monkeypatch.setattr(consumer, "add_future", scheduled.append)
    clock = [100.0]
    monkeypatch.setattr(transport, "now", lambda: clock[0])
    assert consumer._filter_committable_offsets([CITY]) == {}
    clock[0] += transport.LOST_AFTER_S - 0.1
    assert consumer._filter_committable_offsets([CITY]) == {}
    assert scheduled == []
    clock[0] += 0.1
    assert consumer._filter_committable_offsets([CITY]) == {}
    assert len(scheduled) == 1
    seeks: list[tuple[TP, int]] = []

    async def seek(tp: TP, offset: int) -> None:
        seeks.append((tp, offset))

    monkeypatch.setattr(consumer, "seek", seek)
    asyncio.run(scheduled[0])
    assert seeks == [(CITY, 10)]
    consumer.ack(_at(10, generation))  # read again and processed
    assert consumer._filter_committable_offsets([CITY]) == {CITY: 13}


def test_nothing_is_read_again_while_records_are_merely_in_flight(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = _assigned(settings, tmp_path, monkeypatch, 10)
    scheduled: list[Any] = []
    monkeypatch.setattr(consumer, "add_future", scheduled.append)
    clock = [0.0]
    monkeypatch.setattr(transport, "now", lambda: clock[0])
    for _ in range(3):  # nothing acknowledged yet: no hole, whatever the time
        consumer._filter_committable_offsets([CITY])
        clock[0] += transport.LOST_AFTER_S
    assert scheduled == []


def test_the_last_records_lost_are_read_again_once_the_log_long_held_them(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing after the hole is acknowledged (the partition's last records were lost),
    # but the log holds it: after UNACKED_AFTER_S the partition is read again.
    consumer = _assigned(settings, tmp_path, monkeypatch, 10)
    consumer.app.flow_control.resume()
    cast(_FakeThread, consumer._thread).ends[CITY] = 13
    scheduled: list[Any] = []
    monkeypatch.setattr(consumer, "add_future", scheduled.append)
    clock = [0.0]
    monkeypatch.setattr(transport, "now", lambda: clock[0])
    consumer._filter_committable_offsets(list(consumer._acked))  # the partition is watched
    clock[0] += transport.LOST_AFTER_S
    consumer._filter_committable_offsets(list(consumer._acked))
    assert scheduled == []
    clock[0] += transport.UNACKED_AFTER_S
    consumer._filter_committable_offsets(list(consumer._acked))
    assert len(scheduled) == 1
    scheduled[0].close()


def test_an_idle_partition_is_never_read_again(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    consumer = _assigned(settings, tmp_path, monkeypatch, 10)
    consumer.app.flow_control.resume()
    cast(_FakeThread, consumer._thread).ends[CITY] = 10  # the log ends at the resume point
    scheduled: list[Any] = []
    monkeypatch.setattr(consumer, "add_future", scheduled.append)
    clock = [0.0]
    monkeypatch.setattr(transport, "now", lambda: clock[0])
    for _ in range(3):
        consumer._filter_committable_offsets(list(consumer._acked))
        clock[0] += transport.UNACKED_AFTER_S
    assert scheduled == []

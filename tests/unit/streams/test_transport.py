"""The rebalance-safe consumer: which partitions it seeks to their beginning after a
rebalance, and which messages it refuses to ack."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from faust.transport.consumer import Consumer as FaustConsumer
from faust.types import TP, Message
from faust.types.tuples import ConsumerMessage

from ivex.settings import Settings
from streams.app import WorkerOptions, build_app
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
    consumer.hold([held])
    assert consumer.ack(held) is False
    assert consumer.ack(held) is False  # take_events acks again: still refused
    assert consumer.ack(other) is True
    assert base_acks == [7]


class _FakeKafkaConsumer:
    """The three aiokafka calls the rewind makes; one partition is revoked meanwhile."""

    def __init__(self, assigned: set[TP]) -> None:
        self.assigned = assigned
        self.seeks: list[tuple[TP, int]] = []

    async def beginning_offsets(self, partitions: list[TP]) -> dict[TP, int]:
        self.assigned.discard(INTERNAL)  # a rebalance ran during the request
        return {tp: 4 for tp in partitions}

    def assignment(self) -> set[TP]:
        return set(self.assigned)

    def seek(self, tp: TP, offset: int) -> None:
        self.seeks.append((tp, offset))


class _FakeThread:
    def __init__(self, consumer: _FakeKafkaConsumer) -> None:
        self.consumer = consumer

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

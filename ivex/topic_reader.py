"""Read topics from a start point to the end they had when reading began.

The one reader behind replay, verify, explain and re-derivation: it snapshots the end
offsets first, so a live topic still being written does not keep a reader running.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from ivex.errors import IvexError
from ivex.kafka_config import client_config
from ivex.settings import Settings


class TopicNotFoundError(IvexError):
    """A topic to read does not exist on the cluster."""

    code = "topic_not_found"

    def __init__(self, topic: str, principal: str = "") -> None:
        # Kafka hides topics a principal may not describe: on a secured cluster a missing
        # topic and a forbidden one look the same to the client.
        hint = (
            f", or principal {principal!r} may not read it (docs/security.md)" if principal else ""
        )
        super().__init__(f"topic {topic!r} does not exist (run `ivex topics apply`?){hint}")
        self.topic = topic
        self.principal = principal


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One message of a topic, with its position on the log."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str | None:
        """The first header called ``name``, decoded as UTF-8."""
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8", "replace")
        return None


@dataclass(frozen=True)
class ReadPlan:
    """Where each partition starts and where it ends (exclusive), fixed before reading."""

    starts: dict[TopicPartition, int]
    ends: dict[TopicPartition, int]

    @property
    def total(self) -> int:
        """How many messages the plan covers."""
        return sum(max(0, self.ends[tp] - self.starts[tp]) for tp in self.ends)


def _partitions(
    consumer: KafkaConsumer, topics: Sequence[str], principal: str
) -> list[TopicPartition]:
    partitions: list[TopicPartition] = []
    for topic in topics:
        ids = consumer.partitions_for_topic(topic)
        if not ids:
            raise TopicNotFoundError(topic, principal)
        partitions += [TopicPartition(topic, p) for p in sorted(ids)]
    return partitions


def _plan(
    consumer: KafkaConsumer,
    partitions: list[TopicPartition],
    start_ms: int | None,
    end_ms: int | None,
    from_offsets: Mapping[tuple[str, int], int] | None = None,
) -> ReadPlan:
    first: dict[TopicPartition, int] = consumer.beginning_offsets(partitions)
    last: dict[TopicPartition, int] = consumer.end_offsets(partitions)
    starts, ends = dict(first), dict(last)
    if start_ms is not None:
        found = consumer.offsets_for_times({tp: start_ms for tp in partitions})
        starts = {tp: (found[tp].offset if found.get(tp) else last[tp]) for tp in partitions}
    if end_ms is not None:
        found = consumer.offsets_for_times({tp: end_ms + 1 for tp in partitions})
        ends = {tp: (found[tp].offset if found.get(tp) else last[tp]) for tp in partitions}
    if from_offsets:
        starts = {
            tp: max(o, from_offsets.get((tp.topic, tp.partition), o)) for tp, o in starts.items()
        }
    return ReadPlan(starts, ends)


def read_topics(
    settings: Settings,
    topics: Sequence[str],
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
    from_offsets: Mapping[tuple[str, int], int] | None = None,
    on_plan: Callable[[ReadPlan], None] | None = None,
) -> Iterator[LogRecord]:
    """Yield every message of ``topics`` (optionally within a timestamp range) in order.

    Within a partition the order is the log's; partitions are interleaved as fetched.
    ``from_offsets`` ((topic, partition) → offset) starts those partitions there instead.
    ``on_plan`` is told how many messages will come, e.g. to size a progress bar.
    """
    consumer = KafkaConsumer(**client_config(settings), enable_auto_commit=False, group_id=None)
    try:
        partitions = _partitions(consumer, topics, settings.kafka.sasl_username)
        plan = _plan(consumer, partitions, start_ms, end_ms, from_offsets)
        if on_plan is not None:
            on_plan(plan)
        yield from _drain(consumer, plan)
    finally:
        consumer.close()


def read_at(settings: Settings, topic: str, partition: int, offset: int) -> LogRecord | None:
    """The one message at ``topic``/``partition``/``offset``, or None if it is not there.

    None when the offset is past the end or before the start of the log, or was removed
    by compaction (the next message found has a higher offset).
    """
    consumer = KafkaConsumer(**client_config(settings), enable_auto_commit=False, group_id=None)
    try:
        ids = consumer.partitions_for_topic(topic)
        if not ids:
            raise TopicNotFoundError(topic)
        tp = TopicPartition(topic, partition)
        if partition not in ids:
            return None
        first = consumer.beginning_offsets([tp])[tp]
        end = consumer.end_offsets([tp])[tp]
        if not first <= offset < end:
            return None
        consumer.assign([tp])
        consumer.seek(tp, offset)
        while consumer.position(tp) < end:
            for msg in consumer.poll(timeout_ms=1000, max_records=1).get(tp, []):
                return _record(msg) if msg.offset == offset else None
        return None
    finally:
        consumer.close()


def _drain(consumer: KafkaConsumer, plan: ReadPlan) -> Iterator[LogRecord]:
    pending = {tp for tp in plan.ends if plan.ends[tp] > plan.starts[tp]}
    consumer.assign(list(pending))
    for tp in pending:
        consumer.seek(tp, plan.starts[tp])
    while pending:
        batches = consumer.poll(timeout_ms=1000, max_records=5000)
        for tp, messages in batches.items():
            for msg in messages:
                if msg.offset >= plan.ends[tp]:
                    break
                yield _record(msg)
            if consumer.position(tp) >= plan.ends[tp]:
                pending.discard(tp)
                consumer.pause(tp)


def _record(m: Any) -> LogRecord:
    # kafka-python's ConsumerRecord is an untyped namedtuple.
    return LogRecord(
        topic=m.topic,
        partition=m.partition,
        offset=m.offset,
        timestamp_ms=m.timestamp,
        key=m.key,
        value=m.value,
        headers=tuple((k, v) for k, v in (m.headers or [])),
    )

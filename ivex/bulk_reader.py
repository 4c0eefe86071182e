"""Read whole topics fast, up to where they ended when reading began, with librdkafka.

The bounded reader of :mod:`ivex.topic_reader` for bulk reads (the re-derivation reads
the whole log once per share): confluent-kafka parses records in C and hands them over
in large batches, where kafka-python parses each in Python. Partitions are assigned
explicitly from their first offset (or a given one); nothing joins a consumer group or
commits. A partition is done when its position reaches the end offset fixed before
reading — on a compacted topic that offset need not belong to a record, so the end of
a partition is also told by librdkafka's partition-EOF event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Final

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from kafka import TopicPartition as PlanPartition

from ivex.errors import BrokerError, ConfigError, IvexError
from ivex.kafka_config import librdkafka_config
from ivex.settings import Settings
from ivex.topic_reader import LogRecord, ReadPlan, TopicNotFoundError

Partition = tuple[str, int]

#: Records asked of librdkafka per call: large batches spread the call's cost thin.
BATCH: Final = 10_000
#: Seconds to wait for metadata and offsets before giving up.
TIMEOUT_S: Final = 30.0
#: Seconds without any record or event while records are still due before giving up.
STALL_S: Final = 120.0
_WAIT_S: Final = 0.05
_LOG = logging.getLogger(__name__)
_DENIED: Final = frozenset(
    {KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.CLUSTER_AUTHORIZATION_FAILED}
)
_ELECTING: Final = frozenset({KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE})
_MISSING: Final = frozenset({KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC})


class TopicAccessDeniedError(IvexError):
    """The principal may not read a topic (an ACL denies it)."""

    code = "topic_access_denied"

    def __init__(self, topic: str, principal: str) -> None:
        super().__init__(
            f"principal {principal!r} may not read topic {topic!r}: connect as a principal "
            "that may (docs/security.md), or grant it with `ivex access apply`"
        )
        self.topic = topic
        self.principal = principal


class BulkReadError(BrokerError):
    """librdkafka reported an error the reader cannot go on after."""

    code = "bulk_read_failed"


def log_offsets(settings: Settings, topics: Sequence[str]) -> dict[Partition, tuple[int, int]]:
    """(topic, partition) → (first offset, end offset) of every partition of ``topics``."""
    consumer = _consumer(settings)
    try:
        return _offsets(consumer, topics, settings.kafka.sasl_username)
    finally:
        consumer.close()


def read_bulk(
    settings: Settings,
    topics: Sequence[str],
    *,
    ends: Mapping[Partition, int] | None = None,
    on_plan: Callable[[ReadPlan], None] | None = None,
    batch: int = BATCH,
    keep: Callable[[bytes | None], bool] | None = None,
) -> Iterator[LogRecord]:
    """Yield every record of ``topics`` from the start of each partition, in log order per
    partition (partitions interleaved as fetched).

    ``ends``: (topic, partition) → offset to stop before (e.g. fixed earlier by
    :func:`log_offsets`, so that several readers read the same records); a partition it
    does not name ends where it ends now. ``on_plan`` is told how many records will come
    at most (compaction may have removed some). ``keep``: a test of each record's value;
    a record it refuses is passed over before a :class:`LogRecord` is built (the cheapest
    way for a reader to skip what it has no use for). Committed records only: an aborted
    transaction's are skipped (kafka-python's :func:`~ivex.topic_reader.read_topics` yields
    them). Raises :class:`TopicNotFoundError` or :class:`TopicAccessDeniedError`.
    """
    consumer = _consumer(settings)
    try:
        offsets = _offsets(consumer, topics, settings.kafka.sasl_username)
        plan = {
            tp: (first, min(last, ends.get(tp, last)) if ends is not None else last)
            for tp, (first, last) in offsets.items()
        }
        if on_plan is not None:
            on_plan(_read_plan(plan))
        yield from _drain(consumer, plan, batch, settings.kafka.sasl_username, keep)
    finally:
        consumer.close()


def read_partitions(
    settings: Settings, partitions: Sequence[Partition], *, batch: int = BATCH
) -> Iterator[LogRecord]:
    """Yield every record of the given (topic, partition)s from their first offset up to
    where each ended when reading began, in log order per partition (a worker restoring
    its tables from their changelogs). Raises as :func:`read_bulk` does."""
    consumer = _consumer(settings)
    principal = settings.kafka.sasl_username
    try:
        plan = {(t, p): _watermarks(consumer, t, p, principal) for t, p in partitions}
        yield from _drain(consumer, plan, batch, principal, None)
    finally:
        consumer.close()


def _consumer(settings: Settings) -> Consumer:
    config = librdkafka_config(settings) | {
        # Required by the client, never used: partitions are assigned, nothing committed.
        "group.id": "ivex-bulk-reader",
        "client.id": "ivex-bulk-reader",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "isolation.level": "read_committed",
        "auto.offset.reset": "earliest",
    }
    try:
        return Consumer(config, logger=_LOG)
    except (KafkaException, ValueError) as exc:
        raise ConfigError(f"the Kafka client settings are not usable: {exc}") from exc


def _offsets(
    consumer: Consumer, topics: Sequence[str], principal: str
) -> dict[Partition, tuple[int, int]]:
    found: dict[Partition, tuple[int, int]] = {}
    for topic in topics:
        try:
            meta = consumer.list_topics(topic, timeout=TIMEOUT_S).topics[topic]
        except KafkaException as exc:
            raise BulkReadError(f"no metadata for topic {topic!r}: {exc}") from exc
        if meta.error is not None:
            _raise(meta.error, topic, principal)
            raise BulkReadError(f"no metadata for topic {topic!r}: {meta.error.str()}")
        for p in sorted(meta.partitions):
            found[topic, p] = _watermarks(consumer, topic, p, principal)
    return found


def _watermarks(consumer: Consumer, topic: str, partition: int, principal: str) -> tuple[int, int]:
    """First and end offset, waiting out a leader being elected (a topic just created)."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            return consumer.get_watermark_offsets(
                TopicPartition(topic, partition), timeout=TIMEOUT_S
            )
        except KafkaException as exc:
            err: KafkaError = exc.args[0]
            _raise(err, topic, principal)
            if not (err.retriable() or err.code() in _ELECTING) or time.monotonic() > deadline:
                raise BulkReadError(f"no offsets for {topic!r}/{partition}: {err.str()}") from exc
            time.sleep(0.2)


def _drain(
    consumer: Consumer,
    plan: Mapping[Partition, tuple[int, int]],
    batch: int,
    principal: str,
    keep: Callable[[bytes | None], bool] | None,
) -> Iterator[LogRecord]:
    pending = {tp: end for tp, (start, end) in plan.items() if end > start}
    if not pending:
        return
    consumer.assign([TopicPartition(t, p, plan[t, p][0]) for t, p in pending])
    idle = 0.0
    # One str object per topic, not one per record: records keep their topic (a fact's
    # position), and millions of copies of a few names are ≈ 80 bytes a record.
    names = {t: t for t, _ in pending}
    while pending:
        # consume() waits for a full batch up to the timeout: short, for the last batch.
        messages = consumer.consume(num_messages=batch, timeout=_WAIT_S)
        idle = 0.0 if messages else idle + _WAIT_S
        if idle > STALL_S:
            raise BulkReadError(f"no record for {STALL_S:.0f} s with {len(pending)} partitions due")
        for msg in messages:
            topic = msg.topic() or ""
            tp = (names.get(topic, topic), msg.partition() or 0)
            end = pending.get(tp)
            err = msg.error()
            if err is not None:
                if err.code() != KafkaError._PARTITION_EOF:
                    _raise(err, tp[0], principal)
                    # librdkafka retries the rest (a broker connection lost, …) itself.
                    _LOG.warning("reading %s: %s (retrying)", tp[0], err.str())
                elif end is not None:  # nothing past here yet: whatever end said, done
                    _finish(consumer, pending, tp)
                continue
            offset = msg.offset() or 0
            if end is None or offset >= end:
                if end is not None:
                    _finish(consumer, pending, tp)
                continue
            if keep is None or keep(msg.value()):
                yield _record(msg, tp, offset)
            if offset + 1 >= end:
                _finish(consumer, pending, tp)


def _finish(consumer: Consumer, pending: dict[Partition, int], tp: Partition) -> None:
    del pending[tp]
    consumer.pause([TopicPartition(*tp)])


def _record(msg: Message, tp: Partition, offset: int) -> LogRecord:
    return LogRecord(
        topic=tp[0],
        partition=tp[1],
        offset=offset,
        timestamp_ms=msg.timestamp()[1],
        key=msg.key(),
        value=msg.value(),
        headers=tuple(msg.headers() or ()),  # type: ignore[arg-type]
    )


def _raise(err: KafkaError, topic: str, principal: str) -> None:
    """Raise for an error that will not go away by waiting (else return)."""
    code = err.code()
    if code in _DENIED:
        raise TopicAccessDeniedError(topic, principal)
    if code in _MISSING:
        raise TopicNotFoundError(topic, principal)
    if err.fatal():
        raise BulkReadError(f"reading {topic!r}: {err.str()}")


def _read_plan(plan: Mapping[Partition, tuple[int, int]]) -> ReadPlan:
    return ReadPlan(
        starts={PlanPartition(t, p): s for (t, p), (s, _) in plan.items()},
        ends={PlanPartition(t, p): e for (t, p), (_, e) in plan.items()},
    )

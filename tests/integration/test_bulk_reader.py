"""The bulk reader on the real, secure broker: exactly what the topics hold, or a denial."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator, Sequence

import pytest
from confluent_kafka import Producer
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from ivex.bulk_reader import TopicAccessDeniedError, log_offsets, read_bulk
from ivex.kafka_config import client_config, librdkafka_config, producer_config
from ivex.settings import Settings
from ivex.topic_reader import LogRecord, TopicNotFoundError, read_topics
from ivex.topics import TopicNames
from tests.fixtures.kafka import Access

pytestmark = pytest.mark.integration

#: Compacts as soon as the broker's cleaner looks (every 15 s): every segment is dirty.
COMPACT = {
    "cleanup.policy": "compact",
    "segment.ms": "100",
    "min.cleanable.dirty.ratio": "0.001",
    "min.compaction.lag.ms": "0",
    "delete.retention.ms": "0",
}


@pytest.fixture
def topic(federation: Settings) -> Iterator[str]:
    """A fresh topic name (created by the test), deleted afterwards."""
    name = f"{federation.federation.topic_prefix}bulk.{uuid.uuid4().hex[:6]}"
    yield name
    admin = KafkaAdminClient(**client_config(federation))
    try:
        admin.delete_topics([name])
    finally:
        admin.close()


def _create(settings: Settings, name: str, partitions: int, **configs: str) -> None:
    admin = KafkaAdminClient(**client_config(settings))
    try:
        admin.create_topics([NewTopic(name, partitions, 1, topic_configs=configs)])
    finally:
        admin.close()
    deadline = time.monotonic() + 30
    while True:  # until the topic's metadata has reached the broker (log_offsets waits
        try:  # for leaders itself)
            log_offsets(settings, [name])
            return
        except TopicNotFoundError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _send(settings: Settings, sends: Sequence[tuple[str, int, bytes | None, bytes | None]]) -> None:
    producer = KafkaProducer(**producer_config(settings))
    try:
        for name, partition, key, value in sends:
            producer.send(name, partition=partition, key=key, value=value, headers=[("h", b"1")])
        producer.flush()
    finally:
        producer.close()


def _positions(records: list[LogRecord]) -> list[tuple[str, int, int]]:
    return sorted((r.topic, r.partition, r.offset) for r in records)


def _sorted(records: list[LogRecord]) -> list[LogRecord]:
    return sorted(records, key=lambda r: (r.topic, r.partition, r.offset))


def test_reads_every_partition_with_an_empty_one_exactly_as_the_topic_reader(
    federation: Settings, topic: str
) -> None:
    _create(federation, topic, 3)
    sends: list[tuple[str, int, bytes | None, bytes | None]]
    sends = [(topic, 0, f"k{i}".encode(), f"v{i}".encode()) for i in range(50)]
    # Records without a key, and a tombstone (no value).
    sends += [(topic, 2, None if i % 7 else b"k", None if i == 7 else b"x") for i in range(30)]
    _send(federation, sends)

    found = list(read_bulk(federation, [topic], batch=16))

    assert _sorted(found) == _sorted(list(read_topics(federation, [topic])))
    assert _positions(found) == [(topic, 0, o) for o in range(50)] + [
        (topic, 2, o) for o in range(30)
    ]
    per_partition = [r.offset for r in found if r.partition == 0]
    assert per_partition == sorted(per_partition)  # log order within a partition
    assert found[0].headers == (("h", b"1"),)
    assert log_offsets(federation, [topic]) == {
        (topic, 0): (0, 50),
        (topic, 1): (0, 0),
        (topic, 2): (0, 30),
    }


def test_stops_at_the_given_ends(federation: Settings, topic: str) -> None:
    _create(federation, topic, 2)
    _send(federation, [(topic, p, b"k", b"v") for p in (0, 1) for _ in range(20)])
    ends = {(topic, 0): 7}

    found = list(read_bulk(federation, [topic], ends=ends))

    assert _positions(found) == [(topic, 0, o) for o in range(7)] + [
        (topic, 1, o) for o in range(20)
    ]


def test_a_compacted_topic_with_gaps_is_read_exactly(federation: Settings, topic: str) -> None:
    _create(federation, topic, 1, **COMPACT)
    offsets: list[int] = []
    deadline = time.monotonic() + 120
    # Each round keeps one key for good and overwrites a hot one: compaction leaves gaps.
    for round_ in range(1000):
        _send(federation, [(topic, 0, f"keep{round_}".encode(), b"v"), (topic, 0, b"hot", b"v")])
        offsets = [r.offset for r in read_topics(federation, [topic])]
        if offsets != list(range(offsets[0], offsets[0] + len(offsets))):
            break
        assert time.monotonic() < deadline, "the broker did not compact within 2 minutes"
        time.sleep(0.5)
    gap = next(o + 1 for o, n in itertools.pairwise(offsets) if n != o + 1)

    # The cleaner may compact again meanwhile: compare with a read that saw the same log
    # before and after the bulk read.
    for _ in range(10):
        found = list(read_bulk(federation, [topic]))
        after = [r.offset for r in read_topics(federation, [topic])]
        if after == offsets:
            break
        offsets = after
    assert [r.offset for r in found] == offsets
    # An end that fell on a compacted-away offset: stops on the next record past it.
    before_gap = list(read_bulk(federation, [topic], ends={(topic, 0): gap + 1}))
    assert [r.offset for r in before_gap] == [o for o in offsets if o <= gap]


def test_a_transaction_marker_at_the_end_ends_the_read(federation: Settings, topic: str) -> None:
    """The end offset belongs to a commit marker, never to a record."""
    _create(federation, topic, 1)
    producer = Producer(librdkafka_config(federation) | {"transactional.id": topic})
    producer.init_transactions(30)
    for commit in (True, False, True):
        producer.begin_transaction()
        for i in range(5):
            producer.produce(topic, key=b"k", value=f"{commit}{i}".encode())
        producer.flush(30)  # on the log before the marker, aborted or not
        (producer.commit_transaction if commit else producer.abort_transaction)(30)

    found = list(read_bulk(federation, [topic]))

    # Only committed records; each transaction's marker takes an offset of its own.
    assert [r.offset for r in found] == [0, 1, 2, 3, 4, 12, 13, 14, 15, 16]
    assert log_offsets(federation, [topic]) == {(topic, 0): (0, 18)}


def test_a_topic_the_principal_may_not_read_is_denied_clearly(
    federation: Settings, access: Access
) -> None:
    names = TopicNames(federation)
    city = access.city("620700")
    other = names.requests("620600")
    _send(federation, [(other, 0, b"k", b"secret")])

    with pytest.raises(TopicAccessDeniedError, match="may not read topic") as denied:
        list(read_bulk(city, [names.requests("620700"), other]))
    assert denied.value.topic == other
    assert denied.value.principal == city.kafka.sasl_username
    with pytest.raises(TopicAccessDeniedError):
        log_offsets(city, [other])
    # Its own topic reads.
    assert list(read_bulk(city, [names.requests("620700")])) == []


def test_a_missing_topic_is_named(federation: Settings) -> None:
    missing = f"{federation.federation.topic_prefix}no-such-topic"
    with pytest.raises(TopicNotFoundError, match="no-such-topic"):
        list(read_bulk(federation, [missing]))

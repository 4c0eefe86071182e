"""``ivex audit checkpoint`` / ``verify`` on a real broker: a topic checkpointed, then
copied record by record with one record rewritten (or one deleted), is verified against
the copy, and the verdict names that offset; checkpoints extend incrementally."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from ivex.audit.checkpoints import load_segments
from ivex.kafka_config import client_config, producer_config
from ivex.settings import Settings
from ivex.topic_reader import LogRecord, read_topics
from ivex.topics import TopicNames
from tests.integration.audit_helpers import run_ivex

pytestmark = pytest.mark.integration

RECORDS = 40


def _produce(settings: Settings, topic: str, records: list[LogRecord]) -> None:
    producer = KafkaProducer(**producer_config(settings))
    try:
        for r in records:
            producer.send(
                topic,
                key=r.key,
                value=r.value,
                headers=list(r.headers),
                timestamp_ms=r.timestamp_ms,
            ).get(30)
    finally:
        producer.close()


def _original(topic: str, start: int, n: int) -> list[LogRecord]:
    return [
        LogRecord(
            topic,
            0,
            i,
            1_750_000_000_000 + i,
            f"r{i}".encode(),
            f"value {i}".encode(),
            (("ce_id", str(i).encode()),),
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
def copies(federation: Settings) -> Iterator[Callable[[], str]]:
    """Make fresh one-partition topics (deleted afterwards)."""
    made: list[str] = []
    admin = KafkaAdminClient(**client_config(federation), client_id="it-audit-copies")

    def make() -> str:
        name = f"{federation.federation.topic_prefix}copy.{uuid.uuid4().hex[:6]}"
        admin.create_topics([NewTopic(name, 1, 1)])
        made.append(name)
        return name

    try:
        yield make
    finally:
        with contextlib.suppress(Exception):
            admin.delete_topics(made)
        admin.close()


def test_verify_names_the_rewritten_and_the_deleted_offset(
    federation: Settings, copies: Callable[[], str]
) -> None:
    topic = TopicNames(federation).city("620700", "births")
    _produce(federation, topic, _original(topic, 0, RECORDS))
    first = run_ivex(federation, "audit", "checkpoint", "--topic", topic)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Checkpoints appended: 1" in first.stdout

    # Incremental: ten more records make one more checkpoint, extending the first.
    _produce(federation, topic, _original(topic, RECORDS, 10))
    run_ivex(federation, "audit", "checkpoint", "--topic", topic)
    segments = load_segments(federation)[(topic, 0)]
    assert [(s.start, s.end) for s in segments] == [(0, RECORDS), (RECORDS, RECORDS + 10)]
    assert segments[1].previous == segments[0].head

    intact = run_ivex(federation, "audit", "verify", "--topic", topic)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "intact" in intact.stdout

    records = list(read_topics(federation, [topic]))
    rewritten = copies()
    forged = [
        r
        if r.offset != 17
        else LogRecord(r.topic, 0, 17, r.timestamp_ms, r.key, b"forged", r.headers)
        for r in records
    ]
    _produce(federation, rewritten, forged)
    found = run_ivex(federation, "audit", "verify", "--topic", topic, "--against", rewritten)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "altered at offset 17" in found.stdout

    deleted = copies()
    _produce(federation, deleted, [r for r in records if r.offset != 23])
    gone = run_ivex(federation, "audit", "verify", "--topic", topic, "--against", deleted)
    assert gone.returncode == 1, gone.stdout + gone.stderr
    assert "deleted at offset 23" in gone.stdout

    faithful = copies()
    _produce(federation, faithful, records)
    same = run_ivex(federation, "audit", "verify", "--topic", topic, "--against", faithful)
    assert same.returncode == 0, same.stdout + same.stderr

"""Garbage written raw into the city and response topics while a worker processes a
valid workload: random bytes, cut and mutated Avro single-object records, tombstones, ID
numbers as text. Each lands on the errors topic with a reason (or is a record that still
decodes), the worker neither crashes nor stalls, the requests equal the re-derivation,
and nothing of it echoes a raw resident ID number in headers or the worker's log."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from connectors.examples import CHILD_ID, MOTHER_ID
from ivex.codec import Codec, ce_headers
from ivex.errors import CodecError
from ivex.kafka_config import producer_config
from ivex.settings import Settings
from ivex.topic_reader import read_topics
from ivex.topics import TopicNames, faust_id
from tests.faults.checks import (
    audit_detail,
    audit_differences,
    input_topics,
    lag_of,
    settle_workers,
)
from tests.faults.children import Child, child_env
from tests.faults.mutate import garbage_value
from tests.faults.profile import Profile
from tests.faults.publishing import echoed_ids
from tests.faults.results import record
from tests.fixtures.kafka import Access
from tests.integration.streams_workload import Workload

pytestmark = [pytest.mark.integration, pytest.mark.faults]

APP_ID = "ivex-fuzz"
#: The ID numbers :func:`garbage_value` writes into the topics.
INJECTED_IDS = {MOTHER_ID, CHILD_ID}


@pytest.fixture
def worker(access: Access, tmp_path: Path) -> Iterator[Child]:
    args = ["streams", "worker", "--app-id", APP_ID, "--data-dir", str(tmp_path / "w")]
    child = Child("worker", args, child_env(access.processors), tmp_path / "worker.log")
    child.start()
    try:
        yield child
    finally:
        child.stop()


def test_garbage_in_city_and_response_topics(
    access: Access, worker: Child, seed: int, profile: Profile
) -> None:
    admin, rng = access.admin, random.Random(seed)
    began = time.monotonic()
    records = list(Workload(admin.city_codes, max(150, profile.fuzz_examples), seed).records())
    garbage = _interleave(admin, rng, records, profile.fuzz_examples)
    settle_workers(admin, APP_ID, lambda: worker.tail(60))
    assert worker.alive, worker.tail(60)
    assert worker.starts == 1

    errors = list(read_topics(admin, [TopicNames(admin).processing_errors]))
    reported = {
        (r.header("ivex_source_topic"), r.header("ivex_source_offset")): r.header("ivex_error")
        for r in errors
    }
    unreported = [g for g in garbage if (g[0], str(g[1])) not in reported and not _decodes(g[2])]
    assert not unreported, f"{len(unreported)} garbage records not on the errors topic"
    assert all(reported.values()), "an errors-topic record without a reason"
    for rec in errors:
        for name, value in rec.headers:
            if name.startswith("ivex_"):
                assert not echoed_ids(value.decode("utf-8", "replace"), INJECTED_IDS), name
    # The ID numbers the garbage carried, not look-alikes: a float in a log can pass the check.
    assert not echoed_ids(worker.log.read_text(errors="replace"), INJECTED_IDS)
    report = audit_differences(admin)
    assert report.ok, audit_detail(report)
    stalled = lag_of(admin, faust_id(admin, APP_ID), input_topics(admin))
    record(
        "raw garbage in topics", profile, seed, {"garbage record in a topic": len(garbage)},
        len(records), lost=0, doubled=0, stalls=stalled, seconds=time.monotonic() - began,
    )  # fmt: skip
    assert stalled == 0


def _interleave(
    settings: Settings, rng: random.Random, records: list[Any], count: int
) -> list[tuple[str, int, bytes | None]]:
    """Publish ``records`` with ``count`` garbage values among them; (topic, offset, value)
    of each garbage record."""
    names, codec = TopicNames(settings), Codec()
    targets = names.all_city_topics() + [names.responses(c) for c in settings.city_codes]
    at = set(rng.sample(range(len(records)), min(count, len(records))))
    producer = KafkaProducer(**producer_config(settings))
    sent: list[tuple[str, Any, bytes | None]] = []
    try:
        for n, (city, stream, name, datum) in enumerate(records):
            valid = codec.encode(name, datum)
            headers = ce_headers(name, city, datum["event_id"], datum["recorded_at"])
            if n in at:
                topic, value = rng.choice(targets), garbage_value(rng, valid)
                hdrs = headers if rng.random() < 0.5 else [("ce_id", rng.randbytes(5))]
                sent.append(
                    (topic, producer.send(topic, key=b"x", value=value, headers=hdrs), value)
                )
            producer.send(names.city(city, stream), key=datum.get("record_id", "").encode(),
                          value=valid, headers=headers)  # fmt: skip
        producer.flush(60)
    finally:
        producer.close()
    return [(topic, future.get(10).offset, value) for topic, future, value in sent]


def _decodes(value: bytes | None) -> bool:
    try:
        Codec().decode(value or b"")
    except CodecError:
        return False
    return True

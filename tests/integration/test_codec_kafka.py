"""The codec through the real broker: byte-exact round trips with CloudEvents headers,
writer schemas found on the catalogue topic, and unknown fingerprints refused."""

from __future__ import annotations

import copy
import os
import uuid
from datetime import datetime
from io import BytesIO
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_writer
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from ivex.codec import MAGIC, Codec, SchemaCatalogue, ce_headers, parse_ce_headers, shipped
from ivex.errors import UnknownFingerprintError
from ivex.kafka_config import client_config, producer_config
from ivex.samples import sample_records
from ivex.settings import Settings
from ivex.topics import TopicNames

pytestmark = pytest.mark.integration

SAMPLES = sample_records()


def _topic(names: TopicNames, record: str, datum: dict[str, Any]) -> str:
    city = datum.get("source_city") or datum.get("city") or "620700"
    return {
        "BirthRecorded": lambda: names.city(city, "births"),
        "RegistrationRecorded": lambda: names.city(city, "registrations"),
        "TerminationRecorded": lambda: names.city(city, "terminations"),
        "PregnancyReported": lambda: names.city(city, "pregnancies"),
        "SourceWatermark": lambda: names.city(city, "births"),
        "AssistanceRequest": lambda: names.requests(datum["addressed_city"]),
        "CaseNotice": lambda: names.notices(datum["addressed_city"]),
        "AssistanceResponse": lambda: names.responses(datum["responding_city"]),
        "SexRatioReport": lambda: names.srb,
    }[record]()


def _produce(
    settings: Settings, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
) -> tuple[int, int]:
    producer = KafkaProducer(**producer_config(settings))
    try:
        meta = producer.send(topic, key=key, value=value, headers=headers).get(timeout=30)
    finally:
        producer.close(timeout=10)
    return meta.partition, meta.offset


def _consume_one(settings: Settings, topic: str, partition: int, offset: int) -> Any:
    consumer = KafkaConsumer(**client_config(settings), group_id=None, enable_auto_commit=False)
    try:
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        consumer.seek(tp, offset)
        for _ in range(100):
            for records in consumer.poll(timeout_ms=300).values():
                for rec in records:
                    if rec.offset == offset:
                        return rec
    finally:
        consumer.close()
    raise AssertionError(f"no record at {topic}/{partition}@{offset}")


def _headers(record: str, datum: dict[str, Any]) -> list[tuple[str, bytes]]:
    event_id = next(
        (datum[k] for k in ("event_id", "request_id", "response_id", "notice_id") if k in datum),
        str(uuid.uuid4()),
    )
    time = (
        next(v for v in datum.values() if isinstance(v, datetime))
        if any(isinstance(v, datetime) for v in datum.values())
        else datetime.fromisoformat("2025-03-04T02:15:00+00:00")
    )
    city = datum.get("source_city") or datum.get("city") or datum.get("responding_city")
    return ce_headers(record, str(city or "620700"), event_id, time)


@pytest.mark.parametrize("record", sorted(SAMPLES))
def test_every_record_round_trips_through_the_broker(federation: Settings, record: str) -> None:
    codec = Codec()
    datum = SAMPLES[record]
    value = codec.encode(record, datum)
    topic = _topic(TopicNames(federation), record, datum)
    headers = _headers(record, datum)
    partition, offset = _produce(federation, topic, b"k-" + record.encode(), value, headers)
    rec = _consume_one(federation, topic, partition, offset)
    assert rec.value == value
    event = parse_ce_headers(rec.headers)
    assert event.type == record
    assert event.content_type == "application/avro"
    assert dict(rec.headers) == dict(headers)
    decoded = codec.decode(rec.value, record)
    assert codec.encode(record, decoded.datum) == value


def _next_version_schema() -> dict[str, Any]:
    """BirthRecorded one version beyond the newest shipped: an extra optional field."""
    raw = copy.deepcopy(shipped().latest("BirthRecorded").raw)
    tag = uuid.uuid4().hex[:8]  # a fresh fingerprint per run, so the topic can't pre-know it
    raw["fields"].append(
        {"name": f"ward_{tag}", "type": ["null", "string"], "default": None, "doc": "test only"}
    )
    return raw


def test_catalogue_resolves_a_writer_schema_the_reader_does_not_ship(
    federation: Settings,
) -> None:
    raw = _next_version_schema()
    extra = raw["fields"][-1]["name"]
    with SchemaCatalogue(federation) as writer_side:
        fp = writer_side.publish(raw)
    assert shipped().by_fingerprint(fp) is None
    # A foreign producer writes with the new schema.
    body = BytesIO()
    schemaless_writer(body, parse_schema(raw), SAMPLES["BirthRecorded"] | {extra: "3B"})
    value = MAGIC + fp + body.getvalue()
    topic = TopicNames(federation).city("620700", "births")
    partition, offset = _produce(
        federation,
        topic,
        b"B-2025-0001",
        value,
        _headers("BirthRecorded", SAMPLES["BirthRecorded"]),
    )
    rec = _consume_one(federation, topic, partition, offset)

    with pytest.raises(UnknownFingerprintError):
        Codec().decode(rec.value)  # shipped schemas only
    reader = SchemaCatalogue(federation)  # a fresh reader: nothing cached
    decoded = Codec(reader).decode(rec.value)
    assert decoded.record_name == "BirthRecorded"
    assert decoded.writer_version is None
    assert decoded.fingerprint == fp
    assert extra not in decoded.datum
    assert decoded.datum["certificate_no"] == SAMPLES["BirthRecorded"]["certificate_no"]


def test_unknown_fingerprint_through_the_broker(federation: Settings) -> None:
    fp = os.urandom(8)
    value = MAGIC + fp + b"\x00\x02"
    topic = TopicNames(federation).city("620700", "births")
    partition, offset = _produce(federation, topic, b"x", value, [])
    rec = _consume_one(federation, topic, partition, offset)
    with pytest.raises(UnknownFingerprintError, match=fp.hex()) as info:
        Codec(SchemaCatalogue(federation)).decode(rec.value)
    assert info.value.fingerprint == fp

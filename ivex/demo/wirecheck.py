"""Round-trip one record of every type through the broker and decode it again.

The first step of the demo, and a quick proof that the broker, the codec (Avro
single-object encoding) and the CloudEvents headers work together on this machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from ivex.codec import Codec
from ivex.codec.cloudevents import ce_headers
from ivex.kafka_config import client_config, producer_config
from ivex.samples import sample_records
from ivex.settings import Settings


@dataclass(frozen=True)
class RoundTrip:
    """One record sent and read back."""

    record_name: str
    size: int
    byte_exact: bool
    headers: dict[str, str]
    decoded: dict[str, Any]


def wire_check(settings: Settings) -> list[RoundTrip]:
    """Produce every sample record to a scratch topic, consume and decode them."""
    topic = f"{settings.federation.topic_prefix}ivex.wirecheck"
    _create(settings, topic)
    codec = Codec()
    sent = {name: codec.encode(name, datum) for name, datum in sample_records().items()}
    producer = KafkaProducer(**producer_config(settings))
    try:
        for name, value in sent.items():
            headers = ce_headers(name, "620700", f"wirecheck-{name}", _time(settings))
            producer.send(topic, key=name.encode(), value=value, headers=headers).get(30)
    finally:
        producer.close()
    return [_check(r, sent, codec) for r in _consume(settings, topic, len(sent))]


def _time(settings: Settings) -> Any:
    return sample_records()["SourceWatermark"]["recorded_at"]


def _create(settings: Settings, topic: str) -> None:
    admin = KafkaAdminClient(**client_config(settings))
    try:
        if topic not in admin.list_topics():
            admin.create_topics([NewTopic(topic, 1, 1)])
    finally:
        admin.close()


def _consume(settings: Settings, topic: str, count: int) -> list[Any]:
    consumer = KafkaConsumer(
        topic,
        **client_config(settings),
        group_id=None,
        auto_offset_reset="earliest",
        consumer_timeout_ms=15000,
    )
    try:
        return [m for _, m in zip(range(count), consumer, strict=False)]
    finally:
        consumer.close()


def _check(message: Any, sent: dict[str, bytes], codec: Codec) -> RoundTrip:
    decoded = codec.decode(message.value)
    headers = {k: v.decode() for k, v in message.headers}
    return RoundTrip(
        record_name=decoded.record_name,
        size=len(message.value),
        byte_exact=message.value == sent[decoded.record_name],
        headers=headers,
        decoded=decoded.datum,
    )

"""The publisher's librdkafka producer on the secure broker: keyed records land on the
partition kafka-python (and the Java client) would pick, headers and offsets come back."""

from __future__ import annotations

import contextlib

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.partitioner.default import murmur2

from connectors.rd_producer import RdProducer
from ivex.kafka_config import client_config
from ivex.settings import Settings
from tests.integration.publishing_helpers import read_all

pytestmark = pytest.mark.integration
PARTITIONS = 7


def test_keyed_records_land_where_kafka_python_puts_them(federation: Settings) -> None:
    topic = f"{federation.federation.topic_prefix}partition-check"
    admin = KafkaAdminClient(**client_config(federation))
    try:
        admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
        producer = RdProducer.connect(
            federation, delivery_timeout_ms=30_000, request_timeout_ms=15_000,
            bootstrap_timeout_ms=10_000,
        )  # fmt: skip
        keys = [f"BR-620700-{n:07d}".encode() for n in range(500)] + [b"", b"\xff" * 40]
        deliveries = [producer.send(topic, key=k, value=b"v", headers=[("ce_id", k)]) for k in keys]
        producer.flush(30)
        producer.close(5)
        for key, delivery in zip(keys, deliveries, strict=True):
            assert not delivery.failed()
            assert delivery.value is not None
            assert delivery.value.partition == (murmur2(key) & 0x7FFFFFFF) % PARTITIONS
        records = read_all(federation, topic)
        assert sorted(r.key or b"" for r in records) == sorted(keys)
        assert all(dict(r.headers)["ce_id"] == (r.key or b"") for r in records)
    finally:
        with contextlib.suppress(Exception):
            admin.delete_topics([topic])
        admin.close()

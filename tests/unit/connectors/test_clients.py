"""KafkaClients.drop abandons pending sends without raising (the disk-full finding)."""

from __future__ import annotations

from typing import Any

from kafka.errors import KafkaTimeoutError

from connectors.clients import KafkaClients
from ivex.settings import load_settings


class _StuckProducer:
    """A producer whose sends never complete: kafka-python's close(timeout=0) raises."""

    def close(self, timeout: float | None = None) -> None:
        raise KafkaTimeoutError("Timeout waiting for future")


class _Consumer:
    closed = False

    def close(self, autocommit: bool = True) -> None:
        self.closed = True


def test_drop_with_pending_sends_does_not_raise_and_closes_the_consumer() -> None:
    clients = KafkaClients(load_settings())
    consumer = _Consumer()
    stuck: Any = _StuckProducer()
    clients._producer, clients._consumer = stuck, consumer
    clients.drop()
    assert consumer.closed
    assert not clients.has_consumer

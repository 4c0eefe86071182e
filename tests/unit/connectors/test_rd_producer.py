"""The publisher's librdkafka producer speaks kafka-python's errors and futures.

The publisher and KafkaClients handle kafka-python's error classes: a refused record,
a delivery time-out and an unreachable cluster must come out as those.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from confluent_kafka import KafkaError as RdKafkaError
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAuthorizationFailedError

from connectors.clients import KafkaClients, Retry
from connectors.rd_producer import Delivery, RdProducer, kafka_error
from ivex.errors import PublishUnavailable
from ivex.settings import load_settings


def test_librdkafka_errors_become_kafka_python_errors() -> None:
    timed_out = kafka_error(RdKafkaError(RdKafkaError._MSG_TIMED_OUT))
    assert isinstance(timed_out, KafkaTimeoutError)
    refused = kafka_error(RdKafkaError(RdKafkaError.TOPIC_AUTHORIZATION_FAILED))
    assert isinstance(refused, TopicAuthorizationFailedError)
    purged = kafka_error(RdKafkaError(RdKafkaError._PURGE_QUEUE))
    assert type(purged) is KafkaError
    assert "_PURGE_QUEUE" in str(purged)


class _Message:
    def topic(self) -> str:
        return "t"

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return 41


def test_a_delivery_is_settled_by_its_report() -> None:
    delivery = Delivery()
    assert not delivery.is_done
    message: Any = _Message()  # what the delivery report reads of a confluent Message
    delivery(None, message)
    assert delivery.is_done
    assert not delivery.failed()
    assert delivery.value is not None
    assert delivery.value.offset == 41
    failed = Delivery()
    failed(RdKafkaError(RdKafkaError._MSG_TIMED_OUT), message)
    assert failed.is_done
    assert failed.failed()
    assert isinstance(failed.exception, KafkaTimeoutError)


def test_an_unreachable_cluster_fails_the_connection_within_the_bootstrap_timeout() -> None:
    settings = load_settings().derive(
        kafka={"bootstrap_servers": "127.0.0.1:1", "security_protocol": "PLAINTEXT"}
    )
    start = time.monotonic()
    with pytest.raises(KafkaTimeoutError):
        RdProducer.connect(
            settings, delivery_timeout_ms=2000, request_timeout_ms=1000, bootstrap_timeout_ms=500
        )
    assert time.monotonic() - start < 5
    clients = KafkaClients(
        settings,
        retry=Retry(attempts=2, backoff_s=0.01),
        new_producer=lambda: RdProducer.connect(
            settings, delivery_timeout_ms=2000, request_timeout_ms=1000, bootstrap_timeout_ms=300
        ),
    )
    with pytest.raises(PublishUnavailable) as info:
        clients.producer()
    assert info.value.attempts == 2

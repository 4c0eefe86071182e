"""The Kafka clients of one connector, held in one place.

The publisher, the responder and the subscriber each need a lazily connected client that
is dropped after a failure (so the next call reconnects), closed on exit, and turned into
a :class:`~ivex.errors.PublishUnavailable` that says where it could not connect. This is
that holder; the security options come from :mod:`ivex.kafka_config`, as for every client.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from ivex.errors import PublishUnavailable
from ivex.kafka_config import client_config, producer_config
from ivex.settings import Settings

log = logging.getLogger(__name__)

_T = TypeVar("_T")


@dataclass(frozen=True)
class Retry:
    """How often to try connecting, with exponential backoff from ``backoff_s``."""

    attempts: int = 1
    backoff_s: float = 0.5


class KafkaClients:
    """One producer and one consumer, created on first use, rebuilt after :meth:`drop`."""

    def __init__(
        self,
        settings: Settings,
        *,
        producer: Mapping[str, Any] | None = None,
        consumer: Mapping[str, Any] | None = None,
        retry: Retry | None = None,
        new_producer: Callable[[], Any] | None = None,
    ) -> None:
        """``producer`` and ``consumer`` are kafka-python options on top of the settings';
        ``new_producer`` replaces the kafka-python producer (and ``producer``) with
        whatever it returns, e.g. the publisher's librdkafka one; it must raise a
        kafka-python :class:`~kafka.errors.KafkaError` when it cannot connect."""
        self._settings = settings
        self._new_producer_hook = new_producer
        self._producer_options = dict(producer or {})
        self._consumer_options = dict(consumer or {})
        self._retry = retry or Retry()
        self._producer: Any = None
        self._consumer: Any = None

    @property
    def has_consumer(self) -> bool:
        """Whether a consumer is connected now."""
        return self._consumer is not None

    def producer(self) -> Any:
        """The producer (durable: ``acks=all``, idempotent), connecting with retries."""
        if self._producer is None:
            self._producer = self.retrying(self._new_producer, "connect a producer")
        return self._producer

    def consumer(self) -> Any:
        """The consumer, connecting on first use (no retry: callers retry what they read)."""
        if self._consumer is None:
            self._consumer = KafkaConsumer(**client_config(self._settings) | self._consumer_options)
        return self._consumer

    def retrying(self, action: Callable[[], _T], what: str) -> _T:
        """``action()``, retried with backoff on a Kafka error; :class:`PublishUnavailable`
        once the attempts are spent (the clients are dropped after each failure)."""
        attempts = max(1, self._retry.attempts)
        for attempt in range(1, attempts + 1):
            try:
                return action()
            except KafkaError as exc:
                self.drop()
                if attempt == attempts:
                    raise self.unavailable(exc, acknowledged=0, attempts=attempts) from exc
                delay = self._retry.backoff_s * 2 ** (attempt - 1)
                log.warning(
                    "could not %s (%s), attempt %d/%d; retrying in %.1fs",
                    what,
                    type(exc).__name__,
                    attempt,
                    attempts,
                    delay,
                )
                time.sleep(delay)
        raise AssertionError("unreachable")

    def unavailable(
        self, exc: Exception, *, acknowledged: int, attempts: int = 1
    ) -> PublishUnavailable:
        """The error saying Kafka did not acknowledge, with where and how much got through."""
        return PublishUnavailable(
            f"{type(exc).__name__}: {exc}",
            bootstrap_servers=self._settings.kafka.bootstrap_servers,
            attempts=attempts,
            acknowledged=acknowledged,
        )

    def drop(self) -> None:
        """Close both clients at once, abandoning unacknowledged sends.

        They were never reported; if they land after all, a re-run finds them on the topic.
        kafka-python raises when sends are still pending at close (seen when the broker's
        disk filled up): abandoning them is the point here, so that is not an error.
        """
        try:
            self._close(producer_timeout_s=0)
        except KafkaError as exc:
            log.info("dropped the Kafka clients with sends pending (%s)", type(exc).__name__)
            self.drop_consumer()

    def drop_consumer(self) -> None:
        """Close the consumer without committing (a fresh one resumes at the last commit)."""
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.close(autocommit=False)

    def close(self) -> None:
        """Flush and close the producer, close the consumer (a later use reconnects)."""
        self._close(producer_timeout_s=5)

    def _close(self, *, producer_timeout_s: float) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=producer_timeout_s)
        self.drop_consumer()

    def _new_producer(self) -> Any:
        if self._new_producer_hook is not None:
            return self._new_producer_hook()
        return KafkaProducer(**producer_config(self._settings) | self._producer_options)

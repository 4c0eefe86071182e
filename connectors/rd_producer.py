"""The publisher's producer: librdkafka (confluent-kafka) behind kafka-python's interface.

kafka-python's ``KafkaProducer.send`` builds each record batch in Python, about 60 µs a
record: a third of a file publish. librdkafka builds and sends batches in C threads,
outside the GIL, so the publisher's own work (parsing, validation, pseudonymisation)
overlaps with the network. The publisher keeps its kafka-python-shaped use of a producer
(``send`` → a future with ``is_done`` / ``failed()`` / ``exception`` / ``value.offset``,
``flush``, ``close``); this module provides that shape, so the publisher's delivery
bookkeeping (refused records, outage, delivery timeout) is the same whichever is behind.

The guarantees are kafka-python's :func:`~ivex.kafka_config.producer_config`: ``acks=all``,
idempotence, the same security options (:func:`~ivex.kafka_config.librdkafka_config`), and
keyed records on the partition the Java client — and kafka-python — would pick
(``murmur2_random``). Errors are kafka-python's :class:`~kafka.errors.KafkaError` types,
which is what the publisher and :class:`~connectors.clients.KafkaClients` catch (a
broker's refusal keeps kafka-python's class for its code).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final, NamedTuple

from confluent_kafka import KafkaError as RdKafkaError
from confluent_kafka import KafkaException, Message, Producer
from kafka.errors import KafkaError, KafkaTimeoutError, for_code

from ivex.kafka_config import librdkafka_config
from ivex.settings import Settings

log = logging.getLogger(__name__)

#: :func:`ivex.kafka_config.producer_config`'s durability, in librdkafka's names.
DURABLE: Final[dict[str, Any]] = {
    "acks": "all",
    "enable.idempotence": True,
    "linger.ms": 5,
    "max.in.flight.requests.per.connection": 5,
    # Keyed records land where the Java client (and kafka-python's default) puts them.
    "partitioner": "murmur2_random",
}
#: librdkafka error codes that mean "not acknowledged in time" rather than "refused".
_TIMEOUTS: Final = frozenset(
    {RdKafkaError._MSG_TIMED_OUT, RdKafkaError._TIMED_OUT, RdKafkaError.REQUEST_TIMED_OUT}
)
#: How long ``send`` waits for room when librdkafka's queue is full, between polls.
_FULL_WAIT_S: Final = 0.05


class RecordMetadata(NamedTuple):
    """Where an acknowledged record landed (kafka-python's ``future.value``); a tuple,
    made once per record, is cheaper than a frozen dataclass."""

    topic: str
    partition: int
    offset: int


class Delivery:
    """The outcome of one send, like kafka-python's ``FutureRecordMetadata``: set by the
    delivery report, which librdkafka hands over in :meth:`RdProducer.send`'s polls and in
    :meth:`RdProducer.flush`."""

    __slots__ = ("exception", "is_done", "value")

    def __init__(self) -> None:
        self.is_done = False
        self.exception: Exception | None = None
        self.value: RecordMetadata | None = None

    def failed(self) -> bool:
        """Whether the record was not acknowledged."""
        return self.exception is not None

    def __call__(self, err: RdKafkaError | None, msg: Message) -> None:
        # The delivery report callback: runs in the thread calling poll() or flush().
        if err is not None:
            self.exception = kafka_error(err)
        else:
            offset, partition = msg.offset(), msg.partition()
            # An acknowledged record always has both; -1 is librdkafka's "unknown".
            self.value = RecordMetadata(
                msg.topic() or "",
                -1 if partition is None else partition,
                -1 if offset is None else offset,
            )
        self.is_done = True


def kafka_error(err: RdKafkaError) -> Exception:
    """A librdkafka error as the kafka-python error the publisher handles.

    A broker's error (librdkafka passes on its protocol code, ≥ 0) becomes the very
    class kafka-python raises for it, e.g. ``TopicAuthorizationFailedError``; a local
    time-out a :class:`~kafka.errors.KafkaTimeoutError`; any other local error a plain
    :class:`~kafka.errors.KafkaError` named after librdkafka's code.
    """
    code, text = err.code(), f"{err.name()}: {err.str()}"
    if code in _TIMEOUTS:
        error: Exception = KafkaTimeoutError(text)
    elif code >= 0:
        error = for_code(code)(text)
    else:
        error = KafkaError(text)
    return error


class RdProducer:
    """A durable librdkafka producer with kafka-python's ``send`` / ``flush`` / ``close``."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._producer = Producer(dict(config), logger=log)

    @classmethod
    def connect(
        cls,
        settings: Settings,
        *,
        delivery_timeout_ms: int,
        request_timeout_ms: int,
        bootstrap_timeout_ms: int,
    ) -> RdProducer:
        """A producer that has reached the cluster within ``bootstrap_timeout_ms``.

        librdkafka connects in the background and would just queue records for an
        unreachable cluster; kafka-python's constructor fails instead, and the publisher's
        connection retries rely on that, so this asks for metadata first and raises
        :class:`~kafka.errors.KafkaTimeoutError` when none comes (as kafka-python's
        bootstrap does).
        """
        config = (
            dict[str, Any](librdkafka_config(settings))
            | DURABLE
            | {
                # kafka-python's delivery_timeout_ms: retries included, then an error.
                "message.timeout.ms": delivery_timeout_ms,
                "request.timeout.ms": request_timeout_ms,
            }
        )
        producer = cls(config)
        try:
            producer._producer.list_topics(timeout=bootstrap_timeout_ms / 1000)
        except KafkaException as exc:
            producer.close(timeout=0)
            error = exc.args[0] if exc.args else None
            detail = error.str() if isinstance(error, RdKafkaError) else str(exc)
            raise KafkaTimeoutError(
                f"no cluster metadata within {bootstrap_timeout_ms} ms: {detail}"
            ) from None
        return producer

    def send(
        self,
        topic: str,
        *,
        key: bytes | None = None,
        value: bytes | None = None,
        headers: Sequence[tuple[str, bytes]] | None = None,
    ) -> Delivery:
        """Queue one record; its :class:`Delivery` is settled by a later poll or flush.

        Raises a :class:`~kafka.errors.KafkaError` when librdkafka refuses the record
        outright (too large, producer in a fatal state), as kafka-python's ``send`` does.
        """
        delivery = Delivery()
        # librdkafka's header type also takes str and None values: a list of those.
        sent: list[tuple[str, str | bytes | None]] | None = None
        if headers is not None:
            sent = list(headers)
        while True:
            try:
                self._producer.produce(topic, value, key, headers=sent, on_delivery=delivery)
                break
            except BufferError:
                # The local queue is full: let the broker acknowledge some (records
                # that cannot be delivered time out and free their room).
                self._producer.poll(_FULL_WAIT_S)
            except KafkaException as exc:
                error = exc.args[0] if exc.args else None
                if isinstance(error, RdKafkaError):
                    raise kafka_error(error) from None
                raise KafkaError(str(exc)) from None
        # Serve the delivery reports that are in, so the publisher can report
        # acknowledged rows before the final flush (costs well under a microsecond).
        self._producer.poll(0)
        return delivery

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every queued record is acknowledged or failed, at most ``timeout`` s.

        Raises :class:`~kafka.errors.KafkaTimeoutError` when records are still pending,
        as kafka-python does; those records' deliveries stay not done.
        """
        pending = self._producer.flush(-1 if timeout is None else timeout)
        if pending:
            raise KafkaTimeoutError(f"{pending} records not acknowledged after {timeout} s")

    def close(self, timeout: float | None = None) -> None:
        """Flush for at most ``timeout`` seconds, then abandon what is still pending.

        Abandoned records fail with librdkafka's purge error; they were never reported
        acknowledged, and a re-run finds them on the topic should they land after all.
        """
        pending = self._producer.flush(-1 if timeout is None else timeout)
        if pending:
            # Fail what is left now (their deliveries are told), rather than have the
            # handle's destruction wait for an unreachable cluster.
            self._producer.purge(in_queue=True, in_flight=True, blocking=False)
            self._producer.poll(0)
            log.info("closed the producer with %d records abandoned", pending)
        self._producer.close()

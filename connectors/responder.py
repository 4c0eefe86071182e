"""The responder SDK: a city answers requests addressed to it on ``assist.responses.<city>``.

::

    with Responder(settings, "620600") as responder:
        responder.respond(request_id, "RESOLVED", outcome="REGISTERED_LATE")

Each response is validated with the :class:`~ivex.models.AssistanceResponse` model, keyed
by ``request_id``, carries CloudEvents headers (``ce_id`` = ``response_id``) and is
reported only once Kafka acknowledged it (``acks=all``, idempotent producer).
``response_id`` is UUIDv5 of (request_id, status, responding city): sending the same
answer twice yields the same id, which the processors apply once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from kafka.errors import KafkaError
from pydantic import ValidationError

from connectors.clients import KafkaClients
from ivex.codec import Codec, ce_headers
from ivex.errors import PublishUnavailable
from ivex.models import AssistanceResponse, reject_from, to_avro
from ivex.settings import Settings
from ivex.topic_reader import read_topics
from ivex.topics import TopicNames

#: Namespace of response ids: uuid5(NAMESPACE_URL, "urn:ivex:response-id:v1").
RESPONSE_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ivex:response-id:v1")


def response_id(request_id: str, status: str, city: str) -> str:
    """The deterministic id of ``city``'s ``status`` answer to ``request_id``."""
    return str(uuid.uuid5(RESPONSE_NAMESPACE, f"{request_id}|{status}|{city}"))


@dataclass(frozen=True)
class Answer:
    """One answer to send; ``responded_at`` defaults to now."""

    request_id: str
    status: str
    outcome: str | None = None
    note: str | None = None
    responded_at: datetime | None = None


@dataclass(frozen=True)
class Delivery:
    """What became of one answer: the response sent, or why Kafka did not acknowledge it."""

    answer: Answer
    response: AssistanceResponse
    error: Exception | None = None


class Responder:
    """Sends the answers of one member city."""

    def __init__(self, settings: Settings, city: str, *, timeout_s: float = 60.0) -> None:
        settings.city(city)  # ConfigError for a non-member
        self._settings = settings
        self._city = city
        self._timeout_s = timeout_s
        self._topic = TopicNames(settings).responses(city)
        self._codec = Codec()
        timeout_ms = int(timeout_s * 1000)
        self._clients = KafkaClients(
            settings, producer={"delivery_timeout_ms": timeout_ms, "max_block_ms": timeout_ms}
        )

    @property
    def city(self) -> str:
        """The responding city."""
        return self._city

    def __enter__(self) -> Responder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Flush and close the producer."""
        self._clients.close()

    def published_ids(self) -> set[str]:
        """``response_id`` of every response already on this city's responses topic."""
        records = read_topics(self._settings, [self._topic])
        return {ce_id for record in records if (ce_id := record.header("ce_id"))}

    def response(self, answer: Answer) -> AssistanceResponse:
        """The validated response for ``answer``; the first :class:`RecordRejected` if invalid."""
        data = {
            "response_id": response_id(answer.request_id, answer.status, self._city),
            "request_id": answer.request_id,
            "responding_city": self._city,
            "status": answer.status,
            "outcome": answer.outcome,
            "responded_at": answer.responded_at or datetime.now(UTC),
            "note": answer.note,
        }
        try:
            return AssistanceResponse.model_validate(
                data, context={"cities": self._settings.city_codes}
            )
        except ValidationError as exc:
            raise reject_from(exc)[0] from None

    def respond(
        self,
        request_id: str,
        status: str,
        outcome: str | None = None,
        note: str | None = None,
        responded_at: datetime | None = None,
    ) -> AssistanceResponse:
        """Send one answer and return it once Kafka acknowledged it.

        :class:`~ivex.errors.RecordRejected` for an invalid answer (nothing sent),
        :class:`~ivex.errors.PublishUnavailable` when Kafka did not acknowledge.
        """
        answer = Answer(request_id, status, outcome, note, responded_at)
        [delivery] = self.deliver([(answer, self.response(answer))])
        if delivery.error is not None:
            raise self._clients.unavailable(delivery.error, acknowledged=0)
        return delivery.response

    def deliver(self, responses: Sequence[tuple[Answer, AssistanceResponse]]) -> list[Delivery]:
        """Send validated responses; each delivery says whether Kafka acknowledged it."""
        try:
            producer = self._clients.producer()
            futures = [self._send(producer, response) for _, response in responses]
            producer.flush(timeout=self._timeout_s)
        except KafkaError as exc:
            self.close()
            return [Delivery(a, r, exc) for a, r in responses]
        return [
            Delivery(answer, response, _failure(future))
            for (answer, response), future in zip(responses, futures, strict=True)
        ]

    def _send(self, producer: Any, response: AssistanceResponse) -> Any:
        headers = ce_headers(
            "AssistanceResponse", self._city, response.response_id, response.responded_at
        )
        value = self._codec.encode("AssistanceResponse", to_avro(response))
        key = str(response.request_id).encode()
        return producer.send(self._topic, key=key, value=value, headers=headers)

    def unavailable(self, deliveries: Sequence[Delivery]) -> PublishUnavailable | None:
        """The error to raise for ``deliveries`` if any was not acknowledged, else None."""
        failed = [d.error for d in deliveries if d.error is not None]
        if not failed:
            return None
        return self._clients.unavailable(failed[0], acknowledged=len(deliveries) - len(failed))


def _failure(future: Any) -> Exception | None:
    try:
        future.get(timeout=0)
    except KafkaError as exc:
        error: Exception = exc
        return error
    return None

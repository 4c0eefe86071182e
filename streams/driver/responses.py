"""Response ingest: a record of ``assist.responses.<city>`` → the lifecycle topic, or errors.

Each value is decoded once with the :class:`~ivex.codec.Codec` and converted with
:func:`~streams.lifecycle.inputs.response_from_avro`, remembering the city whose topic it
came from (the publisher, which the ACLs guarantee) and its log position. It goes to the
lifecycle partition of its ``request_id``, where its request's decisions are. Whether the
response may answer that request is the lifecycle's judgement, not the ingest's: only
input that is not a usable ``AssistanceResponse`` at all goes to the errors topic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ivex.codec import Codec
from ivex.settings import Settings
from ivex.topics import TopicNames
from streams.driver.errors import ProcessingError, decode_message, error_record
from streams.driver.lifecycle_wire import keyed_record
from streams.driver.records import Outgoing, SourceMessage
from streams.engine.facts import Position
from streams.lifecycle.inputs import Response, response_from_avro

RESPONSE_RECORD: Final = "AssistanceResponse"
STAGE: Final = "responses"


class ResponseIngest:
    """Routes records of the federation's responses topics to the lifecycle topic."""

    def __init__(
        self,
        settings: Settings,
        lifecycle_topic: str,
        partitions: int,
        codec: Codec | None = None,
    ) -> None:
        names = TopicNames(settings)
        self.lifecycle_topic = lifecycle_topic
        self.partitions = partitions
        self.errors_topic = names.processing_errors
        self._codec = codec if codec is not None else Codec()
        #: responses topic → city code
        self.sources: Mapping[str, str] = {names.responses(c): c for c in settings.city_codes}

    @property
    def topics(self) -> list[str]:
        """Every responses topic this ingest reads."""
        return list(self.sources)

    def route(self, msg: SourceMessage) -> list[Outgoing]:
        """The records to produce for one consumed message (never raises on bad input)."""
        try:
            response = self.convert(msg)
        except ProcessingError as exc:
            return [error_record(self.errors_topic, msg, exc, stage=STAGE)]
        return [keyed_record(self.lifecycle_topic, response, self.partitions)]

    def convert(self, msg: SourceMessage) -> Response:
        """Decode one responses-topic record; :class:`ProcessingError` if unusable."""
        city = self.sources.get(msg.topic)
        if city is None:
            raise ProcessingError("unknown_topic", f"{msg.topic} is not a responses topic")
        decoded = decode_message(self._codec, msg)
        if decoded.record_name != RESPONSE_RECORD:
            raise ProcessingError("wrong_record", f"a {decoded.record_name} on a responses topic")
        position = Position(msg.topic, msg.partition, msg.offset)
        try:
            return response_from_avro(decoded.datum, city, position)
        except (KeyError, ValueError, TypeError) as exc:
            raise ProcessingError(
                "invalid_response", f"{RESPONSE_RECORD} not convertible ({type(exc).__name__})"
            ) from None

"""Ingest: a record of ``city.<code>.<stream>`` → the internal topic, or the errors topic.

Each value is decoded once with the :class:`~ivex.codec.Codec` and converted with
:func:`~streams.engine.facts.fact_from_avro` (position = its source topic/partition/
offset). A fact goes to the internal partition of its ``mother_ref``; a watermark goes
to *every* internal partition, so that each engine partition sees every city's
watermarks. Because a city topic has one partition and one consumer, and the producer
keeps the order of records sent to one partition, each partition receives a city's
facts and watermarks in the city's own order — which is what the watermark protocol needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from ivex.codec import Codec
from ivex.settings import Settings
from ivex.topics import STREAM_RECORDS, STREAMS, Stream, TopicNames
from streams.driver.errors import ProcessingError, decode_message, error_record
from streams.driver.records import Outgoing, SourceMessage
from streams.driver.wire import ENVELOPE_ITEMS, encode_item, encode_items, partition_for
from streams.engine.facts import Fact, Position, Watermark, fact_from_avro

WATERMARK_RECORD: Final = "SourceWatermark"
STAGE: Final = "ingest"


class Ingest:
    """Routes records of the federation's city topics to the internal topic."""

    def __init__(
        self,
        settings: Settings,
        internal_topic: str,
        partitions: int,
        codec: Codec | None = None,
    ) -> None:
        names = TopicNames(settings)
        self.internal_topic = internal_topic
        self.partitions = partitions
        self.errors_topic = names.processing_errors
        self._codec = codec if codec is not None else Codec()
        #: city topic → (city code, stream)
        self.sources: Mapping[str, tuple[str, Stream]] = {
            names.city(c, s): (c, s) for c in settings.city_codes for s in STREAMS
        }

    @property
    def topics(self) -> list[str]:
        """Every city topic this ingest reads."""
        return list(self.sources)

    def route(self, msg: SourceMessage) -> list[Outgoing]:
        """The records to produce for one consumed message (never raises on bad input)."""
        try:
            item = self.convert(msg)
        except ProcessingError as exc:
            return [self.error(msg, exc)]
        return self.forward(item)

    def error(self, msg: SourceMessage, exc: ProcessingError) -> Outgoing:
        """The errors-topic record of a message :meth:`convert` refused."""
        return error_record(self.errors_topic, msg, exc, stage=STAGE)

    def forward(self, item: Fact | Watermark) -> list[Outgoing]:
        """The internal-topic records of a converted item: a fact to its woman's
        partition, a watermark to every partition."""
        value = encode_item(item)
        if isinstance(item, Watermark):
            return [
                Outgoing(self.internal_topic, None, value, p, ()) for p in range(self.partitions)
            ]
        key = item.mother_ref
        return [
            Outgoing(
                self.internal_topic,
                key.encode("utf-8"),
                value,
                partition_for(key, self.partitions),
            )
        ]

    def forward_all(self, items: Sequence[Fact | Watermark]) -> list[Outgoing]:
        """The internal-topic records of a batch's converted items: each partition's items
        in their order, in envelopes of at most :data:`ENVELOPE_ITEMS` (a fact to its
        woman's partition, a watermark to every partition)."""
        parts = self.partitions
        per: dict[int, list[Fact | Watermark]] = {}
        for item in items:
            if isinstance(item, Watermark):
                for p in range(parts):
                    per.setdefault(p, []).append(item)
            else:
                per.setdefault(partition_for(item.mother_ref, parts), []).append(item)
        topic = self.internal_topic
        return [
            Outgoing(topic, None, encode_items(group[i : i + ENVELOPE_ITEMS]), p)
            for p, group in per.items()
            for i in range(0, len(group), ENVELOPE_ITEMS)
        ]

    def convert(self, msg: SourceMessage) -> Fact | Watermark:
        """Decode and check one city-topic record; :class:`ProcessingError` if unusable."""
        source = self.sources.get(msg.topic)
        if source is None:
            raise ProcessingError("unknown_topic", f"{msg.topic} is not a city topic")
        city, stream = source
        # Plain values: the facts keep instants as epoch ms and dates as ordinals anyway.
        decoded = decode_message(self._codec, msg, plain=True)
        expected = STREAM_RECORDS[stream]
        if decoded.record_name not in (expected, WATERMARK_RECORD):
            raise ProcessingError(
                "wrong_record",
                f"a {decoded.record_name} on {stream}; expected {expected} or {WATERMARK_RECORD}",
            )
        position = Position(msg.topic, msg.partition, msg.offset)
        try:
            item = fact_from_avro(stream, decoded.datum, position)
        except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
            raise ProcessingError(
                "invalid_fact", f"{decoded.record_name} not convertible ({type(exc).__name__})"
            ) from None
        _check_origin(item, city, stream)
        return item


def _check_origin(item: Fact | Watermark, city: str, stream: str) -> None:
    """A record must come from the city (and, for a watermark, the stream) of its topic."""
    if item.source_city != city:
        raise ProcessingError(
            "source_city_mismatch", f"source_city {item.source_city} on a topic of city {city}"
        )
    if isinstance(item, Watermark) and item.stream != stream:
        raise ProcessingError("wrong_record", f"a watermark of {item.stream} on the {stream} topic")

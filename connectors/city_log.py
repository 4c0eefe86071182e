"""What a city has already published: the event ids and watermarks on its own topics.

The publisher reads this from the city topics themselves rather than from a local file.
Each ``city.<code>.<stream>`` topic has one partition and is retained forever (docs/wire-format.md),
so it *is* the authoritative record of what was acknowledged: a local dedupe file could
be lost, copied to another host, or miss what another connector of the same city (file
drop, HTTP ingest, outbox) published. Reading is incremental: the first publish on a
stream reads the topic from the beginning (headers only; only watermark values are
decoded), later ones resume from the offset reached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from kafka import TopicPartition
from kafka.errors import KafkaTimeoutError

from ivex.codec import Codec
from ivex.errors import IvexError
from ivex.topic_reader import TopicNotFoundError
from ivex.topics import Stream, TopicNames

log = logging.getLogger(__name__)

#: Header carrying the digest of an event's content (see :class:`PreparedRecord.digest`).
DIGEST_HEADER = "ivex_digest"
_WATERMARK = "SourceWatermark"
_POLL_MS = 500


class CityLog:
    """Event ids (with content digests) and the last watermark of one city's streams.

    ``consumer`` is a kafka-python ``KafkaConsumer`` without a group, owned by the caller.
    """

    def __init__(self, topics: TopicNames, city: str, consumer: Any, codec: Codec) -> None:
        self._topics = topics
        self._city = city
        self._consumer = consumer
        self._codec = codec
        self._positions: dict[str, int] = {}
        self._digests: dict[str, str] = {}
        self._watermarks: dict[str, int] = {}

    def use_consumer(self, consumer: Any) -> None:
        """Continue with a new consumer (after a reconnect); what was read is kept."""
        self._consumer = consumer

    def digest_of(self, event_id: str) -> str | None:
        """The digest of an already published event, ``""`` if it had none, else ``None``."""
        return self._digests.get(event_id)

    def remember(self, event_id: str, digest: str) -> None:
        """Record an event this process just had acknowledged."""
        self._digests[event_id] = digest

    def watermark(self, stream: Stream) -> int | None:
        """``complete_through`` (epoch ms) of the stream's latest watermark, if any."""
        return self._watermarks.get(stream)

    def set_watermark(self, stream: Stream, complete_through_ms: int) -> None:
        """Record a watermark this process just had acknowledged."""
        self._watermarks[stream] = max(complete_through_ms, self._watermarks.get(stream, 0))

    def skip_own(self, stream: Stream, offsets: list[int]) -> None:
        """Move past records this process wrote and already remembered (``offsets`` on the
        stream's topic), as far as they follow on from where reading stopped — nothing
        another producer wrote in between is skipped."""
        topic = self._topics.city(self._city, stream)
        position = self._positions.get(topic)
        if position is None:
            return
        for offset in sorted(offsets):
            if offset == position:
                position += 1
            elif offset > position:
                break
        self._positions[topic] = position

    def catch_up(self, stream: Stream, *, deadline: Callable[[], bool] | None = None) -> int:
        """Read the stream's topic from where the last call stopped to its current end.

        Returns how many messages were read. ``deadline`` returning true aborts with
        kafka-python's ``KafkaTimeoutError`` (the broker stopped answering mid-read), which
        the publisher retries like any other Kafka error.
        """
        return self.catch_up_many([stream], deadline=deadline)

    def catch_up_many(
        self, streams: Iterable[Stream], *, deadline: Callable[[], bool] | None = None
    ) -> int:
        """:meth:`catch_up` of several streams, asking for their end offsets in one request."""
        tps: dict[Stream, TopicPartition] = {}
        for stream in streams:
            topic = self._topics.city(self._city, stream)
            if not self._consumer.partitions_for_topic(topic):
                raise TopicNotFoundError(topic)
            tps[stream] = TopicPartition(topic, 0)
        if not tps:
            return 0
        ends: dict[TopicPartition, int] = self._consumer.end_offsets(list(tps.values()))
        unknown = [tp for tp in tps.values() if tp.topic not in self._positions]
        if unknown:
            for tp, start in self._consumer.beginning_offsets(unknown).items():
                self._positions[tp.topic] = start
        read = 0
        for stream, tp in tps.items():
            start, end = self._positions[tp.topic], ends[tp]
            if start < end:
                read += self._read(tp, stream, start, end, deadline)
                log.debug("read messages of %s up to offset %d", tp.topic, end)
            self._positions[tp.topic] = max(start, end)
        return read

    def _read(
        self,
        tp: TopicPartition,
        stream: Stream,
        start: int,
        end: int,
        deadline: Callable[[], bool] | None,
    ) -> int:
        self._consumer.assign([tp])
        self._consumer.seek(tp, start)
        read = 0
        while self._consumer.position(tp) < end:
            if deadline is not None and deadline():
                raise KafkaTimeoutError(f"reading {tp.topic} timed out at offset {start + read}")
            batches = self._consumer.poll(timeout_ms=_POLL_MS, max_records=5000)
            for message in batches.get(tp, []):
                if message.offset < end:
                    self._absorb(stream, message)
                    read += 1
        return read

    def _absorb(self, stream: Stream, message: Any) -> None:
        headers = {k: v for k, v in (message.headers or [])}
        ce_type = headers.get("ce_type", b"").decode("utf-8", "replace")
        if ce_type == _WATERMARK:
            self._absorb_watermark(stream, message.value)
            return
        ce_id = headers.get("ce_id")
        if ce_id:
            digest = headers.get(DIGEST_HEADER, b"").decode("ascii", "replace")
            self._digests[ce_id.decode("utf-8", "replace")] = digest

    def _absorb_watermark(self, stream: Stream, value: bytes) -> None:
        try:
            decoded = self._codec.decode(value, "SourceWatermark")
        except IvexError as exc:
            # A foreign producer's bad value is the processors' problem, not a publish's.
            log.warning("ignoring an undecodable watermark on %s: %s", stream, exc.code)
            return
        through = decoded.datum["complete_through"]
        ms = round(through.timestamp() * 1000)
        self._watermarks[stream] = max(ms, self._watermarks.get(stream, ms))

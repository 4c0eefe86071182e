"""The subscriber: a partner city's requests and notices topics → one sink, effectively once.

::

    with Subscriber(settings, "620600", open_sink("sqlite:///cases.db")) as sub:
        report = sub.run(once=True)

It reads ``assist.requests.<city>`` and ``assist.notices.<city>`` — nothing else, so a
city never sees another's requests — in its own consumer group (``city.<city>.sub-<sink>``
unless told otherwise). Offsets are committed by hand, only after the sink stored the
batch: a crash re-delivers at most the uncommitted batch, which the upserting case table
absorbs (and the webhook repeats with the same Idempotency-Key). A restart resumes at the
last commit; ``from_beginning`` re-reads everything (safe for the same reason).

A value that does not decode or validate is logged with its topic/offset and skipped —
it stays on the log for the operator, and it must not block the city's queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.errors import CommitFailedError
from kafka.structs import OffsetAndMetadata
from pydantic import ValidationError

from connectors.clients import KafkaClients
from connectors.sinks.base import NOTICE, REQUEST, Sink, SinkItem
from ivex.codec import Codec
from ivex.errors import CodecError, SinkError
from ivex.models import AssistanceRequest, CaseNotice
from ivex.settings import Settings
from ivex.topics import TopicNames

log = logging.getLogger(__name__)


def default_group(city: str, sink: Sink, prefix: str = "") -> str:
    """``<prefix>city.<city>.sub-<sink name>``: one group per city and kind of sink.

    It starts with the city's own group prefix (``city.<code>.``), the only groups its
    principal may join (docs/security.md).
    """
    return f"{prefix}city.{city}.sub-{sink.name}"


@dataclass(frozen=True)
class SubscriberOptions:
    """Consumer knobs; the defaults suit both a long-running service and ``--once``."""

    group: str | None = None
    batch_size: int = 500
    from_beginning: bool = False
    poll_timeout_ms: int = 500
    session_timeout_ms: int = 10_000


@dataclass
class SubscribeReport:
    """What one :meth:`Subscriber.run` stored and skipped."""

    requests: int = 0
    notices: int = 0
    skipped: list[str] = field(default_factory=list)
    batches: int = 0


class _Rewind(ConsumerRebalanceListener):  # type: ignore[misc]
    """Seeks to the beginning on the first assignment (``from_beginning``)."""

    def __init__(self, consumer: KafkaConsumer) -> None:
        self._consumer = consumer
        self._done = False

    def on_partitions_revoked(self, revoked: Any) -> None:
        """Nothing to do: offsets are committed after each stored batch."""

    def on_partitions_assigned(self, assigned: Any) -> None:
        """Rewind the partitions of the first assignment."""
        if not self._done and assigned:
            self._consumer.seek_to_beginning(*assigned)
            self._done = True


class Subscriber:
    """Feeds one city's requests and notices to one sink."""

    def __init__(
        self,
        settings: Settings,
        city: str,
        sink: Sink,
        options: SubscriberOptions | None = None,
    ) -> None:
        settings.city(city)  # ConfigError for a non-member
        self._settings = settings
        self._city = city
        self._sink = sink
        self._options = options or SubscriberOptions()
        names = TopicNames(settings)
        self._expected = {names.requests(city): REQUEST, names.notices(city): NOTICE}
        self._codec = Codec()
        self._context = {"cities": settings.city_codes}
        session_ms = self._options.session_timeout_ms
        self._clients = KafkaClients(
            settings,
            consumer={
                "group_id": self.group,
                "enable_auto_commit": False,
                "auto_offset_reset": "earliest",
                "max_poll_records": self._options.batch_size,
                "session_timeout_ms": session_ms,
                "heartbeat_interval_ms": max(1000, session_ms // 4),
            },
        )

    @property
    def group(self) -> str:
        """The consumer group whose committed offsets say where to resume."""
        return self._options.group or default_group(
            self._city, self._sink, self._settings.federation.topic_prefix
        )

    def __enter__(self) -> Subscriber:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Leave the group and close the sink."""
        self._clients.drop_consumer()
        self._sink.close()

    def run(self, *, once: bool, stop: threading.Event | None = None) -> SubscribeReport:
        """Store batches until caught up with the ends seen at start (``once``) or ``stop``.

        Raises :class:`~ivex.errors.SinkError` when the sink fails (after committing what
        it stored).
        """
        stop = stop or threading.Event()
        report = SubscribeReport()
        self._sink.open()
        consumer = self._connect()
        ends: dict[TopicPartition, int] | None = None
        while not stop.is_set():
            polled = consumer.poll(
                timeout_ms=self._options.poll_timeout_ms, max_records=self._options.batch_size
            )
            if polled:
                self._store(polled, report)
            if once:
                ends = ends or self._ends(consumer)
                if ends is not None and self._caught_up(consumer, ends):
                    break
        return report

    def _connect(self) -> Any:
        if self._clients.has_consumer:
            return self._clients.consumer()
        consumer = self._clients.consumer()
        topics = list(self._expected)
        if self._options.from_beginning:
            consumer.subscribe(topics, listener=_Rewind(consumer))
        else:
            consumer.subscribe(topics)
        return consumer

    def _store(self, polled: dict[TopicPartition, list[Any]], report: SubscribeReport) -> None:
        items: list[SinkItem] = []
        last: dict[TopicPartition, int] = {}
        for tp, messages in polled.items():
            for message in messages:
                last[tp] = message.offset
                item = self._item(message, report)
                if item is not None:
                    items.append(item)
        try:
            self._sink.write(items)
        except SinkError as exc:
            self._commit(_stored_positions(items[: exc.delivered]))
            # The consumer's position is past the failed items: a fresh one resumes at the
            # commit.
            self._clients.drop_consumer()
            raise
        self._commit({tp: offset + 1 for tp, offset in last.items()})
        report.batches += 1
        report.requests += sum(1 for i in items if i.record_name == REQUEST)
        report.notices += sum(1 for i in items if i.record_name == NOTICE)

    def _item(self, message: Any, report: SubscribeReport) -> SinkItem | None:
        if message.value is None:
            return None  # a tombstone: compaction's business, nothing to store
        expected = self._expected[message.topic]
        try:
            decoded = self._codec.decode(message.value, expected)
            model = AssistanceRequest if expected == REQUEST else CaseNotice
            record = model.model_validate(decoded.datum, context=self._context)
        except (CodecError, ValidationError) as exc:
            where = f"{message.topic}[{message.partition}]@{message.offset}"
            log.error("skipping undecodable value at %s: %s", where, _why(exc))
            report.skipped.append(where)
            return None
        return SinkItem(record, message.topic, message.partition, message.offset)

    def _commit(self, positions: dict[TopicPartition, int]) -> None:
        if not positions:
            return
        try:
            self._clients.consumer().commit(
                {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in positions.items()}
            )
        except CommitFailedError as exc:
            # The group moved on meanwhile (a broker restart, a long pause): the batch
            # is stored, and whoever owns its partitions now delivers it again — the
            # upserting sink absorbs it. Not a reason to stop.
            log.warning("commit refused (%s): the batch will be delivered again", exc)

    def _ends(self, consumer: Any) -> dict[TopicPartition, int] | None:
        assigned = consumer.assignment()
        if not assigned:
            return None  # still joining the group
        ends: dict[TopicPartition, int] = consumer.end_offsets(list(assigned))
        return ends

    @staticmethod
    def _caught_up(consumer: Any, ends: dict[TopicPartition, int]) -> bool:
        assigned = consumer.assignment()
        return bool(assigned) and all(consumer.position(tp) >= ends.get(tp, 0) for tp in assigned)


def _stored_positions(items: Sequence[SinkItem]) -> dict[TopicPartition, int]:
    positions: dict[TopicPartition, int] = {}
    for item in items:
        positions[TopicPartition(item.topic, item.partition)] = item.offset + 1
    return positions


def _why(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return str(exc)

"""Checkpoints of the hash chain on the audit topic, and their verification against a log.

``checkpoint`` extends each topic partition's chain from its last checkpoint to the
partition's current end and appends the new checkpoints (at most :data:`SEGMENT_SIZE`
records each, so a checkpoint stays well under Kafka's default 1 MB message limit).
``verify`` re-reads a partition from offset 0 and compares it with every checkpoint of
it (:func:`ivex.audit.chain.locate`). The chain itself is :mod:`ivex.audit.chain`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from itertools import chain as concat
from itertools import takewhile

from kafka import KafkaProducer

from ivex.audit.chain import (
    GENESIS,
    Finding,
    Segment,
    SegmentBuilder,
    check_segments,
    locate,
    record_digest,
)
from ivex.errors import IvexError
from ivex.kafka_config import producer_config
from ivex.settings import Settings
from ivex.topic_reader import LogRecord, ReadPlan, read_topics
from ivex.topics import TopicNames

#: Records per checkpoint: 16-byte digests, base64 in JSON ≈ 430 kB.
SEGMENT_SIZE = 20_000

Partition = tuple[str, int]


class AuditError(IvexError):
    """The audit topic or a log cannot be checkpointed or verified as asked."""

    code = "audit_error"


def load_segments(settings: Settings) -> dict[Partition, list[Segment]]:
    """Every checkpoint on the audit topic (latest per key), by partition, sorted by start."""
    latest: dict[bytes | None, bytes | None] = {}
    for record in read_topics(settings, [TopicNames(settings).audit_checkpoints]):
        latest[record.key] = record.value
    out: dict[Partition, list[Segment]] = {}
    for key, value in latest.items():
        if value is None:
            continue
        try:
            seg = Segment.from_json(value)
        except (ValueError, KeyError) as exc:
            name = (key or b"").decode("utf-8", "replace")
            raise AuditError(f"checkpoint {name!r} is unreadable ({exc})") from None
        out.setdefault((seg.topic, seg.partition), []).append(seg)
    for segments in out.values():
        segments.sort(key=lambda s: s.start)
    return out


def checkpoint(
    settings: Settings,
    topics: Sequence[str],
    *,
    size: int = SEGMENT_SIZE,
    on_record: Callable[[], None] | None = None,
) -> list[Segment]:
    """Extend the chain of every partition of ``topics`` to its end; the new checkpoints."""
    existing = load_segments(settings)
    for part, segments in existing.items():
        broken = check_segments(segments)
        if broken is not None and part[0] in topics:
            raise AuditError(
                f"{part[0]}/{part[1]}: {broken.detail}; run `ivex audit verify` before extending"
            )
    ends = {p: segs[-1].end for p, segs in existing.items()}
    builders: dict[Partition, SegmentBuilder] = {}
    new: list[Segment] = []
    with _Appender(settings) as append:
        for record in read_topics(settings, topics, from_offsets=ends):
            part = (record.topic, record.partition)
            builder = builders.get(part)
            if builder is None:
                last = existing.get(part)
                previous = last[-1].head if last else GENESIS
                builder = SegmentBuilder(*part, previous, ends.get(part, 0), size)
                builders[part] = builder
            try:
                seg = builder.add(record.offset, record_digest(record))
            except ValueError as exc:
                raise AuditError(f"{exc}: only an append-only log can be checkpointed") from None
            if seg is not None:
                new.append(append(seg))
            if on_record is not None:
                on_record()
        for _, builder in sorted(builders.items()):
            seg = builder.finish()
            if seg is not None:
                new.append(append(seg))
    return new


class _Appender:
    """A producer to the audit topic, flushed and closed on exit."""

    def __init__(self, settings: Settings) -> None:
        self._topic = TopicNames(settings).audit_checkpoints
        self._producer = KafkaProducer(**producer_config(settings))

    def __call__(self, seg: Segment) -> Segment:
        self._producer.send(self._topic, key=seg.key.encode("utf-8"), value=seg.to_json())
        return seg

    def __enter__(self) -> _Appender:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._producer.flush()
        finally:
            self._producer.close()


@dataclass(frozen=True)
class Verdict:
    """How one checkpointed partition compares with the log read now."""

    topic: str
    partition: int
    against: str
    checked: int
    head: bytes
    finding: Finding | None
    uncovered: int = 0

    @property
    def intact(self) -> bool:
        """True if every checkpointed record is there, unchanged, in order."""
        return self.finding is None


def verify(
    settings: Settings,
    topics: Sequence[str] | None = None,
    *,
    against: str | None = None,
    on_record: Callable[[], None] | None = None,
) -> list[Verdict]:
    """Verify the checkpoints of ``topics`` (default: every checkpointed topic).

    ``against`` reads another topic (a copy, a mirror) in place of the one checkpointed,
    for a single topic.
    """
    segments = load_segments(settings)
    wanted = sorted(p for p in segments if topics is None or p[0] in topics)
    missing = sorted(set(topics or ()) - {t for t, _ in segments})
    if missing:
        raise AuditError(f"no checkpoint of {', '.join(missing)}: run `ivex audit checkpoint`")
    if against is not None and len({t for t, _ in wanted}) != 1:
        raise AuditError("--against needs exactly one --topic")
    return [_verify_one(settings, part, segments[part], against, on_record) for part in wanted]


def _verify_one(
    settings: Settings,
    part: Partition,
    segments: list[Segment],
    against: str | None,
    on_record: Callable[[], None] | None,
) -> Verdict:
    topic, partition = part
    source = against or topic
    end, head = segments[-1].end, segments[-1].head
    broken = check_segments(segments)
    if broken is not None:
        return Verdict(topic, partition, source, 0, head, broken)
    ends: dict[Partition, int] = {}
    records = _read(settings, source, ends)
    with closing(records):
        actual = (
            (r.offset, record_digest(r))
            for r in takewhile(lambda r: r.offset < end, _counted(records, partition, on_record))
        )
        expected = concat.from_iterable(s.iter_digests() for s in segments)
        finding = locate(expected, actual)
    uncovered = max(0, ends.get((source, partition), 0) - end)
    return Verdict(topic, partition, source, end, head, finding, uncovered)


def _read(
    settings: Settings, topic: str, ends: dict[Partition, int]
) -> Generator[LogRecord, None, None]:
    """Every record of ``topic``; ``ends`` learns where the partitions end (closeable)."""

    def planned(plan: ReadPlan) -> None:
        ends.update({(tp.topic, tp.partition): end for tp, end in plan.ends.items()})

    yield from read_topics(settings, [topic], on_plan=planned)


def _counted(
    records: Iterator[LogRecord], partition: int, on_record: Callable[[], None] | None
) -> Iterator[LogRecord]:
    for record in records:
        if record.partition == partition:
            if on_record is not None:
                on_record()
            yield record

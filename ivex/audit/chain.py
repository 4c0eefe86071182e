"""Tamper evidence: a hash chain over a topic partition's records, in offset order.

What is covered
---------------
Each record contributes a *record digest*: SHA-256, truncated to 16 bytes, over a
length-prefixed encoding of its timestamp (ms), key, value and headers (names and
values, in order; a missing key or value is distinct from an empty one). The chain then
links the digests in offset order::

    head(-1) = 32 zero bytes
    head(n)  = SHA-256(head(n-1) || offset n (8 bytes, big-endian) || digest(n))

so a head covers every byte of every record up to that offset *and* their positions:
a record rewritten, removed (its offset is missing, or the ones after it shift) or moved
changes every head from there on. Checkpoints store the record digests too, so a
verifier names the first offset that differs and says how (:func:`locate`), and they
store the head they extend, so a forged or dropped checkpoint breaks the chain of
checkpoints as well (:func:`check_segments`).

A faithful copy of a topic (one to verify with ``--against``) must keep the offsets
(start at 0, no gaps) and the record timestamps (CreateTime as produced).

Pure: no Kafka, no clock.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Final, Protocol

GENESIS: Final = bytes(32)
DIGEST_BYTES: Final = 16
ALGORITHM: Final = "sha256-chain/v1"

ALTERED: Final = "altered"
DELETED: Final = "deleted"
REORDERED: Final = "reordered"
INSERTED: Final = "inserted"
BROKEN: Final = "checkpoint-broken"


class ChainRecord(Protocol):
    """What of a Kafka record the chain covers (a :class:`ivex.topic_reader.LogRecord`)."""

    @property
    def offset(self) -> int: ...
    @property
    def timestamp_ms(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> tuple[tuple[str, bytes], ...]: ...


def _field(data: bytes | None) -> bytes:
    if data is None:
        return b"\x00"
    return b"\x01" + len(data).to_bytes(4, "big") + data


def record_digest(record: ChainRecord) -> bytes:
    """The 16-byte digest of one record's timestamp, key, value and headers."""
    h = hashlib.sha256()
    h.update(record.timestamp_ms.to_bytes(8, "big", signed=True))
    h.update(_field(record.key))
    h.update(_field(record.value))
    h.update(len(record.headers).to_bytes(4, "big"))
    for name, value in record.headers:
        h.update(_field(name.encode("utf-8")))
        h.update(_field(value))
    return h.digest()[:DIGEST_BYTES]


def link(head: bytes, offset: int, digest: bytes) -> bytes:
    """The chain head after the record at ``offset`` with ``digest``."""
    return hashlib.sha256(head + offset.to_bytes(8, "big") + digest).digest()


def chain(head: bytes, start: int, digests: Iterable[bytes]) -> bytes:
    """Extend ``head`` over ``digests`` at consecutive offsets from ``start``."""
    for offset, digest in enumerate(digests, start):
        head = link(head, offset, digest)
    return head


@dataclass(frozen=True)
class Segment:
    """One checkpoint: the records [start, end) of a topic partition, chained on ``previous``.

    ``digests`` is the records' digests end to end (:data:`DIGEST_BYTES` each): one
    bytes object rather than millions, for the memory of a verifier of a long log.
    """

    topic: str
    partition: int
    start: int
    end: int
    previous: bytes
    head: bytes
    digests: bytes

    @property
    def key(self) -> str:
        """The checkpoint's key on the audit topic: re-checkpointing a range overwrites it."""
        return f"{self.topic}:{self.partition}:{self.start}"

    def iter_digests(self) -> Iterator[bytes]:
        """The record digests, in offset order from ``start``."""
        d = self.digests
        return (d[i : i + DIGEST_BYTES] for i in range(0, len(d), DIGEST_BYTES))

    def consistent(self) -> bool:
        """True if the head is the chain of the stored digests on ``previous``."""
        return len(self.digests) == (self.end - self.start) * DIGEST_BYTES and self.head == chain(
            self.previous, self.start, self.iter_digests()
        )

    def to_json(self) -> bytes:
        """The checkpoint's value on the audit topic (compact JSON)."""
        body: dict[str, Any] = {
            "algorithm": ALGORITHM,
            "topic": self.topic,
            "partition": self.partition,
            "start": self.start,
            "end": self.end,
            "previous": self.previous.hex(),
            "head": self.head.hex(),
            "digests": base64.b64encode(self.digests).decode("ascii"),
        }
        return json.dumps(body, separators=(",", ":")).encode("utf-8")

    @staticmethod
    def from_json(value: bytes) -> Segment:
        """Inverse of :meth:`to_json`; ValueError/KeyError on anything else."""
        body = json.loads(value)
        if body.get("algorithm") != ALGORITHM:
            raise ValueError(f"unknown checkpoint algorithm {body.get('algorithm')!r}")
        return Segment(
            str(body["topic"]),
            int(body["partition"]),
            int(body["start"]),
            int(body["end"]),
            bytes.fromhex(body["previous"]),
            bytes.fromhex(body["head"]),
            base64.b64decode(body["digests"]),
        )


class SegmentBuilder:
    """Builds the checkpoints of one partition as its records stream by (offset order)."""

    def __init__(self, topic: str, partition: int, previous: bytes, start: int, size: int) -> None:
        self.topic, self.partition, self.size = topic, partition, size
        self._previous, self._start = previous, start
        self._batch: list[bytes] = []

    def add(self, offset: int, digest: bytes) -> Segment | None:
        """Take the next record; a checkpoint when ``size`` records are in.

        A gap in the offsets (compaction, or a record removed) raises ValueError: a
        checkpointed topic must be an append-only log.
        """
        expected = self._start + len(self._batch)
        if offset != expected:
            where = f"{self.topic}/{self.partition}"
            raise ValueError(f"{where}: offset {expected} is missing (next is {offset})")
        self._batch.append(digest)
        return self.finish() if len(self._batch) == self.size else None

    def finish(self) -> Segment | None:
        """The checkpoint of the records taken since the last one (None if none)."""
        if not self._batch:
            return None
        end = self._start + len(self._batch)
        head = chain(self._previous, self._start, self._batch)
        seg = Segment(
            self.topic,
            self.partition,
            self._start,
            end,
            self._previous,
            head,
            b"".join(self._batch),
        )
        self._previous, self._start, self._batch = head, end, []
        return seg


def segments_over(
    topic: str,
    partition: int,
    previous: bytes,
    start: int,
    records: Iterable[ChainRecord],
    *,
    size: int,
) -> list[Segment]:
    """Checkpoints over ``records`` (offsets from ``start``, no gaps), ``size`` records each."""
    builder = SegmentBuilder(topic, partition, previous, start, size)
    out = [builder.add(r.offset, record_digest(r)) for r in records]
    return [s for s in [*out, builder.finish()] if s is not None]


@dataclass(frozen=True)
class Finding:
    """Where and how a partition departs from its checkpoints (``offset`` is the first)."""

    offset: int
    what: str
    detail: str = ""


def check_segments(segments: Sequence[Segment]) -> Finding | None:
    """The first break in a partition's own checkpoints, sorted by start: a checkpoint
    that is not the chain of its digests, or that does not extend the previous one."""
    head, end = GENESIS, 0
    for seg in segments:
        if seg.start != end or seg.previous != head:
            detail = f"the checkpoint at {seg.start} does not extend the one ending at {end}"
            return Finding(end, BROKEN, detail)
        if not seg.consistent():
            return Finding(seg.start, BROKEN, f"the checkpoint at {seg.start} is not its chain")
        head, end = seg.head, seg.end
    return None


def locate(
    expected: Iterable[bytes], actual: Iterable[tuple[int, bytes]], *, window: int = 1000
) -> Finding | None:
    """Compare the checkpointed digests (offsets 0..) with the (offset, digest) read now.

    None if the records at the checkpointed offsets are exactly the checkpointed ones.
    Otherwise the first offset that differs and the likeliest cause, judged on the next
    ``window`` records of each side: *deleted* (the offset is missing, the topic ends, or
    the next checkpointed record sits there), *reordered* (a later checkpointed record
    sits there and this one comes later), *inserted* (this one comes next) or *altered*.
    """
    have = iter(actual)
    want_it = iter(expected)
    for i, want in enumerate(want_it):
        item = next(have, None)
        if item is None:
            return Finding(i, DELETED, f"the topic ends at offset {i}")
        offset, got = item
        if offset != i:
            return Finding(i, DELETED, f"offset {i} is missing (the next is {offset})")
        if got != want:
            wants = [want, *islice(want_it, window)]
            gots = [got, *(d for _, d in islice(have, window))]
            return Finding(i, _cause(wants, gots))
    return None


def _cause(wants: Sequence[bytes], gots: Sequence[bytes]) -> str:
    """Why ``gots[0]`` is not ``wants[0]`` (both lists start at the first difference)."""
    later_wanted = set(wants[1:])
    later_got = set(gots[1:])
    if gots[0] in later_wanted:
        return REORDERED if wants[0] in later_got else DELETED
    if len(gots) > 1 and gots[1] == wants[0]:
        return INSERTED
    return ALTERED

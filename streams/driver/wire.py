"""The internal repartition topic's format: a fact or a watermark as compact JSON.

A fact travels as a row (``{"row": [mother_ref, stream, values…]}``, the values in field
order as a woman's state keeps them): half the bytes of the keyed form, and cheaper to
write and read. The keyed form (``{"fact": {…}}``) that earlier versions wrote is still
read, so a topic holding both drains across an upgrade.

The city topics are decoded once, at ingest; the engine partitions read this instead.
Facts are keyed and partitioned by ``mother_ref`` (Kafka's murmur2, like every Kafka
client's default partitioner), so a woman's whole history lands on one partition and
:func:`partition_for` tells which, without asking a broker.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

import orjson

from streams.engine.facts import (
    Fact,
    Position,
    Watermark,
    fact_from_dict,
    fact_from_row,
    fact_to_row,
)
from streams.engine.murmur2 import murmur2

_FACT: Final = "fact"
_ROW: Final = "row"
_WATERMARK: Final = "watermark"


@lru_cache(maxsize=1 << 16)
def partition_for(mother_ref: str, partitions: int) -> int:
    """The internal partition of ``mother_ref`` (Kafka's default partitioner).

    Cached: a woman's records come in a few at a time, and the hash of a 64-character
    reference is a few microseconds even compiled."""
    return int(murmur2(mother_ref.encode("utf-8")) & 0x7FFFFFFF) % partitions


def encode_item(item: Fact | Watermark) -> bytes:
    """JSON bytes of a fact or watermark."""
    if isinstance(item, Watermark):
        body: dict[str, Any] = {
            _WATERMARK: {
                "event_id": item.event_id,
                "source_city": item.source_city,
                "stream": item.stream,
                "complete_through": item.complete_through,
                "recorded_at": item.recorded_at,
                "position": list(_position(item.position)),
            }
        }
    else:
        row = fact_to_row(item)
        row.insert(0, item.mother_ref)
        body = {_ROW: row}
    return orjson.dumps(body)


def decode_item(value: bytes) -> Fact | Watermark:
    """Inverse of :func:`encode_item`; ValueError/KeyError/TypeError on foreign bytes."""
    body = orjson.loads(value)
    row = body.get(_ROW)
    if row is not None:
        if not isinstance(row, list) or len(row) < 2:
            raise ValueError("a fact row needs a mother_ref and a stream")
        return fact_from_row(row[1:], str(row[0]))
    if _FACT in body:
        return fact_from_dict(body[_FACT])
    wm = body[_WATERMARK]
    topic, partition, offset = wm["position"]
    return Watermark(
        event_id=str(wm["event_id"]),
        source_city=str(wm["source_city"]),
        stream=str(wm["stream"]),
        complete_through=int(wm["complete_through"]),
        recorded_at=int(wm["recorded_at"]),
        position=Position(str(topic), int(partition), int(offset)),
    )


def _position(p: Position) -> tuple[str, int, int]:
    return (p.topic, p.partition, p.offset)

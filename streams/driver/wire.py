"""The internal repartition topic's format: a fact or a watermark as compact JSON.

A fact travels as a row (``{"row": [mother_ref, stream, values…]}``, the values in field
order as a woman's state keeps them): half the bytes of the keyed form, and cheaper to
write and read. The keyed form (``{"fact": {…}}``) that earlier versions wrote is still
read, so a topic holding both drains across an upgrade.

The batch runtime's ingest sends a batch's items for one partition as *one* record, an
envelope ``{"items": [row, {"watermark": …}, …]}`` (a fact as a bare row), in their order,
at most :data:`ENVELOPE_ITEMS` to a record: a Kafka record sent, acknowledged and read
costs more than the JSON of the fact it carries, and the ingest sent one for each fact
and each watermark. :func:`decode_items` reads the three forms; an envelope that does not
decode in full is refused whole.

The city topics are decoded once, at ingest; the engine partitions read this instead.
Single facts are keyed and partitioned by ``mother_ref`` (Kafka's murmur2, like every Kafka
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
_ITEMS: Final = "items"
#: Items in one envelope at most: about 125 KB of rows, far below Kafka's 1 MB record cap.
ENVELOPE_ITEMS: Final = 500


@lru_cache(maxsize=1 << 16)
def partition_for(mother_ref: str, partitions: int) -> int:
    """The internal partition of ``mother_ref`` (Kafka's default partitioner).

    Cached: a woman's records come in a few at a time, and the hash of a 64-character
    reference is a few microseconds even compiled."""
    return int(murmur2(mother_ref.encode("utf-8")) & 0x7FFFFFFF) % partitions


def encode_item(item: Fact | Watermark) -> bytes:
    """JSON bytes of a fact or watermark, one to a record."""
    if isinstance(item, Watermark):
        return orjson.dumps({_WATERMARK: _watermark_body(item)})
    return orjson.dumps({_ROW: _row(item)})


def encode_items(items: list[Fact | Watermark]) -> bytes:
    """JSON bytes of an envelope: ``items`` (at most :data:`ENVELOPE_ITEMS`) in order."""
    return orjson.dumps(
        {
            _ITEMS: [
                {_WATERMARK: _watermark_body(i)} if isinstance(i, Watermark) else _row(i)
                for i in items
            ]
        }
    )


def decode_item(value: bytes) -> Fact | Watermark:
    """Inverse of :func:`encode_item`; ValueError/KeyError/TypeError on foreign bytes."""
    items = decode_items(value)
    if len(items) != 1:
        raise ValueError(f"{len(items)} items where one was expected")
    return items[0]


def decode_items(value: bytes) -> list[Fact | Watermark]:
    """The items of any record of the topic (an envelope, a row or the keyed form), in
    order; ValueError/KeyError/TypeError on foreign bytes."""
    body = orjson.loads(value)
    items = body.get(_ITEMS) if isinstance(body, dict) else None
    if items is not None:
        if not isinstance(items, list):
            raise TypeError("an envelope's items are a list")
        return [_from_row(x) if isinstance(x, list) else _from_body(x) for x in items]
    return [_from_body(body)]


def _from_body(body: Any) -> Fact | Watermark:
    if not isinstance(body, dict):
        raise TypeError("an internal item is a row or a JSON object")
    row = body.get(_ROW)
    if row is not None:
        if not isinstance(row, list):
            raise TypeError("a fact row is a list")
        return _from_row(row)
    if _FACT in body:
        return fact_from_dict(body[_FACT])
    return _watermark(body[_WATERMARK])


def _row(fact: Fact) -> list[Any]:
    row = fact_to_row(fact)
    row.insert(0, fact.mother_ref)
    return row


def _from_row(row: list[Any]) -> Fact:
    if len(row) < 2:
        raise ValueError("a fact row needs a mother_ref and a stream")
    return fact_from_row(row[1:], str(row[0]))


def _watermark_body(item: Watermark) -> dict[str, Any]:
    return {
        "event_id": item.event_id,
        "source_city": item.source_city,
        "stream": item.stream,
        "complete_through": item.complete_through,
        "recorded_at": item.recorded_at,
        "position": list(_position(item.position)),
    }


def _watermark(wm: dict[str, Any]) -> Watermark:
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

"""The lifecycle topic's format (``<id>-lifecycle-in``): decisions, responses, engine ticks.

Three producers write it, all keyed for one consumer, the per-partition lifecycle:

- the engine partitions send each request decision, keyed and partitioned by
  ``request_id``, and after each advance of their exchange clock an :class:`EngineTick`
  to *every* lifecycle partition;
- the response ingest sends each decoded ``AssistanceResponse``, keyed and partitioned by
  ``request_id``, so that it lands on the partition that holds its request.

Values are compact JSON, decoded once upstream, like the engine's internal topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import orjson

from streams.driver.records import Outgoing
from streams.driver.wire import partition_for
from streams.engine.outputs import RequestOut
from streams.lifecycle.inputs import Response

_DECISION: Final = "decision"
_RESPONSE: Final = "response"
_TICK: Final = "tick"


@dataclass(frozen=True, slots=True)
class EngineTick:
    """Engine partition ``source`` has applied every member's watermarks up to ``time_ms``.

    Sent after the decisions that partition made up to then, on the same producer, so a
    lifecycle partition that sees the tick has already seen those decisions.
    """

    source: int
    time_ms: int


LifecycleItem: TypeAlias = RequestOut | Response | EngineTick


def encode_lifecycle_item(item: LifecycleItem) -> bytes:
    """JSON bytes of a decision, a response or a tick."""
    body: dict[str, Any]
    if isinstance(item, RequestOut):
        body = {_DECISION: item.to_avro()}
    elif isinstance(item, Response):
        body = {_RESPONSE: item.to_dict()}
    else:
        body = {_TICK: [item.source, item.time_ms]}
    return orjson.dumps(body)


def decode_lifecycle_item(value: bytes) -> LifecycleItem:
    """Inverse of :func:`encode_lifecycle_item`; ValueError/KeyError/TypeError on foreign bytes."""
    body = orjson.loads(value)
    if not isinstance(body, dict):
        raise TypeError("not a JSON object")
    if _DECISION in body:
        return RequestOut.from_avro(body[_DECISION])
    if _RESPONSE in body:
        return Response.from_dict(body[_RESPONSE])
    source, time_ms = body[_TICK]
    return EngineTick(int(source), int(time_ms))


def keyed_record(topic: str, item: RequestOut | Response, partitions: int) -> Outgoing:
    """A decision or response for the lifecycle partition of its ``request_id``."""
    key = item.request_id
    value = encode_lifecycle_item(item)
    return Outgoing(topic, key.encode("utf-8"), value, partition_for(key, partitions))


def tick_records(topic: str, tick: EngineTick, partitions: int) -> list[Outgoing]:
    """The same tick to every lifecycle partition."""
    value = encode_lifecycle_item(tick)
    return [Outgoing(topic, None, value, p) for p in range(partitions)]

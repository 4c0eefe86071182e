"""The lifecycle's inputs: plain, frozen values a driver decodes once and passes on.

Times are int epoch milliseconds (UTC), as in the engine. ``Response.topic_city`` is the
city whose ``assist.responses.<city>`` topic the response was read from: the publisher,
which the docs/security.md ACLs guarantee, as opposed to ``responding_city``, which it claims.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from streams.engine.facts import NO_POSITION, Position, epoch_ms
from streams.engine.outputs import RequestOut

# Response statuses (docs/events.md).
ACKNOWLEDGED: Final = "ACKNOWLEDGED"
RESOLVED: Final = "RESOLVED"
UNABLE_TO_LOCATE: Final = "UNABLE_TO_LOCATE"
REJECTED: Final = "REJECTED"
TERMINAL_STATUSES: Final = frozenset({RESOLVED, UNABLE_TO_LOCATE, REJECTED})
RESPONSE_STATUSES: Final = frozenset({ACKNOWLEDGED, *TERMINAL_STATUSES})


@dataclass(frozen=True, slots=True)
class Decision:
    """The case engine's latest view of a request (state OPEN or WITHDRAWN).

    ``position`` is where the driver read it (the engine's output topic, keyed by
    request_id): with it, a decision replayed after a newer one is recognised and ignored.
    Without it (:data:`NO_POSITION`, e.g. the in-process re-derivation), the latest
    applied decision simply wins, so the driver must apply each one once, in order.
    """

    request: RequestOut
    position: Position = NO_POSITION

    def replays(self, latest: Position) -> bool:
        """True if this decision is at or before ``latest`` on the same topic partition."""
        p = self.position
        return (
            p.offset >= 0
            and p.topic == latest.topic
            and p.partition == latest.partition
            and p.offset <= latest.offset
        )


@dataclass(frozen=True, slots=True)
class Response:
    """An ``AssistanceResponse`` as read from ``assist.responses.<topic_city>``."""

    response_id: str
    request_id: str
    responding_city: str
    topic_city: str
    status: str
    outcome: str | None
    responded_at: int
    note: str | None
    position: Position = NO_POSITION

    @property
    def answers(self) -> bool:
        """True if it acknowledges the request (an acknowledgement or a terminal answer)."""
        return self.status in RESPONSE_STATUSES

    @property
    def terminal(self) -> bool:
        """True for RESOLVED, UNABLE_TO_LOCATE and REJECTED."""
        return self.status in TERMINAL_STATUSES

    def content(self) -> tuple[int, str, str, str, str, str]:
        """Everything but the log position: orders copies that share a ``response_id``."""
        return (
            self.responded_at,
            self.status,
            self.outcome or "",
            self.note or "",
            self.responding_city,
            self.topic_city,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "response_id": self.response_id,
            "request_id": self.request_id,
            "responding_city": self.responding_city,
            "topic_city": self.topic_city,
            "status": self.status,
            "outcome": self.outcome,
            "responded_at": self.responded_at,
            "note": self.note,
            "position": position_to_list(self.position),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Response:
        """Inverse of :meth:`to_dict`."""
        return cls(
            response_id=d["response_id"],
            request_id=d["request_id"],
            responding_city=d["responding_city"],
            topic_city=d["topic_city"],
            status=d["status"],
            outcome=d["outcome"],
            responded_at=int(d["responded_at"]),
            note=d["note"],
            position=position_from_list(d["position"]),
        )


@dataclass(frozen=True, slots=True)
class ExchangeClock:
    """The exchange's event time: the minimum watermark over every member city and stream."""

    time_ms: int


#: What :meth:`~streams.lifecycle.lifecycle.RequestLifecycle.apply` takes.
LifecycleInput: TypeAlias = Decision | Response | ExchangeClock


def position_to_list(p: Position) -> list[Any]:
    """``[topic, partition, offset]``: the JSON form of a position."""
    return [p.topic, p.partition, p.offset]


def position_from_list(data: Sequence[Any]) -> Position:
    """Inverse of :func:`position_to_list`."""
    topic, partition, offset = data
    return Position(str(topic), int(partition), int(offset))


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def response_from_avro(
    datum: Mapping[str, Any], topic_city: str, position: Position = NO_POSITION
) -> Response:
    """A :class:`Response` from a fastavro-decoded ``AssistanceResponse``.

    fastavro yields uuids as :class:`uuid.UUID` and timestamp-millis as aware datetimes;
    plain strings and int milliseconds are accepted too.
    """
    return Response(
        response_id=str(datum["response_id"]),
        request_id=str(datum["request_id"]),
        responding_city=str(datum["responding_city"]),
        topic_city=topic_city,
        status=str(datum["status"]),
        outcome=_optional_text(datum.get("outcome")),
        responded_at=epoch_ms(datum["responded_at"]),
        note=_optional_text(datum.get("note")),
        position=position,
    )

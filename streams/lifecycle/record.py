"""Per-request state: the latest decision, the accepted responses, what was published."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from streams.engine.facts import NO_POSITION, Position
from streams.engine.outputs import RequestOut
from streams.lifecycle.inputs import Response, position_from_list, position_to_list


@dataclass(slots=True)
class RequestRecord:
    """Everything the lifecycle keeps about one request (keyed by ``request_id``)."""

    request_id: str
    #: The engine's latest view; None until the first decision (never stored without one).
    decision: RequestOut | None = None
    #: Where that decision was read (:data:`NO_POSITION` if the driver gave none).
    decision_position: Position = NO_POSITION
    #: Accepted responses by ``response_id``.
    responses: dict[str, Response] = field(default_factory=dict)
    #: Latest content published: what the next view is diffed against.
    published: RequestOut | None = None
    #: The escalation issued for this request, if any (issued at most once).
    escalation: RequestOut | None = None

    def accept(self, response: Response) -> bool:
        """Add a response; True if the record changed.

        Copies sharing a ``response_id`` are one answer (the responder re-sends the same
        id): the one with the smallest content (earliest ``responded_at`` first) stands,
        so the order the copies arrive in does not matter.
        """
        held = self.responses.get(response.response_id)
        if held is not None and held.content() <= response.content():
            return False
        self.responses[response.response_id] = response
        return True

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "request_id": self.request_id,
            "decision": _out(self.decision),
            "decision_position": position_to_list(self.decision_position),
            "responses": [r.to_dict() for _, r in sorted(self.responses.items())],
            "published": _out(self.published),
            "escalation": _out(self.escalation),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RequestRecord:
        """Inverse of :meth:`to_dict`."""
        responses = (Response.from_dict(r) for r in data["responses"])
        return cls(
            request_id=data["request_id"],
            decision=_in(data["decision"]),
            decision_position=position_from_list(data["decision_position"]),
            responses={r.response_id: r for r in responses},
            published=_in(data["published"]),
            escalation=_in(data["escalation"]),
        )


def _out(request: RequestOut | None) -> dict[str, Any] | None:
    return None if request is None else request.to_avro()


def _in(data: Mapping[str, Any] | None) -> RequestOut | None:
    return None if data is None else RequestOut.from_avro(data)

"""The lifecycle's outputs: requests to publish, escalations, rejected responses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from streams.engine.outputs import RequestOut
from streams.lifecycle.inputs import Response

UNKNOWN_REQUEST: Final = "unknown request"
NOT_THE_PUBLISHER: Final = "responding_city differs from the publishing city"


def not_addressed(request_id: str, addressed_city: str, responding_city: str) -> str:
    """The reason for a response from a city the request is not addressed to."""
    return (
        f"request {request_id} is addressed to {addressed_city}; "
        f"{responding_city} may not answer it"
    )


@dataclass(frozen=True, slots=True)
class Rejection:
    """A response the lifecycle did not apply, for the publishing city's DLQ."""

    response: Response
    field: str
    reason: str

    @property
    def dlq_city(self) -> str:
        """The city whose ``dlq.<city>`` gets it: the publisher (``topic_city``)."""
        return self.response.topic_city


@dataclass(slots=True)
class LifecycleOutput:
    """What one :meth:`~streams.lifecycle.lifecycle.RequestLifecycle.apply` produced."""

    requests: list[RequestOut] = field(default_factory=list)
    escalations: list[RequestOut] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.requests or self.escalations or self.rejections)

    def extend(self, other: LifecycleOutput) -> None:
        """Append ``other``'s outputs to these."""
        self.requests += other.requests
        self.escalations += other.escalations
        self.rejections += other.rejections

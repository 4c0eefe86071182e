"""What every subscriber sink is: the :class:`Sink` protocol and the items it stores.

A sink receives the decoded requests and notices of one city in log order, one batch at
a time. ``write`` returns only once the whole batch is durably stored; on failure it
raises :class:`~ivex.errors.SinkError` saying how many items at the head of the batch
were stored, so the subscriber commits exactly those offsets and nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from ivex.models import AssistanceRequest, CaseNotice

REQUEST: Final = "AssistanceRequest"
NOTICE: Final = "CaseNotice"


@dataclass(frozen=True, slots=True)
class SinkItem:
    """One decoded, validated request or notice with its position on the log."""

    record: AssistanceRequest | CaseNotice
    topic: str
    partition: int
    offset: int

    @property
    def record_name(self) -> str:
        """``AssistanceRequest`` or ``CaseNotice``."""
        return self.record.record_name

    @property
    def record_id(self) -> str:
        """``request_id`` or ``notice_id`` as text."""
        if isinstance(self.record, AssistanceRequest):
            return str(self.record.request_id)
        return str(self.record.notice_id)

    @property
    def idempotency_key(self) -> str:
        """``<request_id>:<state>`` for a request, ``<notice_id>`` for a notice."""
        if isinstance(self.record, AssistanceRequest):
            return f"{self.record.request_id}:{self.record.state}"
        return self.record_id


def render(item: SinkItem) -> dict[str, Any]:
    """The item as JSON-ready data: a ``type`` field, ISO 8601 timestamps, ids as strings."""
    return {"type": item.record_name} | item.record.model_dump(mode="json")


class Sink(Protocol):
    """Where a subscriber stores what it reads; ``name`` goes into the consumer group."""

    name: str

    def open(self) -> None:
        """Prepare the sink (e.g. create the case table); called once before any write."""

    def write(self, items: Sequence[SinkItem]) -> None:
        """Store ``items`` durably, in order, or raise :class:`~ivex.errors.SinkError`."""

    def close(self) -> None:
        """Release connections and files."""

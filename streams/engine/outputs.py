"""The engine's outputs: AssistanceRequest and CaseNotice values, plain and frozen.

Each class writes its ``__init__`` out (``init=False``): under mypyc an explicit one is
compiled, while the one ``@dataclass`` generates runs interpreted, and constructing these
values was a tenth of the engine's work (see ``bench/RESULTS.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from streams.engine.facts import Fact

# Request kinds (docs/rules.md).
PREGNANCY_OUTCOME_UNKNOWN: Final = "PREGNANCY_OUTCOME_UNKNOWN"
BIRTH_NOT_REGISTERED: Final = "BIRTH_NOT_REGISTERED"
REGISTRATION_WITHOUT_BIRTH: Final = "REGISTRATION_WITHOUT_BIRTH"
LATE_TERMINATION_UNAPPROVED: Final = "LATE_TERMINATION_UNAPPROVED"
DUPLICATE_REGISTRATION: Final = "DUPLICATE_REGISTRATION"
REQUEST_KINDS: Final = (
    PREGNANCY_OUTCOME_UNKNOWN,
    BIRTH_NOT_REGISTERED,
    REGISTRATION_WITHOUT_BIRTH,
    LATE_TERMINATION_UNAPPROVED,
    DUPLICATE_REGISTRATION,
)

# Notice kinds.
OUTCOME_RECORDED_ELSEWHERE: Final = "OUTCOME_RECORDED_ELSEWHERE"
APPROVED_LATE_TERMINATION: Final = "APPROVED_LATE_TERMINATION"

OPEN: Final = "OPEN"
WITHDRAWN: Final = "WITHDRAWN"
URGENT: Final = "URGENT"
NORMAL: Final = "NORMAL"


@dataclass(frozen=True, slots=True, init=False)
class Evidence:
    """An event a request or notice rests on, located on the log."""

    event_id: str
    source_city: str
    stream: str
    record_id: str
    topic: str
    partition: int
    offset: int

    def __init__(
        self,
        event_id: str,
        source_city: str,
        stream: str,
        record_id: str,
        topic: str,
        partition: int,
        offset: int,
    ) -> None:
        object.__setattr__(self, "event_id", event_id)
        object.__setattr__(self, "source_city", source_city)
        object.__setattr__(self, "stream", stream)
        object.__setattr__(self, "record_id", record_id)
        object.__setattr__(self, "topic", topic)
        object.__setattr__(self, "partition", partition)
        object.__setattr__(self, "offset", offset)

    @staticmethod
    def of(fact: Fact) -> Evidence:
        """The evidence entry naming ``fact``'s event."""
        p = fact.position
        return Evidence(
            fact.event_id,
            fact.source_city,
            fact.stream,
            fact.record_id,
            p.topic,
            p.partition,
            p.offset,
        )

    def to_avro(self) -> dict[str, Any]:
        """Dict with the Avro field names."""
        return {
            "event_id": self.event_id,
            "source_city": self.source_city,
            "stream": self.stream,
            "record_id": self.record_id,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
        }

    @staticmethod
    def from_avro(d: Mapping[str, Any]) -> Evidence:
        """Inverse of :meth:`to_avro`."""
        return Evidence(
            str(d["event_id"]),
            d["source_city"],
            d["stream"],
            d["record_id"],
            d["topic"],
            int(d["partition"]),
            int(d["offset"]),
        )


@dataclass(frozen=True, slots=True, init=False)
class RequestOut:
    """An ``AssistanceRequest`` as the engine wants it published (latest state wins)."""

    request_id: str
    kind: str
    addressed_city: str
    copy_to: tuple[str, ...]
    subject_ref: str
    child_ref: str | None
    evidence: tuple[Evidence, ...]
    raised_at: int
    respond_by: int
    priority: str
    state: str
    reason: str

    def __init__(
        self,
        request_id: str,
        kind: str,
        addressed_city: str,
        copy_to: tuple[str, ...],
        subject_ref: str,
        child_ref: str | None,
        evidence: tuple[Evidence, ...],
        raised_at: int,
        respond_by: int,
        priority: str,
        state: str,
        reason: str,
    ) -> None:
        object.__setattr__(self, "request_id", request_id)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "addressed_city", addressed_city)
        object.__setattr__(self, "copy_to", copy_to)
        object.__setattr__(self, "subject_ref", subject_ref)
        object.__setattr__(self, "child_ref", child_ref)
        object.__setattr__(self, "evidence", evidence)
        object.__setattr__(self, "raised_at", raised_at)
        object.__setattr__(self, "respond_by", respond_by)
        object.__setattr__(self, "priority", priority)
        object.__setattr__(self, "state", state)
        object.__setattr__(self, "reason", reason)

    def to_avro(self) -> dict[str, Any]:
        """Dict with the Avro field names; times stay int epoch ms (timestamp-millis)."""
        return {
            "request_id": self.request_id,
            "kind": self.kind,
            "addressed_city": self.addressed_city,
            "copy_to": list(self.copy_to),
            "subject_ref": self.subject_ref,
            "child_ref": self.child_ref,
            "evidence": [e.to_avro() for e in self.evidence],
            "raised_at": self.raised_at,
            "respond_by": self.respond_by,
            "priority": self.priority,
            "state": self.state,
            "reason": self.reason,
        }

    @staticmethod
    def from_avro(d: Mapping[str, Any]) -> RequestOut:
        """Inverse of :meth:`to_avro` (also the engine's serialised form)."""
        return RequestOut(
            request_id=str(d["request_id"]),
            kind=d["kind"],
            addressed_city=d["addressed_city"],
            copy_to=tuple(d["copy_to"]),
            subject_ref=d["subject_ref"],
            child_ref=d.get("child_ref"),
            evidence=tuple(Evidence.from_avro(e) for e in d["evidence"]),
            raised_at=int(d["raised_at"]),
            respond_by=int(d["respond_by"]),
            priority=d["priority"],
            state=d["state"],
            reason=d["reason"],
        )


@dataclass(frozen=True, slots=True, init=False)
class NoticeOut:
    """A ``CaseNotice``: information for a city, emitted once, never withdrawn."""

    notice_id: str
    kind: str
    addressed_city: str
    subject_ref: str
    evidence: tuple[Evidence, ...]
    issued_at: int

    def __init__(
        self,
        notice_id: str,
        kind: str,
        addressed_city: str,
        subject_ref: str,
        evidence: tuple[Evidence, ...],
        issued_at: int,
    ) -> None:
        object.__setattr__(self, "notice_id", notice_id)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "addressed_city", addressed_city)
        object.__setattr__(self, "subject_ref", subject_ref)
        object.__setattr__(self, "evidence", evidence)
        object.__setattr__(self, "issued_at", issued_at)

    def to_avro(self) -> dict[str, Any]:
        """Dict with the Avro field names."""
        return {
            "notice_id": self.notice_id,
            "kind": self.kind,
            "addressed_city": self.addressed_city,
            "subject_ref": self.subject_ref,
            "evidence": [e.to_avro() for e in self.evidence],
            "issued_at": self.issued_at,
        }

    @staticmethod
    def from_avro(d: Mapping[str, Any]) -> NoticeOut:
        """Inverse of :meth:`to_avro`."""
        return NoticeOut(
            notice_id=str(d["notice_id"]),
            kind=d["kind"],
            addressed_city=d["addressed_city"],
            subject_ref=d["subject_ref"],
            evidence=tuple(Evidence.from_avro(e) for e in d["evidence"]),
            issued_at=int(d["issued_at"]),
        )

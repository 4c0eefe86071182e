"""The engine's outputs: AssistanceRequest and CaseNotice values, plain and frozen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from streams.engine.facts import Fact

# Request kinds (SPEC §5).
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


@dataclass(frozen=True, slots=True)
class Evidence:
    """An event a request or notice rests on, located on the log."""

    event_id: str
    source_city: str
    stream: str
    record_id: str
    topic: str
    partition: int
    offset: int

    @classmethod
    def of(cls, fact: Fact) -> Evidence:
        """The evidence entry naming ``fact``'s event."""
        p = fact.position
        return cls(
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

    @classmethod
    def from_avro(cls, d: Mapping[str, Any]) -> Evidence:
        """Inverse of :meth:`to_avro`."""
        return cls(
            str(d["event_id"]),
            d["source_city"],
            d["stream"],
            d["record_id"],
            d["topic"],
            int(d["partition"]),
            int(d["offset"]),
        )


@dataclass(frozen=True, slots=True)
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

    @classmethod
    def from_avro(cls, d: Mapping[str, Any]) -> RequestOut:
        """Inverse of :meth:`to_avro` (also the engine's serialised form)."""
        return cls(
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


@dataclass(frozen=True, slots=True)
class NoticeOut:
    """A ``CaseNotice``: information for a city, emitted once, never withdrawn."""

    notice_id: str
    kind: str
    addressed_city: str
    subject_ref: str
    evidence: tuple[Evidence, ...]
    issued_at: int

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

    @classmethod
    def from_avro(cls, d: Mapping[str, Any]) -> NoticeOut:
        """Inverse of :meth:`to_avro`."""
        return cls(
            notice_id=str(d["notice_id"]),
            kind=d["kind"],
            addressed_city=d["addressed_city"],
            subject_ref=d["subject_ref"],
            evidence=tuple(Evidence.from_avro(e) for e in d["evidence"]),
            issued_at=int(d["issued_at"]),
        )

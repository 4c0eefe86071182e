"""Records the exchange itself emits: requests, responses and notices, with their evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

from pydantic import AfterValidator, ValidationInfo, field_validator

from ivex.models.base import AvroRecord
from ivex.models.enums import Outcome, Priority, RequestState, ResponseStatus
from ivex.models.types import CityCode, Int, Text, Timestamp, Uuid, fail, int_range
from ivex.topics import STREAMS

STREAM_REASON: Final = "must be one of: " + ", ".join(STREAMS)
COPY_TO_ADDRESSEE: Final = "must not include addressed_city"
RESPOND_BEFORE_RAISED: Final = "must not be before raised_at"


def _check_stream(value: str) -> str:
    if value not in STREAMS:
        raise fail(STREAM_REASON)
    return value


class Evidence(AvroRecord):
    """An event a request or notice rests on, located on the log."""

    record_name = "Evidence"

    event_id: Uuid
    source_city: CityCode
    stream: Annotated[Text, AfterValidator(_check_stream)]
    record_id: Text
    topic: Text
    partition: Annotated[Int, int_range(0)]
    offset: Annotated[Int, int_range(0)]


class AssistanceRequest(AvroRecord):
    """A case-assistance request (区域协查); the latest state wins."""

    record_name = "AssistanceRequest"

    request_id: Uuid
    kind: Text
    addressed_city: CityCode
    copy_to: tuple[CityCode, ...]
    subject_ref: Text
    child_ref: Text | None = None
    evidence: tuple[Evidence, ...]
    raised_at: Timestamp
    respond_by: Timestamp
    priority: Priority
    state: RequestState
    reason: Text

    @field_validator("copy_to")
    @classmethod
    def _not_the_addressee(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if info.data.get("addressed_city") in value:
            raise fail(COPY_TO_ADDRESSEE)
        return value

    @field_validator("respond_by")
    @classmethod
    def _after_raised(cls, value: datetime, info: ValidationInfo) -> datetime:
        raised = info.data.get("raised_at")
        if isinstance(raised, datetime) and value < raised:
            raise fail(RESPOND_BEFORE_RAISED)
        return value


class AssistanceResponse(AvroRecord):
    """A city's answer to a request addressed to it."""

    record_name = "AssistanceResponse"

    response_id: Uuid
    request_id: Uuid
    responding_city: CityCode
    status: ResponseStatus
    outcome: Outcome | None = None
    responded_at: Timestamp
    note: Text | None = None


class CaseNotice(AvroRecord):
    """Information for a city, no answer owed (双向通报)."""

    record_name = "CaseNotice"

    notice_id: Uuid
    kind: Text
    addressed_city: CityCode
    subject_ref: Text
    evidence: tuple[Evidence, ...]
    issued_at: Timestamp

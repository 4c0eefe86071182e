"""The Avro enums of docs/events.md as ``StrEnum``.

Class names and symbols are exactly the schemas'.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """What an event does to its record."""

    RECORD = "RECORD"
    CORRECT = "CORRECT"
    VOID = "VOID"


class ChildSex(StrEnum):
    """Sex of the child as recorded at birth."""

    MALE = "MALE"
    FEMALE = "FEMALE"
    UNDETERMINED = "UNDETERMINED"


class DeliveryPlace(StrEnum):
    """Where a delivery took place."""

    HOSPITAL = "HOSPITAL"
    OTHER_FACILITY = "OTHER_FACILITY"
    HOME = "HOME"
    EN_ROUTE = "EN_ROUTE"
    UNKNOWN = "UNKNOWN"


class TerminationMethod(StrEnum):
    """Method of a pregnancy termination."""

    SURGICAL = "SURGICAL"
    MEDICATION = "MEDICATION"
    OTHER = "OTHER"


class Stream(StrEnum):
    """A city stream."""

    births = "births"
    registrations = "registrations"
    terminations = "terminations"
    pregnancies = "pregnancies"


class Priority(StrEnum):
    """How urgent a request is."""

    URGENT = "URGENT"
    NORMAL = "NORMAL"


class RequestState(StrEnum):
    """Lifecycle state of an assistance request."""

    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"
    WITHDRAWN = "WITHDRAWN"
    OVERDUE = "OVERDUE"


class ResponseStatus(StrEnum):
    """What an answer to a request says."""

    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"
    UNABLE_TO_LOCATE = "UNABLE_TO_LOCATE"
    REJECTED = "REJECTED"


class Outcome(StrEnum):
    """What the answering city found."""

    BIRTH_FOUND = "BIRTH_FOUND"
    TERMINATION_FOUND = "TERMINATION_FOUND"
    PREGNANCY_LOSS = "PREGNANCY_LOSS"
    MOVED_AWAY = "MOVED_AWAY"
    REGISTERED_LATE = "REGISTERED_LATE"
    RECORD_ERROR = "RECORD_ERROR"
    OTHER = "OTHER"


class SrbStatus(StrEnum):
    """Sex-ratio-at-birth monitoring status."""

    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"
    NORMAL = "NORMAL"
    WATCH = "WATCH"
    ALERT = "ALERT"

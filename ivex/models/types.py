"""Field types shared by the record models, with the validation rules of docs/bad-input.md.

Validation context (``Model.model_validate(data, context={...})``):

- ``cities``: member city codes; every city field must be one. Without it only the
  6-digit format is checked (e.g. when re-reading the federation's own log).
- ``publishing_city``: when given, ``source_city`` must equal it.
- ``tz_offset_hours``: zone of "the date of recorded_at" (default 8, China Standard Time).

Every reason is a constant here, short, and never quotes the input (it may hold an ID).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Annotated, Any, Final
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Field, Strict, ValidationInfo
from pydantic_core import PydanticCustomError

# Reasons: the exact text a RecordRejected carries.
DATE_FORMAT: Final = "must be a date in YYYY-MM-DD form"
DATE_NOT_REAL: Final = "not a real calendar date"
TIMESTAMP_FORMAT: Final = "must be an RFC 3339 timestamp"
TIMESTAMP_NAIVE: Final = "timestamp must carry a UTC offset"
UUID_FORMAT: Final = "must be a UUID"
CITY_FORMAT: Final = "must be a 6-digit GB/T 2260 division code"
CITY_NOT_MEMBER: Final = "not a member city of the federation"
NOT_PUBLISHING_CITY: Final = "must be the publishing city"
AFTER_RECORDED: Final = "must not be after the date of recorded_at (UTC+8)"

_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_UUID_RE: Final = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_CITY_RE: Final = re.compile(r"\d{6}")
DEFAULT_TZ_OFFSET_HOURS: Final = 8


def fail(reason: str) -> PydanticCustomError:
    """A validation error whose message is exactly ``reason``."""
    return PydanticCustomError("ivex", reason)


def range_reason(low: int, high: int | None) -> str:
    """Reason for an integer outside ``[low, high]`` (``high`` None: no upper bound)."""
    return f"must be at least {low}" if high is None else f"must be between {low} and {high}"


def _context(info: ValidationInfo) -> dict[str, Any]:
    ctx = info.context
    return ctx if isinstance(ctx, dict) else {}


def _to_date(value: Any) -> date:
    # datetime is a date subclass; a datetime where a date belongs is a type error.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise fail(DATE_NOT_REAL) from None
    raise fail(DATE_FORMAT)


def _to_timestamp(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise fail(TIMESTAMP_FORMAT) from None
    if not isinstance(value, datetime):
        raise fail(TIMESTAMP_FORMAT)
    if value.tzinfo is UTC and not value.microsecond % 1000:
        return value  # already as the codec decodes it: the hot path
    if value.utcoffset() is None:
        raise fail(TIMESTAMP_NAIVE)
    # The wire keeps milliseconds in UTC; normalise so a round trip is lossless.
    utc: datetime = value.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def _to_uuid(value: Any) -> UUID:
    if isinstance(value, UUID):
        return value
    if isinstance(value, str) and _UUID_RE.fullmatch(value):
        return UUID(value)
    raise fail(UUID_FORMAT)


def _check_city(value: str, info: ValidationInfo) -> str:
    if not _CITY_RE.fullmatch(value):
        raise fail(CITY_FORMAT)
    cities = _context(info).get("cities")
    if cities is not None and value not in cities:
        raise fail(CITY_NOT_MEMBER)
    return value


def _check_source_city(value: str, info: ValidationInfo) -> str:
    value = _check_city(value, info)
    publishing = _context(info).get("publishing_city")
    if publishing is not None and value != publishing:
        raise fail(NOT_PUBLISHING_CITY)
    return value


def recorded_on(info: ValidationInfo) -> date | None:
    """The calendar date of the already-validated ``recorded_at``, in the context's zone."""
    recorded_at = info.data.get("recorded_at")
    if not isinstance(recorded_at, datetime):
        return None
    hours = _context(info).get("tz_offset_hours", DEFAULT_TZ_OFFSET_HOURS)
    # recorded_at is UTC once validated, so shifting it is enough (and cheaper than astimezone).
    return (recorded_at + _offset(hours)).date()


@cache
def _offset(hours: int) -> timedelta:
    return timedelta(hours=hours)


def _check_fact_date(value: date, info: ValidationInfo) -> date:
    limit = recorded_on(info)
    if limit is not None and value > limit:
        raise fail(AFTER_RECORDED)
    return value


def int_range(low: int, high: int | None = None) -> AfterValidator:
    """An after-validator keeping an int in ``[low, high]``."""
    reason = range_reason(low, high)

    def check(value: int) -> int:
        if value < low or (high is not None and value > high):
            raise fail(reason)
        return value

    return AfterValidator(check)


Text = Annotated[str, Strict(), Field(min_length=1)]
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
Float = Annotated[float, Strict()]
Uuid = Annotated[UUID, BeforeValidator(_to_uuid)]
EventDate = Annotated[date, BeforeValidator(_to_date)]
FactDate = Annotated[date, BeforeValidator(_to_date), AfterValidator(_check_fact_date)]
Timestamp = Annotated[datetime, BeforeValidator(_to_timestamp)]
CityCode = Annotated[str, Strict(), AfterValidator(_check_city)]
SourceCity = Annotated[str, Strict(), AfterValidator(_check_source_city)]

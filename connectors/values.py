"""Input values → typed values, one function per column kind.

Text (every CSV value, and any JSON string) follows one set of rules whatever the format;
a native JSON value must already have the right type. Each failure is a
:class:`RecordRejected` naming the column; reasons never repeat the value, which may be
a resident ID number typed into the wrong column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import partial
from typing import Any, Final

from connectors.columns import Column, Kind
from ivex.errors import RecordRejected
from ivex.models.types import DATE_FORMAT, DATE_NOT_REAL, TIMESTAMP_NAIVE

_INT: Final = re.compile(r"[+-]?\d+")
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_RANGES: Final = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}

MISSING_COLUMN: Final = "missing column"
MISSING_VALUE: Final = "missing value"
UNKNOWN_COLUMN: Final = "unknown column"
NOT_TEXT: Final = "must be text"
NOT_INTEGER: Final = "must be an integer"
NOT_BOOLEAN: Final = "must be true or false"
NOT_TIMESTAMP: Final = "must be an ISO 8601 timestamp with a UTC offset"
# Shared with the models, so a reason reads the same whichever layer caught it.
NOT_A_DATE: Final = DATE_NOT_REAL
NAIVE_TIMESTAMP: Final = TIMESTAMP_NAIVE


def is_empty(value: Any) -> bool:
    """Whether a value counts as absent: JSON null, or text that is empty or blank."""
    return value is None or (isinstance(value, str) and not value.strip())


def convert(column: Column, value: Any) -> Any:
    """The typed value of a present, non-empty input value for ``column``."""
    return _CONVERTERS[column.kind](column, value)


def converter(column: Column) -> Callable[[Any], Any]:
    """:func:`convert` bound to ``column``: looked up once per column, not once per value."""
    return partial(_CONVERTERS[column.kind], column)


def _string(column: Column, value: Any) -> str:
    if not isinstance(value, str):
        raise RecordRejected(column.name, NOT_TEXT)
    return value


def _integer(column: Column, value: Any) -> int:
    if isinstance(value, str):
        if not _INT.fullmatch(value):
            raise RecordRejected(column.name, NOT_INTEGER)
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise RecordRejected(column.name, NOT_INTEGER)
    low, high = _RANGES[column.kind]
    if not low <= number <= high:
        raise RecordRejected(column.name, f"integer out of range [{low}, {high}]")
    return number


def _boolean(column: Column, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    raise RecordRejected(column.name, NOT_BOOLEAN)


def _date(column: Column, value: Any) -> dt.date:
    text = _string(column, value)
    if not _DATE.fullmatch(text):
        raise RecordRejected(column.name, DATE_FORMAT)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise RecordRejected(column.name, NOT_A_DATE) from None


def _timestamp(column: Column, value: Any) -> dt.datetime:
    text = _string(column, value)
    # fromisoformat also takes a bare date; an instant needs its time of day.
    if len(text) < 11 or not _DATE.fullmatch(text[:10]):
        raise RecordRejected(column.name, NOT_TIMESTAMP)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise RecordRejected(column.name, NOT_TIMESTAMP) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise RecordRejected(column.name, NAIVE_TIMESTAMP)
    return parsed.astimezone(dt.UTC)


def _enum(column: Column, value: Any) -> str:
    text = _string(column, value)
    if text not in column.symbols:
        raise RecordRejected(column.name, "must be one of: " + ", ".join(column.symbols))
    return text


_CONVERTERS: Final[dict[Kind, Callable[[Column, Any], Any]]] = {
    "string": _string,
    "id_number": _string,
    "int": _integer,
    "long": _integer,
    "boolean": _boolean,
    "date": _date,
    "timestamp": _timestamp,
    "enum": _enum,
}


def epoch_millis(instant: dt.datetime) -> int:
    """Milliseconds since the Unix epoch of an aware datetime (sub-millisecond truncated)."""
    return (instant - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(milliseconds=1)

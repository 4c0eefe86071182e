"""What a plain decode (logical types skipped) must still refuse.

A plain decode hands out a UUID as text, an instant as epoch milliseconds and a date as
days since the epoch, without building the objects — but a value that the full decode
could not turn into a UUID, an instant or a date is not a valid record, and must be
refused the same (a mutated record otherwise slips into the processors as a fact).
Only top-level fields are checked: the records read plain (city streams, watermarks,
responses) have logical types nowhere else; requests and notices, which nest them, are
read in full.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any, Final

#: The canonical form, checked first: a regex is a third of ``uuid.UUID``'s cost.
_CANONICAL: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)

#: The instants Python's datetime holds (years 1–9999), in epoch milliseconds.
_MIN_MS, _MAX_MS = -62_135_596_800_000, 253_402_300_799_999
#: The dates Python's date holds (years 1–9999), in days since 1970-01-01.
_MIN_DAYS, _MAX_DAYS = -719_162, 2_932_896


def logical_fields(raw: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """``(field, logicalType)`` of each top-level field of record schema ``raw`` with one
    (plain or optional)."""
    out = []
    for field in raw["fields"]:
        branches = field["type"] if isinstance(field["type"], list) else [field["type"]]
        for branch in branches:
            if isinstance(branch, dict) and "logicalType" in branch:
                out.append((field["name"], branch["logicalType"]))
                break
    return tuple(out)


def invalid_field(datum: Mapping[str, Any], fields: tuple[tuple[str, str], ...]) -> str | None:
    """The first of ``fields`` whose plain value a full decode would refuse, else None."""
    for name, logical in fields:
        value = datum.get(name)
        if value is not None and not _valid(logical, value):
            return name
    return None


def _valid(logical: str, value: Any) -> bool:
    if logical == "uuid":
        if isinstance(value, str) and _CANONICAL.fullmatch(value):
            return True
        try:  # the other spellings uuid.UUID accepts (braces, no hyphens, urn:uuid:)
            uuid.UUID(value)
        except (ValueError, TypeError, AttributeError):
            return False
        return True
    if logical == "timestamp-millis":
        return isinstance(value, int) and _MIN_MS <= value <= _MAX_MS
    if logical == "date":
        return isinstance(value, int) and _MIN_DAYS <= value <= _MAX_DAYS
    return True

"""CloudEvents Kafka protocol binding, binary mode: the ``ce_*`` headers of docs/wire-format.md."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final
from uuid import UUID

from ivex.errors import CodecError, MalformedMessageError

SPEC_VERSION: Final = "1.0"
CONTENT_TYPE: Final = "application/avro"
_REQUIRED: Final = ("ce_id", "ce_source", "ce_type", "ce_time", "ce_specversion")


@dataclass(frozen=True)
class CloudEvent:
    """The CloudEvents attributes carried in the headers of one Kafka record."""

    id: str
    source: str
    type: str
    time: datetime
    specversion: str = SPEC_VERSION
    content_type: str = CONTENT_TYPE


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with millisecond precision, e.g. ``2024-05-01T02:03:04.005Z``."""
    if moment.utcoffset() is None:
        raise CodecError("ce_time needs a timezone-aware datetime")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ce_headers(
    record_name: str, source_city: str, event_id: UUID | str, time: datetime
) -> list[tuple[str, bytes]]:
    """Kafka headers for one event: ``ce_id``, ``ce_source`` (the city), ``ce_type`` (record
    name), ``ce_time``, ``ce_specversion`` and ``content-type``."""
    return [
        ("ce_id", str(event_id).encode()),
        ("ce_source", source_city.encode()),
        ("ce_type", record_name.encode()),
        ("ce_time", format_time(time).encode()),
        ("ce_specversion", SPEC_VERSION.encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]


def parse_ce_headers(headers: Iterable[tuple[str, bytes | None]]) -> CloudEvent:
    """The CloudEvents attributes of a record's headers; ``MalformedMessageError`` if absent."""
    found: dict[str, str] = {}
    for key, value in headers:
        if value is not None and (key.startswith("ce_") or key == "content-type"):
            try:
                found[key] = value.decode("utf-8")
            except UnicodeDecodeError:
                raise MalformedMessageError(f"header {key} is not UTF-8") from None
    missing = [k for k in _REQUIRED if not found.get(k)]
    if missing:
        raise MalformedMessageError(f"missing CloudEvents headers: {', '.join(missing)}")
    if found["ce_specversion"] != SPEC_VERSION:
        raise MalformedMessageError(f"unsupported ce_specversion {found['ce_specversion']!r}")
    try:
        moment = datetime.fromisoformat(found["ce_time"])
    except ValueError:
        raise MalformedMessageError("ce_time is not an RFC 3339 timestamp") from None
    if moment.utcoffset() is None:
        raise MalformedMessageError("ce_time has no UTC offset")
    return CloudEvent(
        id=found["ce_id"],
        source=found["ce_source"],
        type=found["ce_type"],
        time=moment,
        specversion=found["ce_specversion"],
        content_type=found.get("content-type", CONTENT_TYPE),
    )

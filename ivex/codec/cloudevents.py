"""CloudEvents Kafka protocol binding, binary mode: the ``ce_*`` headers of docs/wire-format.md."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Final
from uuid import UUID

from ivex.errors import CodecError, MalformedMessageError

SPEC_VERSION: Final = "1.0"
CONTENT_TYPE: Final = "application/avro"
_REQUIRED: Final = ("ce_id", "ce_source", "ce_type", "ce_time", "ce_specversion")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_SPEC_VERSION_BYTES: Final = SPEC_VERSION.encode()
_CONTENT_TYPE_BYTES: Final = CONTENT_TYPE.encode()


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


@lru_cache(maxsize=1 << 14)
def format_epoch_ms(instant_ms: int) -> str:
    """:func:`format_time` of an instant in epoch milliseconds, exactly (no float).

    Cached: the outputs of one batch share a few instants (the watermarks')."""
    return format_time(_EPOCH + timedelta(milliseconds=instant_ms))


def content_id(namespace: UUID, value: bytes) -> str:
    """``str(uuid.uuid5(namespace, value.hex()))``: the id of a record derived from its
    bytes, without the two ``UUID`` objects (a third of the cost, for every output)."""
    # SHA-1 because UUIDv5 is defined with it; an id, not a secret.
    name = namespace.bytes + value.hex().encode()
    digest = bytearray(hashlib.sha1(name, usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def ce_headers(
    record_name: str, source_city: str, event_id: UUID | str, time: datetime
) -> list[tuple[str, bytes]]:
    """Kafka headers for one event: ``ce_id``, ``ce_source`` (the city), ``ce_type`` (record
    name), ``ce_time``, ``ce_specversion`` and ``content-type``."""
    return list(_headers(record_name, source_city, str(event_id), format_time(time)))


def ce_headers_ms(
    record_name: str, source: str, event_id: str, instant_ms: int
) -> tuple[tuple[str, bytes], ...]:
    """:func:`ce_headers` (as a tuple) of an event whose time is in epoch milliseconds."""
    return _headers(record_name, source, event_id, format_epoch_ms(instant_ms))


def _headers(
    record_name: str, source: str, event_id: str, time: str
) -> tuple[tuple[str, bytes], ...]:
    return (
        ("ce_id", event_id.encode()),
        ("ce_source", source.encode()),
        ("ce_type", record_name.encode()),
        ("ce_time", time.encode()),
        ("ce_specversion", _SPEC_VERSION_BYTES),
        ("content-type", _CONTENT_TYPE_BYTES),
    )


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

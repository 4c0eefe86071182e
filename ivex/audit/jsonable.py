"""Decoded records as JSON: dates and instants as ISO text, UUIDs as strings."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ivex.audit.decode import DecodedRecord
from ivex.audit.times import iso_utc


def plain(value: Any) -> Any:
    """``value`` with every non-JSON type turned into JSON text, recursively.

    Aware datetimes become RFC 3339 in UTC (``…Z``), dates ``YYYY-MM-DD``, UUIDs and
    decimals strings, bytes base64 (no ivex schema has bytes; this is a safety net).
    """
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        moment = value if value.utcoffset() is not None else value.replace(tzinfo=UTC)
        return iso_utc(int(moment.timestamp() * 1000))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def to_json(item: DecodedRecord) -> dict[str, Any]:
    """One JSON Lines object: position, timestamp, key, headers, record type, value.

    ``value`` is the decoded Avro record or the parsed JSON value (``null`` for a
    tombstone); an undecodable value gives ``value: null`` and an ``error`` object.
    """
    rec = item.record
    out: dict[str, Any] = {
        "topic": rec.topic,
        "partition": rec.partition,
        "offset": rec.offset,
        "timestamp": iso_utc(rec.timestamp_ms),
        "key": item.key_text,
        "headers": item.headers_text(),
        "record_type": item.record_type,
        "value": plain(item.avro) if item.avro is not None else plain(item.json),
    }
    if item.error is not None:
        out["error"] = item.error
    return out

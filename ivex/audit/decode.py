"""One log record, decoded for an operator: position, key, headers, record type, value.

Avro single-object values are decoded with the codec (into the latest shipped version of
their record); JSON values (dead letters, the schema catalogue) are parsed and masked
again, for safety; anything else becomes an error entry naming why — never a crash, and
never the raw bytes (they could hold anything, a resident ID number included).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ivex.codec import MAGIC, Codec
from ivex.dlq import mask_value
from ivex.errors import CodecError
from ivex.identity import mask_resident_ids
from ivex.topic_reader import LogRecord

#: ``record_type`` of a JSON value that carries no ``ce_type`` header.
JSON_TYPE = "json"


@dataclass(frozen=True)
class DecodedRecord:
    """A log record as replay writes it; exactly one of ``avro``/``json``/``error`` is set
    unless the record is a tombstone (all three unset)."""

    record: LogRecord
    record_type: str | None
    avro: dict[str, Any] | None = None
    json: Any = None
    error: dict[str, Any] | None = None

    @property
    def key_text(self) -> str | None:
        """The key as UTF-8 text (keys are record ids, request ids or ``source:line``)."""
        key = self.record.key
        return None if key is None else mask_resident_ids(key.decode("utf-8", "replace"))

    def headers_text(self) -> dict[str, str]:
        """Every header as text (the last one of a repeated name wins)."""
        return {k: mask_resident_ids(v.decode("utf-8", "replace")) for k, v in self.record.headers}


class RecordDecoder:
    """Decodes log records; ``codec`` should resolve the federation's catalogue schemas."""

    def __init__(self, codec: Codec) -> None:
        self._codec = codec

    def decode(self, record: LogRecord) -> DecodedRecord:
        """The decoded form of ``record`` (see the module doc)."""
        value = record.value
        if value is None:
            return DecodedRecord(record, None)
        if value[:2] == MAGIC:
            try:
                decoded = self._codec.decode(value)
            except CodecError as exc:
                return DecodedRecord(record, record.header("ce_type"), error=_error(exc, value))
            return DecodedRecord(record, decoded.record_name, avro=decoded.datum)
        try:
            parsed = json.loads(value.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            error = {
                "code": "undecodable",
                "message": "neither Avro single-object encoding nor JSON",
                "bytes": len(value),
            }
            return DecodedRecord(record, record.header("ce_type"), error=error)
        return DecodedRecord(record, record.header("ce_type") or JSON_TYPE, json=mask_value(parsed))


def _error(exc: CodecError, value: bytes) -> dict[str, Any]:
    return {"code": exc.code, "message": exc.message, "bytes": len(value)}

"""Replayed records as one Avro object container file, readable by any Avro library.

Each record of the file is an envelope (``org.ivex.replay.ReplayedRecord``): topic,
partition, offset, timestamp, key, headers, record type, and the value as a union of
``null`` and the latest shipped schema of every ivex record type — so one file holds a
mixed topic (a city stream's records and watermarks) or several topics. Values are
written in the shape the codec decodes them into, i.e. read with the latest shipped
schema of their type (schema resolution: older writers' records gain the new fields'
defaults). A JSON value (dead letters, the schema catalogue) or a record type known only
from the catalogue goes to ``value_json`` as JSON text; an undecodable value to ``error``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

from fastavro import parse_schema
from fastavro.write import Writer

from ivex.audit.decode import DecodedRecord
from ivex.audit.jsonable import plain
from ivex.codec.schemas import SchemaSet, SchemaVersion

ENVELOPE_NAME: Final = "org.ivex.replay.ReplayedRecord"
_NAMED: Final = ("record", "enum", "fixed")


def envelope_schema(schemas: SchemaSet) -> dict[str, Any]:
    """The envelope schema, its ``value`` a union of every record type's latest schema."""
    latest = [schemas.latest(name) for name in schemas.names()]
    return {
        "type": "record",
        "name": ENVELOPE_NAME,
        "doc": "One record of an ivex topic, as `ivex replay` read it",
        "fields": [
            {"name": "topic", "type": "string"},
            {"name": "partition", "type": "int"},
            {"name": "offset", "type": "long"},
            {"name": "timestamp", "type": {"type": "long", "logicalType": "timestamp-millis"}},
            {"name": "key", "type": ["null", "string"], "default": None},
            {"name": "headers", "type": {"type": "map", "values": "string"}},
            {"name": "record_type", "type": ["null", "string"], "default": None},
            {"name": "value", "type": ["null", *union_branches(latest)], "default": None},
            {"name": "value_json", "type": ["null", "string"], "default": None},
            {"name": "error", "type": ["null", "string"], "default": None},
        ],
    }


def union_branches(schemas: Iterable[SchemaVersion]) -> list[Any]:
    """The record schemas as union branches, each named type defined only once.

    ``Evidence`` (say) is defined inside both AssistanceRequest and CaseNotice; Avro
    forbids a second definition in one schema, so later ones become references by name.
    """
    defined: set[str] = set()
    return [_dedupe(s.raw, "", defined) for s in schemas]


def _dedupe(node: Any, namespace: str, defined: set[str]) -> Any:
    if isinstance(node, list):
        return [_dedupe(n, namespace, defined) for n in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") in _NAMED:
        name = str(node["name"])
        space = str(node.get("namespace", namespace)) if "." not in name else ""
        full = f"{space}.{name}" if space else name
        if full in defined:
            return full
        defined.add(full)
        namespace = full.rpartition(".")[0]
    out = dict(node)
    if "fields" in out:
        out["fields"] = [
            {**f, "type": _dedupe(f["type"], namespace, defined)} for f in out["fields"]
        ]
    for key in ("items", "values"):
        if key in out:
            out[key] = _dedupe(out[key], namespace, defined)
    if isinstance(out.get("type"), dict | list):
        out["type"] = _dedupe(out["type"], namespace, defined)
    return out


def envelope(item: DecodedRecord, full_names: dict[str, str]) -> dict[str, Any]:
    """The envelope datum of one decoded record (``full_names``: record name → full name)."""
    rec = item.record
    value: Any = None
    value_json: str | None = None
    if item.avro is not None and item.record_type in full_names:
        # fastavro's tuple notation picks the union branch by name: several record
        # types could otherwise fit one datum.
        value = (full_names[item.record_type], item.avro)
    elif item.avro is not None:
        value_json = json.dumps(plain(item.avro), ensure_ascii=False, sort_keys=True)
    elif item.json is not None:
        value_json = json.dumps(plain(item.json), ensure_ascii=False, sort_keys=True)
    error = None if item.error is None else json.dumps(item.error, sort_keys=True)
    return {
        "topic": rec.topic,
        "partition": rec.partition,
        "offset": rec.offset,
        "timestamp": rec.timestamp_ms,
        "key": item.key_text,
        "headers": item.headers_text(),
        "record_type": item.record_type,
        "value": value,
        "value_json": value_json,
        "error": error,
    }


class AvroContainerWriter:
    """Streams envelopes into an Avro object container file (deflate-compressed)."""

    def __init__(self, path: Path, schemas: SchemaSet) -> None:
        self._handle: IO[bytes] = path.open("wb")
        schema = parse_schema(envelope_schema(schemas))
        self._writer = Writer(self._handle, schema, codec="deflate")
        self._full_names = {s.name: s.full_name for s in schemas}

    def write(self, item: DecodedRecord) -> None:
        """Append one record."""
        self._writer.write(envelope(item, self._full_names))

    def close(self) -> None:
        """Flush the last block and close the file."""
        self._writer.flush()
        self._handle.close()

    def __enter__(self) -> AvroContainerWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

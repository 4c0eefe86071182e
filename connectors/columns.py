"""The input columns of each city stream, derived from the stream's Avro schema.

Columns are the docs/events.md fields of the stream's record without ``event_id`` (the connector
derives it), and with each subject reference given as the raw resident ID number it is
computed from: ``mother_ref`` ← ``mother_id_number``, ``child_ref`` ← ``child_id_number``.
Driving the columns from the schema keeps files, HTTP bodies and outbox payloads in step
with the wire format when a schema version adds a field.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Final, Literal

from ivex.codec.schemas import latest
from ivex.topics import STREAM_RECORDS, Stream

Kind = Literal["string", "int", "long", "boolean", "date", "timestamp", "enum", "id_number"]

#: Reference field → the input column holding the raw resident ID number it replaces.
ID_COLUMNS: Final[dict[str, str]] = {
    "mother_ref": "mother_id_number",
    "child_ref": "child_id_number",
}
#: Fields the connector fills itself; never an input column.
DERIVED: Final = frozenset({"event_id"})


@dataclass(frozen=True)
class Column:
    """One input column: its name, the Avro field it feeds, its kind and optionality."""

    name: str
    field: str
    kind: Kind
    optional: bool = False
    symbols: tuple[str, ...] = ()


@cache
def columns(stream: Stream) -> tuple[Column, ...]:
    """The input columns of ``stream``, in the order of its record's schema."""
    schema = latest(STREAM_RECORDS[stream]).raw
    return tuple(_column(f) for f in schema["fields"] if f["name"] not in DERIVED)


def column_names(stream: Stream) -> tuple[str, ...]:
    """Just the names of :func:`columns`, in order (e.g. for a CSV header)."""
    return tuple(c.name for c in columns(stream))


def _column(avro_field: dict[str, Any]) -> Column:
    name: str = avro_field["name"]
    avro_type = avro_field["type"]
    optional = isinstance(avro_type, list) and "null" in avro_type
    if isinstance(avro_type, list):
        others = [t for t in avro_type if t != "null"]
        if len(others) != 1:
            raise ValueError(f"field {name}: unions other than [null, T] are not input columns")
        avro_type = others[0]
    if name in ID_COLUMNS:
        return Column(ID_COLUMNS[name], name, "id_number", optional)
    kind, symbols = _kind(name, avro_type)
    return Column(name, name, kind, optional, symbols)


def _kind(name: str, avro_type: Any) -> tuple[Kind, tuple[str, ...]]:
    if isinstance(avro_type, str):
        avro_type = {"type": avro_type}
    base, logical = avro_type.get("type"), avro_type.get("logicalType")
    if base == "enum":
        return "enum", tuple(avro_type["symbols"])
    if logical == "date":
        return "date", ()
    if logical in ("timestamp-millis", "timestamp-micros"):
        return "timestamp", ()
    if base in ("string", "int", "long", "boolean"):
        return base, ()
    raise ValueError(f"field {name}: Avro type {base!r} is not supported as an input column")

"""Avro single-object encoding (``C3 01`` + 8-byte fingerprint + body) for ivex records.

What :meth:`Codec.decode` returns, per Avro type (and what :meth:`Codec.encode` accepts):

========================  =====================================  ===========================
Avro type                 decode returns                         encode also accepts
========================  =====================================  ===========================
string / uuid             ``str`` / ``uuid.UUID``                ``str`` for uuid
int, long                 ``int``                                —
int + ``date``            ``datetime.date``                      ``int`` (days since epoch)
long + timestamp-millis   aware ``datetime`` in UTC, ms precision aware ``datetime`` in any zone
enum                      ``str`` (the symbol)                   a ``StrEnum`` member
array / record            ``list`` / ``dict``                    any sequence / mapping
union with null           the value or ``None``                  —
========================  =====================================  ===========================

Naive datetimes are refused on encode: fastavro would silently read them as local time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any, Final

from fastavro import parse_schema, schemaless_reader, schemaless_writer

from ivex.codec.catalogue import ShippedResolver, WriterResolver
from ivex.codec.plain import invalid_field, logical_fields
from ivex.codec.schemas import SchemaSet, SchemaVersion, shipped
from ivex.errors import CodecError, MalformedMessageError, SchemaError

#: Marker of Avro single-object encoding (spec: "Single-object encoding").
MAGIC: Final = b"\xc3\x01"
#: Magic plus the 8-byte CRC-64-AVRO fingerprint.
HEADER_LENGTH: Final = 10
_TS: Final = "timestamp-millis"


@dataclass(frozen=True)
class Decoded:
    """A decoded value: record name, datum in the reader's shape, and the writer's identity."""

    record_name: str
    datum: dict[str, Any]
    fingerprint: bytes
    writer_version: int | None


@dataclass(frozen=True)
class _ReadPlan:
    """How to read one writer fingerprint into one reader name; built once, then cached."""

    record_name: str
    writer: dict[str, Any]
    reader: dict[str, Any] | None  # None: same schema, no resolution needed
    writer_version: int | None
    #: Plain plans: the logical-typed fields whose values are checked (ivex.codec.plain).
    logical: tuple[tuple[str, str], ...] = ()


class Codec:
    """Encodes ivex records with the latest shipped schema; decodes any known writer schema.

    ``resolver`` finds writer schemas by fingerprint (default: the shipped schemas only;
    pass a :class:`~ivex.codec.catalogue.SchemaCatalogue` to also consult the catalogue
    topic). ``schemas`` is the shipped set used for writing and as reader schemas.
    Instances are cheap to keep and safe to share between threads.
    """

    def __init__(
        self, resolver: WriterResolver | None = None, *, schemas: SchemaSet | None = None
    ) -> None:
        self._schemas = schemas if schemas is not None else shipped()
        self._resolver = resolver if resolver is not None else ShippedResolver(self._schemas)
        self._writers: dict[str, tuple[bytes, dict[str, Any], tuple[str, ...]]] = {}
        self._plans: dict[tuple[bytes, str | None, bool], _ReadPlan] = {}

    @property
    def schemas(self) -> SchemaSet:
        """The shipped schemas this codec writes with and reads into."""
        return self._schemas

    def encode(self, record_name: str, datum: Mapping[str, Any]) -> bytes:
        """Single-object encode ``datum`` with the latest shipped version of ``record_name``."""
        header, parsed, timestamp_fields = self._writer(record_name)
        for name in timestamp_fields:
            value = datum.get(name)
            if isinstance(value, datetime) and value.utcoffset() is None:
                raise CodecError(f"{record_name}.{name}: naive datetime; give it a time zone")
        out = BytesIO()
        out.write(header)
        try:
            schemaless_writer(out, parsed, datum)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            # fastavro's messages quote the offending value; keep values out of errors.
            raise CodecError(
                f"{record_name}: datum does not match its schema ({type(exc).__name__})"
            ) from None
        return out.getvalue()

    def decode(
        self, value: bytes, reader_name: str | None = None, *, plain: bool = False
    ) -> Decoded:
        """Decode a single-object-encoded value into the latest shipped version of its record.

        ``reader_name`` asserts which record is expected. ``plain`` skips Avro's logical
        types: timestamps come as epoch milliseconds, dates as days since the epoch and
        UUIDs as text — half the cost, for readers that want numbers, not datetimes. Raises
        :class:`~ivex.errors.UnknownFingerprintError` for a writer schema nobody knows and
        :class:`~ivex.errors.MalformedMessageError` for anything that is not a decodable value.
        """
        if value is None or len(value) < HEADER_LENGTH:
            size = 0 if value is None else len(value)
            raise MalformedMessageError(
                f"value is {size} bytes, shorter than the {HEADER_LENGTH}-byte single-object header"
            )
        if value[:2] != MAGIC:
            raise MalformedMessageError(
                f"not Avro single-object encoding: starts {bytes(value[:2]).hex()}, expected c301"
            )
        fp = bytes(value[2:HEADER_LENGTH])
        plan = self._plans.get((fp, reader_name, plain)) or self._plan(fp, reader_name, plain)
        body = BytesIO(value)
        body.seek(HEADER_LENGTH)
        try:
            datum: Any = schemaless_reader(body, plan.writer, plan.reader)
        except Exception as exc:  # fastavro: EOFError, ValueError, IndexError, UnicodeError...
            raise MalformedMessageError(
                f"body does not decode as {plan.record_name} ({type(exc).__name__})"
            ) from None
        if body.tell() != len(value):
            raise MalformedMessageError(
                f"{len(value) - body.tell()} trailing bytes after the {plan.record_name} body"
            )
        if plan.logical and invalid_field(datum, plan.logical) is not None:
            # What the full decode refuses (a UUID, instant or date out of its domain).
            raise MalformedMessageError(f"body does not decode as {plan.record_name} (ValueError)")
        return Decoded(plan.record_name, datum, fp, plan.writer_version)

    def _writer(self, record_name: str) -> tuple[bytes, dict[str, Any], tuple[str, ...]]:
        cached = self._writers.get(record_name)
        if cached is None:
            try:
                entry = self._schemas.latest(record_name)
            except SchemaError as exc:
                raise CodecError(exc.message) from None
            cached = (MAGIC + entry.fingerprint, entry.parsed, _timestamp_fields(entry))
            self._writers[record_name] = cached
        return cached

    def _plan(self, fp: bytes, reader_name: str | None, plain: bool = False) -> _ReadPlan:
        writer = self._resolver.resolve(fp)
        if reader_name is not None and reader_name != writer.name:
            raise MalformedMessageError(f"value is a {writer.name}, expected a {reader_name}")
        versions = self._schemas.versions(writer.name)
        # A record this codec does not ship at all is read as written.
        reader = versions[-1] if versions else writer
        same = reader.fingerprint == writer.fingerprint
        plan = _ReadPlan(
            record_name=writer.name,
            writer=_without_logical_types(writer) if plain else writer.parsed,
            reader=None if same else (_without_logical_types(reader) if plain else reader.parsed),
            writer_version=writer.version,
            logical=logical_fields(reader.raw) if plain else (),
        )
        self._plans[(fp, reader_name, plain)] = plan
        return plan


def _without_logical_types(entry: SchemaVersion) -> dict[str, Any]:
    """The fastavro parse of ``entry`` with its logical types removed (plain values)."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "logicalType"}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    parsed = parse_schema(strip(entry.raw), named_schemas={})
    assert isinstance(parsed, dict)  # a record schema parses to a dict
    return parsed


def _timestamp_fields(entry: SchemaVersion) -> tuple[str, ...]:
    """Top-level fields of ``entry`` holding timestamp-millis (plain or optional)."""
    names = []
    for f in entry.raw["fields"]:
        branches = f["type"] if isinstance(f["type"], list) else [f["type"]]
        if any(
            isinstance(b, dict) and b.get("logicalType") == "timestamp-millis" for b in branches
        ):
            names.append(f["name"])
    return tuple(names)

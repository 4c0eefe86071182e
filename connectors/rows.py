"""Input rows → validated, pseudonymised Avro datums of one city stream.

The pipeline for one row, stopping at the first failure (a :class:`RecordRejected`
naming the field):

1. columns: no unknown column, every required column present (:mod:`connectors.columns`);
2. values: text → typed value per column kind (:mod:`connectors.values`);
3. identity: each raw resident ID number → its subject reference (:mod:`ivex.identity`);
   a resident ID number in any other column is rejected (it would be published as is);
4. ``event_id``: derived from the content (:func:`event_id`), so a re-run of the same
   input yields the same events and the publisher can recognise them as duplicates;
5. domain rules: the record's pydantic model from :mod:`ivex.models` (member cities,
   ``source_city`` is the publishing city, ranges, dates vs ``recorded_at``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any, Final

import orjson
from pydantic import ValidationError

from connectors.columns import ID_COLUMNS, columns
from connectors.formats import RAW_KEY
from connectors.values import (
    MISSING_COLUMN,
    MISSING_VALUE,
    NOT_TEXT,
    UNKNOWN_COLUMN,
    converter,
    epoch_millis,
)
from ivex.errors import RecordRejected
from ivex.identity import looks_like_resident_id, subject_ref
from ivex.models import RECORD_MODELS, reject_from, to_avro
from ivex.settings import Settings
from ivex.topics import STREAM_RECORDS, Stream

#: Reason of a row carrying a resident ID number outside the ID columns.
ID_OUTSIDE_ID_COLUMN: Final = (
    "looks like a resident ID number; ID numbers belong only in the ID-number columns"
)

#: Namespace of content-derived event ids: uuid5(NAMESPACE_URL, "urn:ivex:event-id:v1").
EVENT_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ivex:event-id:v1")
_NAMESPACE_BYTES: Final = EVENT_NAMESPACE.bytes


@dataclass(frozen=True)
class PreparedRecord:
    """A row ready to publish: its Avro datum plus what the publisher needs around it."""

    stream: Stream
    record_name: str
    event_id: str
    record_id: str
    recorded_at_ms: int
    datum: dict[str, Any]

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the datum without ``event_id``: tells a true duplicate from a clash."""
        return content_digest(self.datum)


def content_digest(datum: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of ``datum`` without ``event_id``, as sorted, compact JSON.

    The bytes hashed are :func:`json_digest_text`'s, the digests' definition: content-derived
    ids and the clash check compare them with digests already on the topics. orjson writes
    those very bytes for flat data of plain text, integers, booleans, nulls and dates
    (passed to ``str``, as ``json.dumps(default=str)`` does) as long as no character needs
    escaping, several times faster; anything else takes the ``json`` path.
    """
    body: dict[str, Any] = {}
    for key, value in datum.items():
        if key == "event_id":
            continue
        if value is not None and not isinstance(value, _ORJSON_SAME):
            return _sha256(json_digest_text(datum))
        body[key] = value
    try:
        text = orjson.dumps(body, default=str, option=_ORJSON_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):  # e.g. an integer beyond 64 bits
        return _sha256(json_digest_text(datum))
    if not text.isascii() or b"\\" in text or b"\x7f" in text:
        # json escapes every non-ASCII character and DEL (ensure_ascii); orjson does not,
        # and its escapes of control characters need not be spelt the same.
        return _sha256(json_digest_text(datum))
    return hashlib.sha256(text).hexdigest()


def json_digest_text(datum: Mapping[str, Any]) -> bytes:
    """The bytes :func:`content_digest` hashes: ``datum`` without ``event_id`` as
    ``json.dumps(sort_keys=True, default=str, separators=(",", ":"))``, UTF-8."""
    body = {k: v for k, v in datum.items() if k != "event_id"}
    text = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    return text.encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


#: Values orjson serialises exactly as ``json.dumps`` does (str and int include StrEnum
#: and IntEnum members, by value in both; dates go through ``default=str`` in both).
_ORJSON_SAME: Final = (str, int, dt.date)
_ORJSON_OPTIONS: Final = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def event_id(
    source_city: str, stream: str, record_id: str, action: str, recorded_at_ms: int
) -> str:
    """The event id of a fact's state: UUIDv5 of city, stream, record, action and time.

    A source states a fact anew by changing ``recorded_at`` (docs/events.md), so these five
    identify an event; re-publishing the same row gives the same id.
    """
    name = f"{source_city}|{stream}|{record_id}|{action}|{recorded_at_ms}"
    # str(uuid.uuid5(EVENT_NAMESPACE, name)), without building two UUID objects.
    sha1 = hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8"), usedforsecurity=False)
    digest = bytearray(sha1.digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def parse_row(stream: Stream, data: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values of an input row, by column name; optional absent columns are ``None``."""
    known, parsers = _parsers(stream)
    for name in data:
        if name not in known:
            field = "row" if name == RAW_KEY else str(name)
            raise RecordRejected(field, UNKNOWN_COLUMN)
    typed: dict[str, Any] = {}
    for name, optional, parse in parsers:
        if name not in data:
            if not optional:
                raise RecordRejected(name, MISSING_COLUMN)
            typed[name] = None
            continue
        value = data[name]
        # is_empty(value), inlined: this runs for every value of every row.
        if value is None or (isinstance(value, str) and not value.strip()):
            if not optional:
                raise RecordRejected(name, MISSING_VALUE)
            typed[name] = None
            continue
        if parse is not None:
            typed[name] = parse(value)
        elif isinstance(value, str):  # a text column: values.convert's check, inlined
            typed[name] = value
        else:
            raise RecordRejected(name, NOT_TEXT)
    return typed


_Parser = tuple[str, bool, Callable[[Any], Any] | None]
#: Column kinds whose values are taken as they are when they are text.
_TEXT_KINDS: Final = frozenset({"string", "id_number"})


@cache
def _parsers(stream: Stream) -> tuple[frozenset[str], tuple[_Parser, ...]]:
    """The column names of ``stream``, and (name, optional, converter) per column in order,
    worked out once per stream rather than once per row; the converter is None for a
    text column (most columns), which :func:`parse_row` checks itself."""
    cols = columns(stream)
    parsers = tuple(
        (c.name, c.optional, None if c.kind in _TEXT_KINDS else converter(c)) for c in cols
    )
    return frozenset(c.name for c in cols), parsers


@cache
def _fields(stream: Stream) -> tuple[tuple[str, str, bool], ...]:
    """(column name, Avro field, whether an ID-number column) of each column of ``stream``."""
    return tuple((c.name, c.field, c.kind == "id_number") for c in columns(stream))


class RowPreparer:
    """Turns input rows of one publishing city into :class:`PreparedRecord` objects."""

    def __init__(self, settings: Settings, city: str, *, key: bytes | None = None) -> None:
        self._city = city
        self._key = key if key is not None else settings.pseudonymisation_key()
        self._context = {"cities": settings.city_codes, "publishing_city": city}

    @property
    def city(self) -> str:
        """The publishing city."""
        return self._city

    def prepare(self, stream: Stream, data: Mapping[str, Any]) -> PreparedRecord:
        """Validate and convert one input row; :class:`RecordRejected` on the first fault."""
        typed = parse_row(stream, data)
        fields = self._pseudonymise(stream, typed)
        recorded_at: dt.datetime = fields["recorded_at"]
        ms = epoch_millis(recorded_at)
        fields["event_id"] = event_id(
            str(fields["source_city"]), stream, fields["record_id"], fields["action"], ms
        )
        record_name = STREAM_RECORDS[stream]
        datum = self._validate(record_name, fields)
        return PreparedRecord(
            stream, record_name, fields["event_id"], fields["record_id"], ms, datum
        )

    def _pseudonymise(self, stream: Stream, typed: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name, field, is_id in _fields(stream):
            value = typed[name]
            if is_id and value is not None:
                value = subject_ref(value, self._key, field=name)
            # An ID number is 18 characters: a shorter text cannot hold one.
            elif isinstance(value, str) and len(value) >= 18 and looks_like_resident_id(value):
                # Only the ID columns are pseudonymised: anywhere else it would be published.
                raise RecordRejected(name, ID_OUTSIDE_ID_COLUMN)
            fields[field] = value
        return fields

    def _validate(self, record_name: str, fields: dict[str, Any]) -> dict[str, Any]:
        model = RECORD_MODELS[record_name]
        try:
            validated = model.model_validate(fields, context=self._context)
        except ValidationError as exc:
            first = reject_from(exc)[0]
            # Name the input column, not the reference the model saw.
            field = ID_COLUMNS.get(first.field, first.field)
            raise RecordRejected(field, first.reason) from None
        return to_avro(validated)

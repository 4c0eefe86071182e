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
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final

from pydantic import ValidationError

from connectors.columns import ID_COLUMNS, Column, columns
from connectors.formats import RAW_KEY
from connectors.values import (
    MISSING_COLUMN,
    MISSING_VALUE,
    UNKNOWN_COLUMN,
    convert,
    epoch_millis,
    is_empty,
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
        body = {k: v for k, v in self.datum.items() if k != "event_id"}
        text = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_id(
    source_city: str, stream: str, record_id: str, action: str, recorded_at_ms: int
) -> str:
    """The event id of a fact's state: UUIDv5 of city, stream, record, action and time.

    A source states a fact anew by changing ``recorded_at`` (docs/events.md), so these five
    identify an event; re-publishing the same row gives the same id.
    """
    name = f"{source_city}|{stream}|{record_id}|{action}|{recorded_at_ms}"
    return str(uuid.uuid5(EVENT_NAMESPACE, name))


def parse_row(stream: Stream, data: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values of an input row, by column name; optional absent columns are ``None``."""
    cols = columns(stream)
    known = {c.name for c in cols}
    for name in data:
        if name not in known:
            field = "row" if name == RAW_KEY else str(name)
            raise RecordRejected(field, UNKNOWN_COLUMN)
    return {c.name: _value(c, data) for c in cols}


def _value(column: Column, data: Mapping[str, Any]) -> Any:
    if column.name not in data:
        if column.optional:
            return None
        raise RecordRejected(column.name, MISSING_COLUMN)
    value = data[column.name]
    if is_empty(value):
        if column.optional:
            return None
        raise RecordRejected(column.name, MISSING_VALUE)
    return convert(column, value)


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
        for column in columns(stream):
            value = typed[column.name]
            if column.kind == "id_number" and value is not None:
                value = subject_ref(value, self._key, field=column.name)
            elif isinstance(value, str) and looks_like_resident_id(value):
                # Only the ID columns are pseudonymised: anywhere else it would be published.
                raise RecordRejected(column.name, ID_OUTSIDE_ID_COLUMN)
            fields[column.field] = value
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

"""Read a city record's ``mother_ref`` without decoding the record.

A share of a parallel re-derivation skips the facts of the other shares' women; finding
the woman by a full decode would cost each share the whole log's decoding. The city
records' writer schemas put ``mother_ref`` after a few fields of simple types (strings,
an enum, a timestamp), so it can be reached by skipping their Avro binary encodings.
A record whose writer schema is not shipped, or puts something else before
``mother_ref``, or has none (a watermark), gives None: the caller decodes it in full.
"""

from __future__ import annotations

from typing import Any, Final

from ivex.codec import MAGIC, SchemaSet, shipped

_HEADER: Final = 10
_FIELD: Final = "mother_ref"
#: Avro types skipped as one zig-zag varint, and as a length-prefixed run of bytes.
_VARINT: Final = frozenset({"int", "long", "enum"})
_SIZED: Final = frozenset({"string", "bytes"})


def _kind(schema: Any) -> str | None:
    """ "varint" or "sized" for a type skippable in one step, else None."""
    name = schema.get("type") if isinstance(schema, dict) else schema
    if name in _VARINT:
        return "varint"
    if name in _SIZED:
        return "sized"
    return None


def _skips(raw: dict[str, Any]) -> tuple[bool, ...] | None:
    """For each field before ``mother_ref``: True = sized, False = varint (None: no plan)."""
    out: list[bool] = []
    for f in raw.get("fields", ()):
        if f["name"] == _FIELD:
            return tuple(out) if _kind(f["type"]) == "sized" else None
        kind = _kind(f["type"])
        if kind is None:
            return None
        out.append(kind == "sized")
    return None


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """The zig-zag varint at ``pos``, and the position after it."""
    shift = result = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return (result >> 1) ^ -(result & 1), pos
        shift += 7


class MotherRefPeek:
    """``peek(value)`` → the record's ``mother_ref``, or None when it cannot tell."""

    def __init__(self, schemas: SchemaSet | None = None) -> None:
        self._schemas = schemas if schemas is not None else shipped()
        self._plans: dict[bytes, tuple[bool, ...] | None] = {}

    def __call__(self, value: bytes) -> str | None:
        """The ``mother_ref`` of a single-object-encoded city record, or None."""
        if value[:2] != MAGIC:
            return None
        fp = value[2:_HEADER]
        plan = self._plans[fp] if fp in self._plans else self._plan(fp)
        if plan is None:
            return None
        try:
            pos = _HEADER
            for sized in plan:
                n, pos = _varint(value, pos)
                if sized:
                    pos += n
            n, pos = _varint(value, pos)
            if n < 0 or pos + n > len(value):
                return None
            return value[pos : pos + n].decode("utf-8")
        except (IndexError, UnicodeDecodeError):
            return None  # malformed: the full decode says why

    def _plan(self, fp: bytes) -> tuple[bool, ...] | None:
        found = self._schemas.by_fingerprint(fp)
        plan = _skips(found.raw) if found is not None else None
        self._plans[fp] = plan
        return plan

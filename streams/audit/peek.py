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
    """For each field up to ``mother_ref`` (the last): True = sized, False = varint (None:
    no plan)."""
    out: list[bool] = []
    for f in raw.get("fields", ()):
        if f["name"] == _FIELD:
            return (*out, True) if _kind(f["type"]) == "sized" else None
        kind = _kind(f["type"])
        if kind is None:
            return None
        out.append(kind == "sized")
    return None


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
        # The varint walk is inlined: a function call per field was half of the peek's cost.
        try:
            pos = _HEADER
            start = length = 0
            for sized in plan:
                n = value[pos]
                pos += 1
                if n >= 0x80:  # most varints here are one byte: the loop only for the rest
                    n &= 0x7F
                    shift = 7
                    while True:
                        b = value[pos]
                        pos += 1
                        n |= (b & 0x7F) << shift
                        if b < 0x80:
                            break
                        shift += 7
                if sized:
                    start = pos
                    length = (n >> 1) ^ -(n & 1)  # zig-zag: the length of the bytes
                    pos += length
            if length < 0 or pos > len(value):
                return None
            return value[start:pos].decode("utf-8")
        except (IndexError, UnicodeDecodeError):
            return None  # malformed: the full decode says why

    def _plan(self, fp: bytes) -> tuple[bool, ...] | None:
        found = self._schemas.by_fingerprint(fp)
        plan = _skips(found.raw) if found is not None else None
        self._plans[fp] = plan
        return plan

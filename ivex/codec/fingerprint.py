"""Parsing Canonical Form and CRC-64-AVRO fingerprints (Avro specification, "Schema Resolution").

Implemented here rather than borrowed from a library because libraries disagree on the
canonical form of fields with logical types; this module follows Apache Avro Java's
``SchemaNormalization`` (the reference), which keeps only the underlying type, so
``{"type": "long", "logicalType": "timestamp-millis"}`` becomes ``"long"``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

#: The Rabin fingerprint's seed and the empty-input value of CRC-64-AVRO.
EMPTY: Final = 0xC15D213AA4D7A795

_PRIMITIVES: Final = frozenset(
    {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
)
_NAMED: Final = frozenset({"record", "error", "enum", "fixed"})
#: Attribute order of the canonical form (rule ORDER).
_ORDER: Final = ("name", "type", "fields", "symbols", "items", "values", "size")


def _make_table() -> tuple[int, ...]:
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (EMPTY & -(fp & 1))
        table.append(fp)
    return tuple(table)


_TABLE: Final = _make_table()


def crc64_avro(data: bytes) -> int:
    """CRC-64-AVRO (the Rabin fingerprint of the Avro spec) of ``data``, as an integer."""
    fp = EMPTY
    table = _TABLE
    for byte in data:
        fp = (fp >> 8) ^ table[(fp ^ byte) & 0xFF]
    return fp


def parsing_canonical_form(schema: Any) -> str:
    """The Parsing Canonical Form of a schema given as parsed JSON (dict, list or str)."""
    return _canonical(schema, "", set())


def fingerprint(schema: Any) -> bytes:
    """8-byte little-endian CRC-64-AVRO of the schema's Parsing Canonical Form.

    ``schema`` is parsed JSON or a JSON string; these are the 8 bytes that follow
    ``C3 01`` in single-object encoding.
    """
    if isinstance(schema, str) and schema.lstrip().startswith(("{", "[", '"')):
        schema = json.loads(schema)
    canonical = parsing_canonical_form(schema).encode("utf-8")
    return crc64_avro(canonical).to_bytes(8, "little")


def _fullname(name: str, namespace: str) -> str:
    if "." in name or not namespace:
        return name
    return f"{namespace}.{name}"


def _canonical(schema: Any, namespace: str, seen: set[str]) -> str:
    if isinstance(schema, str):
        if schema in _PRIMITIVES:
            return json.dumps(schema)
        return json.dumps(_fullname(schema, namespace))
    if isinstance(schema, list):
        return "[" + ",".join(_canonical(s, namespace, seen) for s in schema) + "]"
    if not isinstance(schema, Mapping):
        raise TypeError(f"not an Avro schema: {type(schema).__name__}")
    kind = schema["type"]
    if kind in _NAMED:
        return _canonical_named(schema, namespace, seen)
    if kind == "array":
        return '{"type":"array","items":' + _canonical(schema["items"], namespace, seen) + "}"
    if kind == "map":
        return '{"type":"map","values":' + _canonical(schema["values"], namespace, seen) + "}"
    # A primitive written as an object, possibly with a logical type (rule PRIMITIVES).
    return _canonical(kind, namespace, seen)


def _canonical_named(schema: Mapping[str, Any], namespace: str, seen: set[str]) -> str:
    name = _fullname(schema["name"], schema.get("namespace", namespace))
    if name in seen:
        return json.dumps(name)
    seen.add(name)
    inner_ns = name.rpartition(".")[0]
    parts: list[str] = []
    for key in _ORDER:
        if key == "name":
            parts.append('"name":' + json.dumps(name))
        elif key == "type":
            parts.append(
                '"type":' + json.dumps("record" if schema["type"] == "error" else schema["type"])
            )
        elif key == "fields" and "fields" in schema:
            fields = ",".join(
                '{"name":'
                + json.dumps(f["name"])
                + ',"type":'
                + _canonical(f["type"], inner_ns, seen)
                + "}"
                for f in schema["fields"]
            )
            parts.append('"fields":[' + fields + "]")
        elif key == "symbols" and "symbols" in schema:
            parts.append('"symbols":' + json.dumps(list(schema["symbols"]), separators=(",", ":")))
        elif key == "size" and "size" in schema:
            parts.append('"size":' + str(int(schema["size"])))
    return "{" + ",".join(parts) + "}"

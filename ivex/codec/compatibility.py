"""FULL (backward + forward) compatibility of two schema versions (docs/events.md).

Two independent witnesses: Apache ``avro``'s ``ReaderWriterCompatibilityChecker`` (a dev
dependency, imported only here and only when called), and an actual fastavro round trip
of a generated datum in both directions.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any

from fastavro import parse_schema, schemaless_reader, schemaless_writer

from ivex.errors import SchemaError


def check_full(old: str | dict[str, Any], new: str | dict[str, Any]) -> None:
    """Raise :class:`SchemaError` unless each version can read data written with the other."""
    old_json, new_json = _as_dict(old), _as_dict(new)
    problems = _checker_problems(old_json, new_json) + _fastavro_problems(old_json, new_json)
    if problems:
        raise SchemaError("not FULL compatible: " + "; ".join(problems))


def _as_dict(schema: str | dict[str, Any]) -> dict[str, Any]:
    return json.loads(schema) if isinstance(schema, str) else schema


def _checker_problems(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    try:
        from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
        from avro.schema import parse
    except ImportError as exc:  # pragma: no cover - dev dependency missing
        raise SchemaError("compatibility checks need the Apache 'avro' package") from exc
    checker = ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
    old_s, new_s = parse(json.dumps(old)), parse(json.dumps(new))
    problems = []
    for direction, reader, writer in (("backward", new_s, old_s), ("forward", old_s, new_s)):
        result = checker.get_compatibility(reader, writer)
        if result.compatibility is not SchemaCompatibilityType.compatible:
            problems.append(f"{direction}: " + ", ".join(sorted(map(str, result.messages))))
    return problems


def _fastavro_problems(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems = []
    for direction, writer, reader in (("backward", old, new), ("forward", new, old)):
        try:
            w, r = parse_schema(writer), parse_schema(reader)
            out = BytesIO()
            schemaless_writer(out, w, sample_datum(writer))
            out.seek(0)
            schemaless_reader(out, w, r)
        except Exception as exc:  # fastavro: SchemaResolutionError and friends
            # fastavro's message embeds both whole schemas; the head says enough.
            problems.append(f"{direction}: fastavro: {type(exc).__name__}: {str(exc)[:120]}")
    return problems


def sample_datum(schema: Any, named: dict[str, Any] | None = None) -> Any:
    """A valid datum for ``schema`` (non-null union branches, one array item), for checks."""
    named = {} if named is None else named
    if isinstance(schema, list):
        branches = [b for b in schema if b != "null"] or ["null"]
        return sample_datum(branches[0], named)
    if isinstance(schema, str):
        return _primitive(schema) if schema in _PRIMITIVES else sample_datum(named[schema], named)
    kind, logical = schema["type"], schema.get("logicalType")
    if logical in _LOGICAL:
        return _LOGICAL[logical]
    if kind == "record":
        named[schema["name"]] = schema
        return {f["name"]: sample_datum(f["type"], named) for f in schema["fields"]}
    if kind == "enum":
        named[schema["name"]] = schema
        return schema["symbols"][0]
    if kind == "array":
        return [sample_datum(schema["items"], named)]
    if kind == "map":
        return {"k": sample_datum(schema["values"], named)}
    if kind == "fixed":
        return b"\0" * schema["size"]
    return _primitive(kind)


_PRIMITIVES = {
    "null": None,
    "boolean": True,
    "int": 1,
    "long": 1,
    "float": 1.0,
    "double": 1.0,
    "bytes": b"x",
    "string": "x",
}
_LOGICAL: dict[str, Any] = {
    "uuid": "00000000-0000-4000-8000-000000000000",
    "date": date(2025, 1, 1),
    "timestamp-millis": datetime(2025, 1, 1, tzinfo=UTC),
}


def _primitive(name: str) -> Any:
    return _PRIMITIVES[name]

"""CRC-64-AVRO and the Parsing Canonical Form, cross-checked against fastavro."""

from __future__ import annotations

import json

import pytest
from fastavro.schema import fingerprint as fastavro_fingerprint
from fastavro.schema import to_parsing_canonical_form

from ivex.codec import crc64_avro, fingerprint, parsing_canonical_form, shipped
from ivex.codec.fingerprint import EMPTY


def test_empty_input_is_the_seed() -> None:
    assert crc64_avro(b"") == EMPTY == 0xC15D213AA4D7A795


@pytest.mark.parametrize("entry", list(shipped()), ids=lambda e: f"{e.name}-v{e.version}")
def test_matches_fastavro_for_every_shipped_schema(entry: object) -> None:
    raw = entry.raw  # type: ignore[attr-defined]
    canonical = to_parsing_canonical_form(raw)
    assert parsing_canonical_form(raw) == canonical
    assert fingerprint(raw).hex() == fastavro_fingerprint(canonical, "CRC-64-AVRO")


@pytest.mark.parametrize(
    "schema",
    [
        '"int"',
        '{"type": "fixed", "name": "F", "namespace": "a.b", "size": 16}',
        '{"type": "map", "values": {"type": "array", "items": "long"}}',
        '["null", {"type": "enum", "name": "E", "symbols": ["A", "B"]}]',
    ],
)
def test_matches_fastavro_for_other_shapes(schema: str) -> None:
    canonical = to_parsing_canonical_form(json.loads(schema))
    assert parsing_canonical_form(json.loads(schema)) == canonical
    assert fingerprint(schema).hex() == fastavro_fingerprint(canonical, "CRC-64-AVRO")


def test_logical_types_reduce_to_their_underlying_type() -> None:
    # Apache Avro Java's SchemaNormalization behaviour (the reference), not avro-python's.
    schema = {"type": "long", "logicalType": "timestamp-millis"}
    assert parsing_canonical_form(schema) == '"long"'


def test_canonical_form_strips_docs_defaults_and_orders_attributes() -> None:
    schema = {
        "fields": [{"name": "x", "type": "int", "default": 1, "doc": "d"}],
        "doc": "r",
        "namespace": "n",
        "name": "R",
        "type": "record",
    }
    assert parsing_canonical_form(schema) == (
        '{"name":"n.R","type":"record","fields":[{"name":"x","type":"int"}]}'
    )


def test_fingerprint_is_eight_bytes_little_endian() -> None:
    fp = fingerprint('"int"')
    canonical = parsing_canonical_form("int").encode()
    assert len(fp) == 8
    assert int.from_bytes(fp, "little") == crc64_avro(canonical)

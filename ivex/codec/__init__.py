"""Avro single-object codec, schema catalogue and CloudEvents headers of ivex.

The format is documented in docs/wire-format.md.
"""

from ivex.codec.catalogue import SchemaCatalogue, ShippedResolver, WriterResolver
from ivex.codec.cloudevents import CloudEvent, ce_headers, parse_ce_headers
from ivex.codec.fingerprint import crc64_avro, fingerprint, parsing_canonical_form
from ivex.codec.schemas import SchemaSet, SchemaVersion, latest, shipped
from ivex.codec.single_object import MAGIC, Codec, Decoded

__all__ = [
    "MAGIC",
    "CloudEvent",
    "Codec",
    "Decoded",
    "SchemaCatalogue",
    "SchemaSet",
    "SchemaVersion",
    "ShippedResolver",
    "WriterResolver",
    "ce_headers",
    "crc64_avro",
    "fingerprint",
    "latest",
    "parse_ce_headers",
    "parsing_canonical_form",
    "shipped",
]

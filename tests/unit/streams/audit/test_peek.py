"""Peeking at ``mother_ref`` agrees with a full decode for every shipped city record
schema, and declines (None) whatever it cannot read safely."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from fastavro import schemaless_writer
from hypothesis import given
from hypothesis import strategies as st

from ivex.codec import MAGIC, Codec, SchemaVersion, shipped
from ivex.codec.compatibility import sample_datum
from streams.audit.peek import MotherRefPeek

CITY_RECORDS = ("BirthRecorded", "RegistrationRecorded", "TerminationRecorded", "PregnancyReported")
VERSIONS = [v for name in CITY_RECORDS for v in shipped().versions(name)]


def encoded(version: SchemaVersion, mother_ref: str) -> bytes:
    datum = sample_datum(version.raw) | {"mother_ref": mother_ref}
    out = BytesIO()
    schemaless_writer(out, version.parsed, datum)
    return MAGIC + version.fingerprint + out.getvalue()


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: f"{v.name}-v{v.version}")
@pytest.mark.parametrize("mother_ref", ["m", "a" * 200, "女性-7"])
def test_peek_finds_what_the_full_decode_finds(version: SchemaVersion, mother_ref: str) -> None:
    value = encoded(version, mother_ref)
    assert MotherRefPeek()(value) == Codec().decode(value).datum["mother_ref"] == mother_ref


def test_peek_declines_watermarks_garbage_and_unknown_schemas() -> None:
    peek = MotherRefPeek()
    watermark = shipped().latest("SourceWatermark")
    value = MAGIC + watermark.fingerprint + b"\x00" * 40
    assert peek(value) is None
    assert peek(b"not avro") is None
    assert peek(MAGIC + bytes(8) + b"\x02a") is None
    birth = shipped().latest("BirthRecorded")
    assert peek(MAGIC + birth.fingerprint + b"\x7f") is None, "truncated"


@given(
    st.sampled_from(VERSIONS),
    st.text(max_size=300),
    st.datetimes(timezones=st.just(dt.UTC)),
)
def test_peek_agrees_with_the_full_decode_over_varints_of_any_length(
    version: SchemaVersion, mother_ref: str, recorded_at: dt.datetime
) -> None:
    datum = sample_datum(version.raw) | {"mother_ref": mother_ref, "recorded_at": recorded_at}
    out = BytesIO()
    schemaless_writer(out, version.parsed, datum)
    value = MAGIC + version.fingerprint + out.getvalue()
    assert MotherRefPeek()(value) == Codec().decode(value).datum["mother_ref"]

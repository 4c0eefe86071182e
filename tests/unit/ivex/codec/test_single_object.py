"""Single-object encoding: byte-exact round trips, resolution, and every failure mode."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from io import BytesIO
from typing import Any

import pytest
from fastavro import schemaless_writer

from ivex.codec import MAGIC, Codec, SchemaSet, ShippedResolver, shipped
from ivex.errors import CodecError, MalformedMessageError, UnknownFingerprintError
from ivex.models import RECORD_MODELS, from_avro, to_avro
from ivex.samples import sample_records

SAMPLES = sample_records()


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec()


def _write(entry_version: Any, datum: dict[str, Any]) -> bytes:
    out = BytesIO()
    out.write(MAGIC + entry_version.fingerprint)
    schemaless_writer(out, entry_version.parsed, datum)
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_record_round_trips_byte_exact(codec: Codec, name: str) -> None:
    value = codec.encode(name, SAMPLES[name])
    assert value[:2] == b"\xc3\x01"
    assert value[2:10] == shipped().latest(name).fingerprint
    decoded = codec.decode(value)
    assert decoded.record_name == name
    assert decoded.writer_version == shipped().latest(name).version
    assert codec.encode(name, decoded.datum) == value
    model = from_avro(name, decoded.datum)
    assert codec.encode(name, to_avro(model)) == value
    assert type(model) is RECORD_MODELS[name]


def test_decode_returns_python_types_for_logical_types(codec: Codec) -> None:
    datum = codec.decode(codec.encode("BirthRecorded", SAMPLES["BirthRecorded"])).datum
    assert isinstance(datum["event_id"], uuid.UUID)
    assert type(datum["birth_date"]) is date
    assert datum["recorded_at"].tzinfo is not None
    assert datum["recorded_at"].utcoffset() == timedelta(0)
    assert datum["child_sex"] == "FEMALE"
    assert type(datum["child_sex"]) is str


def test_encode_accepts_any_zone_and_truncates_to_milliseconds(codec: Codec) -> None:
    cst = timezone(timedelta(hours=8))
    at = datetime(2025, 3, 4, 10, 15, 0, 123456, tzinfo=cst)
    datum = SAMPLES["SourceWatermark"] | {"recorded_at": at, "complete_through": at}
    back = codec.decode(codec.encode("SourceWatermark", datum)).datum
    assert back["recorded_at"] == datetime(2025, 3, 4, 2, 15, 0, 123000, tzinfo=UTC)


def test_naive_datetime_is_refused(codec: Codec) -> None:
    datum = SAMPLES["SourceWatermark"] | {"recorded_at": datetime(2025, 1, 1)}
    with pytest.raises(CodecError, match=r"SourceWatermark\.recorded_at: naive datetime"):
        codec.encode("SourceWatermark", datum)


def test_encode_error_does_not_echo_values(codec: Codec) -> None:
    datum = SAMPLES["BirthRecorded"] | {"mother_ref": 11010519491231002}
    with pytest.raises(CodecError) as info:
        codec.encode("BirthRecorded", datum)
    assert "11010519491231002" not in str(info.value)


def test_encode_unknown_record_is_a_codec_error(codec: Codec) -> None:
    with pytest.raises(CodecError, match="Nope"):
        codec.encode("Nope", {})


def test_old_writer_is_read_into_the_new_version(codec: Codec) -> None:
    v1 = shipped().get("BirthRecorded", 1)
    value = _write(v1, SAMPLES["BirthRecorded"])
    decoded = codec.decode(value)
    assert decoded.writer_version == 1
    assert decoded.fingerprint == v1.fingerprint
    assert decoded.datum["source_system"] is None
    assert decoded.datum["birth_order"] == 1


def test_new_writer_is_read_by_a_reader_that_ships_only_the_old_version() -> None:
    full = shipped()
    old_only = SchemaSet([e for e in full if not (e.name == "BirthRecorded" and e.version == 2)])
    reader = Codec(ShippedResolver(full), schemas=old_only)
    value = Codec().encode("BirthRecorded", SAMPLES["BirthRecorded"] | {"source_system": "HIS 4"})
    decoded = reader.decode(value)
    assert decoded.writer_version == 2
    assert "source_system" not in decoded.datum
    assert decoded.datum["certificate_no"] == "P620000123"


def test_unknown_fingerprint_names_the_fingerprint(codec: Codec) -> None:
    fp = bytes.fromhex("0123456789abcdef")
    with pytest.raises(UnknownFingerprintError, match="0123456789abcdef") as info:
        codec.decode(MAGIC + fp + b"\x00")
    assert info.value.fingerprint == fp


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"", "value is 0 bytes, shorter than the 10-byte single-object header"),
        (b"\xc3\x01\x00", "value is 3 bytes, shorter than the 10-byte single-object header"),
        (b"\x00\x00" + b"\x00" * 12, "not Avro single-object encoding: starts 0000, expected c301"),
    ],
)
def test_not_single_object_encoding(codec: Codec, value: bytes, reason: str) -> None:
    with pytest.raises(MalformedMessageError) as info:
        codec.decode(value)
    assert info.value.reason == reason


def test_truncated_body(codec: Codec) -> None:
    value = codec.encode("BirthRecorded", SAMPLES["BirthRecorded"])
    with pytest.raises(MalformedMessageError) as info:
        codec.decode(value[:-5])
    assert info.value.reason == "body does not decode as BirthRecorded (EOFError)"


def test_trailing_bytes(codec: Codec) -> None:
    value = codec.encode("BirthRecorded", SAMPLES["BirthRecorded"])
    with pytest.raises(MalformedMessageError) as info:
        codec.decode(value + b"\x00\x00")
    assert info.value.reason == "2 trailing bytes after the BirthRecorded body"


def test_garbage_body(codec: Codec) -> None:
    header = MAGIC + shipped().latest("SexRatioReport").fingerprint
    with pytest.raises(MalformedMessageError, match="body does not decode as SexRatioReport"):
        codec.decode(header + b"\xff" * 40)


def test_reader_name_must_match(codec: Codec) -> None:
    value = codec.encode("CaseNotice", SAMPLES["CaseNotice"])
    assert codec.decode(value, "CaseNotice").record_name == "CaseNotice"
    with pytest.raises(MalformedMessageError) as info:
        codec.decode(value, "AssistanceRequest")
    assert info.value.reason == "value is a CaseNotice, expected a AssistanceRequest"

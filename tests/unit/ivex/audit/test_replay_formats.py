"""Decoding log records for replay: JSON conversion and the Avro envelope (no broker)."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from fastavro import reader

from ivex.audit.avro_file import AvroContainerWriter, envelope_schema, union_branches
from ivex.audit.decode import RecordDecoder
from ivex.audit.jsonable import plain, to_json
from ivex.codec import Codec, shipped
from ivex.samples import sample_records
from ivex.topic_reader import LogRecord

_ID = "11010519491231002X"


def _record(value: bytes | None, headers: tuple[tuple[str, bytes], ...] = ()) -> LogRecord:
    return LogRecord("t.city.620700.births", 0, 7, 1_741_054_500_123, b"B-1", value, headers)


def test_plain_turns_dates_instants_and_uuids_into_text() -> None:
    value = {
        "at": datetime(2025, 3, 4, 2, 0, tzinfo=UTC),
        "day": date(2025, 3, 4),
        "id": UUID("6f1c1e4e-4b1b-4f39-9d44-8d1d6a3f2a05"),
        "list": [date(2025, 1, 1)],
        "n": 3,
        "none": None,
    }
    assert plain(value) == {
        "at": "2025-03-04T02:00:00.000Z",
        "day": "2025-03-04",
        "id": "6f1c1e4e-4b1b-4f39-9d44-8d1d6a3f2a05",
        "list": ["2025-01-01"],
        "n": 3,
        "none": None,
    }


def test_every_record_type_decodes_to_json() -> None:
    codec = Codec()
    decoder = RecordDecoder(codec)
    for name, datum in sample_records().items():
        item = decoder.decode(_record(codec.encode(name, datum), ((("ce_type", name.encode())),)))
        out = to_json(item)
        assert out["record_type"] == name
        assert out["timestamp"] == "2025-03-04T02:15:00.123Z"
        assert out["key"] == "B-1"
        assert out["headers"] == {"ce_type": name}
        json.dumps(out)  # plain JSON all the way down
        assert "error" not in out


def test_undecodable_values_become_error_objects_without_their_bytes() -> None:
    decoder = RecordDecoder(Codec())
    garbage = to_json(decoder.decode(_record(b"\xc3\x01" + b"\x00" * 8 + _ID.encode())))
    assert garbage["value"] is None
    assert garbage["error"]["code"] == "unknown_fingerprint"
    other = to_json(decoder.decode(_record(b"\xff\xfe" + _ID.encode())))
    assert other["error"] == {
        "code": "undecodable",
        "message": "neither Avro single-object encoding nor JSON",
        "bytes": 20,
    }
    assert _ID not in json.dumps([garbage, other])


def test_json_values_are_parsed_and_masked_again() -> None:
    decoder = RecordDecoder(Codec())
    row = json.dumps({"record_id": "B-9", "note": f"id {_ID}"}).encode()
    out = to_json(decoder.decode(_record(row, (("ivex_reason", b"bad"),))))
    assert out["record_type"] == "json"
    assert out["value"]["record_id"] == "B-9"
    assert _ID not in json.dumps(out)


def test_a_tombstone_has_no_type_and_no_value() -> None:
    out = to_json(RecordDecoder(Codec()).decode(_record(None)))
    assert (out["record_type"], out["value"]) == (None, None)


def test_union_defines_each_named_type_once() -> None:
    branches = union_branches(shipped().latest(n) for n in shipped().names())
    text = json.dumps(branches)
    assert text.count('"name": "Evidence"') == 1
    assert "org.ivex.events.Evidence" in text


def test_the_container_file_reads_back_every_type(tmp_path: Path) -> None:
    codec = Codec()
    decoder = RecordDecoder(codec)
    samples = sample_records()
    items = [decoder.decode(_record(codec.encode(n, d))) for n, d in samples.items()]
    items.append(decoder.decode(_record(b'{"record_id": "B-9"}')))
    items.append(decoder.decode(_record(b"\xff")))
    path = tmp_path / "out.avro"
    with AvroContainerWriter(path, shipped()) as writer:
        for item in items:
            writer.write(item)
    back: list[Any] = list(reader(io.BytesIO(path.read_bytes())))
    assert [r["record_type"] for r in back] == [*samples, "json", None]
    assert back[0]["value"] == items[0].avro
    assert json.loads(back[-2]["value_json"]) == {"record_id": "B-9"}
    assert json.loads(back[-1]["error"])["code"] == "undecodable"
    assert envelope_schema(shipped())["name"] == "org.ivex.replay.ReplayedRecord"

"""Loading and indexing the shipped schemas."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ivex.codec import schemas as schemas_module
from ivex.codec.schemas import load_schema_dir, schema_dir, shipped
from ivex.errors import SchemaError

RECORDS = {
    "AssistanceRequest",
    "AssistanceResponse",
    "BirthRecorded",
    "CaseNotice",
    "PregnancyReported",
    "RegistrationRecorded",
    "SexRatioReport",
    "SourceWatermark",
    "TerminationRecorded",
}


def test_every_record_of_spec_section_3_is_shipped() -> None:
    assert set(shipped().names()) == RECORDS


def test_latest_is_the_highest_version() -> None:
    births = shipped().versions("BirthRecorded")
    assert [v.version for v in births] == [1, 2]
    assert schemas_module.latest("BirthRecorded") is births[-1]
    assert shipped().latest("SourceWatermark").version == 1


def test_fingerprint_index_finds_each_version() -> None:
    for entry in shipped():
        assert shipped().by_fingerprint(entry.fingerprint) is entry
        assert len(entry.fingerprint) == 8
    assert shipped().by_fingerprint(b"\0" * 8) is None


def test_unknown_record_or_version_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="Nope"):
        shipped().latest("Nope")
    with pytest.raises(SchemaError, match="version 9"):
        shipped().get("BirthRecorded", 9)


def test_schema_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(schema_dir() / "v1", tmp_path / "v1")
    monkeypatch.setenv("IVEX_SCHEMA_DIR", str(tmp_path))
    assert schema_dir() == tmp_path
    loaded = load_schema_dir(schema_dir())
    assert loaded.latest("BirthRecorded").version == 1


def test_file_must_be_named_after_its_record(tmp_path: Path) -> None:
    (tmp_path / "v1").mkdir()
    raw = {"type": "record", "name": "A", "fields": []}
    (tmp_path / "v1" / "B.avsc").write_text(json.dumps(raw))
    with pytest.raises(SchemaError, match="holds record A, not B"):
        load_schema_dir(tmp_path)


def test_invalid_schema_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "A.avsc").write_text(
        '{"type": "record", "name": "A", "fields": [{"name": "x", "type": "nosuch"}]}'
    )
    with pytest.raises(SchemaError, match=r"A\.avsc"):
        load_schema_dir(tmp_path)


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="no v<N>"):
        load_schema_dir(tmp_path)

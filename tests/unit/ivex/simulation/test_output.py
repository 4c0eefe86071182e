"""The files: the connectors' contract, determinism, IDs, row-level faults."""

from __future__ import annotations

import csv
import hashlib
import json
import time
from pathlib import Path

import pytest

from ivex.settings import Settings
from ivex.simulation.idnumbers import is_valid
from ivex.simulation.model import STREAMS
from ivex.simulation.params import build_params
from ivex.simulation.run import SimResult, simulate, write
from ivex.simulation.writer import COLUMNS
from tests.unit.ivex.simulation.conftest import small_params

SCHEMAS = Path(__file__).resolve().parents[4] / "schemas" / "avro" / "v1"
RECORDS = {
    "births": "BirthRecorded",
    "registrations": "RegistrationRecorded",
    "terminations": "TerminationRecorded",
    "pregnancies": "PregnancyReported",
}
RENAMED = {"mother_ref": "mother_id_number", "child_ref": "child_id_number"}
ID_COLUMNS = ("mother_id_number", "child_id_number")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _digest(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("stream", STREAMS)
def test_columns_are_the_schema_fields_without_event_id(stream: str) -> None:
    schema = json.loads((SCHEMAS / f"{RECORDS[stream]}.avsc").read_text())
    expected = [RENAMED.get(f["name"], f["name"]) for f in schema["fields"]]
    expected.remove("event_id")
    assert list(COLUMNS[stream]) == expected


def test_every_city_and_stream_has_a_file_with_the_header(
    small_dir: Path, small_run: SimResult
) -> None:
    for city in small_run.params.cities:
        for stream in STREAMS:
            path = small_dir / city / f"{stream}.csv"
            header = path.read_text(encoding="utf-8").splitlines()[0]
            assert header.split(",") == list(COLUMNS[stream])


def test_rows_are_sorted_by_recorded_at_and_formatted(small_dir: Path) -> None:
    for path in small_dir.glob("*/*.csv"):
        rows = _rows(path)
        stamps = [r["recorded_at"] for r in rows]
        assert stamps == sorted(stamps)
        for row in rows:
            assert row["recorded_at"].endswith("+08:00")
            assert row["action"] in {"RECORD", "CORRECT", "VOID"} or row["action"].islower()
        if path.stem == "terminations":
            assert {r["medical_indication"] for r in rows} <= {"true", "false"}


def test_same_seed_same_bytes_other_seed_other_bytes(settings: Settings, tmp_path: Path) -> None:
    params = small_params(settings, seed=11)
    write(simulate(params), tmp_path / "a")
    write(simulate(params), tmp_path / "b")
    write(simulate(small_params(settings, seed=12)), tmp_path / "c")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_valid_ids_pass_and_bad_check_rows_fail(small_dir: Path, small_run: SimResult) -> None:
    for fact in small_run.facts:
        for version in fact.versions:
            for name in ID_COLUMNS:
                if name in version.fields:
                    assert is_valid(version.fields[name]), fact.key
                    assert version.fields[name] == version.fields[name].upper()
    manifest = json.loads((small_dir / "manifest.json").read_text())
    failing, lowercase = 0, 0
    for path in small_dir.glob("*/*.csv"):
        for row in _rows(path):
            for name in ID_COLUMNS:
                value = row.get(name)
                if value:
                    failing += not is_valid(value)
                    lowercase += value.endswith("x") and is_valid(value)
    assert failing == manifest["malformed_by_kind"]["bad_check_char"] > 0
    assert lowercase > 0


def test_malformed_rows_are_extra_copies(small_dir: Path, small_run: SimResult) -> None:
    manifest = json.loads((small_dir / "manifest.json").read_text())
    versions = sum(len(f.versions) for f in small_run.facts)
    rows = sum(len(_rows(p)) for p in small_dir.glob("*/*.csv"))
    injected = manifest["faults_injected"]
    assert rows == versions + injected["malformed_rows"] + injected["duplicate_rows"]
    assert injected["malformed_rows"] > 0
    assert injected["duplicate_rows"] > 0


def test_the_connectors_accept_every_valid_row_and_reject_every_malformed_one(
    settings: Settings, small_dir: Path
) -> None:
    formats = pytest.importorskip("connectors.formats")
    rows_mod = pytest.importorskip("connectors.rows")
    from ivex.errors import RecordRejected

    manifest = json.loads((small_dir / "manifest.json").read_text())
    accepted = rejected = 0
    for city in settings.city_codes:
        preparer = rows_mod.RowPreparer(settings, city, key=b"test-key")
        for stream in STREAMS:
            for row in formats.read_file(small_dir / city / f"{stream}.csv", "csv"):
                try:
                    if row.malformed:
                        raise row.malformed
                    preparer.prepare(stream, row.data)
                    accepted += 1
                except RecordRejected:
                    rejected += 1
    injected = manifest["faults_injected"]
    assert rejected == injected["malformed_rows"]
    assert accepted == sum(
        c["records"] + c["duplicate_rows"] for s in manifest["counts"].values() for c in s.values()
    )


def test_jsonl_carries_json_types(settings: Settings, tmp_path: Path) -> None:
    write(simulate(small_params(settings, seed=5, malformed=0.0)), tmp_path, "jsonl")
    line = (tmp_path / "620700" / "terminations.jsonl").read_text().splitlines()[0]
    row = json.loads(line)
    assert list(row) == list(COLUMNS["terminations"])
    assert isinstance(row["gestational_weeks"], int)
    assert isinstance(row["medical_indication"], bool)
    assert row["approval_ref"] is None or isinstance(row["approval_ref"], str)


def test_manifest_has_the_publish_plan_and_end(small_dir: Path, small_run: SimResult) -> None:
    manifest = json.loads((small_dir / "manifest.json").read_text())
    end = small_run.end_instant.isoformat()
    assert manifest["simulation_end"] == end == "2026-01-01T00:00:00+08:00"
    plan = manifest["publish_plan"]
    assert plan[small_run.params.lagging_city]["schedule"] == "weekly"
    for city, entry in plan.items():
        assert entry["boundaries"][-1] == end
        if city != small_run.params.lagging_city:
            assert entry["schedule"] == "daily"
            assert len(entry["boundaries"]) == 365


def test_a_small_run_takes_under_five_seconds(settings: Settings, tmp_path: Path) -> None:
    began = time.monotonic()
    write(simulate(build_params(settings, seed=9, scale=0.1)), tmp_path)
    assert time.monotonic() - began < 5.0

"""The operators' read-side audit commands against a real broker: replay (JSON Lines, and
an Avro container file read back by Apache Avro Java's avro-tools), explain,
completeness and dlq, on the streams scenario with its requests put on the topics."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from kafka import KafkaProducer

from connectors.publisher import Publisher
from ivex.audit.explain import UnknownRequest
from ivex.cli import completeness, dlq, explain, replay
from ivex.cli.context import CliContext
from ivex.kafka_config import producer_config
from ivex.settings import Settings
from ivex.simulation.idnumbers import make_id
from ivex.topics import STREAMS, TopicNames
from streams.engine.ids import request_id
from streams.engine.outputs import REQUEST_KINDS
from tests.integration.audit_helpers import publish_derived_outputs
from tests.integration.test_streams_worker import (
    CST,
    JQ,
    JYG,
    KEY,
    WW,
    ZY,
    publish_scenario,
)

pytestmark = pytest.mark.integration

AVRO_TOOLS = "org.apache.avro:avro-tools:1.12.0"
LATER = datetime(2025, 9, 30, 23, 0, tzinfo=CST)
#: Appears in a rejected row; must never be printed.
RAW_ID = make_id("620702", datetime(1991, 5, 6).date(), 8)
BIRTH_REQUEST = request_id("BIRTH_NOT_REGISTERED", [("births", ZY, "B-ZY-1")], WW)


@pytest.fixture
def audited(federation: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The scenario with every watermark declared, its requests and notices on the topics,
    one rejected row on dlq.<ZY> and two undecodable values on ZY's births."""
    monkeypatch.setenv("IVEX_PSEUDONYMISATION_KEY", KEY)
    publish_scenario(federation)
    publish_derived_outputs(federation)
    with Publisher(federation, ZY) as publisher:
        bad = {"record_id": "B-ZY-BAD", "action": "RECORD", "source_city": ZY,
               "recorded_at": "2025-03-05T10:00:00+08:00", "mother_id_number": RAW_ID,
               "mother_hukou_city": WW, "birth_date": "2025-03-01", "child_sex": "male",
               "birth_order": "1", "plurality": "1", "delivery_place": "HOSPITAL",
               "facility_code": "H620702001", "certificate_no": "P620700002"}  # fmt: skip
        assert publisher.publish("births", [bad], source="late.csv").rejected == 1
    producer = KafkaProducer(**producer_config(federation))
    try:
        for value in (b"\xc3\x01garbage!", b"not avro"):
            producer.send(TopicNames(federation).city(ZY, "births"), key=b"x", value=value)
        producer.flush()
    finally:
        producer.close()
    return federation


def _invoke(settings: Settings, command: click.Command, args: list[str]) -> Result:
    obj = CliContext(None)
    obj._settings = settings
    return CliRunner().invoke(command, args, obj=obj, env={"COLUMNS": "220"})


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_replay_decodes_every_kind_of_topic_to_json_lines(audited: Settings) -> None:
    result = _invoke(audited, replay.command, ["city.*.births", "dlq", "assist.requests"])
    assert result.exit_code == 0, result.output
    records = _lines(result.stdout)
    types = {r["record_type"] for r in records}
    assert {"BirthRecorded", "SourceWatermark", "AssistanceRequest", "json"} <= types
    prefix = audited.federation.topic_prefix
    assert {str(r["topic"]).removeprefix(prefix).split(".")[0] for r in records} == {
        "city",
        "dlq",
        "assist",
    }
    birth = next(r for r in records if r["record_type"] == "BirthRecorded")
    assert birth["value"]["birth_date"] == "2025-03-02"  # type: ignore[index]
    assert str(birth["headers"]["ce_type"]) == "BirthRecorded"  # type: ignore[index]
    errors = [r for r in records if "error" in r]
    assert len(errors) == 2
    assert {e["error"]["code"] for e in errors} == {"unknown_fingerprint", "undecodable"}  # type: ignore[index]
    assert RAW_ID not in result.output


def test_replay_time_range_and_unknown_topic(audited: Settings) -> None:
    future = _invoke(audited, replay.command, ["city", "--from", "2999-01-01"])
    assert future.exit_code == 0, future.output
    assert _lines(future.stdout) == []
    past = _invoke(audited, replay.command, ["city", "--to", "2000-01-01"])
    assert _lines(past.stdout) == []
    everything = _invoke(audited, replay.command, ["city", "--from", "2000-01-01"])
    assert len(_lines(everything.stdout)) > 20
    wrong = _invoke(audited, replay.command, ["city.*.deaths"])
    assert wrong.exit_code != 0
    assert "no topic of the federation matches" in str(wrong.exception)


@pytest.fixture(scope="module")
def avro_tools() -> Path:
    """Apache Avro's avro-tools jar from Maven Central, cached outside the repository."""
    cache = Path(os.environ.get("IVEX_AVRO_TOOLS_CACHE", Path.home() / ".cache/ivex/avro-tools"))
    jar = cache / f"avro-tools-{AVRO_TOOLS.rsplit(':', 1)[1]}.jar"
    if not jar.is_file():
        assert shutil.which("mvn"), "Maven is needed to fetch avro-tools"
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={AVRO_TOOLS}",
             f"-DoutputDirectory={cache}"],
            cwd=cache, check=True, timeout=600,
        )  # fmt: skip
    return jar


def test_replay_avro_container_file_reads_in_avro_tools(
    audited: Settings, avro_tools: Path, tmp_path: Path
) -> None:
    out = tmp_path / "replay.avro"
    args = ["city.*.births", "dlq", "assist", "--format", "avro", "--out", str(out)]
    result = _invoke(audited, replay.command, args)
    assert result.exit_code == 0, result.output
    jsonl = _invoke(audited, replay.command, args[:3])
    done = subprocess.run(
        ["java", "-jar", str(avro_tools), "tojson", str(out)],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    back = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(back) == len(_lines(jsonl.stdout))
    request = next(r for r in back if r["record_type"] == {"string": "AssistanceRequest"})
    value = request["value"]["org.ivex.events.AssistanceRequest"]
    assert value["kind"] in REQUEST_KINDS
    dead = next(r for r in back if r["value_json"] is not None)
    assert "B-ZY-BAD" in dead["value_json"]["string"]
    assert sum(r["error"] is not None for r in back) == 2
    assert RAW_ID not in done.stdout


def test_explain_shows_states_rule_watermarks_and_evidence(audited: Settings) -> None:
    result = _invoke(audited, explain.command, [BIRTH_REQUEST])
    assert result.exit_code == 0, result.output
    text = result.output
    for expected in ("BIRTH_NOT_REGISTERED", "OPEN", "OVERDUE", "registration_deadline_days",
                     "end of 2025-05-01", "Evidence 1: BirthRecorded B-ZY-1",
                     "city.620700.births/0@", "P620700001"):  # fmt: skip
        assert expected in text, expected
    # Births and registrations of every member had to pass the deadline.
    assert text.count("registrations") >= len(audited.city_codes)
    unknown = _invoke(audited, explain.command, ["00000000-0000-0000-0000-000000000000"])
    assert isinstance(unknown.exception, UnknownRequest)


def test_completeness_names_the_lagging_city_and_what_it_holds(audited: Settings) -> None:
    report = {"record_id": "P-ZY-9", "action": "RECORD", "source_city": ZY,
              "recorded_at": "2025-08-02T10:00:00+08:00",
              "mother_id_number": make_id("620702", datetime(1992, 1, 9).date(), 10),
              "mother_hukou_city": ZY, "residence_city": ZY, "reported_on": "2025-08-02",
              "expected_delivery_date": "2025-08-10", "gestational_weeks_at_report": "38",
              "existing_children": "0"}  # fmt: skip
    for city in audited.city_codes:
        if city == JQ:
            continue
        with Publisher(audited, city) as publisher:
            if city == ZY:
                assert publisher.publish("pregnancies", [report]).published == 1
            for stream in STREAMS:
                publisher.declare_watermark(stream, LATER)
    args = ["--now", "2025-10-01T00:00", "--max-lag", "2d", "--lag-basis", "leader"]
    result = _invoke(audited, completeness.command, args)
    assert result.exit_code == completeness.LAG_EXCEEDED, result.output
    rows = [line for line in result.output.splitlines() if f"│ {JQ} " in line]
    assert len(rows) == 4
    births = next(r for r in rows if "births" in r)
    # Behind by 61 days; holds the report's deadline (EDD + 42 d = 2025-09-21).
    assert "61d" in births
    assert "2025-09-22 00:00" in births
    assert f"lag over 2d (leader): {JQ}/births" in result.output
    calm = _invoke(audited, completeness.command, [*args[:2], "--max-lag", "70d"])
    assert calm.exit_code == 0, calm.output


def test_dlq_lists_rejected_rows_by_reason_without_id_numbers(audited: Settings) -> None:
    result = _invoke(audited, dlq.command, ["--city", ZY])
    assert result.exit_code == 0, result.output
    assert "Rejected rows of 620700: 1" in result.output
    line = next(x for x in result.output.splitlines() if "late.csv" in x)
    for expected in ("births", "B-ZY-BAD", "child_sex", "must be one of"):
        assert expected in line
    assert RAW_ID not in result.output
    later = _invoke(audited, dlq.command, ["--city", ZY, "--since", "2999-01-01"])
    assert "Rejected rows of 620700: 0" in later.output
    other = _invoke(audited, dlq.command, ["--city", JYG])
    assert "Rejected rows of 620200: 0" in other.output

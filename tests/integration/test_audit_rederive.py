"""``ivex audit rederive`` against live workers' output: a request deleted (tombstoned)
and another altered on their topics are found (exit 1, the right categories), the same
with 1 and 2 processes; ``--repair`` heals both and a second run reports 0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from ivex.codec import Codec
from ivex.kafka_config import producer_config
from ivex.settings import Settings
from ivex.topic_reader import LogRecord, read_topics
from ivex.topics import TopicNames
from tests.integration.audit_helpers import run_ivex
from tests.integration.streams_helpers import WorkerProcess, joined_workers
from tests.integration.test_streams_worker import (
    KEY,
    expected_requests,
    publish_scenario,
    wait_for_requests,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def settled(federation: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The scenario processed by a live worker, which is then stopped."""
    monkeypatch.setenv("IVEX_PSEUDONYMISATION_KEY", KEY)
    workers: list[WorkerProcess]
    with joined_workers(federation, "it-audit", tmp_path, count=1) as workers:
        publish_scenario(federation)
        wait_for_requests(federation, expected_requests("OVERDUE"), workers)
    return federation


def test_rederive_finds_a_deleted_and_an_altered_request_and_repair_heals_them(
    settled: Settings, tmp_path: Path
) -> None:
    clean = run_ivex(settled, "audit", "rederive", "--workers", "1")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "rederive: 0 differences" in clean.stdout

    deleted, altered = sorted(expected_requests())[:2]
    _tombstone(settled, deleted)
    _alter(settled, altered)

    reports = {}
    for workers in ("1", "2"):
        path = tmp_path / f"report-{workers}.json"
        run = run_ivex(settled, "audit", "rederive", "--workers", workers, "--report", str(path))
        assert run.returncode == 1, run.stdout + run.stderr
        reports[workers] = json.loads(path.read_text())
    one, two = reports["1"], reports["2"]
    assert (one["shares"], two["shares"]) == (1, 2)
    assert _content(one) == _content(two), "2 processes derive what 1 does"
    requests = one["requests"]
    assert [m["id"] for m in requests["missing"]] == [deleted]
    assert requests["extra"] == []
    assert {(d["id"], d["field"]) for d in requests["differing"]} == {
        (altered, "reason"),
        (altered, "state"),
    }
    assert one["notices"]["missing"] == one["notices"]["differing"] == []
    assert one["differences"] == 2

    repair = run_ivex(settled, "audit", "rederive", "--repair")
    assert repair.returncode == 1, repair.stdout + repair.stderr
    assert "Repaired: 2 record(s) published" in repair.stdout
    assert deleted in repair.stdout
    assert altered in repair.stdout

    again = run_ivex(settled, "audit", "rederive", "--workers", "2")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "rederive: 0 differences" in again.stdout


def _content(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in ("shares", "seconds")}


def _latest(settings: Settings, request_id: str) -> LogRecord:
    names = TopicNames(settings)
    topics = [names.requests(c) for c in settings.city_codes]
    found = [r for r in read_topics(settings, topics) if r.key == request_id.encode()]
    return found[-1]


def _send(settings: Settings, topic: str, key: bytes, value: bytes | None) -> None:
    producer = KafkaProducer(**producer_config(settings))
    try:
        producer.send(topic, key=key, value=value).get(30)
    finally:
        producer.close()


def _tombstone(settings: Settings, request_id: str) -> None:
    record = _latest(settings, request_id)
    _send(settings, record.topic, request_id.encode(), None)


def _alter(settings: Settings, request_id: str) -> None:
    """Rewrite the request's latest state as if a city had resolved it."""
    record = _latest(settings, request_id)
    codec = Codec()
    datum = codec.decode(record.value or b"").datum
    forged = datum | {"state": "RESOLVED", "reason": "forged on the topic"}
    _send(settings, record.topic, request_id.encode(), codec.encode("AssistanceRequest", forged))

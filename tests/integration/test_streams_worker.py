"""Two ``ivex streams worker`` processes against a real broker: a hand-made scenario of
five cities ends as the expected requests and notices on the right topics, and garbage on
a city topic ends on the errors topic while everything else is processed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from kafka import KafkaProducer

from connectors.publisher import Publisher
from ivex.kafka_config import producer_config
from ivex.settings import Settings
from ivex.simulation.idnumbers import make_id
from ivex.topic_reader import read_topics
from ivex.topics import STREAMS, TopicNames
from streams.driver.errors import CODE_HEADER, OFFSET_HEADER, TOPIC_HEADER
from streams.engine.ids import request_id
from tests.integration.streams_helpers import (
    WorkerProcess,
    joined_workers,
    observed_outputs,
    reference_outputs,
    stall_report,
    wait_until,
)

pytestmark = pytest.mark.integration

CST = timezone(timedelta(hours=8))
JYG, JC, WW, ZY, JQ = "620200", "620300", "620600", "620700", "620900"
KEY = "streams-integration-key"
#: Every stream of every city is declared complete through here: past every deadline.
COMPLETE = datetime(2025, 7, 31, 23, 0, tzinfo=CST)


def _mother(area: str, n: int) -> str:
    return make_id(area + "02", date(1990, 1, n), 2 * n)  # even sequence: female


def _common(record_id: str, city: str, recorded: str) -> dict[str, str]:
    return {
        "record_id": record_id,
        "action": "RECORD",
        "source_city": city,
        "recorded_at": f"{recorded}T10:00:00+08:00",
    }


def scenario() -> dict[tuple[str, str], list[dict[str, str]]]:
    """Rows per (city, stream), in the connector's row format."""
    child = make_id("620202", date(2025, 2, 10), 11)
    return {
        # A birth in Zhangye of a woman registered (hukou) in Wuwei; never registered.
        (ZY, "births"): [
            _common("B-ZY-1", ZY, "2025-03-04")
            | {
                "mother_id_number": _mother("6206", 1),
                "mother_hukou_city": WW,
                "birth_date": "2025-03-02",
                "child_sex": "FEMALE",
                "birth_order": "1",
                "plurality": "1",
                "gestational_weeks": "39",
                "delivery_place": "HOSPITAL",
                "facility_code": "H620702001",
                "certificate_no": "P620700001",
            }
        ],
        # A 16-week termination in Jiuquan, no approval, of a woman from Jinchang.
        (JQ, "terminations"): [
            _common("T-JQ-1", JQ, "2025-04-02")
            | {
                "mother_id_number": _mother("6203", 2),
                "mother_hukou_city": JC,
                "procedure_date": "2025-04-02",
                "gestational_weeks": "16",
                "method": "SURGICAL",
                "medical_indication": "false",
                "facility_code": "H620902001",
            }
        ],
        # One child registered in Jiayuguan and again in Jinchang.
        (JYG, "registrations"): [_registration("R-JYG-1", JYG, child, "2025-02-20")],
        (JC, "registrations"): [_registration("R-JC-1", JC, child, "2025-02-25")],
        # A pregnancy reported in Jiayuguan, no outcome anywhere.
        (JYG, "pregnancies"): [
            _common("P-JYG-1", JYG, "2024-10-10")
            | {
                "mother_id_number": _mother("6203", 4),
                "mother_hukou_city": JC,
                "residence_city": JYG,
                "reported_on": "2024-10-10",
                "expected_delivery_date": "2025-03-01",
                "gestational_weeks_at_report": "20",
                "existing_children": "0",
            }
        ],
    }


def _registration(record_id: str, city: str, child: str, registered: str) -> dict[str, str]:
    return _common(record_id, city, registered) | {
        "child_id_number": child,
        "mother_id_number": _mother("6202", 3),
        "birth_date": "2025-02-10",
        "child_sex": "MALE",
        "certificate_no": "",
        "birth_place_city": city,
        "registered_on": registered,
    }


def expected_requests(state: str = "OPEN") -> dict[str, tuple[str, str, str]]:
    """request_id → (kind, addressed city, state), computed from docs/rules.md by hand.

    The engine decides them all OPEN; nobody answers them, and the watermarks of
    :func:`publish_scenario` pass every respond_by, so they end OVERDUE.
    """
    birth = ("births", ZY, "B-ZY-1")
    termination = ("terminations", JQ, "T-JQ-1")
    regs = [("registrations", JYG, "R-JYG-1"), ("registrations", JC, "R-JC-1")]
    pregnancy = ("pregnancies", JYG, "P-JYG-1")
    rows = [
        ("BIRTH_NOT_REGISTERED", [birth], WW),
        ("LATE_TERMINATION_UNAPPROVED", [termination], JQ),
        ("DUPLICATE_REGISTRATION", regs, JYG),
        ("DUPLICATE_REGISTRATION", regs, JC),
        ("PREGNANCY_OUTCOME_UNKNOWN", [pregnancy], JYG),
    ]
    return {request_id(kind, keys, city): (kind, city, state) for kind, keys, city in rows}


def publish_scenario(settings: Settings, *, complete: bool = True, pause_s: float = 0.0) -> None:
    """Publish the scenario through the SDK, then (``complete``) declare every watermark;
    ``pause_s`` before each city topic's turn."""
    rows = scenario()
    for city in settings.city_codes:
        with Publisher(settings, city) as publisher:
            for stream in STREAMS:
                time.sleep(pause_s)
                if (city, stream) in rows:
                    report = publisher.publish(stream, rows[(city, stream)])
                    assert report.rejected == 0, report.rejected_by_reason()
                if complete:
                    publisher.declare_watermark(stream, COMPLETE)


def wait_for_requests(
    settings: Settings, expected: dict[str, tuple[str, str, str]], workers: list[WorkerProcess]
) -> None:
    """Wait until the requests topics hold ``expected`` (id → kind, city, state); on a
    timeout, say which differ and how the workers stand."""

    def arrived() -> bool:
        states = observed_outputs(settings).request_states()
        return all(states.get(k) == v for k, v in expected.items())

    def missing() -> str:
        states = observed_outputs(settings).request_states()
        wrong = {k: (states.get(k), v) for k, v in expected.items() if states.get(k) != v}
        return f"(observed, expected) where they differ: {wrong}\n{stall_report(workers)}"

    wait_until(arrived, 120.0, "the expected requests", missing)


def send_garbage(settings: Settings) -> list[tuple[str, int]]:
    """Two undecodable values on a city topic; their (topic, offset)."""
    topic = TopicNames(settings).city(ZY, "births")
    producer = KafkaProducer(**producer_config(settings))
    try:
        sent = [
            producer.send(topic, key=b"junk-1", value=b"not avro at all").get(30),
            producer.send(topic, key=b"junk-2", value=b"\xc3\x01" + bytes(8) + b"\x00").get(30),
        ]
    finally:
        producer.close()
    return [(m.topic, m.offset) for m in sent]


@pytest.fixture
def workers(federation: Settings, tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    with joined_workers(federation, "it-engine", tmp_path) as pair:
        yield pair


def test_two_workers_raise_the_expected_requests(
    federation: Settings, workers: list[WorkerProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVEX_PSEUDONYMISATION_KEY", KEY)
    started = time.monotonic()
    garbage = send_garbage(federation)
    publish_scenario(federation)
    expected = expected_requests("OVERDUE")

    wait_for_requests(federation, expected, workers)
    time.sleep(2.0)  # let stragglers (a wrong extra request) land before comparing
    seen = observed_outputs(federation)
    reference = reference_outputs(federation)

    assert {k: seen.request_states()[k] for k in expected} == expected
    assert seen.request_states() == reference.request_states()
    assert seen.requests == reference.requests
    assert set(seen.notices) == set(reference.notices)
    assert seen.notices, "an outcome in another city than the hukou city is notified"
    by_topic = _keys_by_topic(federation)
    names = TopicNames(federation)
    for rid, (_, city, _) in expected.items():
        assert rid in by_topic[names.requests(city)]
    for nid, notice in seen.notices.items():
        assert nid in by_topic[names.notices(notice.addressed_city)]
    escalated = [(r.key or b"").decode() for r in read_topics(federation, [names.escalations])]
    overdue = sorted(rid for rid, r in seen.requests.items() if r.state == "OVERDUE")
    assert set(expected) <= set(overdue)
    assert len(escalated) == len(set(escalated)), "one escalation per request"
    assert set(overdue) <= set(escalated)
    # Escalation depends on event times only (streams.lifecycle.rules.overdue): a request
    # the engine withdrew is escalated too when its respond_by passed unanswered.
    assert {seen.requests[r].state for r in set(escalated) - set(overdue)} <= {"WITHDRAWN"}

    errors = list(read_topics(federation, [names.processing_errors]))
    positions = {(e.header(TOPIC_HEADER), int(e.header(OFFSET_HEADER) or -1)) for e in errors}
    assert set(garbage) <= positions
    codes = {e.header(CODE_HEADER) for e in errors}
    assert codes == {"malformed_message", "unknown_fingerprint"}
    assert {e.value for e in errors} == {b"not avro at all", b"\xc3\x01" + bytes(8) + b"\x00"}
    for w in workers:
        assert w.proc is not None
        assert w.proc.poll() is None, w.log_text()[-3000:]
    print(f"scenario processed in {time.monotonic() - started:.1f}s")


def test_worker_stops_cleanly_on_sigterm(workers: list[WorkerProcess]) -> None:
    for w in workers:
        w.wait_ready()
    codes = [w.stop() for w in workers]
    assert codes == [0, 0], [w.log_text()[-2000:] for w in workers]


def _keys_by_topic(settings: Settings) -> dict[str, set[str]]:
    names = TopicNames(settings)
    topics = [names.requests(c) for c in settings.city_codes]
    topics += [names.notices(c) for c in settings.city_codes]
    out: dict[str, set[str]] = {t: set() for t in topics}
    for rec in read_topics(settings, topics):
        out[rec.topic].add((rec.key or b"").decode())
    return out

"""The request lifecycle through the real broker and two worker processes: cities'
responses move requests on (ACKNOWLEDGED, then RESOLVED), unanswered requests become
OVERDUE and are escalated once every city's watermarks pass respond_by, and bad responses
land on the responding city's DLQ without changing anything."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.publisher import Publisher
from connectors.responder import Responder
from ivex.codec import Codec
from ivex.settings import Settings
from ivex.topic_reader import LogRecord
from ivex.topics import STREAMS, TopicNames
from streams.engine.ids import request_id
from tests.integration.streams_helpers import (
    WorkerProcess,
    joined_workers,
    observed_outputs,
    read_records,
    reference_outputs,
    stall_report,
    wait_until,
)
from tests.integration.test_streams_worker import (
    COMPLETE,
    JC,
    JQ,
    JYG,
    KEY,
    WW,
    publish_scenario,
)

pytestmark = pytest.mark.integration

TERMINATION = request_id("LATE_TERMINATION_UNAPPROVED", [("terminations", JQ, "T-JQ-1")], JQ)
_REGS = [("registrations", JYG, "R-JYG-1"), ("registrations", JC, "R-JC-1")]
DUP_JYG = request_id("DUPLICATE_REGISTRATION", _REGS, JYG)
DUP_JC = request_id("DUPLICATE_REGISTRATION", _REGS, JC)
UNKNOWN = "00000000-0000-5000-8000-000000000001"


@pytest.fixture
def workers(federation: Settings, tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    with joined_workers(federation, "it-lifecycle", tmp_path) as pair:
        yield pair


def _declare_complete(settings: Settings, cities: tuple[str, ...]) -> None:
    for city in cities:
        with Publisher(settings, city) as publisher:
            for stream in STREAMS:
                publisher.declare_watermark(stream, COMPLETE)


def _state(settings: Settings, rid: str) -> tuple[str, str] | None:
    request = observed_outputs(settings).requests.get(rid)
    return None if request is None else (request.state, request.reason)


def _wait_state(settings: Settings, rid: str, state: str) -> str:
    def reached() -> str | None:
        found = _state(settings, rid)
        return found[1] if found is not None and found[0] == state else None

    return wait_until(reached, 90.0, f"{rid} {state}")


def test_responses_and_the_clock_move_requests_on(
    federation: Settings, workers: list[WorkerProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVEX_PSEUDONYMISATION_KEY", KEY)
    names = TopicNames(federation)
    started = time.monotonic()
    publish_scenario(federation, complete=False)
    _wait_state(federation, TERMINATION, "OPEN")  # an "at once" rule: no watermark needed
    before = observed_outputs(federation).requests[TERMINATION]

    with Responder(federation, JYG) as jyg:
        jyg.respond(UNKNOWN, "ACKNOWLEDGED")
        jyg.respond(TERMINATION, "RESOLVED", outcome="RECORD_ERROR")  # addressed to Jiuquan

    def rejected() -> list[LogRecord] | None:
        records = read_records(federation, [names.dlq(JYG)])
        return records if len(records) >= 2 else None

    dlq = wait_until(rejected, 60.0, "two rejections on Jiayuguan's DLQ")
    reasons = {(d.header("ivex_field"), d.header("ivex_reason")) for d in dlq}
    assert reasons == {
        ("request_id", "unknown request"),
        ("responding_city", f"request {TERMINATION} is addressed to {JQ}; {JYG} may not answer it"),
    }
    assert all(d.header("ivex_stream") == "responses" for d in dlq)
    assert observed_outputs(federation).requests[TERMINATION] == before  # nothing changed

    with Responder(federation, JQ) as jq:
        jq.respond(TERMINATION, "ACKNOWLEDGED")
        assert "by 620900" in _wait_state(federation, TERMINATION, "ACKNOWLEDGED")
        jq.respond(TERMINATION, "RESOLVED", outcome="RECORD_ERROR", note="typo in weeks")
    reason = _wait_state(federation, TERMINATION, "RESOLVED")
    assert reason == "RESOLVED by 620900: RECORD_ERROR — typo in weeks"

    # Every city but one complete past every respond_by: the clock waits for the last.
    _declare_complete(federation, tuple(c for c in federation.city_codes if c != WW))
    time.sleep(8.0)
    states = {r.state for r in observed_outputs(federation).requests.values()}
    assert states <= {"OPEN", "RESOLVED"}, states
    assert read_records(federation, [names.escalations]) == []

    _declare_complete(federation, (WW,))
    for rid in (DUP_JYG, DUP_JC):
        assert _wait_state(federation, rid, "OVERDUE").startswith("not acknowledged by ")

    reference = reference_outputs(federation)

    def converged() -> bool:
        return observed_outputs(federation).requests == reference.requests

    def differing() -> str:
        seen = observed_outputs(federation).requests
        wrong = {
            rid: (seen.get(rid), want)
            for rid, want in reference.requests.items()
            if seen.get(rid) != want
        }
        extra = sorted(set(seen) - set(reference.requests))
        return (
            f"(observed, re-derived) where they differ: {wrong}; extra: {extra}\n"
            + stall_report(workers)
        )

    wait_until(converged, 60.0, "the re-derived requests", differing)
    time.sleep(2.0)  # a wrong straggler (a second escalation) would land now
    final = observed_outputs(federation).requests
    assert final == reference.requests
    assert final[TERMINATION].state == "RESOLVED"
    overdue = sorted(rid for rid, r in final.items() if r.state == "OVERDUE")
    assert DUP_JC in overdue
    # Every answer came (in wall-clock time) after its 2025 respond_by: the resolved
    # request was escalated too, once, and stays RESOLVED.
    escalations = read_records(federation, [names.escalations])
    assert sorted((e.key or b"").decode() for e in escalations) == sorted(final)
    codec = Codec()
    assert {codec.decode(e.value or b"").datum["state"] for e in escalations} == {"OVERDUE"}
    for w in workers:
        assert w.proc is not None
        assert w.proc.poll() is None, w.log_text()[-3000:]
    print(f"lifecycle scenario in {time.monotonic() - started:.1f}s")

"""Subscriber, responder and answer outbox against a real broker and a real PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from kafka import KafkaProducer

from connectors.responder import Answer, Responder, response_id
from connectors.sinks import PostgresCaseTable, WebhookOptions, WebhookSink
from connectors.subscriber import Subscriber, SubscriberOptions
from ivex.access.clients import process_env
from ivex.cli import requests, respond
from ivex.cli.main import cli
from ivex.codec import Codec, ce_headers
from ivex.kafka_config import producer_config
from ivex.models import AssistanceResponse
from ivex.settings import Settings
from ivex.topic_reader import LogRecord, read_topics
from ivex.topics import TopicNames
from tests.requests_helpers import notice_datum, request_datum, request_id
from tests.webhook_server import FlakyEndpoint, serve

pytestmark = pytest.mark.integration
CITY = "620600"
OTHER = "620700"
REPO = Path(__file__).resolve().parents[2]


def _produce(settings: Settings, record_name: str, data: list[dict[str, Any]]) -> None:
    """Encode and produce requests or notices onto their addressee's topic, as processors do."""
    names, codec = TopicNames(settings), Codec()
    producer = KafkaProducer(**producer_config(settings))
    try:
        for datum in data:
            if record_name == "AssistanceRequest":
                topic, key, at = names.requests(datum["addressed_city"]), "request_id", "raised_at"
            else:
                topic, key, at = names.notices(datum["addressed_city"]), "notice_id", "issued_at"
            headers = ce_headers(record_name, "exchange", datum[key], datum[at])
            value = codec.encode(record_name, datum)
            producer.send(topic, key=str(datum[key]).encode(), value=value, headers=headers)
        producer.flush(timeout=60)
    finally:
        producer.close(timeout=5)


def _env(settings: Settings) -> dict[str, str]:
    return os.environ | process_env(settings)


def _ivex(settings: Settings, module: str, *args: str) -> subprocess.Popen[bytes]:
    # One command alone, so this test does not depend on every other CLI module.
    code = (
        f"import sys; from ivex.cli.main import cli; from ivex.cli import {module}; "
        f"cli.add_command({module}.command); cli.main(sys.argv[1:])"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=_env(settings),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 120
    try:
        while not ready():
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the process made no progress"
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


def _finish(proc: subprocess.Popen[bytes]) -> None:
    try:
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == 0, err.decode()


def _subscribe(settings: Settings, table: PostgresCaseTable) -> int:
    with Subscriber(settings, CITY, table, SubscriberOptions(batch_size=50)) as subscriber:
        report = subscriber.run(once=True)
    return report.requests


def _count(dsn: str) -> int:
    with PostgresCaseTable(dsn) as table:
        return table.count()


def test_requests_reach_their_citys_case_table_once_each(
    federation: Settings, postgres_db: str
) -> None:
    mine = [request_datum(n) for n in range(40)]
    theirs = [request_datum(n, city=OTHER) for n in range(10)]
    _produce(federation, "AssistanceRequest", mine + theirs)
    _produce(federation, "CaseNotice", [notice_datum(n) for n in range(3)])

    table = PostgresCaseTable(postgres_db)
    assert _subscribe(federation, table) == 40
    with table:
        assert table.count() == 40
        assert table.count("ivex_notices") == 3
        ids = {row.request_id for row in table.requests()}
    assert ids == {request_id(n) for n in range(40)}
    assert not ids & {request_id(n, OTHER) for n in range(10)}

    # The processors re-emit everything after a crash, then withdraw one request.
    withdrawn = request_datum(3, state="WITHDRAWN", reason="recorded late on 2025-05-02")
    _produce(federation, "AssistanceRequest", [*mine, withdrawn])
    assert _subscribe(federation, table) == 41  # resumed after the first run's commit
    assert _subscribe(federation, table) == 0
    with table:
        assert table.count() == 40
        row = table.request(request_id(3))
        assert row is not None
        assert (row["state"], row["reason"]) == ("WITHDRAWN", "recorded late on 2025-05-02")

    if requests.command.name not in cli.commands:
        cli.add_command(requests.command)
    view = CliRunner().invoke(
        cli, ["requests", "--city", CITY], env=_env(federation), terminal_width=200
    )
    assert view.exit_code == 0, view.output
    assert "Open requests (39)" in view.output  # from the topic: latest state per id


def test_subscriber_sigkilled_mid_batch_stores_every_request_once(
    federation: Settings, postgres_db: str
) -> None:
    total = 4000
    _produce(federation, "AssistanceRequest", [request_datum(n) for n in range(total)])
    args = ["subscribe", "--city", CITY, "--sink", postgres_db, "--batch-size", "10"]

    PostgresCaseTable(postgres_db).__enter__().close()  # schema, so counting works at once
    _kill_when(_ivex(federation, "subscribe", *args), lambda: _count(postgres_db) >= 300)
    after_kill = _count(postgres_db)
    assert after_kill < total, "the subscriber finished before it was killed; produce more"

    _finish(_ivex(federation, "subscribe", *args[:-2], "--once"))
    with PostgresCaseTable(postgres_db) as table:
        assert table.count() == total
        assert {r.request_id for r in table.requests()} == {request_id(n) for n in range(total)}


def _responses(settings: Settings) -> list[tuple[LogRecord, AssistanceResponse]]:
    codec = Codec()
    out = []
    for record in read_topics(settings, [TopicNames(settings).responses(CITY)]):
        assert record.value is not None
        datum = codec.decode(record.value, "AssistanceResponse").datum
        out.append((record, AssistanceResponse.model_validate(datum)))
    return out


def test_ivex_respond_puts_a_valid_response_on_the_citys_topic(federation: Settings) -> None:
    if respond.command.name not in cli.commands:
        cli.add_command(respond.command)
    rid = request_id(1)
    args = ["respond", "--city", CITY, "--request-id", rid, "--status", "RESOLVED"]
    args += ["--outcome", "REGISTERED_LATE", "--note", "registered 2025-04-02"]
    result = CliRunner().invoke(cli, args, env=_env(federation))
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(cli, args, env=_env(federation))
    assert again.exit_code == 0, again.output

    bad = CliRunner().invoke(cli, [*args[:-4], "--status", "DONE"], env=_env(federation))
    assert bad.exit_code != 0

    [(first, response), (_, repeat)] = _responses(federation)
    assert first.key == rid.encode()
    assert first.header("ce_type") == "AssistanceResponse"
    assert first.header("ce_source") == CITY
    assert first.header("ce_id") == str(response.response_id)
    assert str(response.response_id) == response_id(rid, "RESOLVED", CITY)
    assert (response.status, response.outcome) == ("RESOLVED", "REGISTERED_LATE")
    assert response.responding_city == CITY
    assert repeat.response_id == response.response_id  # re-sending is idempotent


def _published(dsn: str) -> int:
    with PostgresCaseTable(dsn) as table:
        return int(
            table._query(
                "SELECT count(*) FROM ivex_requests WHERE response_published_at IS NOT NULL"
            )[0][0]
        )


def test_case_table_outbox_publishes_each_answer_once_also_after_a_kill(
    federation: Settings, postgres_db: str
) -> None:
    total = 1500
    _produce(federation, "AssistanceRequest", [request_datum(n) for n in range(total)])
    _produce(federation, "AssistanceRequest", [request_datum(0, city=OTHER)])
    _subscribe(federation, PostgresCaseTable(postgres_db))
    with PostgresCaseTable(postgres_db) as table:
        for n in range(total):
            table.answer(request_id(n), "ACKNOWLEDGED" if n % 2 else "RESOLVED", note=f"n{n}")
        table.answer(request_id(total - 1), "UNABLE_TO_LOCATE", outcome="MOVED_AWAY")
        # Acknowledged by Kafka just before a crash, never marked:
        early = table.pending_answers(5)
    with Responder(federation, CITY) as responder:
        answers = [Answer(p.request_id, p.status, p.outcome, p.note, p.answered_at) for p in early]
        assert all(
            d.error is None
            for d in responder.deliver([(a, responder.response(a)) for a in answers])
        )

    args = ["respond", "--city", CITY, "--from-case-table", postgres_db, "--batch-size", "10"]
    _kill_when(_ivex(federation, "respond", *args), lambda: _published(postgres_db) >= 200)
    assert _published(postgres_db) < total, "the relay finished before it was killed"
    _finish(_ivex(federation, "respond", *args, "--once"))

    assert _published(postgres_db) == total
    responses = _responses(federation)
    per_request = Counter(str(r.request_id) for _, r in responses)
    assert set(per_request) == {request_id(n) for n in range(total)}
    assert set(per_request.values()) == {1}
    last = next(r for _, r in responses if str(r.request_id) == request_id(total - 1))
    assert (last.status, last.outcome) == ("UNABLE_TO_LOCATE", "MOVED_AWAY")


def test_webhook_endpoint_failing_30_percent_gets_each_request_exactly_once(
    federation: Settings,
) -> None:
    total = 150
    data = [request_datum(n) for n in range(total)]
    _produce(federation, "AssistanceRequest", data)
    _produce(federation, "AssistanceRequest", [request_datum(7, state="WITHDRAWN", reason="void")])
    endpoint = FlakyEndpoint(seed=20250304)
    options = WebhookOptions(attempts=30, backoff_s=0.005, max_backoff_s=0.05, timeout_s=5)
    with serve(endpoint) as url:
        sink = WebhookSink(url, options)
        with Subscriber(federation, CITY, sink, SubscriberOptions(batch_size=20)) as sub:
            assert sub.run(once=True).requests == total + 1
        with Subscriber(federation, CITY, WebhookSink(url, options)) as again:
            assert again.run(once=True).requests == 0  # committed: nothing posted twice

    expected = {f"{request_id(n)}:OPEN" for n in range(total)} | {f"{request_id(7)}:WITHDRAWN"}
    assert dict(endpoint.ok) == dict.fromkeys(expected, 1)
    assert endpoint.failures["500"] > 5
    assert endpoint.failures["drop"] > 5
    body = endpoint.bodies[f"{request_id(7)}:WITHDRAWN"]
    assert (body["type"], body["state"], body["request_id"]) == (
        "AssistanceRequest",
        "WITHDRAWN",
        request_id(7),
    )

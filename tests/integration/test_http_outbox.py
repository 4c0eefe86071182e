"""HTTP ingest (200/422/503) and the PostgreSQL outbox relay surviving SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from connectors.http_ingest import IngestServer, make_server
from connectors.outbox import enqueue, init_outbox
from connectors.publisher import Publisher, PublisherOptions
from ivex.access.clients import process_env
from ivex.broker.probe import free_port
from ivex.settings import Settings
from ivex.topics import TopicNames
from tests.integration.publishing_helpers import (
    BAD_CHECK_ID,
    KEY,
    assert_no_id_leak,
    birth_row,
    events,
    read_all,
)

pytestmark = pytest.mark.integration
CITY = "620700"
REPO = Path(__file__).resolve().parents[2]


def _serve(publisher: Publisher) -> Iterator[IngestServer]:
    server = make_server(publisher)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _post(server: IngestServer, path: str, body: Any) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        server.url + path, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_http_ingest_answers_200_422_and_503(federation: Settings) -> None:
    with Publisher(federation, CITY, key=KEY) as publisher:
        for server in _serve(publisher):
            status, body = _post(server, "/v1/births", [birth_row(1), birth_row(2)])
            assert status == 200
            assert body["published"] == 2
            assert [r["status"] for r in body["results"]] == ["published", "published"]

            bad = birth_row(3, mother_id_number=BAD_CHECK_ID)
            status, body = _post(server, "/v1/births", [birth_row(1), bad, birth_row(4)])
            assert status == 422
            assert [r["status"] for r in body["results"]] == ["duplicate", "rejected", "published"]
            assert body["results"][1]["field"] == "mother_id_number"
            assert BAD_CHECK_ID not in json.dumps(body)

            assert _post(server, "/v1/nothing", [])[0] == 404
            assert _post(server, "/v1/births", {"not": "an array"})[0] == 400

    nowhere = federation.model_copy(
        update={
            "kafka": federation.kafka.model_copy(
                update={"bootstrap_servers": f"127.0.0.1:{free_port()}"}
            )
        }
    )
    options = PublisherOptions(attempts=1, bootstrap_timeout_ms=1000)
    with Publisher(nowhere, CITY, key=KEY, options=options) as down:
        for server in _serve(down):
            status, body = _post(server, "/v1/births", [birth_row(5)])
            assert status == 503
            assert "results" not in body

    records = events(read_all(federation, TopicNames(federation).city(CITY, "births")))
    assert [r.key for r in records] == [b"B-00001", b"B-00002", b"B-00004"]
    assert_no_id_leak(federation)


def _relay_env(settings: Settings) -> dict[str, str]:
    return os.environ | process_env(settings) | {"IVEX_PSEUDONYMISATION_KEY": KEY.decode()}


def _relay(settings: Settings, dsn: str, *extra: str) -> subprocess.Popen[bytes]:
    # The outbox command alone, so this test does not depend on every other CLI module.
    code = (
        "import sys; from ivex.cli.main import cli; from ivex.cli import outbox; "
        "cli.add_command(outbox.command); cli.main(sys.argv[1:])"
    )
    args = ["outbox", "--city", CITY, "--dsn", dsn, "--batch-size", "25", *extra]
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=_relay_env(settings),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _marked(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT count(*) FROM ivex_outbox WHERE published_at IS NOT NULL"
        ).fetchone()
    return int(row[0]) if row else 0


def test_outbox_relay_killed_mid_batch_publishes_every_row_exactly_once(
    federation: Settings, postgres_db: str
) -> None:
    total = 600
    init_outbox(postgres_db)
    with psycopg.connect(postgres_db) as conn:
        for n in range(1, total + 1):
            enqueue(conn, "births", dict(birth_row(n)))
        enqueue(conn, "births", dict(birth_row(total + 1, child_sex="male")))
        enqueue(conn, "nonsense", {"a": 1})

    relay = _relay(federation, postgres_db)
    deadline = time.monotonic() + 120
    while _marked(postgres_db) < 50:
        assert relay.poll() is None, relay.stderr.read() if relay.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.02)
    relay.send_signal(signal.SIGKILL)
    relay.wait(timeout=30)
    after_kill = _marked(postgres_db)
    assert after_kill < total + 2, "the relay finished before it was killed; enlarge the outbox"

    again = _relay(federation, postgres_db, "--once")
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()

    with psycopg.connect(postgres_db) as conn:
        statuses: dict[str, int] = dict(
            conn.execute("SELECT status, count(*) FROM ivex_outbox GROUP BY status").fetchall()
        )
        unmarked = conn.execute(
            "SELECT count(*) FROM ivex_outbox WHERE published_at IS NULL"
        ).fetchone()
    assert unmarked == (0,)
    assert statuses.get("rejected") == 2
    assert statuses.get("published", 0) + statuses.get("duplicate", 0) == total

    records = events(read_all(federation, TopicNames(federation).city(CITY, "births")))
    ids = [r.header("ce_id") for r in records]
    assert len(ids) == total
    assert len(set(ids)) == total
    assert {r.key for r in records} == {f"B-{n:05d}".encode() for n in range(1, total + 1)}
    assert_no_id_leak(federation)

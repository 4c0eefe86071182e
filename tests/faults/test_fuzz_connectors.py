"""Mutated rows into every connector: the file publisher (CSV and JSON Lines, rows and
raw text mangled), the HTTP ingest endpoint (mutated rows, random bodies) and the
PostgreSQL outbox. Every row is published or dead-lettered with a reason, nothing
acknowledged is missing or doubled, and no topic echoes a raw resident ID number."""

from __future__ import annotations

import csv
import io
import json
import random
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from connectors.columns import column_names
from connectors.formats import read_file
from connectors.http_ingest import IngestServer, make_server
from connectors.outbox import OutboxRelay, init_outbox
from connectors.publisher import Publisher, RowOutcome
from ivex.settings import Settings
from ivex.topic_reader import read_topics
from ivex.topics import STREAMS, Stream, TopicNames
from tests.faults.mutate import mangle_text, mutated_row
from tests.faults.profile import Profile
from tests.faults.publishing import events_on_topics
from tests.faults.results import record
from tests.fixtures.kafka import Access
from tests.integration.publishing_helpers import assert_no_id_leak

pytestmark = [pytest.mark.integration, pytest.mark.faults]

KEY = b"faults-fuzz-key"
CITY = "620700"
#: What the ingest endpoint may answer to any body (never a 5xx but a 503 outage).
HTTP_ANSWERS = {200, 400, 404, 413, 422}


@pytest.fixture
def city(access: Access) -> Settings:
    return access.city(CITY)


def test_fuzzed_rows_into_every_connector(
    access: Access, city: Settings, postgres_db: str, tmp_path: Path, seed: int, profile: Profile
) -> None:
    rng, began = random.Random(seed), time.monotonic()
    outcomes: list[RowOutcome] = []
    n = profile.fuzz_examples
    with Publisher(city, CITY, key=KEY) as publisher:
        for stream in STREAMS:
            for path in _mangled_files(rng, tmp_path, stream, n // 4):
                rows = read_file(path, "csv" if path.suffix == ".csv" else "jsonl")
                publisher.publish(stream, rows, on_outcome=outcomes.append)
        answers = _post_fuzz(publisher, rng, n)
    assert set(answers) <= HTTP_ANSWERS, answers
    outbox = _outbox_fuzz(city, postgres_db, rng, n)
    assert all(status in ("published", "duplicate", "rejected") for status, _ in outbox)
    assert all(reason for status, reason in outbox if status == "rejected")

    assert all(o.reason for o in outcomes if o.status == "rejected")
    acked = {o.event_id or "" for o in outcomes if o.status in ("published", "duplicate")}
    seen = events_on_topics(access.admin)
    assert not [e for e in acked if seen[e] != 1], "acknowledged but not on the topic once"
    assert not [e for e, k in seen.items() if k > 1], "an event on the topic twice"
    dlq = list(read_topics(access.admin, [TopicNames(access.admin).dlq(CITY)]))
    assert dlq, "the fuzz must produce rejections"
    assert all(r.header("ivex_reason") for r in dlq), "a dead letter without a reason"
    assert_no_id_leak(access.admin)
    record(
        "fuzzed connector input", profile, seed,
        {"fuzzed file rows": len(outcomes), "fuzzed HTTP bodies": sum(answers.values()),
         "fuzzed outbox rows": len(outbox)},
        len(acked), lost=0, doubled=0, stalls=0, seconds=time.monotonic() - began,
    )  # fmt: skip


def _mangled_files(rng: random.Random, tmp: Path, stream: Stream, rows: int) -> list[Path]:
    """A CSV and a JSON Lines file of mutated rows, each text then mangled a little."""
    data = [mutated_row(rng, stream, rng.randrange(10**6)) for _ in range(rows)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(column_names(stream)), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(data)
    csv_path = tmp / f"{stream}.csv"
    csv_path.write_text(mangle_text(rng, out.getvalue(), rows // 4), encoding="utf-8")
    lines = "".join(json.dumps(row, default=str) + "\n" for row in data)
    jsonl_path = tmp / f"{stream}.jsonl"
    jsonl_path.write_text(mangle_text(rng, lines, rows // 4), encoding="utf-8")
    return [csv_path, jsonl_path]


def _post_fuzz(publisher: Publisher, rng: random.Random, count: int) -> dict[int, int]:
    """POST ``count`` fuzzed bodies; how often each status came back."""
    server = make_server(publisher)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    answers: dict[int, int] = {}
    try:
        for _ in range(count):
            stream = rng.choice([*STREAMS, "nothing"])
            body = _body(rng, stream)
            status = _post(server, f"/v1/{stream}", body)
            answers[status] = answers.get(status, 0) + 1
    finally:
        server.shutdown()
        server.server_close()
    return answers


def _body(rng: random.Random, stream: str) -> bytes:
    roll = rng.randrange(4)
    base = stream if stream in STREAMS else "births"
    rows = [mutated_row(rng, base, rng.randrange(10**6)) for _ in range(rng.randint(0, 5))]
    text = json.dumps(rows, default=str)
    if roll == 0:
        return mangle_text(rng, text, 3).encode("utf-8", "surrogatepass")
    if roll == 1:
        return rng.randbytes(rng.randrange(0, 100))
    if roll == 2:
        return json.dumps(rng.choice([{}, 1, "x", None, [1, "a"], [[]]])).encode()
    return text.encode()


def _post(server: IngestServer, path: str, body: bytes) -> int:
    request = urllib.request.Request(
        server.url + path, data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            json.loads(response.read())
            return int(response.status)
    except urllib.error.HTTPError as exc:
        json.loads(exc.read())  # every answer is JSON
        return int(exc.code)


def _outbox_fuzz(
    city: Settings, dsn: str, rng: random.Random, count: int
) -> list[tuple[str, str | None]]:
    """Enqueue ``count`` fuzzed outbox rows (any JSON, any stream name), relay them once;
    (status, reason) of every row."""
    init_outbox(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(count):
            stream = rng.choice([*STREAMS, "nothing"])
            payload: Any = mutated_row(
                rng, stream if stream in STREAMS else "births", rng.randrange(10**6)
            )
            if rng.random() < 0.2:
                payload = rng.choice([[1, 2], "text", 3, None, {"nested": {"a": [1]}}])
            # PostgreSQL's jsonb refuses NUL characters: a city system cannot enqueue them.
            text = json.dumps(payload, default=str).replace("\\u0000", "")
            conn.execute(
                "INSERT INTO ivex_outbox (stream, payload) VALUES (%s, %s)",
                (stream, Jsonb(json.loads(text))),
            )
    with Publisher(city, CITY, key=KEY) as publisher:
        OutboxRelay(dsn, publisher, batch_size=50).run(once=True)
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT status, reason, published_at FROM ivex_outbox").fetchall()
    assert all(published is not None for _, _, published in rows), "an outbox row left behind"
    return [(str(status), reason) for status, reason, _ in rows]

"""JSON rendering, the JSON Lines sink, the webhook sink against a flaky endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.sinks import JsonLinesSink, WebhookOptions, WebhookSink, open_sink, render
from ivex.errors import ConfigError, SinkError
from tests.requests_helpers import notice_item, request_id, request_item
from tests.webhook_server import FlakyEndpoint, serve

FAST = WebhookOptions(attempts=20, backoff_s=0.001, max_backoff_s=0.01, timeout_s=5)


def test_render_gives_type_iso_times_and_string_ids() -> None:
    data = render(request_item(1, 0))
    assert data["type"] == "AssistanceRequest"
    assert data["request_id"] == request_id(1)
    assert data["raised_at"] == "2025-03-04T03:15:00Z"
    assert data["evidence"][0]["event_id"] == "6f1c1e4e-4b1b-4f39-9d44-8d1d6a3f2a01"
    assert render(notice_item(1, 0))["type"] == "CaseNotice"
    json.dumps(data)  # JSON-ready as it is


def test_jsonl_sink_appends_one_line_per_item(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    sink = JsonLinesSink(str(path))
    sink.open()
    sink.write([request_item(1, 0), notice_item(1, 1)])
    sink.write([request_item(2, 2)])
    sink.close()
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["type"] for line in lines] == [
        "AssistanceRequest",
        "CaseNotice",
        "AssistanceRequest",
    ]


def test_open_sink_understands_every_target(tmp_path: Path) -> None:
    assert open_sink("jsonl:-").name == "jsonl"
    assert open_sink(f"jsonl:{tmp_path}/x.jsonl").name == "jsonl"
    assert open_sink("http://127.0.0.1:1/hook").name == "webhook"
    assert open_sink(f"sqlite:///{tmp_path}/x.db").name == "sqlite"
    assert open_sink("postgresql://u@h/db").name == "postgresql"
    with pytest.raises(ConfigError):
        open_sink("ftp://nope")


def test_webhook_delivers_each_item_once_through_a_flaky_endpoint() -> None:
    endpoint = FlakyEndpoint(seed=11)
    items = [request_item(n, n) for n in range(60)]
    with serve(endpoint) as url:
        WebhookSink(url, FAST).write(items)
    assert sum(endpoint.failures.values()) > 10
    assert set(endpoint.failures) == {"500", "drop"}
    assert endpoint.ok == {item.idempotency_key: 1 for item in items}


def test_webhook_refusal_stops_and_says_how_many_were_delivered() -> None:
    endpoint = FlakyEndpoint(failure_rate=0.0)
    with serve(endpoint) as url:
        sink = WebhookSink(url, FAST)
        sink.write([request_item(1, 0)])
        endpoint.refuse_with = 422
        with pytest.raises(SinkError) as info:
            sink.write([request_item(2, 1)])
    assert info.value.delivered == 0
    assert "422" in info.value.reason


def test_webhook_gives_up_after_its_attempts_on_an_unreachable_endpoint() -> None:
    sleeps: list[float] = []
    sink = WebhookSink(
        "http://127.0.0.1:9/hook",
        WebhookOptions(attempts=4, backoff_s=0.5, max_backoff_s=1.0),
        sleep=sleeps.append,
    )
    with pytest.raises(SinkError) as info:
        sink.write([request_item(1, 0)])
    assert info.value.delivered == 0
    assert sleeps == [0.5, 1.0, 1.0]

"""The publisher's use of the producer, over a fake one: one flush for every row of a
publish call, the watermark only after its records are acknowledged, and no watermark
(and no report) for a record Kafka refused — even when a later record was accepted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.city_log import CityLog
from connectors.publisher import Part, Publisher, PublisherOptions, RowOutcome
from ivex.codec import Codec
from ivex.errors import PublishUnavailable
from ivex.settings import Settings, load_settings
from ivex.topics import TopicNames
from tests.integration.publishing_helpers import KEY, birth_row

CITY = "620700"
Refuse = Callable[[bytes | None, dict[str, bytes]], bool]


@dataclass
class _Meta:
    offset: int


class _Future:
    """A kafka-python future, resolved at the next flush."""

    def __init__(self) -> None:
        self.is_done = False
        self.exception: Exception | None = None
        self.value: _Meta | None = None

    def failed(self) -> bool:
        return self.exception is not None


class FakeProducer:
    """Logs sends and flushes; ``refuse(key, headers)`` makes a send fail at its flush."""

    def __init__(self, refuse: Refuse) -> None:
        self.log: list[str] = []
        self._refuse = refuse
        self._unflushed: list[tuple[_Future, str, bytes | None, dict[str, bytes]]] = []
        self._offsets: dict[str, int] = {}

    def send(self, topic: str, *, key: Any, value: bytes, headers: Any) -> _Future:
        kind = dict(headers).get("ce_type", b"").decode()
        self.log.append(f"send {kind}")
        future = _Future()
        self._unflushed.append((future, topic, key, dict(headers)))
        return future

    def flush(self, timeout: float | None = None) -> None:
        self.log.append("flush")
        for future, topic, key, headers in self._unflushed:
            future.is_done = True
            if self._refuse(key, headers):
                future.exception = RuntimeError("record refused")
                continue
            offset = self._offsets.get(topic, 0)
            self._offsets[topic] = offset + 1
            future.value = _Meta(offset)
        self._unflushed = []


class FakeClients:
    def __init__(self, producer: FakeProducer) -> None:
        self._producer = producer
        self.has_consumer = True

    def producer(self) -> FakeProducer:
        return self._producer

    def retrying(self, action: Callable[[], Any], what: str) -> Any:
        return action()

    def drop(self) -> None:
        pass

    def close(self) -> None:
        pass

    def unavailable(self, exc: Exception, *, acknowledged: int) -> PublishUnavailable:
        return PublishUnavailable(
            str(exc), bootstrap_servers="fake", attempts=1, acknowledged=acknowledged
        )


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings()


def _publisher(settings: Settings, refuse: Refuse) -> tuple[Publisher, FakeProducer, CityLog]:
    publisher = Publisher(settings, CITY, key=KEY, options=PublisherOptions(batch_size=7))
    producer = FakeProducer(refuse)
    city_log = CityLog(TopicNames(settings), CITY, None, Codec())
    publisher._clients = FakeClients(producer)  # type: ignore[assignment]
    publisher._catch_up = lambda *streams: city_log  # type: ignore[method-assign]
    return publisher, producer, city_log


def test_one_flush_for_every_row_then_one_for_the_watermark(settings: Settings) -> None:
    publisher, producer, city_log = _publisher(settings, lambda _t, _h: False)
    report = publisher.publish("births", [birth_row(n) for n in range(1, 31)])
    assert report.published == 30
    assert producer.log == ["send BirthRecorded"] * 30 + ["flush", "send SourceWatermark", "flush"]
    assert report.watermarks == [city_log.watermark("births")]


def test_several_parts_share_the_flushes(settings: Settings) -> None:
    publisher, producer, _ = _publisher(settings, lambda _t, _h: False)
    through = datetime(2025, 3, 5, tzinfo=UTC)
    reports = publisher.publish_parts(
        [
            Part("births", [birth_row(n) for n in range(1, 4)], complete_through=through),
            Part("pregnancies", [], complete_through=through),
        ]
    )
    assert producer.log.count("flush") == 2
    assert [r.watermarks for r in reports] == [[int(through.timestamp() * 1000)]] * 2


def test_a_refused_record_gets_no_watermark_and_no_report(settings: Settings) -> None:
    refused = birth_row(4)["record_id"].encode()

    def refuse(key: bytes | None, _headers: dict[str, bytes]) -> bool:
        return key == refused

    publisher, producer, city_log = _publisher(settings, refuse)
    reported: list[RowOutcome] = []
    rows = [birth_row(n) for n in range(1, 11)] + [birth_row(4)]  # + a duplicate of it
    with pytest.raises(PublishUnavailable) as info:
        publisher.publish("births", rows, on_outcome=reported.append)
    # Later records were accepted, but nothing promises the refused one.
    assert "send SourceWatermark" not in producer.log
    assert city_log.watermark("births") is None
    assert sorted(o.record_id or "" for o in reported) == sorted(
        birth_row(n)["record_id"] for n in range(1, 11) if n != 4
    )
    assert info.value.acknowledged == 9

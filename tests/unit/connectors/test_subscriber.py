"""The subscriber's commit: a group that moved on meanwhile is no reason to stop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kafka import TopicPartition
from kafka.errors import CommitFailedError

from connectors.sinks import JsonLinesSink
from connectors.subscriber import Subscriber
from ivex.settings import Settings, load_settings


class _RefusingConsumer:
    """What kafka-python's consumer does when the group rebalanced before a commit."""

    def __init__(self) -> None:
        self.commits = 0

    def commit(self, offsets: Any) -> None:
        self.commits += 1
        raise CommitFailedError("UnknownMemberIdError")


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings()


def test_a_refused_commit_is_logged_and_the_subscriber_goes_on(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    city = settings.city_codes[0]
    subscriber = Subscriber(settings, city, JsonLinesSink(str(tmp_path / "cases.jsonl")))
    consumer = _RefusingConsumer()
    subscriber._clients._consumer = consumer
    subscriber._commit({TopicPartition("t", 0): 5})  # must not raise
    assert consumer.commits == 1
    assert "delivered again" in caplog.text

"""The broker goes down in the middle of a file publish, then comes back.

docs/bad-input.md: connectors retry with backoff and do not acknowledge a row until Kafka has;
re-running after the broker is back completes with no duplicates. This test runs its
own broker (it has to stop it), with the data dir kept across the restart.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from connectors.publisher import Publisher, PublisherOptions, RowOutcome
from ivex.access.apply import apply_access
from ivex.access.clients import as_city
from ivex.broker import LocalBroker
from ivex.errors import PublishUnavailable
from ivex.kafka_config import client_config
from ivex.provision import apply_topics
from ivex.settings import DEFAULT_CONFIG, Settings, load_settings
from ivex.topics import TopicNames
from tests.fixtures.broker_start import start_with_retries
from tests.fixtures.kafka import start_secure_broker
from tests.integration.publishing_helpers import KEY, birth_row, events, read_all

pytestmark = pytest.mark.integration

CITY = "620700"
ROWS = 1500
STOP_AFTER = 400


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[tuple[LocalBroker, Settings]]:
    base = load_settings(DEFAULT_CONFIG)
    broker, cluster = start_secure_broker(base, tmp_path)
    admin = base.derive(
        kafka=cluster.kafka,
        access=cluster.access,
        federation={"topic_prefix": f"o{uuid.uuid4().hex[:6]}."},
    )
    apply_topics(admin)
    apply_access(admin)
    try:
        # The city publishes as itself, and logs in again after the restart.
        yield broker, as_city(admin, CITY)
    finally:
        broker.stop()


def test_outage_mid_publish_then_rerun_publishes_each_row_once(
    own_broker: tuple[LocalBroker, Settings],
) -> None:
    broker, settings = own_broker
    rows = [birth_row(n) for n in range(1, ROWS + 1)]
    options = PublisherOptions(
        batch_size=100, attempts=2, backoff_s=0.2, delivery_timeout_ms=5000,
        bootstrap_timeout_ms=2000,
    )  # fmt: skip
    reported: list[RowOutcome] = []
    topic = TopicNames(settings).city(CITY, "births")

    def rows_with_outage() -> Iterator[dict[str, str]]:
        # The publisher pipelines its sends and reports acknowledgements when it can, so
        # the broker goes down at a point of the input, not of the reports: once the
        # first STOP_AFTER rows are on the topic and before the next is handed over.
        for number, row in enumerate(rows, start=1):
            if number == STOP_AFTER + 1:
                _wait_for_end_offset(settings, topic, STOP_AFTER)
                broker.stop()
            yield row

    with (
        pytest.raises(PublishUnavailable),
        Publisher(settings, CITY, key=KEY, options=options) as pub,
    ):
        pub.publish("births", rows_with_outage(), on_outcome=reported.append)
    acknowledged = {o.record_id for o in reported if o.status == "published"}
    assert len(acknowledged) < ROWS

    _restart(broker)
    with Publisher(settings, CITY, key=KEY) as pub:
        rerun = pub.publish("births", rows)

    assert rerun.published + rerun.duplicates == ROWS
    assert rerun.duplicates >= len(acknowledged)  # every acknowledged row survived
    births = events(read_all(settings, TopicNames(settings).city(CITY, "births")), "BirthRecorded")
    ids = [r.header("ce_id") for r in births]
    assert len(ids) == ROWS
    assert len(set(ids)) == ROWS


def _wait_for_end_offset(settings: Settings, topic: str, count: int) -> None:
    consumer = KafkaConsumer(**client_config(settings))
    try:
        tp = TopicPartition(topic, 0)
        deadline = time.monotonic() + 60
        while consumer.end_offsets([tp])[tp] < count:
            assert time.monotonic() < deadline, f"{count} rows never reached {topic}"
            time.sleep(0.05)
    finally:
        consumer.close()


def _restart(broker: LocalBroker) -> None:
    """Start the stopped broker again on the same ports and data."""
    start_with_retries(broker)

"""The broker goes down in the middle of a file publish, then comes back.

SPEC §9: connectors retry with backoff and do not acknowledge a row until Kafka has;
re-running after the broker is back completes with no duplicates. This test runs its
own broker (it has to stop it), with the data dir kept across the restart.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivex.broker import LocalBroker
from ivex.broker.probe import free_port
from ivex.errors import PublishUnavailable
from ivex.provision import apply_topics
from ivex.publisher import Publisher, PublisherOptions, RowOutcome
from ivex.settings import DEFAULT_CONFIG, Settings, load_settings
from ivex.topics import TopicNames
from tests.integration.publishing_helpers import KEY, birth_row, events, read_all

pytestmark = pytest.mark.integration

CITY = "620700"
ROWS = 1500
STOP_AFTER = 400


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[tuple[LocalBroker, Settings]]:
    base = load_settings(DEFAULT_CONFIG)
    broker = LocalBroker(
        base.broker.model_copy(
            update={"port": free_port(), "controller_port": free_port(), "state_dir": tmp_path}
        )
    )
    status = broker.start(timeout_s=180)
    settings = base.derive(
        kafka={"bootstrap_servers": status.bootstrap},
        federation={"topic_prefix": f"o{uuid.uuid4().hex[:6]}."},
    )
    apply_topics(settings)
    try:
        yield broker, settings
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

    def outcome(o: RowOutcome) -> None:
        reported.append(o)
        if len(reported) == STOP_AFTER:
            broker.stop()

    with (
        pytest.raises(PublishUnavailable),
        Publisher(settings, CITY, key=KEY, options=options) as pub,
    ):
        pub.publish("births", rows, on_outcome=outcome)
    acknowledged = {o.record_id for o in reported if o.status == "published"}
    assert STOP_AFTER <= len(acknowledged) < ROWS

    broker.start(timeout_s=180)
    with Publisher(settings, CITY, key=KEY) as pub:
        rerun = pub.publish("births", rows)

    assert rerun.published + rerun.duplicates == ROWS
    assert rerun.duplicates >= len(acknowledged)  # every acknowledged row survived
    births = events(read_all(settings, TopicNames(settings).city(CITY, "births")), "BirthRecorded")
    ids = [r.header("ce_id") for r in births]
    assert len(ids) == ROWS
    assert len(set(ids)) == ROWS

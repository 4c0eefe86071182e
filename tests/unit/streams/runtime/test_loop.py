"""The batch loop's delivery bookkeeping, without a broker: a refused record stops every
commit after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from confluent_kafka import KafkaError

from ivex.settings import Settings
from streams.options import WorkerOptions
from streams.pause_guard import PauseGuard
from streams.runtime.inflight import SentBatch
from streams.runtime.loop import BatchWorker, DeliveryError, _headers
from streams.runtime.topology import build_topology


@pytest.fixture
def worker(settings: Settings) -> Iterator[BatchWorker]:
    # Nothing listens there: the clients are created, never used.
    offline = settings.derive(
        kafka={"bootstrap_servers": "127.0.0.1:9", "security_protocol": "PLAINTEXT"}
    )
    options = WorkerOptions(app_id="unit")
    batch = BatchWorker(offline, options, build_topology(offline, "unit"), PauseGuard(6.0))
    yield batch
    batch._consumer.close()


def test_a_refused_record_fails_the_batches_and_nothing_is_committed(worker: BatchWorker) -> None:
    batch = SentBatch({("t", 0): 10}, 1)
    worker._in_flight.add(batch)
    batch.delivered(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE), None)
    with pytest.raises(DeliveryError, match="not delivered"):
        worker._settle(wait=False)
    assert len(worker._in_flight) == 0  # never committed, not even at the stop


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ([("ce_id", b"x"), ("ce_type", b"T")], (("ce_id", b"x"), ("ce_type", b"T"))),
        ([("ce_id", None), ("ce_type", b"T")], (("ce_id", b""), ("ce_type", b"T"))),
        ([], ()),
    ],
)
def test_consumed_headers_become_a_tuple_with_null_values_as_empty_bytes(
    raw: list[tuple[str, bytes | None]], kept: tuple[tuple[str, bytes], ...]
) -> None:
    assert _headers(raw) == kept

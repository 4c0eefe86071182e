"""Which sent batches may be committed: the oldest ones Kafka acknowledged in full."""

from __future__ import annotations

import random

from confluent_kafka import KafkaError
from hypothesis import given
from hypothesis import strategies as st

from streams.runtime.inflight import InFlight, SentBatch


def _ack(batch: SentBatch, err: KafkaError | None = None) -> None:
    batch.delivered(err, None)


def test_a_batch_is_committed_once_every_record_is_acknowledged() -> None:
    in_flight = InFlight()
    first = SentBatch({("t", 0): 5}, records=2)
    in_flight.add(first)
    _ack(first)
    assert in_flight.take_acknowledged() == {}
    _ack(first)
    assert in_flight.take_acknowledged() == {("t", 0): 5}
    assert len(in_flight) == 0


def test_a_later_batch_waits_for_the_earlier_ones() -> None:
    in_flight = InFlight()
    first, second = SentBatch({("t", 0): 5}, 1), SentBatch({("t", 0): 9, ("u", 1): 3}, 1)
    in_flight.add(first)
    in_flight.add(second)
    _ack(second)
    assert not in_flight.oldest_done()
    assert in_flight.take_acknowledged() == {}
    _ack(first)
    assert in_flight.take_acknowledged() == {("t", 0): 9, ("u", 1): 3}


def test_a_batch_without_records_is_acknowledged_at_once() -> None:
    in_flight = InFlight()
    in_flight.add(SentBatch({("t", 0): 5}, 0))
    assert in_flight.oldest_done()
    assert in_flight.take_acknowledged() == {("t", 0): 5}


def test_a_refused_record_stops_commits_at_its_batch() -> None:
    in_flight = InFlight()
    ok, bad, after = SentBatch({("t", 0): 1}, 1), SentBatch({("t", 0): 2}, 1), SentBatch({}, 0)
    for b in (ok, bad, after):
        in_flight.add(b)
    _ack(ok)
    _ack(bad, KafkaError(KafkaError.MSG_SIZE_TOO_LARGE))
    assert in_flight.take_acknowledged() == {("t", 0): 1}
    assert len(in_flight.failures()) == 1
    assert in_flight.take_acknowledged() == {}


def test_a_purged_record_is_not_a_failure() -> None:
    batch = SentBatch({}, 2)
    _ack(batch, KafkaError(KafkaError._PURGE_QUEUE))
    _ack(batch, KafkaError(KafkaError._PURGE_INFLIGHT))
    assert batch.failures == []


@given(st.lists(st.integers(0, 4), min_size=1, max_size=8), st.randoms())
def test_the_commit_reaches_exactly_the_first_unacknowledged_batch(
    sizes: list[int], rnd: random.Random
) -> None:
    in_flight = InFlight()
    batches = [SentBatch({("t", 0): n + 1}, size) for n, size in enumerate(sizes)]
    for b in batches:
        in_flight.add(b)
    reports: list[SentBatch | None] = [b for b in batches for _ in range(b.pending)]
    rnd.shuffle(reports)
    committed = in_flight.take_acknowledged().get(("t", 0), 0)
    for report in [None, *reports]:
        if report is not None:
            _ack(report)
        committed = in_flight.take_acknowledged().get(("t", 0), committed)
        first_pending = next((n for n, x in enumerate(batches) if x.pending > 0), len(batches))
        assert committed == first_pending
    assert committed == len(batches)

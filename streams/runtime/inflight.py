"""Batches handed to the producer and not committed yet, oldest first.

Each batch counts its records Kafka has not acknowledged: every record it sends carries
the batch's :meth:`SentBatch.delivered` as its delivery callback. A batch's offsets may
be committed once it and every batch before it are fully acknowledged without a failure,
so the loop commits as acknowledgements come in instead of waiting for the producer to
empty (it never does while records keep coming).
"""

from __future__ import annotations

from collections import deque
from typing import Final

from confluent_kafka import KafkaError, Message

#: Delivery reports of records the worker purged itself (a fenced worker's unsent
#: batches): dropped on purpose, not failures.
PURGED: Final = frozenset({KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT})

Offsets = dict[tuple[str, int], int]


class SentBatch:
    """The offsets a batch read up to and how many of its records are unacknowledged."""

    __slots__ = ("failures", "offsets", "pending")

    def __init__(self, offsets: Offsets, records: int) -> None:
        self.offsets = offsets
        #: Set before the first record is handed over: reports come in during a send.
        self.pending = records
        self.failures: list[str] = []

    def delivered(self, err: KafkaError | None, _msg: Message | None) -> None:
        """The producer's delivery report of one of this batch's records."""
        self.pending -= 1
        if err is not None and err.code() not in PURGED:
            self.failures.append(err.str())


class InFlight:
    """Sent batches in the order they were read."""

    def __init__(self) -> None:
        self._batches: deque[SentBatch] = deque()

    def __len__(self) -> int:
        return len(self._batches)

    def add(self, batch: SentBatch) -> None:
        """Track a batch whose records are being handed to the producer."""
        self._batches.append(batch)

    def oldest_done(self) -> bool:
        """Whether the oldest batch (if any) has every record acknowledged or failed."""
        return not self._batches or self._batches[0].pending <= 0

    def failures(self) -> list[str]:
        """Delivery failures of every batch in flight."""
        return [f for b in self._batches for f in b.failures]

    def take_acknowledged(self) -> Offsets:
        """Remove the oldest batches acknowledged in full (up to the first that is not,
        or failed); the offsets to commit for them."""
        offsets: Offsets = {}
        batches = self._batches
        while batches and batches[0].pending <= 0 and not batches[0].failures:
            offsets.update(batches.popleft().offsets)
        return offsets

    def clear(self) -> None:
        """Forget every batch: none of them will be committed."""
        self._batches.clear()

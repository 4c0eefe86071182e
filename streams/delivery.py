"""Records reach the streams in each partition's log order, with nothing left out.

The watermark protocol needs it: a city's watermark says that every record before it in
its topic has been seen, so a stream worker that sees a watermark before an earlier
record lets deadlines fire without that record — a request raised for a fact that is on
the log, withdrawn once the fact arrives (a false alarm a partner city sees).

Faust can hand records to a stream with earlier ones left out, and fetch those again
only much later:

- records fetched for a partition Faust is not reading at that moment (paused during a
  rebalance's recovery) are dropped from the batch, though the consumer's position has
  gone past them;
- around a seek, the rest of a batch fetched before it is still delivered, and Faust
  then drops every record fetched again below the last one it delivered.

The consumer reads each stream partition's records through :class:`InOrderDelivery`: a
record is let through only if it is the next one expected (where the partition was
sought to, then one after each record let through). A later record means records were
left out: the partition is read again from the expected one, and the rest of that batch
is dropped. Offsets the log does not hold (deleted by retention, or a transaction's
markers) show the same way: when the re-read brings the same record first again, the
offsets before it are taken as absent. (Faust leaves records out when a partition is
paused for a rebalance's recovery, and every rebalance seeks afresh: a re-read is not
left out again.)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Generic, TypeVar

K = TypeVar("K")


class Admission(enum.Enum):
    """What to do with one fetched record."""

    #: The next record of its partition: hand it to the streams.
    DELIVER = "deliver"
    #: Already delivered, or fetched before the partition was sought: leave it out.
    DROP = "drop"
    #: Records before it were left out: read the partition again from the expected one.
    READ_AGAIN = "read again"
    #: The log does not hold the offsets from the expected one to it (the re-read brought
    #: the same record first): count them as absent and hand the record to the streams.
    DELIVER_AFTER_GAP = "deliver after a gap"


class InOrderDelivery(Generic[K]):
    """Per partition, the offset of the next record the streams may receive."""

    def __init__(self) -> None:
        self._expected: dict[K, int] = {}
        #: Partition → (offset it was read again from, the record fetched instead).
        self._read_again: dict[K, tuple[int, int]] = {}
        #: Partitions whose rest of the current batch was fetched before a re-read.
        self._dropping: set[K] = set()

    def sought(self, key: K, offset: int) -> None:
        """``key`` was sought to ``offset``: its records are expected from there."""
        self._expected[key] = offset
        self._read_again.pop(key, None)
        self._dropping.discard(key)

    def forget(self, keys: Iterable[K]) -> None:
        """Stop gating ``keys`` (revoked)."""
        for key in keys:
            self._expected.pop(key, None)
            self._read_again.pop(key, None)
            self._dropping.discard(key)

    def expected(self, key: K) -> int | None:
        """The offset of ``key``'s next record; None before it was sought."""
        return self._expected.get(key)

    def new_fetch(self) -> None:
        """A new batch of fetched records begins (fetched after every earlier re-read)."""
        self._dropping.clear()

    def admit(self, key: K, offset: int) -> tuple[Admission, int]:
        """The fate of ``key``'s record at ``offset``, and the expected offset before it."""
        expected = self._expected.get(key)
        if expected is None:  # never sought: nothing to compare with
            self._expected[key] = offset + 1
            return Admission.DELIVER, offset
        if key in self._dropping or offset < expected:
            return Admission.DROP, expected
        if offset == expected:
            self._delivered(key, offset)
            return Admission.DELIVER, expected
        if self._read_again.get(key) == (expected, offset):
            self._delivered(key, offset)
            return Admission.DELIVER_AFTER_GAP, expected
        self._read_again[key] = (expected, offset)
        self._dropping.add(key)
        return Admission.READ_AGAIN, expected

    def _delivered(self, key: K, offset: int) -> None:
        self._expected[key] = offset + 1
        self._read_again.pop(key, None)

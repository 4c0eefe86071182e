"""Where a stream partition's offset may be committed: never past an unprocessed record.

Faust decides a commit from the offsets acknowledged since the last one, taking the
first run of consecutive acknowledged offsets. Its only check that the run starts where
processing must resume lets one missing offset through (``min(acked) - committed > 1``)
and is skipped altogether when nothing was committed yet: a record skipped in a
rebalance (not acknowledged) with its successor acknowledged was committed past, and
the partition's next owner never read it.

The rebalance-safe consumer keeps, per partition, the *base*: the offset processing
must resume from (where the partition was sought to after an assignment, raised to the
log's start, then each commit). A commit is the first offset at or after the base that
is neither acknowledged nor known to be absent from the log.

A record that never reaches a stream holds its partition's commit back for good if the
partition is not sought again — Faust drops a record fetched again below the offset it
last delivered, so a record lost around a seek stays lost while its successors are
processed. The records of one partition are acknowledged in order (one stream per
topic; batches acknowledged in order), so a record still unacknowledged long after a
later one was is not in flight: it was lost. :class:`LostRecords` says when; the consumer
then reads the partition again from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K")


def commit_point(base: int, done: Iterable[int], absent: Iterable[tuple[int, int]] = ()) -> int:
    """The first offset at or after ``base`` neither in ``done`` (acknowledged) nor in an
    ``absent`` span (``[begin, end)``: offsets the log does not hold).

    ``base`` itself when nothing may be committed.
    """
    finished = set(done)
    spans = sorted(span for span in absent if span[1] > base)
    point, i = base, 0
    while True:
        while i < len(spans) and spans[i][1] <= point:
            i += 1
        if point in finished:
            point += 1
        elif i < len(spans) and spans[i][0] <= point:
            point = spans[i][1]
        else:
            return point


def resume_bases(committed: Mapping[K, int | None], starts: Mapping[K, int]) -> dict[K, int]:
    """Per partition of ``starts`` (the log start offsets), where processing resumes: the
    committed offset, or the log's start when there is none or it was deleted since."""
    return {tp: max(committed.get(tp) or 0, start) for tp, start in starts.items()}


class LostRecords(Generic[K]):
    """Per partition, since when its first unprocessed record (the *hole*) has stayed
    unprocessed while the consumer was past it."""

    def __init__(self) -> None:
        self._since: dict[K, tuple[int, float]] = {}

    def observe(self, key: K, hole: int | None, now: float, after_s: float) -> bool:
        """Note ``key``'s hole (None: there is none); True once the same hole has lasted
        ``after_s`` seconds (then it is forgotten: the caller reads it again)."""
        if hole is None:
            self._since.pop(key, None)
            return False
        since = self._since.get(key)
        if since is None or since[0] != hole:
            self._since[key] = (hole, now)
            return False
        if now - since[1] < after_s:
            return False
        del self._since[key]
        return True

    def forget(self, keys: Iterable[K]) -> None:
        """Stop watching ``keys`` (revoked, or sought again)."""
        for key in keys:
            self._since.pop(key, None)

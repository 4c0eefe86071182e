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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

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

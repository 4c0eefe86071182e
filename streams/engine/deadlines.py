"""The deadline index: which women to re-judge when a watermark advances.

Per gate, a min-heap of the distinct instants and a bucket of ``(mother_ref, kind, trigger
key)`` per instant: an advance pops only the buckets its gate now covers, so the engine
never scans all women. Deadlines fall on ends of days, so many judgements share an instant:
heaping the instants (plain ints) rather than whole entries keeps the heap small and its
comparisons cheap; a bucket is sorted once, when it comes due, for a deterministic order.
Entries may be stale (the woman's records changed since): re-judging is idempotent, so
they are simply re-judged. The index is rebuilt from the women's states after a restart.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import Any, TypeAlias

from streams.engine.facts import RecordKey, record_key_text
from streams.engine.rules.common import Pending
from streams.engine.watermarks import Gate, Pair, Watermarks, gate_from_text, gate_text

#: What is due: (mother_ref, rule kind, trigger key).
Due: TypeAlias = tuple[str, str, RecordKey]


class _GateHeap:
    """One gate's min-heap of instants and, per instant, the set of its entries."""

    __slots__ = ("buckets", "heap")

    def __init__(self) -> None:
        self.heap: list[int] = []
        self.buckets: dict[int, set[Due]] = {}


class DeadlineIndex:
    """Min-heaps of pending judgements, per gate, without duplicate entries."""

    def __init__(self) -> None:
        # One lookup per gate and entry: a gate is a tuple of up to a dozen pairs, so
        # hashing it (rather than its entries) is the costly part of a push.
        self._heaps: dict[Gate, _GateHeap] = {}

    def __len__(self) -> int:
        return sum(len(b) for h in self._heaps.values() for b in h.buckets.values())

    def gates(self) -> list[Gate]:
        """Every gate with entries."""
        return [g for g, h in self._heaps.items() if h.heap]

    def push(self, mother_ref: str, pending: set[Pending]) -> None:
        """Remember that ``mother_ref`` must be re-judged when each gate passes its instant."""
        heaps = self._heaps
        for gate, instant, kind, key in pending:
            h = heaps.get(gate)
            if h is None:
                h = heaps[gate] = _GateHeap()
            bucket = h.buckets.get(instant)
            if bucket is None:
                bucket = h.buckets[instant] = set()
                heapq.heappush(h.heap, instant)
            bucket.add((mother_ref, kind, key))

    def pop_due(self, gate: Gate, effective: int) -> list[Due]:
        """Remove and return the entries of ``gate`` with instant ≤ ``effective``.

        In ``(instant, mother_ref, kind, key)`` order, whatever the order of the pushes.
        """
        h = self._heaps.get(gate)
        due: list[Due] = []
        if h is None:
            return due
        heap, buckets = h.heap, h.buckets
        while heap and heap[0] <= effective:
            bucket = buckets.pop(heapq.heappop(heap))
            if len(bucket) == 1:
                due.extend(bucket)
            else:
                due.extend(sorted(bucket))
        return due

    def holding(self, watermarks: Watermarks) -> dict[Pair, int]:
        """Pairs holding back judgements that some other pair of their gate already allows.

        An operator report, not a hot path: it walks every entry.
        """
        held: dict[Pair, int] = {}
        for gate, h in self._heaps.items():
            marks = {p: watermarks.get(*p) for p in gate.pairs}
            top = max(marks.values(), default=0)
            for instant, bucket in h.buckets.items():
                if top < instant:
                    continue  # nobody has reached it yet: not due anywhere
                for pair, mark in marks.items():
                    if mark < instant:
                        held[pair] = held.get(pair, 0) + len(bucket)
        return held

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        entries = sorted(
            (gate_text(g), i, m, k, record_key_text(r))
            for g, h in self._heaps.items()
            for i, bucket in h.buckets.items()
            for m, k, r in bucket
        )
        return {"entries": [list(e) for e in entries]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeadlineIndex:
        """Inverse of :meth:`to_dict`."""
        index = cls()
        for g, instant, mother_ref, kind, key in data["entries"]:
            stream, city, record_id = key.split("/", 2)
            index.push(
                mother_ref, {(gate_from_text(g), int(instant), kind, (stream, city, record_id))}
            )
        return index

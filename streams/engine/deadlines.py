"""The deadline index: which women to re-judge when a watermark advances.

One min-heap per gate of ``(instant, mother_ref, kind, trigger key)``: an advance pops only the
entries its gate now covers, so the engine never scans all women. Entries may be stale
(the woman's records changed since): re-judging is idempotent, so they are simply
re-judged. The index is rebuilt from the women's states after a restart.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

from streams.engine.facts import RecordKey, record_key_text
from streams.engine.rules.common import Pending
from streams.engine.watermarks import Gate, Pair, Watermarks, gate_from_text, gate_text

Entry: TypeAlias = tuple[int, str, str, RecordKey]
#: What is due: (mother_ref, rule kind, trigger key).
Due: TypeAlias = tuple[str, str, RecordKey]


class _GateHeap:
    """One gate's min-heap of entries and the set of those entries (no duplicates)."""

    __slots__ = ("heap", "members")

    def __init__(self) -> None:
        self.heap: list[Entry] = []
        self.members: set[Entry] = set()


class DeadlineIndex:
    """Min-heaps of pending judgements, per gate, without duplicate entries."""

    def __init__(self) -> None:
        # One lookup per gate and entry: a gate is a tuple of up to a dozen pairs, so
        # hashing it (rather than its entries) is the costly part of a push.
        self._heaps: dict[Gate, _GateHeap] = {}

    def __len__(self) -> int:
        return sum(len(h.members) for h in self._heaps.values())

    def gates(self) -> list[Gate]:
        """Every gate with entries."""
        return [g for g, h in self._heaps.items() if h.heap]

    def push(self, mother_ref: str, pending: Iterable[Pending]) -> None:
        """Remember that ``mother_ref`` must be re-judged when each gate passes its instant."""
        heaps = self._heaps
        for gate, instant, kind, key in pending:
            entry = (instant, mother_ref, kind, key)
            h = heaps.get(gate)
            if h is None:
                h = heaps[gate] = _GateHeap()
            if entry not in h.members:
                h.members.add(entry)
                heapq.heappush(h.heap, entry)

    def pop_due(self, gate: Gate, effective: int) -> list[Due]:
        """Remove and return the entries of ``gate`` with instant ≤ ``effective``."""
        h = self._heaps.get(gate)
        due: list[Due] = []
        if h is None:
            return due
        heap, members = h.heap, h.members
        while heap and heap[0][0] <= effective:
            entry = heapq.heappop(heap)
            members.discard(entry)
            due.append((entry[1], entry[2], entry[3]))
        return due

    def holding(self, watermarks: Watermarks) -> dict[Pair, int]:
        """Pairs holding back judgements that some other pair of their gate already allows.

        An operator report, not a hot path: it walks every entry.
        """
        held: dict[Pair, int] = {}
        for gate, h in self._heaps.items():
            marks = {p: watermarks.get(*p) for p in gate}
            top = max(marks.values(), default=0)
            for instant, *_ in h.heap:
                if top < instant:
                    continue  # nobody has reached it yet: not due anywhere
                for pair, mark in marks.items():
                    if mark < instant:
                        held[pair] = held.get(pair, 0) + 1
        return held

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        entries = sorted(
            (gate_text(g), i, m, k, record_key_text(r))
            for g, h in self._heaps.items()
            for i, m, k, r in h.members
        )
        return {"entries": [list(e) for e in entries]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeadlineIndex:
        """Inverse of :meth:`to_dict`."""
        index = cls()
        for g, instant, mother_ref, kind, key in data["entries"]:
            stream, city, record_id = key.split("/", 2)
            index.push(
                mother_ref, [(gate_from_text(g), int(instant), kind, (stream, city, record_id))]
            )
        return index

"""The respond-by index: which requests a clock advance must look at.

A min-heap of ``(respond_by, request_id)``: an advance pops only the requests whose
respond_by it reaches, so the lifecycle never scans every request. Entries may be stale
(a newer decision moved respond_by): re-evaluating a request is idempotent, so they are
simply re-evaluated. The index is rebuilt from the store after a restart.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import Any, TypeAlias

Entry: TypeAlias = tuple[int, str]


class RespondByIndex:
    """A min-heap of ``(respond_by, request_id)`` without duplicate entries."""

    def __init__(self) -> None:
        self._heap: list[Entry] = []
        self._members: set[Entry] = set()

    def __len__(self) -> int:
        return len(self._members)

    def push(self, respond_by: int, request_id: str) -> None:
        """Remember to look at ``request_id`` once the clock reaches ``respond_by``."""
        entry = (respond_by, request_id)
        if entry not in self._members:
            self._members.add(entry)
            heapq.heappush(self._heap, entry)

    def pop_due(self, clock: int) -> list[str]:
        """Remove and return the requests whose respond_by is ≤ ``clock`` (earliest first)."""
        heap = self._heap
        due: list[str] = []
        while heap and heap[0][0] <= clock:
            entry = heapq.heappop(heap)
            self._members.discard(entry)
            due.append(entry[1])
        return due

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {"entries": [list(e) for e in sorted(self._members)]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RespondByIndex:
        """Inverse of :meth:`to_dict`."""
        index = cls()
        for respond_by, request_id in data["entries"]:
            index.push(int(respond_by), str(request_id))
        return index

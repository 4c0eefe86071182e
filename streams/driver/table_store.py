"""A :class:`~streams.engine.store.WomanStore` over a key-value table (a Faust Table).

Table writes are the expensive part of a Faust agent (a changelog record each, plus the
store), and decoding a state from its dict is not free either. So the adapter keeps the
decoded states it has seen in a bounded cache and buffers ``put``: :meth:`flush` writes
each woman changed since the last flush once, however many times the engine stored her
while applying a batch of events. The driver flushes once per batch and partition, before
the batch's outputs are sent and its events acknowledged.

The cache is only valid while this worker owns the partition: :meth:`clear` it when the
partition is revoked.

A table that takes a value's JSON as it is (``put_json``, as the batch runtime's tables
do) is given :meth:`WomanState.to_json`, which encodes each fact once in the state's
life instead of the whole state at every write.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, Final

from streams.engine.history import WomanState

DEFAULT_CACHE_SIZE: Final = 20_000


class TableWomanStore:
    """Women of one engine partition, backed by ``table`` (mother_ref → state dict)."""

    def __init__(
        self, table: MutableMapping[str, Any], *, cache_size: int = DEFAULT_CACHE_SIZE
    ) -> None:
        self._table = table
        self._cache: OrderedDict[str, WomanState] = OrderedDict()
        self._dirty: dict[str, WomanState] = {}
        self._cache_size = cache_size
        self.writes = 0
        put_json: Callable[[str, bytes], None] | None = getattr(table, "put_json", None)
        self._put_json = put_json

    def get(self, mother_ref: str) -> WomanState | None:
        """The state of ``mother_ref``, or None if she is unknown."""
        state = self._dirty.get(mother_ref)
        if state is not None:
            return state
        state = self._cache.get(mother_ref)
        if state is not None:
            self._cache.move_to_end(mother_ref)
            return state
        data = self._table.get(mother_ref)
        if data is None:
            return None
        state = WomanState.from_dict(data, mother_ref)
        self._remember(mother_ref, state)
        return state

    def put(self, mother_ref: str, state: WomanState) -> None:
        """Store ``state``; written to the table at the next :meth:`flush`."""
        self._dirty[mother_ref] = state
        self._remember(mother_ref, state)

    def flush(self) -> int:
        """Write every state put since the last flush; returns how many were written."""
        written = len(self._dirty)
        put_json = self._put_json
        for mother_ref, state in self._dirty.items():
            if put_json is not None:
                put_json(mother_ref, state.to_json())
            else:
                self._table[mother_ref] = state.to_dict()
        self._dirty.clear()
        self.writes += written
        return written

    def discard(self) -> None:
        """Forget unflushed puts and cached states (after a failure mid-batch)."""
        self._dirty.clear()
        self._cache.clear()

    clear = discard

    def states(self, mother_refs: Iterator[str] | None = None) -> Iterator[WomanState]:
        """Every state of the table (or of ``mother_refs``), decoded, cache-aware."""
        keys = mother_refs if mother_refs is not None else iter(list(self._table.keys()))
        for ref in keys:
            state = self.get(ref)
            if state is not None:
                yield state

    def _remember(self, mother_ref: str, state: WomanState) -> None:
        self._cache[mother_ref] = state
        self._cache.move_to_end(mother_ref)
        # Unflushed states also live in ``_dirty``, so evicting them here loses nothing.
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

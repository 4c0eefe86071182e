"""A :class:`~streams.lifecycle.store.LifecycleStore` over a key-value table (a Faust Table).

Like :class:`~streams.driver.table_store.TableWomanStore`: ``put`` is buffered and
:meth:`flush` writes each changed request once per batch, before the batch's outputs are
handed to the producer. The table holds every lifecycle partition this worker has (a
RocksDB store per partition behind one mapping), so :meth:`records` keeps to the keys of
its own partition — the lifecycle topic is partitioned by ``request_id``.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from streams.driver.wire import partition_for
from streams.lifecycle.record import RequestRecord


class TableLifecycleStore:
    """Requests of one lifecycle partition, backed by ``table`` (request_id → record dict)."""

    def __init__(self, table: MutableMapping[str, Any], *, partition: int, partitions: int) -> None:
        self._table = table
        self._partition = partition
        self._partitions = partitions
        self._dirty: dict[str, RequestRecord] = {}
        self.writes = 0

    def get(self, request_id: str) -> RequestRecord | None:
        """The record of ``request_id``, or None if the request is unknown."""
        record = self._dirty.get(request_id)
        if record is not None:
            return record
        data = self._table.get(request_id)
        return None if data is None else RequestRecord.from_dict(data)

    def put(self, request_id: str, record: RequestRecord) -> None:
        """Store ``record``; written to the table at the next :meth:`flush`."""
        self._dirty[request_id] = record

    def records(self) -> Iterator[RequestRecord]:
        """Every record of this store's partition (unflushed puts included)."""
        mine = [
            k
            for k in list(self._table.keys())
            if partition_for(k, self._partitions) == self._partition
        ]
        for request_id in sorted(set(mine) | set(self._dirty)):
            record = self.get(request_id)
            if record is not None:
                yield record

    def flush(self) -> int:
        """Write every record put since the last flush; returns how many were written."""
        written = len(self._dirty)
        for request_id, record in self._dirty.items():
            self._table[request_id] = record.to_dict()
        self._dirty.clear()
        self.writes += written
        return written

    def discard(self) -> None:
        """Forget unflushed puts (after a failure mid-event)."""
        self._dirty.clear()

"""A key-value table in memory whose every write is also a changelog record.

The drivers keep their state in mappings (``women``, ``lifecycle``, …). Here a mapping
holds each value as its JSON bytes (orjson: compact, and decoded only when read — the
drivers cache what they decode), and queues each write as a record for the table's
compacted changelog topic, in the partition of the input being applied
(:class:`Cursor`). The runtime sends those records with the batch's outputs and commits
the batch's offsets only once Kafka acknowledged them all; a worker that takes a
partition over fills the table's partition from the changelog (:meth:`load`).

Nothing is kept on local disk: there is no local store that could get ahead of the
changelog after a kill (the fault the Faust runtime needed a clean-stop marker for).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

import orjson

from ivex.topic_reader import LogRecord
from streams.driver.records import Outgoing


class Cursor:
    """The partition of the input being applied: where a table write belongs."""

    __slots__ = ("partition",)

    def __init__(self) -> None:
        self.partition = 0


class ChangelogTable(MutableMapping[str, Any]):
    """``key → JSON value`` over every partition this worker owns; writes are queued as
    records of ``changelog``: key and value JSON, as Faust's tables write them (so either
    runtime restores what the other wrote); a None value deletes."""

    def __init__(self, changelog: str, cursor: Cursor) -> None:
        self.changelog = changelog
        self._cursor = cursor
        self._data: dict[str, bytes] = {}
        self._keys: dict[int, set[str]] = {}
        self._changes: list[Outgoing] = []

    def __getitem__(self, key: str) -> Any:
        return orjson.loads(self._data[key])

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        data = self._data.get(key)
        return default if data is None else orjson.loads(data)

    def __setitem__(self, key: str, value: Any) -> None:
        self.put_json(key, orjson.dumps(value))

    def put_json(self, key: str, value_json: bytes) -> None:
        """Set ``key`` to the value whose JSON is ``value_json`` (trusted, not parsed)."""
        # orjson hands back its working buffer (about 8 KB for a 1 KB state, measured with
        # orjson 3.13): a table holding those for half a million women took gigabytes.
        data = memoryview(value_json).tobytes()
        partition = self._cursor.partition
        self._data[key] = data
        keys = self._keys.get(partition)
        if keys is None:
            keys = self._keys[partition] = set()
        keys.add(key)
        self._changes.append(Outgoing(self.changelog, orjson.dumps(key), data, partition))

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        partition = self._cursor.partition
        self._keys.get(partition, set()).discard(key)
        # The one record without a value: a tombstone, which compaction acts on.
        tombstone = Outgoing(self.changelog, orjson.dumps(key), None, partition)  # type: ignore[arg-type]
        self._changes.append(tombstone)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def changes(self) -> list[Outgoing]:
        """The changelog records of the writes since the last call."""
        out, self._changes = self._changes, []
        return out

    def discard_changes(self) -> None:
        """Forget queued changelog records (their batch will be read again)."""
        self._changes = []

    def load(self, partition: int, records: Iterable[LogRecord]) -> int:
        """Fill ``partition`` from its changelog records (in log order); how many were read."""
        keys = self._keys.setdefault(partition, set())
        n = 0
        for record in records:
            n += 1
            key = orjson.loads(record.key or b'""')
            if record.value is None:
                self._data.pop(key, None)
                keys.discard(key)
            else:
                self._data[key] = record.value
                keys.add(key)
        return n

    def drop(self, partitions: Iterable[int]) -> None:
        """Forget what this worker held of ``partitions`` (revoked, or to be reloaded)."""
        for partition in partitions:
            for key in self._keys.pop(partition, ()):
                self._data.pop(key, None)

    def partitions(self) -> list[int]:
        """Partitions with keys in memory."""
        return sorted(p for p, keys in self._keys.items() if keys)

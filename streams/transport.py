"""Faust's aiokafka transport, with the two changes the case engine's guarantees need.

1. **An idempotent producer.** aiokafka's producer has idempotence off by default and
   Faust turns it on only for exactly-once. Idempotence keeps retries from duplicating
   or reordering records within a partition — the ingest relies on that order.
2. **A consumer that rewinds never-committed partitions after a rebalance.** Around a
   rebalance Faust drops records it already fetched (fetched while the flow was stopped,
   or under the previous generation — the latter are even acked) and then counts on
   seeking every partition back to its committed offset to fetch them again. aiokafka's
   ``seek_to_committed`` only seeks partitions with a commit above 0, so on a partition
   nobody had committed yet (a new group, a new topic, the first second of a worker) the
   dropped records were never processed: a rebalance while cities published could lose
   watermarks and facts for good. This consumer seeks those partitions to their
   beginning — what ``auto_offset_reset="earliest"`` would have read — so the records
   come again; the engine and the lifecycle absorb the duplicates.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP


def never_committed(committed: Mapping[TP, int | None], changelogs: Collection[str]) -> list[TP]:
    """The stream partitions of ``committed`` with no commit to seek back to.

    Changelog partitions are left alone: table recovery seeks them itself.
    """
    fresh = (
        tp
        for tp, offset in committed.items()
        if (offset is None or offset <= 0) and tp.topic not in changelogs
    )
    return sorted(fresh, key=lambda tp: (tp.topic, tp.partition))


class IdempotentProducer(faust_aiokafka.Producer):
    """Faust's aiokafka producer with ``acks=all`` and idempotence on."""

    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "acks": "all", "enable_idempotence": True}


class RewindingConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer; after seeking to the committed offsets it seeks every
    never-committed stream partition to its beginning (see the module doc)."""

    async def seek_to_committed(self) -> Mapping[TP, int]:
        """Seek to the committed offsets, or to the beginning where there is none."""
        committed = await super().seek_to_committed()
        fresh = never_committed(committed, self.app.tables.changelog_topics)
        if fresh:
            self.log.info("rewinding %d never-committed partitions to their start", len(fresh))
            await self._thread.seek_to_beginning(*fresh)
        return committed


class Transport(faust_aiokafka.Transport):
    """The aiokafka transport with :class:`IdempotentProducer` and :class:`RewindingConsumer`."""

    Producer = IdempotentProducer
    Consumer = RewindingConsumer

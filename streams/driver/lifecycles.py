"""One :class:`~streams.lifecycle.lifecycle.RequestLifecycle` per lifecycle partition.

State lives in two key-value tables (Faust tables in the worker, dicts in tests):

- ``lifecycle``: ``request_id`` → :meth:`RequestRecord.to_dict` — the engine's latest
  decision, the accepted responses, what was published and escalated. The lifecycle
  topic is partitioned by ``request_id``, so a request belongs to one partition.
- ``lifecycle_clocks``: ``"p<partition>"`` → the engine partitions' latest ticks and the
  exchange clock applied (:mod:`streams.driver.clocks`). Written only when a tick moves.
  The respond-by index is derived state, rebuilt from the records at recovery.

Inputs are applied in the partition's log order: a decision with its lifecycle-topic
position (a re-delivered older decision is then a no-op), a response with its
responses-topic position, a tick through :class:`EngineClocks`. A response always comes
after its request's first decision on the partition: the city only learns the request
from ``assist.requests.<city>``, which this driver publishes after applying it.

Crash safety mirrors :mod:`streams.driver.engines`: a batch's table writes are flushed
(each changed request once) before its outputs are handed to the producer, and Faust
flushes the producer before committing an offset. On the first event of a (re)assigned
partition the driver reloads it, re-sends every published request and issued escalation
(:meth:`RequestLifecycle.republish_all`: compacted topics keyed by ``request_id``,
byte-identical values) and then settles what the saved clock already reached
(:meth:`RequestLifecycle.settle_due` over a rebuilt index), since the saved clock may be
ahead of the records (two tables, two changelogs). Rejected responses are not state: a
re-delivered bad response is rejected again.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any, Final

from ivex.settings import Settings
from ivex.topics import TopicNames
from streams.driver.clocks import EngineClocks
from streams.driver.emit import Emitter
from streams.driver.lifecycle_store import TableLifecycleStore
from streams.driver.lifecycle_wire import EngineTick, LifecycleItem, decode_lifecycle_item
from streams.driver.partitioned import PartitionedDriver, PartitionedStats
from streams.driver.records import Outgoing, SourceMessage
from streams.driver.rejections import rejection_record
from streams.engine.facts import Position
from streams.engine.outputs import RequestOut
from streams.engine.params import EngineParams
from streams.lifecycle.inputs import Decision
from streams.lifecycle.lifecycle import NO_CLOCK, RequestLifecycle
from streams.lifecycle.outputs import LifecycleOutput

log = logging.getLogger(__name__)

STAGE: Final = "lifecycle"


def clock_key(partition: int) -> str:
    """Key of a lifecycle partition's clock state in the ``lifecycle_clocks`` table."""
    return f"p{partition}"


@dataclass(slots=True)
class LifecycleDriverStats(PartitionedStats):
    """Counters since start."""

    requests: int = 0
    escalations: int = 0
    rejections: int = 0


@dataclass(slots=True)
class _Partition:
    lifecycle: RequestLifecycle
    store: TableLifecycleStore
    clocks: EngineClocks


class LifecycleDriver(PartitionedDriver[_Partition, LifecycleItem]):
    """Applies lifecycle-topic records to the lifecycle of their partition."""

    stage = STAGE
    item_name = "a lifecycle item"

    def __init__(
        self,
        settings: Settings,
        records: MutableMapping[str, Any],
        clock_state: MutableMapping[str, Any],
        *,
        partitions: int,
        engine_partitions: int,
        emitter: Emitter | None = None,
    ) -> None:
        self.tz_hours = EngineParams.from_settings(settings).tz
        self.partitions = partitions
        self.engine_partitions = engine_partitions
        self.stats = LifecycleDriverStats()
        self._names = TopicNames(settings)
        super().__init__(self._names.processing_errors, self.stats)
        self._records = records
        self._clock_state = clock_state
        self._emitter = emitter if emitter is not None else Emitter(settings)

    def publish(self, result: LifecycleOutput) -> list[Outgoing]:
        """Records of a lifecycle output: requests, then escalations, then rejections."""
        self.stats.requests += len(result.requests)
        self.stats.escalations += len(result.escalations)
        self.stats.rejections += len(result.rejections)
        return (
            [self._emitter.request(r) for r in result.requests]
            + [self._emitter.escalation(r) for r in result.escalations]
            + [rejection_record(self._names, r) for r in result.rejections]
        )

    def _decode(self, value: bytes) -> list[LifecycleItem]:
        return [decode_lifecycle_item(value)]

    def _apply(self, part: _Partition, msg: SourceMessage, item: LifecycleItem) -> list[Outgoing]:
        return self.publish(self._result(part, msg, item))

    def _result(self, part: _Partition, msg: SourceMessage, item: LifecycleItem) -> LifecycleOutput:
        if isinstance(item, EngineTick):
            return self._tick(part, msg.partition, item)
        if isinstance(item, RequestOut):
            position = Position(msg.topic, msg.partition, msg.offset)
            return part.lifecycle.apply(Decision(item, position))
        return part.lifecycle.apply(item)

    def _tick(self, part: _Partition, partition: int, tick: EngineTick) -> LifecycleOutput:
        if not part.clocks.changed_by(tick):
            return LifecycleOutput()
        clock = part.clocks.observe(tick)
        result = part.lifecycle.apply(clock) if clock is not None else LifecycleOutput()
        self._clock_state[clock_key(partition)] = {
            **part.clocks.to_dict(),
            "clock": part.lifecycle.clock,
        }
        return result

    def _recover(self, partition: int) -> tuple[_Partition, list[Outgoing]]:
        """Load a partition's lifecycle from the tables and re-send what it published."""
        store = TableLifecycleStore(self._records, partition=partition, partitions=self.partitions)
        saved = self._clock_state.get(clock_key(partition)) or {}
        clocks = EngineClocks.from_dict(saved, self.engine_partitions)
        lifecycle = RequestLifecycle(
            store, tz_hours=self.tz_hours, clock=int(saved.get("clock", NO_CLOCK))
        )
        lifecycle.rebuild_index()
        result = lifecycle.republish_all()
        resent = len(result.requests) + len(result.escalations)
        due = lifecycle.settle_due()
        store.flush()
        result.extend(due)
        part = _Partition(lifecycle, store, clocks)
        self.stats.resent += resent
        log.info(
            "lifecycle partition %d recovered: %d requests and escalations re-sent, %d settled",
            partition,
            resent,
            len(due.requests) + len(due.escalations),
        )
        return part, self.publish(result)

"""One :class:`~streams.engine.engine.CaseEngine` per internal partition, over tables.

Requests do not go to ``assist.requests.<city>`` from here: each request decision goes
to the lifecycle topic (keyed by ``request_id``), where :mod:`streams.driver.lifecycles`
merges it with the cities' responses and the exchange clock. After every watermark that
advances this partition's exchange clock (the minimum over every member city and
stream), the partition sends an :class:`~streams.driver.lifecycle_wire.EngineTick` to
every lifecycle partition, behind the decisions it made so far (:mod:`streams.driver.clocks`
says why the clock comes from here). Notices go straight to ``assist.notices.<city>``.

State lives in two key-value tables (Faust tables in the worker, dicts in tests):

- ``women``: ``mother_ref`` → :meth:`WomanState.to_dict` — facts, seen event ids, what
  was emitted for her. The internal topic is partitioned by ``mother_ref``, so each
  woman belongs to exactly one engine partition.
- ``partitions``: ``"p<partition>"`` → ``{"watermarks": …}``, the engine-global part.
  Written only when a watermark moves (a few dozen pairs). The deadline index is not
  stored: it is derived state, rebuilt from the women at recovery, which reads every
  woman of the partition anyway (see below) — storing it would cost a write of the
  whole index per event.

Crash safety (at-least-once; NOTES "faust-streaming")
-----------------------------------------------------
A worker killed abruptly may have published changelog records (its state says a
request was emitted) without the request itself, or without committing the source
offset. Hence:

1. A re-delivered event is absorbed by the engine: its ``event_id`` is in the woman's
   ``seen`` set, kept in the same table record as the rest of her state. Re-delivered
   watermarks are no-ops (watermarks only move forward).
2. When a partition is (re)assigned, the first event of it triggers a recovery before it
   is applied: the partition's women are loaded, every request their state says was
   emitted is re-sent (latest state) and every notice already issued is re-derived and
   re-sent, followed by the partition's current clock tick; the deadline index is rebuilt
   as if no watermark had passed, so that
   :meth:`CaseEngine.rejudge_due` re-judges, against the saved watermarks, every woman
   with a deadline they passed — the saved watermarks may be ahead of the women's
   states (two tables, two changelogs, no atomicity between them).
   Requests and notices go to compacted topics keyed by deterministic ids, with values
   and headers that are a function of the output alone, so re-sending is harmless.
3. Within one batch (:meth:`PartitionedDriver.process_batch`), every table write — each
   changed woman once, the partition's watermarks once — happens before the outputs are
   handed to the producer; the worker acknowledges the batch's events only after its
   outputs are acknowledged by Kafka, and Faust flushes the producer (changelogs
   included) before it commits an offset. So an offset is never committed for an event
   whose state or outputs were lost.

Recovery runs on the first event rather than in a rebalance callback because Faust only
allows table writes (``rejudge_due`` may write) in the context of an event of the
partition, and because the first event arrives only after Faust restored the tables.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any, Final

from ivex.settings import Settings
from ivex.topics import TopicNames
from streams.driver.emit import Emitter
from streams.driver.lifecycle_wire import EngineTick, keyed_record, tick_records
from streams.driver.partitioned import PartitionedDriver, PartitionedStats
from streams.driver.records import Outgoing, SourceMessage
from streams.driver.table_store import TableWomanStore
from streams.driver.wire import decode_items, partition_for
from streams.engine.deadlines import DeadlineIndex
from streams.engine.engine import CaseEngine, EngineOutput
from streams.engine.facts import Fact, Watermark
from streams.engine.history import WomanState
from streams.engine.judge import judge
from streams.engine.outputs import NoticeOut, RequestOut
from streams.engine.params import EngineParams
from streams.engine.watermarks import Watermarks
from streams.lifecycle.clock import ExchangeClockTracker
from streams.lifecycle.inputs import ExchangeClock

log = logging.getLogger(__name__)

STAGE: Final = "engine"

#: What the internal topic carries: a fact for one woman, or a broadcast watermark.
EngineItem = Fact | Watermark


def partition_key(partition: int) -> str:
    """Key of a partition's engine-global state in the ``partitions`` table."""
    return f"p{partition}"


@dataclass(slots=True)
class DriverStats(PartitionedStats):
    """Counters since start (for logs and the throughput measurement)."""

    requests: int = 0
    notices: int = 0
    ticks: int = 0


@dataclass(slots=True)
class _Partition:
    engine: CaseEngine
    store: TableWomanStore
    clock: ExchangeClockTracker
    #: A watermark moved since the last flush (the ``partitions`` record is then rewritten).
    marks_moved: bool = False


class EngineDriver(PartitionedDriver[_Partition, EngineItem]):
    """Applies internal-topic records to the engine of their partition."""

    stage = STAGE
    item_name = "an engine item"

    def __init__(
        self,
        settings: Settings,
        women: MutableMapping[str, Any],
        partition_state: MutableMapping[str, Any],
        *,
        partitions: int,
        lifecycle_topic: str,
        lifecycle_partitions: int | None = None,
        emitter: Emitter | None = None,
    ) -> None:
        self.params = EngineParams.from_settings(settings)
        self.partitions = partitions
        self.lifecycle_topic = lifecycle_topic
        self.lifecycle_partitions = (
            lifecycle_partitions if lifecycle_partitions is not None else partitions
        )
        self.cities = settings.city_codes
        self.stats = DriverStats()
        super().__init__(TopicNames(settings).processing_errors, self.stats)
        self._women = women
        self._partition_state = partition_state
        self._emitter = emitter if emitter is not None else Emitter(settings)

    def _decode(self, value: bytes) -> list[EngineItem]:
        return decode_items(value)

    def _apply(self, part: _Partition, msg: SourceMessage, item: EngineItem) -> list[Outgoing]:
        before = _mark(part.engine, item)
        result = part.engine.apply(item)
        ticks: list[Outgoing] = []
        if isinstance(item, Watermark) and _mark(part.engine, item) != before:
            part.marks_moved = True
            ticks = self._tick(msg.partition, part.clock.observe(item))
        return self._emit(result) + ticks

    def _flush(self, part: _Partition, partition: int) -> None:
        part.store.flush()
        if part.marks_moved:
            self._save_watermarks(partition, part.engine)
            part.marks_moved = False

    def _recover(self, partition: int) -> tuple[_Partition, list[Outgoing]]:
        """Load a partition's engine from the tables and re-send what it emitted."""
        store = TableWomanStore(self._women)
        saved = self._partition_state.get(partition_key(partition))
        marks = Watermarks.from_dict(saved["watermarks"]) if saved else Watermarks()
        mine = [
            k for k in list(self._women.keys()) if partition_for(k, self.partitions) == partition
        ]
        states = list(store.states(iter(mine)))
        engine = CaseEngine(
            self.params, store, watermarks=marks, index=_full_index(self.params, store, states)
        )
        requests, notices = self._emitted(states, engine)
        due = engine.rejudge_due()
        store.flush()
        clock = ExchangeClockTracker.from_dict(marks.to_dict(), self.cities)
        part = _Partition(engine, store, clock)
        self.stats.resent += len(requests) + len(notices)
        log.info(
            "partition %d recovered: %d women, %d requests and %d notices re-sent, %d rejudged",
            partition,
            len(states),
            len(requests),
            len(notices),
            len(due.requests) + len(due.notices),
        )
        resend = self._records(requests, notices)
        return part, resend + self._emit(due) + self._tick(partition, clock.clock())

    def _emitted(
        self, states: Iterable[WomanState], engine: CaseEngine
    ) -> tuple[list[RequestOut], list[NoticeOut]]:
        """Latest state of every request emitted, and every notice issued, for ``states``.

        Notices are not stored (only their ids): they are re-derived from the same facts.
        """
        requests: list[RequestOut] = []
        notices: list[NoticeOut] = []
        for state in states:
            requests += state.emitted.values()
            if state.notified:
                derived = judge(state, engine.watermarks, self.params).notices
                notices += [n for nid, n in derived.items() if nid in state.notified]
        return requests, notices

    def _save_watermarks(self, partition: int, engine: CaseEngine) -> None:
        self._partition_state[partition_key(partition)] = {
            "watermarks": engine.watermarks.to_dict()
        }

    def _emit(self, result: EngineOutput) -> list[Outgoing]:
        for diag in result.diagnostics:
            log.debug("%s %s: %s", diag.kind, diag.event_id, diag.detail)
        self.stats.requests += len(result.requests)
        self.stats.notices += len(result.notices)
        return self._records(result.requests, result.notices)

    def _records(
        self, requests: Iterable[RequestOut], notices: Iterable[NoticeOut]
    ) -> list[Outgoing]:
        """Decisions to the lifecycle topic, then notices to their addressees."""
        out = [keyed_record(self.lifecycle_topic, r, self.lifecycle_partitions) for r in requests]
        return out + [self._emitter.notice(n) for n in notices]

    def _tick(self, partition: int, clock: ExchangeClock | None) -> list[Outgoing]:
        if clock is None:
            return []
        self.stats.ticks += 1
        tick = EngineTick(partition, clock.time_ms)
        return tick_records(self.lifecycle_topic, tick, self.lifecycle_partitions)


def _full_index(
    params: EngineParams, store: TableWomanStore, states: list[WomanState]
) -> DeadlineIndex:
    """The deadline index of ``states`` as if no watermark had ever passed.

    The two tables are written by separate changelog records, so after a kill the saved
    watermarks may be ahead of the women's judgements. Indexing every deadline judgement
    as pending, then letting :meth:`CaseEngine.rejudge_due` pop what the saved watermarks
    have passed, re-judges exactly those women and emits whatever the diff against
    ``emitted`` finds missing (usually nothing).
    """
    scratch = CaseEngine(params, store)
    scratch.rebuild_index(states)
    return scratch.index


def _mark(engine: CaseEngine, item: object) -> int | None:
    if isinstance(item, Watermark):
        return engine.watermarks.get(item.source_city, item.stream)
    return None

"""Faust's aiokafka transport, with the changes the case engine's guarantees need.

1. **The producer** of :mod:`streams.producer`: idempotent, and its flush (before each
   commit) waits for every table write.
2. **A consumer that loses nothing in a rebalance** (:class:`RebalanceSafeConsumer`).
   Around a rebalance Faust drops records it has fetched but not processed, and counts
   on seeking every partition back to its committed offset to fetch them again. Two
   holes, both seen losing watermarks in the integration tests:

   - aiokafka's ``seek_to_committed`` only seeks partitions with a commit above 0, so
     on a partition nobody had committed yet (a new group, a new topic, the first
     second of a worker) the dropped records were never fetched again. Such partitions
     are now sought to their beginning — what ``auto_offset_reset="earliest"`` would
     have read.
   - A record already handed to an agent when the flow stops (or fetched under the
     previous generation) is skipped by Faust's stream *and acked*, so the commit at
     revocation passes it and the partition's next owner starts after it. Such a
     record (never ``tracked`` by a stream, skipped under the stream's own condition) is
     now not acked; the commit stops before it and it is read again.

   Records read twice are absorbed by the engine and the lifecycle.
3. **Batches that failed are not acknowledged** (:meth:`RebalanceSafeConsumer.hold`).
   ``Stream.take_events`` acks a batch's events when the agent asks for the next batch,
   and also when the agent's body raised (or was cancelled) half-way: the batch's
   outputs may then never have been sent. The agents hold such a batch's messages back,
   so the commit stops before them and they are read again.
4. **Commits never pass an unprocessed record** (:mod:`streams.commits`). Faust's own
   choice of the offset to commit let one unacknowledged record through (and any number
   on a partition never committed before), so a record skipped in a rebalance could be
   committed past by its successor's acknowledgement. The consumer keeps per partition
   where processing resumes and commits only up to the first record not acknowledged.
   A record that stays unacknowledged while later ones are acknowledged
   (:class:`~streams.commits.LostRecords`, :data:`LOST_AFTER_S`), or long while the log
   holds it (:data:`UNACKED_AFTER_S`), never reached a stream: the partition is read
   again from it.
5. **A record handed to the streams without four tasks** (:mod:`streams.eager`): the
   delivery of each fetched record runs at once, and only one that has to wait (a
   stream's buffer full) goes through Faust's ``wait_first``.
6. **Records reach the streams in log order, none left out** (:mod:`streams.delivery`):
   a record fetched after earlier ones that Faust dropped is not handed on; the
   partition is read again from the first missing one at once, so a watermark is never
   processed before the records it covers.
"""

from __future__ import annotations

import inspect
import time
import weakref
from collections.abc import AsyncIterator, Collection, Iterable, Mapping
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message
from mode.services import WaitResults

from streams import eager
from streams.commits import LostRecords, commit_point, resume_bases
from streams.delivery import Admission, InOrderDelivery
from streams.producer import IdempotentProducer

#: A partition's first unprocessed record still unacknowledged this long after a later
#: record was acknowledged is taken as lost, and the partition read again from it. Well
#: above a batch's time in flight; the commit interval (1 s) is the resolution.
LOST_AFTER_S = 5.0
#: … and this long with nothing after it acknowledged while the log holds it (the
#: consumer's last known high watermark is above it): the last records of a partition
#: left out before or after they reached a stream, or a long backlog in a stream's
#: buffer (reading again is then only wasted work).
UNACKED_AFTER_S = 20.0


def now() -> float:
    """The clock of :data:`LOST_AFTER_S` (monotonic seconds)."""
    return time.monotonic()


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


class RebalanceSafeConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer, closing the two rebalance holes of the module doc, and
    holding back failed batches."""

    _held: weakref.WeakSet[Message]
    #: Per stream partition, the offset processing resumes from (nothing before it is
    #: unprocessed): set when the partition is sought, advanced by each commit.
    _bases: dict[TP, int]
    _lost: LostRecords[TP]
    _in_order: InOrderDelivery[TP]

    def hold(self, messages: Iterable[Message]) -> None:
        """Never ack ``messages`` (a batch that failed or was fenced): they will be read
        again. Nor wait for them: Faust's revocation waits until every message it
        tracks is acknowledged, so a held one kept in its books would stall the rebalance
        that is to have them read again."""
        if not hasattr(self, "_held"):
            self._held = weakref.WeakSet()
        for message in messages:
            self._held.add(message)
            self._unacked_messages.discard(message)

    async def seek_to_committed(self) -> Mapping[TP, int]:
        """Seek to the committed offsets, or to the beginning where there is none; note
        where processing of each stream partition resumes."""
        committed = await super().seek_to_committed()
        changelogs = self.app.tables.changelog_topics
        fresh = never_committed(committed, changelogs)
        if fresh:
            self.log.info("rewinding %d never-committed partitions to their start", len(fresh))
        streamed = [tp for tp in committed if tp.topic not in changelogs]
        if streamed:
            starts = await self._thread.call_thread(self._seek_to_start, fresh, streamed)
            bases = resume_bases(committed, starts)
            self._resume_at(bases)
            for tp, offset in bases.items():
                self._gate().sought(tp, offset)
        return committed

    async def _seek_to_start(
        self, partitions: list[TP], others: Collection[TP] = ()
    ) -> dict[TP, int]:
        # Runs on the consumer thread. An explicit seek, not aiokafka's
        # seek_to_beginning: that leaves the position unset until the next fetch, and
        # Faust's livelock detector crashes the worker reading an unset position.
        # The log start offsets of ``others`` come back too (one request).
        consumer = self._thread._ensure_consumer()
        starts = await self._log_starts(sorted({*partitions, *others}))
        for tp in partitions:
            if tp in starts:
                consumer.seek(tp, starts[tp])
        return starts

    async def _log_starts(self, partitions: list[TP]) -> dict[TP, int]:
        # On the consumer thread: the log start offsets of those ``partitions`` still
        # assigned once the answer came (a rebalance may have run during the await).
        consumer = self._thread._ensure_consumer()
        starts = await consumer.beginning_offsets(partitions)
        assigned = consumer.assignment()
        return {tp: offset for tp, offset in starts.items() if tp in assigned}

    def _resume_at(self, bases: Mapping[TP, int]) -> None:
        if not hasattr(self, "_bases"):
            self._bases = {}
        self._bases.update(bases)
        for tp in bases:  # a key in _acked makes each commit look at the partition
            self._acked.setdefault(tp, [])

    async def seek(self, partition: TP, offset: int) -> None:
        """Seek ``partition`` to ``offset``; processing resumes there."""
        await super().seek(partition, offset)
        if partition.topic not in self.app.tables.changelog_topics:
            self._resume_at({partition: offset})
            self._gate().sought(partition, offset)

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        """Forget where revoked partitions resume (set again when they are sought)."""
        for tp in revoked:
            getattr(self, "_bases", {}).pop(tp, None)
        if hasattr(self, "_lost"):
            self._lost.forget(revoked)
        self._gate().forget(revoked)
        await super().on_partitions_revoked(revoked)

    def _gate(self) -> InOrderDelivery[TP]:
        if not hasattr(self, "_in_order"):
            self._in_order = InOrderDelivery()
        return self._in_order

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        """Faust's fetched records, each stream partition's in log order with none left
        out (:mod:`streams.delivery`); changelog records as they come."""
        gate = self._gate()
        gate.new_fetch()
        changelogs = self.app.tables.changelog_topics
        async for tp, message in super().getmany(timeout):
            if tp.topic in changelogs:
                yield tp, message
                continue
            admission, expected = gate.admit(tp, message.offset)
            if admission is Admission.DROP:
                continue
            if admission is Admission.READ_AGAIN:
                self.log.info(
                    "%s: fetched @%d with @%d-%d left out: reading again from @%d",
                    tp, message.offset, expected, message.offset - 1, expected,
                )  # fmt: skip
                await self._thread.call_thread(self._seek_assigned, tp, expected)
                continue
            if admission is Admission.DELIVER_AFTER_GAP:
                self.log.warning(
                    "%s: offsets %d-%d are not on the log (read twice): passed over",
                    tp, expected, message.offset - 1,
                )  # fmt: skip
                gaps = self._gap[tp]
                gaps.addi(expected, message.offset)  # absent from the log: not to wait for
                gaps.merge_overlaps()
            # Faust hands on records above the last one it delivered, and a seek racing
            # its delivery can leave that mark too high: the gate decides instead.
            self._read_offset[tp] = message.offset - 1
            yield tp, message

    async def _seek_assigned(self, tp: TP, offset: int) -> None:
        # On the consumer thread. Not ``seek``: where processing resumes (the commit
        # base) stays, as records before ``offset`` may still be in flight.
        consumer = self._thread._ensure_consumer()
        if tp in consumer.assignment():
            consumer.seek(tp, offset)

    def _new_offset(self, tp: TP) -> int | None:
        # Replaces Faust's choice (see streams.commits): the first offset after the base
        # not acknowledged, where Faust's let one missing offset through.
        base = getattr(self, "_bases", {}).get(tp)
        if base is None:
            return None  # never sought: nothing is known to be processed
        acked, gaps = self._acked[tp], self._gap[tp]
        point = commit_point(base, acked, ((gap.begin, gap.end) for gap in gaps))
        if point <= base:
            self._watch_hole(tp, base, later_done=bool(acked))
            return None
        self._watch_hole(tp, None)
        acked[:] = sorted(offset for offset in acked if offset >= point)
        self._acked_index[tp].intersection_update(acked)
        gaps.chop(0, point)
        self._bases[tp] = point
        return point

    def _watch_hole(self, tp: TP, hole: int | None, *, later_done: bool = False) -> None:
        if not hasattr(self, "_lost"):
            self._lost = LostRecords()
        if hole is not None and not later_done and (self.highwater(tp) or 0) <= hole:
            hole = None  # nothing there yet: waiting for it is no stall
        after_s = LOST_AFTER_S if later_done else UNACKED_AFTER_S
        if not self._lost.observe(tp, hole, now(), after_s) or hole is None:
            return
        if self.app.flow_control.is_active():  # a rebalance seeks everything anyway
            self.add_future(self._read_again(tp, hole))

    async def _read_again(self, tp: TP, offset: int) -> None:
        """Seek ``tp`` back to ``offset``, a record lost on its way to the streams."""
        starts = await self._thread.call_thread(self._log_starts, [tp])
        if tp not in starts or not self.app.flow_control.is_active():
            return  # revoked, or a rebalance began: it seeks by itself
        if starts[tp] > offset:  # deleted since: nothing left to process there
            self.log.warning("%s: offsets %d-%d deleted unprocessed", tp, offset, starts[tp] - 1)
            self._bases[tp] = starts[tp]
            return
        self.log.warning(
            "%s@%d never reached a stream while later records were processed: reading "
            "the partition again from it",
            tp,
            offset,
        )
        await self.seek(tp, offset)

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        # Faust passes the offset of the record just delivered as the gap's end, and
        # counts the gap as processed: that record would then be committed whether or
        # not it was. Only the offsets before it are missing from the log.
        await super()._add_gap(tp, offset_from, offset_to - 1)

    async def wait_first(self, *coros: Any, timeout: Any = None) -> WaitResults:
        """Faust's ``wait_first``; for the drain loop's ``(deliver(record),
        suspend_flow.wait())`` the delivery is run at once and the general (task per
        coroutine) path taken only if it has to wait."""
        if len(coros) == 2 and timeout is None and inspect.iscoroutine(coros[0]):
            _, result, rest = eager.start(coros[0])
            if rest is None:  # finished
                if inspect.iscoroutine(coros[1]):
                    coros[1].close()  # never started: nothing to wait for
                return WaitResults([coros[0]], [result], False)
            return await super().wait_first(rest, coros[1])
        return await super().wait_first(*coros, timeout=timeout)

    def ack(self, message: Message) -> bool:
        """Mark ``message`` safe to commit — unless a stream skipped it in a rebalance."""
        if not message.tracked and self._skipped_in_rebalance(message):
            self.log.info("not acking %s@%d: skipped in a rebalance", message.tp, message.offset)
            return False
        if message in getattr(self, "_held", ()):
            self.log.info("not acking %s@%d: its batch failed", message.tp, message.offset)
            return False
        return bool(super().ack(message))

    def _skipped_in_rebalance(self, message: Message) -> bool:
        # The stream's own skip condition (faust.streams.Stream.__aiter__), checked with
        # no await in between, so it still holds when the skipped message is acked.
        app = self.app
        stale = message.generation_id != app.consumer_generation_id
        return stale or not app.flow_control.is_active()


class Transport(faust_aiokafka.Transport):
    """The aiokafka transport with :class:`IdempotentProducer` and
    :class:`RebalanceSafeConsumer`."""

    Producer = IdempotentProducer
    Consumer = RebalanceSafeConsumer

"""The batch runtime's loop: poll a batch, apply it, send, wait for Kafka, commit.

One librdkafka consumer (group: the app's id, as the Faust app's) subscribes to every
stage's topics; one idempotent ``acks=all`` producer sends. Each turn of the loop:

1. takes what came (up to ``poll_max`` records, or what arrived within
   ``batch_within_s``) and hands each stage its records, in log order per partition;
2. hands the stages' outputs and their tables' changelog records to the producer, and
   goes on with the next batch while Kafka acknowledges them;
3. commits the offsets of the batches Kafka has acknowledged in full, oldest first
   (:mod:`streams.runtime.inflight`); with ``batches_in_flight`` batches unacknowledged
   it waits for the oldest. A delivery that fails ends the worker: nothing from its
   batch on is committed, and whoever reads those records next applies them again.

So an offset is committed only for records whose outputs and state changes are on the
log (at-least-once, as the Faust runtime; the drivers absorb what is read twice and
re-send what a recovery finds published). Rebalances happen only inside a poll, between
batches: before partitions are given up the producer is flushed and what it delivered
committed; a revoked partition's state is dropped, and an assigned one is restored from
its changelogs before its first record is applied.

A worker that stood still past the session timeout (:class:`PauseGuard`) applies and
sends nothing; it drops every partition's state and reads again from the committed
offsets once it has its partitions back.
"""

from __future__ import annotations

import logging
import operator
import signal
import time
from collections.abc import Iterable, Sequence
from typing import Any, Final

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

from ivex.bulk_reader import read_partitions
from ivex.errors import BrokerError
from ivex.kafka_config import librdkafka_config
from ivex.settings import Settings
from ivex.topic_reader import LogRecord
from ivex.topics import faust_id
from streams.driver.records import Outgoing, SourceMessage
from streams.engine.gc_tuning import BatchCollector
from streams.options import WorkerOptions
from streams.pause_guard import FencedError, PauseGuard
from streams.runtime.inflight import InFlight, Offsets, SentBatch
from streams.runtime.topology import Stage, Topology

log = logging.getLogger(__name__)
_VALUE: Final = operator.itemgetter(1)

#: Logged once the worker joined its group the first time (tests and operators wait for it).
READY: Final = "[^Worker]: Ready"
#: Commit errors that only mean the group moved on: the next owner reads the records again.
_GROUP_MOVED: Final = frozenset(
    {
        KafkaError.REBALANCE_IN_PROGRESS,
        KafkaError.ILLEGAL_GENERATION,
        KafkaError.UNKNOWN_MEMBER_ID,
        KafkaError._NO_OFFSET,
        KafkaError._ASSIGNMENT_LOST,
        KafkaError._STATE,
    }
)


class DeliveryError(BrokerError):
    """Kafka refused or timed out records of a batch; the batch was not committed."""


class BatchWorker:
    """One worker process's consumer, producer and stages."""

    def __init__(
        self, settings: Settings, options: WorkerOptions, topology: Topology, guard: PauseGuard
    ) -> None:
        self.settings = settings
        self.options = options
        self.topology = topology
        self.guard = guard
        self.group = faust_id(settings, options.app_id)
        self._consumer = Consumer(self._consumer_config(), logger=log)
        self._producer = Producer(self._producer_config(), logger=log)
        #: Batches handed to the producer and not committed yet.
        self._in_flight = InFlight()
        self._gc = BatchCollector()
        self._stop = False
        self._diagnose = False
        self._assignments = 0
        #: Records and batches applied since start (logged at the stop).
        self.records = 0
        self.batches = 0
        #: Assigned partitions of the stateful stages' topics whose tables are not loaded.
        self._to_restore: set[tuple[str, int]] = set()
        self._assigned: set[tuple[str, int]] = set()

    # -- configuration -------------------------------------------------------------

    def _consumer_config(self) -> dict[str, Any]:
        opts = self.options
        return librdkafka_config(self.settings) | {
            "group.id": self.group,
            "client.id": f"{self.group}-worker",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": int(opts.session_timeout_s * 1000),
            "heartbeat.interval.ms": int(opts.heartbeat_interval_s * 1000),
            "isolation.level": "read_committed",
            # Round robin over every topic-partition: with the default (range) the 20
            # one-partition city topics all went to the first member of the group.
            "partition.assignment.strategy": "roundrobin",
            # A fetch answers as soon as anything is there; a short wait keeps hops quick.
            "fetch.wait.max.ms": 50,
            # What one poll can hand over, so what one batch can hold: an envelope of the
            # ingest carries up to 500 events, and with librdkafka's default (64 MB) a
            # worker catching up took a quarter of a million events in one batch.
            "queued.max.messages.kbytes": opts.prefetch_kbytes,
        }

    def _producer_config(self) -> dict[str, Any]:
        return librdkafka_config(self.settings) | {
            "client.id": f"{self.group}-worker",
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 2,
            "batch.size": 1_000_000,
            # Java's partitioner, as the Faust runtime's: a key lands where it always did.
            "partitioner": "murmur2_random",
        }

    # -- the loop --------------------------------------------------------------------

    def run(self) -> None:
        """Process until SIGTERM or SIGINT, then commit, leave the group and return."""
        signal.signal(signal.SIGTERM, self._request_stop)
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGUSR1, self._request_diagnosis)
        self._gc.start()
        self._consumer.subscribe(
            self.topology.topics,
            on_assign=self._on_assign,
            on_revoke=self._on_revoke,
            on_lost=self._on_lost,
        )
        try:
            while not self._stop:
                messages = self._poll()
                if self._diagnose:
                    self._log_diagnosis()
                if messages:
                    self.process(messages)
                    # After the batch's records and outputs are gone: what it leaves is
                    # frozen, never scanned by a collection (see BatchCollector).
                    del messages
                    self._gc.after_batch()
                self._settle(wait=False)
            self._settle(wait=True)  # a clean stop: everything delivered is committed
        finally:
            # After a crash nothing more is committed: the next owner reads it again.
            self._consumer.close()  # leaves the group: the others take its partitions at once
            log.info("worker stopped: %d records applied in %d batches", self.records, self.batches)

    def _poll(self) -> list[Message]:
        """What is already fetched; else what comes first within ``batch_within_s`` and
        whatever was fetched with it. (Asking librdkafka for ``poll_max`` records with a
        timeout waits out the whole timeout unless that many come: the worker idled up
        to 50 ms at every hop.)"""
        consume, most = self._consumer.consume, self.options.poll_max
        messages = consume(most, 0)
        if messages:
            return messages
        first = consume(1, self.options.batch_within_s)
        return first + consume(most - 1, 0) if first else first

    def process(self, messages: Sequence[Message]) -> None:
        """Apply, send and account for one polled batch (see the module's text)."""
        records = _sources(messages)
        if not records:
            return
        if self.guard.fenced():
            self._start_over("the worker stood still")
            return
        self._restore()
        try:
            out = self._apply(records)
        except FencedError:
            self._start_over("the worker stood still while it applied a batch")
            return
        if self.guard.fenced():
            self._start_over("the worker stood still before it sent a batch")
            return
        offsets: Offsets = {}
        for r in records:  # in log order: the last of a partition is its highest
            offsets[r.topic, r.partition] = r.offset + 1
        batch = SentBatch(offsets, len(out))
        self._in_flight.add(batch)
        self._send(out, batch)
        self.records += len(records)
        self.batches += 1

    def _apply(self, records: Sequence[SourceMessage]) -> list[Outgoing]:
        by_stage: dict[str, tuple[Stage, list[SourceMessage]]] = {}
        by_topic = self.topology.by_topic
        for source in records:
            for stage in by_topic.get(source.topic, ()):
                by_stage.setdefault(stage.name, (stage, []))[1].append(source)
        out: list[Outgoing] = []
        for stage, batch in by_stage.values():
            out += stage.handle(batch, self.topology.within(batch))
        # Table writes first: a crash between the two leaves state a recovery re-sends.
        changes = [c for s in self.topology.stateful() for t in s.tables for c in t.changes()]
        return changes + out

    # -- sending and committing ----------------------------------------------------

    def _send(self, records: Iterable[Outgoing], batch: SentBatch) -> None:
        produce, poll = self._producer.produce, self._producer.poll
        delivered = batch.delivered
        for r in records:
            partition = -1 if r.partition is None else r.partition  # -1: the partitioner's
            while True:
                try:
                    # Positional where it can: keyword arguments cost a third more a record.
                    if r.headers:
                        produce(
                            r.topic, r.value, r.key, partition, delivered, headers=list(r.headers)
                        )
                    else:
                        produce(r.topic, r.value, r.key, partition, delivered)
                    break
                except BufferError:  # the local queue is full: let deliveries drain it
                    poll(0.05)
        poll(0)

    def _settle(self, *, wait: bool) -> None:
        """Commit what the batches Kafka acknowledged in full read (``wait``: wait for
        every batch first; else only for the oldest, when too many are in flight)."""
        in_flight = self._in_flight
        if not in_flight:
            return
        if wait:
            while self._producer.flush(1.0) > 0:
                log.warning("waiting for Kafka to acknowledge the batches' records")
        else:
            self._producer.poll(0)
            while len(in_flight) >= self.options.batches_in_flight and not in_flight.oldest_done():
                self._producer.poll(0.05)
        offsets = in_flight.take_acknowledged()
        if offsets:
            self._commit(offsets, asynchronous=not wait)
        failures = in_flight.failures()
        if failures:
            in_flight.clear()
            raise DeliveryError(
                f"{len(failures)} records were not delivered ({failures[0]}); "
                "the batches they belong to are not committed"
            )

    def _commit(self, offsets: dict[tuple[str, int], int], *, asynchronous: bool) -> None:
        tps = [TopicPartition(t, p, o) for (t, p), o in offsets.items()]
        try:
            if asynchronous:
                self._consumer.commit(offsets=tps, asynchronous=True)
            else:
                self._consumer.commit(offsets=tps, asynchronous=False)
        except KafkaException as exc:
            err: KafkaError = exc.args[0]
            if err.code() not in _GROUP_MOVED:
                raise
            log.warning("offsets not committed (%s): the next owner reads them again", err.str())

    # -- state: restore, drop, start over --------------------------------------------

    def _restore(self) -> None:
        """Load the tables of every assigned partition not loaded yet."""
        if not self._to_restore:
            return
        started = time.monotonic()
        todo, self._to_restore = sorted(self._to_restore), set()
        stages = list(self.topology.stateful())
        tables = {t.changelog: t for s in stages for t in s.tables}
        wanted = [
            (t.changelog, p)
            for s in stages
            for t in s.tables
            for topic, p in todo
            if topic in s.topics
        ]
        read: dict[tuple[str, int], list[LogRecord]] = {}
        for record in read_partitions(self.settings, wanted):
            read.setdefault((record.topic, record.partition), []).append(record)
        for (changelog, partition), records in read.items():
            tables[changelog].load(partition, records)
        n = sum(len(records) for records in read.values())
        self._gc.after_batch()  # what was restored stays: never scanned again
        log.info(
            "restored %d changelog records of %d partitions in %.2f s",
            n,
            len(todo),
            time.monotonic() - started,
        )

    def _drop(self, partitions: Iterable[tuple[str, int]]) -> None:
        mine = list(partitions)
        for stage in self.topology.stateful():
            numbers = [p for t, p in mine if t in stage.topics]
            if stage.driver is not None:
                stage.driver.release(numbers)
            for table in stage.tables:
                table.drop(numbers)
                table.discard_changes()
        self._to_restore -= set(mine)

    def _start_over(self, why: str) -> None:
        """Forget every partition's state and read again from the committed offsets."""
        log.warning("%s: its state is dropped and read again from the committed offsets", why)
        # What it has not sent yet never goes out; nothing since the last commit counts.
        self._producer.purge(in_queue=True, in_flight=False)
        self._producer.poll(0)
        self._in_flight.clear()
        assigned = sorted(self._assigned)
        self._drop(assigned)
        self._to_restore |= {tp for tp in assigned if self._stateful(tp[0])}
        tps = [TopicPartition(t, p) for t, p in assigned]
        if not tps:
            return
        try:
            for tp in self._consumer.committed(tps, timeout=10.0):
                offset = tp.offset if tp.offset >= 0 else -2  # OFFSET_BEGINNING
                self._consumer.seek(TopicPartition(tp.topic, tp.partition, offset))
        except KafkaException as exc:  # the group moved on: the rebalance re-reads anyway
            log.warning("could not seek back (%s)", exc)

    def _stateful(self, topic: str) -> bool:
        return any(s.tables for s in self.topology.by_topic.get(topic, ()))

    # -- rebalance callbacks (run inside consume(), between batches) ------------------

    def _on_assign(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._assignments += 1
        self.guard.reassigned()
        mine = {(tp.topic, tp.partition) for tp in partitions}
        self._assigned |= mine
        self._to_restore |= {tp for tp in mine if self._stateful(tp[0])}
        log.info("partitions assigned (assignment %d): %d", self._assignments, len(mine))
        if self._assignments == 1:
            log.info(READY)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Still the owner: what was delivered is committed, so the next owner need not
        # read it again.
        self._settle(wait=True)
        self._on_lost(consumer, partitions)

    def _on_lost(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        gone = {(tp.topic, tp.partition) for tp in partitions}
        self._assigned -= gone
        self._drop(gone)
        log.info("partitions revoked: %d", len(gone))

    # -- signals and shutdown ----------------------------------------------------------

    def _request_stop(self, signum: int, _frame: object) -> None:
        log.info("signal %d: stopping after the current batch", signum)
        self._stop = True

    def _request_diagnosis(self, _signum: int, _frame: object) -> None:
        self._diagnose = True

    def _log_diagnosis(self) -> None:
        self._diagnose = False
        assigned = self._consumer.assignment()
        for tp in self._consumer.position(assigned) if assigned else []:
            log.warning("diagnose: %s/%d position %d", tp.topic, tp.partition, tp.offset)
        log.warning(
            "diagnose: %d assigned, %d to restore, fenced=%s",
            len(assigned),
            len(self._to_restore),
            self.guard.fenced(),
        )


def _sources(messages: Sequence[Message]) -> list[SourceMessage]:
    """The records of a poll (a consumer error is logged, or raised if fatal); one pass,
    each accessor called once: this runs for every record of every hop."""
    out: list[SourceMessage] = []
    append, make = out.append, tuple.__new__
    for msg in messages:
        err = msg.error()
        if err is not None:
            if err.fatal():
                raise BrokerError(f"the consumer failed: {err.str()}")
            log.warning("consumer: %s", err.str())
            continue
        headers = msg.headers()
        # A record without an error always has its topic, partition and offset. The
        # tuple is built directly: the named tuple's ``__new__`` and ``typing.cast`` are
        # Python calls, a few percent of the worker's CPU at this rate.
        fields = (
            msg.topic(),
            msg.partition(),
            msg.offset(),
            msg.key(),
            msg.value(),
            _headers(headers) if headers else (),
        )
        append(make(SourceMessage, fields))
    return out


def _headers(headers: Any) -> tuple[tuple[str, bytes], ...]:
    # librdkafka's keys are str and its values bytes or None; the check runs in C, and
    # only a record with a null value needs the Python pass (a city record has six).
    if None in map(_VALUE, headers):
        return tuple((k, v or b"") for k, v in headers)
    return tuple(headers)

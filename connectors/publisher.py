"""The publisher SDK: input rows of one city → events on its topics, rejects → its DLQ.

::

    with Publisher(settings, "620700") as publisher:
        report = publisher.publish("births", rows)      # rows: mappings or InputRows
        publisher.declare_watermark("births", datetime(2025, 3, 31, 16, tzinfo=UTC))

Guarantees:

- A row is reported ``published`` only after Kafka acknowledged it (``acks=all``,
  idempotent producer); on a broker outage the publisher retries with backoff and then
  raises :class:`~ivex.errors.PublishUnavailable`, having reported only acknowledged rows.
- Event ids are content-derived (:func:`connectors.rows.event_id`) and the city topic is
  read before publishing (:class:`~connectors.city_log.CityLog`), so re-publishing an input —
  after a crash, or by mistake — reports ``duplicate`` and adds nothing to the log. A row
  with the same id but different fields than what was published is rejected as a clash.
- After each batch, once everything in it is acknowledged, a ``SourceWatermark`` with
  ``complete_through`` = the batch's latest ``recorded_at`` follows in-line on the
  stream's topic. Watermarks never move backwards: the last one is read from the topic.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Literal

from kafka.errors import KafkaError, KafkaTimeoutError
from pydantic import ValidationError

from connectors.city_log import DIGEST_HEADER, CityLog
from connectors.clients import KafkaClients, Retry
from connectors.formats import InputRow
from connectors.publish_plan import batches, input_rows, next_watermark, plan_batch
from connectors.rd_producer import RdProducer
from connectors.rows import EVENT_NAMESPACE, PreparedRecord, RowPreparer
from ivex.codec import Codec, ce_headers
from ivex.dlq import dead_letter
from ivex.errors import IvexError, RecordRejected, WatermarkRejected
from ivex.models import RECORD_MODELS, reject_from, to_avro
from ivex.settings import Settings
from ivex.topics import STREAMS, Stream, TopicNames

log = logging.getLogger(__name__)

Status = Literal["published", "duplicate", "rejected"]
OutcomeCallback = Callable[["RowOutcome"], None]
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class RowOutcome:
    """What became of one input row; ``line`` is its line number or row id in ``source``."""

    source: str
    line: str
    status: Status
    event_id: str | None = None
    record_id: str | None = None
    field: str | None = None
    reason: str | None = None
    offset: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The outcome as JSON-ready data, without empty fields."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class PublishReport:
    """Outcomes of one :meth:`Publisher.publish` call, in input order."""

    city: str
    stream: Stream
    outcomes: list[RowOutcome] = field(default_factory=list)
    #: ``complete_through`` (epoch ms) of every watermark published, in order.
    watermarks: list[int] = field(default_factory=list)

    def count(self, status: Status) -> int:
        """How many rows ended with ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def published(self) -> int:
        """Rows acknowledged by Kafka as new events."""
        return self.count("published")

    @property
    def duplicates(self) -> int:
        """Rows whose event was already on the topic (or earlier in the same input)."""
        return self.count("duplicate")

    @property
    def rejected(self) -> int:
        """Rows sent to the DLQ."""
        return self.count("rejected")

    def rejected_by_reason(self) -> Counter[tuple[str, str]]:
        """Rejected rows counted by (field, reason)."""
        return Counter((o.field or "", o.reason or "") for o in self.outcomes if o.reason)


@dataclass(frozen=True)
class PublisherOptions:
    """Batching, retry and timeout knobs; the defaults suit a file drop."""

    batch_size: int = 500
    #: Connection attempts (with exponential backoff) before PublishUnavailable.
    attempts: int = 4
    backoff_s: float = 0.5
    #: Upper bound for Kafka to acknowledge a record, retries included.
    delivery_timeout_ms: int = 60_000
    #: How long one connection attempt waits for the cluster.
    bootstrap_timeout_ms: int = 10_000


@dataclass
class _Pending:
    row: InputRow
    future: Any = None
    record: PreparedRecord | None = None
    #: Set for a row bound for the DLQ: (masked field, masked reason).
    rejection: tuple[str, str] | None = None
    outcome: RowOutcome | None = None


class Publisher:
    """Publishes input rows of one member city; one instance per city, thread-safe calls
    are the caller's job (the HTTP server serialises them)."""

    def __init__(
        self,
        settings: Settings,
        city: str,
        *,
        key: bytes | None = None,
        options: PublisherOptions | None = None,
    ) -> None:
        settings.city(city)  # ConfigError for a non-member, before anything else
        self._settings = settings
        self._city = city
        self._options = options or PublisherOptions()
        self._topics = TopicNames(settings)
        self._preparer = RowPreparer(settings, city, key=key)
        self._codec = Codec()
        self._clients = _clients(settings, self._options)
        self._log: CityLog | None = None

    @property
    def city(self) -> str:
        """The publishing city."""
        return self._city

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Flush and close the Kafka clients (a later call reconnects)."""
        self._clients.close()

    # -- publishing rows -------------------------------------------------------------

    def publish(
        self,
        stream: Stream,
        rows: Iterable[InputRow | Mapping[str, Any]],
        *,
        source: str = "sdk",
        on_outcome: OutcomeCallback | None = None,
        complete_through: datetime | None = None,
    ) -> PublishReport:
        """Publish ``rows`` of ``stream``; plain mappings are numbered from 1 in ``source``.

        ``on_outcome`` is told each row's outcome once it is final (e.g. for a progress
        bar). ``complete_through`` also declares the stream complete through that instant
        (see :meth:`declare_watermark`). Raises :class:`PublishUnavailable` when Kafka
        does not acknowledge; the rows reported before that were acknowledged.
        """
        part = Part(stream, rows, source, complete_through)
        return self.publish_parts([part], on_outcome=on_outcome)[0]

    def publish_parts(
        self, parts: Sequence[Part], *, on_outcome: OutcomeCallback | None = None
    ) -> list[PublishReport]:
        """Publish several parts (streams' rows, each with an optional declared
        watermark) in one go: the city topics are read once, every row of every part is
        sent before one flush, then the parts' watermarks follow with one more.

        Each watermark is sent only once every record it vouches for is acknowledged:
        a record rejected by Kafka does not stop a later record of the same partition
        from being accepted, so a watermark in the records' own flush could promise a
        record that never landed. Reports are in the order of ``parts``.
        """
        for part in parts:
            if part.stream not in STREAMS:
                raise IvexError(f"unknown stream {part.stream!r}; one of {', '.join(STREAMS)}")
        if len({part.stream for part in parts}) < len(parts):
            raise IvexError("publish_parts takes at most one part per stream")
        city_log = self._catch_up(*(part.stream for part in parts))
        logs = {part.stream: city_log for part in parts}
        declared = [self._declared(p, logs[p.stream]) for p in parts]
        runs = [_Run(p.stream, PublishReport(self._city, p.stream), logs[p.stream]) for p in parts]
        for part, run in zip(parts, runs, strict=True):
            self._send_rows(run, part, on_outcome)
        self._flush()
        failure = None
        for run in runs:
            failure = failure or run.settle(on_outcome, final=True)
        if failure is not None:
            self._fail(failure, acknowledged=sum(r.report.published for r in runs))
        self._send_watermarks(runs, declared)
        for run in runs:
            log.info(
                "%s %s: %d published, %d duplicate, %d rejected",
                self._city,
                run.stream,
                run.report.published,
                run.report.duplicates,
                run.report.rejected,
            )
        return [run.report for run in runs]

    def _send_rows(self, run: _Run, part: Part, on_outcome: OutcomeCallback | None) -> None:
        for batch in batches(input_rows(part.rows, part.source), self._options.batch_size):
            run.pending.extend(self._send_batch(run, batch))
            run.settle(on_outcome, final=False)  # report what is acknowledged so far

    def _send_batch(self, run: _Run, batch: list[InputRow]) -> list[_Pending]:
        pending: list[_Pending] = []
        prepare = partial(self._prepare, run.stream)
        for planned in plan_batch(batch, prepare, run.digest_of):
            item = _Pending(planned.row, record=planned.record)
            pending.append(item)
            if planned.rejection is not None:
                item.future, item.rejection = self._send_dead_letter(
                    run.stream, planned.row, planned.rejection
                )
            elif planned.verdict == "duplicate":
                item.outcome = _outcome(item, "duplicate")
            elif planned.record is not None:
                run.in_flight[planned.record.event_id] = planned.record.digest
                item.future = self._send_record(run.stream, planned.record)
        return pending

    def _prepare(self, stream: Stream, row: InputRow) -> PreparedRecord:
        if row.malformed is not None:
            raise row.malformed
        return self._preparer.prepare(stream, row.data)

    def _send_record(self, stream: Stream, record: PreparedRecord) -> Any:
        headers = ce_headers(
            record.record_name, self._city, record.event_id, record.datum["recorded_at"]
        )
        headers.append((DIGEST_HEADER, record.digest.encode("ascii")))
        value = self._codec.encode(record.record_name, record.datum)
        return self._send(
            self._topics.city(self._city, stream), record.record_id.encode(), value, headers
        )

    def _send_dead_letter(
        self, stream: Stream, row: InputRow, exc: RecordRejected
    ) -> tuple[Any, tuple[str, str]]:
        letter = dead_letter(
            city=self._city,
            stream=stream,
            source=row.source,
            line=row.line,
            field=exc.field,
            reason=exc.reason,
            row=row.data,
        )
        future = self._send(
            self._topics.dlq(self._city), letter.key(), letter.value(), letter.headers()
        )
        return future, (letter.field, letter.reason)

    def _send(self, topic: str, key: bytes | None, value: bytes, headers: list[Any]) -> Any:
        try:
            return self._clients.producer().send(topic, key=key, value=value, headers=headers)
        except KafkaError as exc:
            # send() itself fails when metadata cannot be fetched within max_block_ms.
            return _FailedFuture(exc)

    def _flush(self) -> None:
        try:
            self._clients.producer().flush(timeout=self._options.delivery_timeout_ms / 1000 + 5)
        except KafkaError as exc:
            log.warning("flush did not complete: %s", type(exc).__name__)

    # -- watermarks --------------------------------------------------------------------

    def declare_watermark(self, stream: Stream, complete_through: datetime) -> int | None:
        """Promise that every record of ``stream`` recorded up to ``complete_through`` is
        published. Returns the published ``complete_through`` in epoch ms, or ``None`` when
        the stream's watermark is already there. :class:`WatermarkRejected` if it would
        move backwards or lies in the future."""
        if stream not in STREAMS:
            raise WatermarkRejected(stream, "unknown stream")
        run = _Run(stream, PublishReport(self._city, stream), self._catch_up(stream))
        declared = self._declared(Part(stream, (), "sdk", complete_through), run.city_log)
        if declared is None:
            return None
        self._send_watermarks([run], [declared])
        return declared

    def _declared(self, part: Part, city_log: CityLog) -> int | None:
        """The part's declared watermark in epoch ms, checked; None if none or no move."""
        if part.complete_through is None:
            return None
        stream = part.stream
        if part.complete_through.utcoffset() is None:
            raise WatermarkRejected(stream, "complete_through must carry a UTC offset")
        through = _millis(part.complete_through)
        last = city_log.watermark(stream)
        if last is not None and through < last:
            raise WatermarkRejected(
                stream, f"would move backwards from {_iso(last)} to {_iso(through)}"
            )
        if last == through:
            return None
        self._watermark_datum(stream, through)  # rejects the future before any row is sent
        return through

    def _send_watermarks(self, runs: Sequence[_Run], declared: Sequence[int | None]) -> None:
        """After the runs' records are acknowledged: each stream's watermark (the later of
        its latest accepted ``recorded_at`` and what was declared), one flush for all."""
        now_ms = _millis(datetime.now(UTC))
        sent: list[tuple[_Run, int, Any]] = []
        for run, decl in zip(runs, declared, strict=True):
            last = run.city_log.watermark(run.stream)
            through = max(
                (t for t in (next_watermark(run.accepted, now_ms, last), decl) if t is not None),
                default=None,
            )
            if through is not None:
                sent.append((run, through, self._send_watermark(run.stream, through)))
        if not sent:
            return
        self._flush()
        for run, through, future in sent:
            error = _future_error(future)
            if error is not None:
                self._fail(error, acknowledged=0)
            run.city_log.set_watermark(run.stream, through)
            run.report.watermarks.append(through)
            run.offsets.append(future.value.offset)
        for run in runs:
            run.city_log.skip_own(run.stream, run.offsets)

    def _send_watermark(self, stream: Stream, through_ms: int) -> Any:
        datum = self._watermark_datum(stream, through_ms)
        value = self._codec.encode("SourceWatermark", datum)
        headers = ce_headers("SourceWatermark", self._city, datum["event_id"], datum["recorded_at"])
        return self._send(self._topics.city(self._city, stream), None, value, headers)

    def _watermark_datum(self, stream: Stream, through_ms: int) -> dict[str, Any]:
        name = f"{self._city}|{stream}|SourceWatermark|{through_ms}"
        now = datetime.now(UTC)
        data = {
            "event_id": str(uuid.uuid5(EVENT_NAMESPACE, name)),
            "source_city": self._city,
            "recorded_at": now,
            "stream": stream,
            "complete_through": datetime.fromtimestamp(through_ms / 1000, UTC),
        }
        context = {"cities": self._settings.city_codes, "publishing_city": self._city}
        try:
            model = RECORD_MODELS["SourceWatermark"].model_validate(data, context=context)
        except ValidationError as exc:
            first = reject_from(exc)[0]
            raise WatermarkRejected(stream, f"{first.field} {first.reason}") from None
        return to_avro(model)

    # -- connections -------------------------------------------------------------------

    def _catch_up(self, *streams: Stream) -> CityLog:
        def read() -> CityLog:
            city_log = self._city_log()
            limit = time.monotonic() + self._options.delivery_timeout_ms / 1000
            city_log.catch_up_many(streams, deadline=lambda: time.monotonic() > limit)
            return city_log

        return self._clients.retrying(read, "read the city topic")

    def _city_log(self) -> CityLog:
        if self._log is None or not self._clients.has_consumer:
            consumer = self._clients.consumer()
            if self._log is None:
                self._log = CityLog(self._topics, self._city, consumer, self._codec)
            else:
                self._log.use_consumer(consumer)
        return self._log

    def _fail(self, exc: Exception, *, acknowledged: int) -> None:
        self._clients.drop()
        raise self._clients.unavailable(exc, acknowledged=acknowledged) from exc


def _clients(settings: Settings, options: PublisherOptions) -> KafkaClients:
    delivery = options.delivery_timeout_ms
    # librdkafka sends (connectors.rd_producer): kafka-python's send was a third of a
    # file publish; the consumer reading the city topic stays kafka-python.
    producer = partial(
        RdProducer.connect,
        settings,
        delivery_timeout_ms=delivery,
        request_timeout_ms=min(30_000, delivery // 2),
        bootstrap_timeout_ms=options.bootstrap_timeout_ms,
    )
    return KafkaClients(
        settings,
        new_producer=producer,
        consumer={
            "group_id": None,
            "enable_auto_commit": False,
            "bootstrap_timeout_ms": options.bootstrap_timeout_ms,
            "request_timeout_ms": max(options.bootstrap_timeout_ms, 5000),
        },
        retry=Retry(options.attempts, options.backoff_s),
    )


@dataclass(frozen=True)
class Part:
    """Rows of one stream to publish, and optionally the instant it is complete through."""

    stream: Stream
    rows: Iterable[InputRow | Mapping[str, Any]]
    source: str = "sdk"
    complete_through: datetime | None = None


@dataclass
class _Run:
    """One part being published: rows in flight in input order, and what was reported."""

    stream: Stream
    report: PublishReport
    city_log: CityLog
    pending: deque[_Pending] = field(default_factory=deque)
    #: event id → digest of the records sent by this run (duplicates within the run).
    in_flight: dict[str, str] = field(default_factory=dict)
    #: ``recorded_at`` (epoch ms) of every record now on the topic: the next watermark.
    accepted: list[int] = field(default_factory=list)
    #: Offsets this run's own records and watermark took on the city topic.
    offsets: list[int] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)

    def digest_of(self, event_id: str) -> str | None:
        """Digest of an event sent earlier in this run, or already on the topic."""
        digest = self.in_flight.get(event_id)
        return digest if digest is not None else self.city_log.digest_of(event_id)

    def settle(self, on_outcome: OutcomeCallback | None, *, final: bool) -> Exception | None:
        """Report pending rows in input order as far as they are acknowledged.

        Not ``final``: stop at the first row not acknowledged yet. ``final`` (after the
        flush): report every acknowledged row and return the first failure, if any; a
        row that failed is never reported, nor a later duplicate of it.
        """
        failure: Exception | None = None
        while self.pending:
            item = self.pending[0]
            if item.outcome is None and item.future is not None:
                if not final and not item.future.is_done:
                    break
                error = _future_error(item.future)
                if error is not None and not final:
                    break
                if error is not None:
                    failure = failure or error
                    if item.record is not None and item.rejection is None:
                        self.failed.add(item.record.event_id)
                    self.pending.popleft()
                    continue
                item.outcome = self._acknowledged(item)
            self.pending.popleft()
            if item.record is not None and item.record.event_id in self.failed:
                continue  # a duplicate of a row that did not land
            self._report(item, on_outcome)
        return failure

    def _acknowledged(self, item: _Pending) -> RowOutcome:
        if item.rejection is not None:
            field_name, reason = item.rejection
            return RowOutcome(
                item.row.source, item.row.line, "rejected", field=field_name, reason=reason
            )
        offset: int = item.future.value.offset
        self.offsets.append(offset)
        return _outcome(item, "published", offset=offset)

    def _report(self, item: _Pending, on_outcome: OutcomeCallback | None) -> None:
        outcome = item.outcome
        assert outcome is not None
        if item.record is not None and outcome.status != "rejected":
            self.accepted.append(item.record.recorded_at_ms)
            self.city_log.remember(item.record.event_id, item.record.digest)
        self.report.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)


def _outcome(item: _Pending, status: Status, offset: int | None = None) -> RowOutcome:
    record = item.record
    assert record is not None
    return RowOutcome(
        item.row.source, item.row.line, status, record.event_id, record.record_id, offset=offset
    )


class _FailedFuture:
    """Stands in for a future when ``send`` itself raised."""

    is_done = True

    def __init__(self, exc: Exception) -> None:
        self.exception = exc

    def failed(self) -> bool:
        return True


def _future_error(future: Any) -> Exception | None:
    if isinstance(future, _FailedFuture):
        return future.exception
    error: Exception
    if not future.is_done:
        error = KafkaTimeoutError("not acknowledged within the delivery timeout")
        return error
    if future.failed():
        error = future.exception
        return error
    return None


def _millis(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // _MS


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")

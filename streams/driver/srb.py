"""The sex-ratio-at-birth monitor on Kafka: births → ``monitor.srb`` and ``monitor.alerts``.

Two stages (agents in :mod:`streams.app`):

- :class:`SrbIngest` reads every ``city.<code>.births`` topic, decodes each record as the
  case engine's ingest does (:meth:`~streams.driver.ingest.Ingest.convert`), and forwards
  each birth's version (compact JSON; the batch runtime a batch's versions together, in
  envelopes, :meth:`SrbIngest.forward_all`) to the single partition of ``<app>-srb-in``. One
  partition, so that one tally sees every city (the federation is pooled) and moves whole
  between workers. Bad input is dropped here: the engine's ingest already sends it to the
  errors topic. Watermarks are not needed.
- :class:`SrbDriver` applies a batch of those versions to a
  :class:`~streams.srb.tally.Tally` and then sends, once per batch, the report of every
  cell whose figures changed (coalescing: a burst of births yields one report per cell),
  and a notice on ``monitor.alerts`` for every cell whose status changed to WATCH or ALERT.

State: one table, ``record key → RecordEntry`` (the record's latest version and the months
it named). The counts are derived from it in memory on the first batch after the partition
is (re)assigned — as the case engine derives its deadline index — so there is no second
table to fall out of step with it after a crash.

Crash safety (at-least-once): a version re-delivered is no newer than the one stored, so
the tally ignores it. Table writes happen before the batch's records are handed to the
producer, and Faust flushes the producer before committing offsets. After a
(re)assignment the first batch re-sends every report and every current WATCH/ALERT notice:
both topics are compacted and keyed by cell, with values and headers that are functions of
the figures, so re-sending is harmless and repairs whatever a crash lost.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, MutableMapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from ivex.codec import Codec, ce_headers
from ivex.codec.cloudevents import content_id
from ivex.models import SexRatioReport, to_avro
from ivex.models.enums import SrbStatus
from ivex.settings import Settings
from ivex.topics import TopicNames
from streams.driver.errors import ProcessingError
from streams.driver.ingest import Ingest
from streams.driver.records import Outgoing, SourceMessage
from streams.driver.wire import ENVELOPE_ITEMS
from streams.engine.facts import Birth, Fact, Watermark
from streams.srb.reports import ReportBuilder, period_month, report_key
from streams.srb.status import WARNING_STATUSES
from streams.srb.tally import BirthVersion, RecordEntry, Tally, record_key

log = logging.getLogger(__name__)

#: ``ce_source`` of the monitor's records.
CE_SOURCE: Final = "urn:ivex:srb-monitor"
REPORT_RECORD: Final = "SexRatioReport"
#: Header of an alert: the status the cell had before (empty after a recovery).
PREVIOUS_HEADER: Final = "ivex_srb_previous_status"
_CE_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ivex:srb-monitor:ce-id")
_VERSIONS: Final = "versions"


class SrbIngest:
    """Births of the city topics → versions on the SRB input topic."""

    def __init__(self, settings: Settings, srb_topic: str, codec: Codec | None = None) -> None:
        self._ingest = Ingest(settings, srb_topic, 1, codec)
        self.srb_topic = srb_topic
        names = TopicNames(settings)
        self.topics = [names.city(code, "births") for code in settings.city_codes]

    def route(self, msg: SourceMessage) -> list[Outgoing]:
        """The record to forward for one consumed births message (none for the rest)."""
        try:
            item = self._ingest.convert(msg)
        except ProcessingError:
            return []  # the case engine's ingest reports it on the errors topic
        return self.forward(item)

    def forward(self, item: Fact | Watermark) -> list[Outgoing]:
        """The record to forward for an item the ingest converted (none but for births)."""
        if not isinstance(item, Birth):
            return []
        version = BirthVersion.of(item)
        key = record_key(version, item.record_id)
        return [Outgoing(self.srb_topic, key.encode(), encode_version(key, version), 0)]

    def forward_all(self, items: Sequence[Fact | Watermark]) -> list[Outgoing]:
        """The records to forward for a batch's converted items: its births' versions, in
        order, in envelopes of at most :data:`ENVELOPE_ITEMS` (one record each, as the
        ingest's: see :mod:`streams.driver.wire`)."""
        versions = []
        for item in items:
            if isinstance(item, Birth):
                version = BirthVersion.of(item)
                versions.append([record_key(version, item.record_id), version.to_list()])
        chunks = (versions[i : i + ENVELOPE_ITEMS] for i in range(0, len(versions), ENVELOPE_ITEMS))
        return [Outgoing(self.srb_topic, None, orjson.dumps({_VERSIONS: c}), 0) for c in chunks]


def encode_version(key: str, version: BirthVersion) -> bytes:
    """The SRB input topic's value for one version: ``[record key, version]`` as JSON."""
    return orjson.dumps([key, version.to_list()])


def decode_versions(value: bytes) -> list[tuple[str, BirthVersion]]:
    """The versions of a record of the SRB input topic (one, or an envelope's), in order;
    ValueError/TypeError on foreign bytes (an envelope is refused whole)."""
    body = orjson.loads(value)
    if isinstance(body, dict):
        pairs = body[_VERSIONS]
        if not isinstance(pairs, list):
            raise TypeError("an envelope's versions are a list")
        return [_version(pair) for pair in pairs]
    return [_version(body)]


def _version(pair: Any) -> tuple[str, BirthVersion]:
    key, data = pair
    return str(key), BirthVersion.from_list(list(data))


class SrbDriver:
    """Applies batches of versions to the tally; reports changed cells and warnings."""

    def __init__(
        self,
        settings: Settings,
        records: MutableMapping[str, Any],
        codec: Codec | None = None,
    ) -> None:
        names = TopicNames(settings)
        self.srb_topic = names.srb
        self.alerts_topic = names.srb_alerts
        self._settings = settings.srb
        self._records = records
        self._codec = codec if codec is not None else Codec()
        self._tally: Tally | None = None
        self._builder: ReportBuilder | None = None
        self._sent: dict[str, SexRatioReport] = {}
        self._touched: set[tuple[str, str]] = set()
        self._pending: list[Outgoing] = []

    def apply(self, msg: SourceMessage) -> None:
        """Apply one input record (its table write happens now, in its event's context)."""
        builder = self._builder if self._builder is not None else self._recover()
        try:
            versions = decode_versions(msg.value or b"")
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("srb: skipping %s@%d (%s)", msg.topic, msg.offset, type(exc).__name__)
            return
        tally, records, touched = builder.tally, self._records, self._touched
        for key, version in versions:
            applied = tally.apply(key, version)
            if applied.entry is not None:
                records[key] = applied.entry.to_dict()
                touched |= applied.months

    def flush(self) -> list[Outgoing]:
        """The records of the batch applied since the last flush, coalesced per cell."""
        out, self._pending = self._pending, []
        if self._builder is None or not self._touched:
            return out
        keys = self._builder.affected(self._touched)
        self._touched = set()
        return out + self._changed(self._builder.report(*k) for k in keys)

    def release(self, partitions: Iterable[int]) -> None:
        """Forget the in-memory tally when partition 0 is revoked (reloaded on return)."""
        if 0 in set(partitions):
            self._tally = self._builder = None
            self._sent = {}
            self._touched = set()
            self._pending = []

    def owned(self) -> list[int]:
        """``[0]`` while the tally is in memory."""
        return [0] if self._builder is not None else []

    def _recover(self) -> ReportBuilder:
        entries = [(k, RecordEntry.from_dict(v)) for k, v in list(self._records.items())]
        tally = Tally.from_entries(entries)
        builder = ReportBuilder(tally, self._settings)
        self._tally, self._builder, self._sent = tally, builder, {}
        reports = builder.all_reports()
        # Nothing counts as sent: every report, and every current warning, goes out again.
        self._pending = self._changed(reports)
        log.info("srb recovered: %d records, %d reports re-sent", len(entries), len(reports))
        return builder

    def _changed(self, reports: Iterable[SexRatioReport]) -> list[Outgoing]:
        out: list[Outgoing] = []
        for report in reports:
            key = report_key(report.city, report.period, report.birth_order)
            before = self._sent.get(key)
            if before == report:
                continue
            self._sent[key] = report
            out.append(self._record(self.srb_topic, key, report))
            was = before.status if before is not None else None
            if report.status in WARNING_STATUSES and report.status != was:
                out.append(self._alert(report, was))
        return out

    def _alert(self, report: SexRatioReport, previous: SrbStatus | None) -> Outgoing:
        key = report_key(report.city, report.period, report.birth_order)
        record = self._record(self.alerts_topic, key, report)
        extra = ((PREVIOUS_HEADER, (previous or "").encode()),)
        return Outgoing(record.topic, record.key, record.value, None, record.headers + extra)

    def _record(self, topic: str, key: str, report: SexRatioReport) -> Outgoing:
        value = self._codec.encode(REPORT_RECORD, to_avro(report))
        return Outgoing(topic, key.encode(), value, None, report_headers(report, value))


def report_headers(report: SexRatioReport, value: bytes) -> tuple[tuple[str, bytes], ...]:
    """CloudEvents headers of a report: a function of the report alone.

    ``ce_time`` is the start of the month the period ends with (event time, not now).
    """
    month = period_month(report.period)
    moment = datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=UTC)
    return tuple(ce_headers(REPORT_RECORD, CE_SOURCE, content_id(_CE_NAMESPACE, value), moment))

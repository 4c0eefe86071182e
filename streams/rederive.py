"""Re-derivation: the case engine and the request lifecycle run over the log from the start.

The audit driver of docs/operations.md. It reads every ``city.<code>.<stream>`` topic and every
``assist.responses.<code>`` topic with the bounded bulk reader (:mod:`ivex.bulk_reader`),
decodes each value once (with the workers' own ingest checks), and feeds the *same* pure
engine and lifecycle the stream workers run — in isolation from them (no consumer group,
no tables), so it neither disturbs nor trusts the live system. The result is what the
requests topics should hold; :mod:`ivex.verify` diffs the two.

Order of the lifecycle's inputs (:class:`Rederiver`)
----------------------------------------------------
1. The city topics through one engine, in log order per topic. Each request decision
   goes to the lifecycle as it is made; after each watermark that advances the minimum
   over every member city and stream, the exchange clock follows — what one engine
   partition of the workers sends to the lifecycle topic (:mod:`streams.driver.clocks`).
2. Then every response, in log order per responses topic.

A published state is a pure function of the request's latest decision, its accepted
responses and the clock (:func:`streams.lifecycle.rules.view`), and by the end every
decision, response and watermark is in; so the final states agree with the live
system's whatever the interleaving. Responses come last because the lifecycle accepts a
response only after its request's first decision — which is also why the live system
never sees one earlier: a city learns a request from the topic the lifecycle publishes.
(Escalations, which depend on whether an answer or the clock came first, are not
re-derived: the audit compares requests.)

Shares (parallel re-derivation)
-------------------------------
A :class:`Share` ``k`` of ``n`` applies only the facts of the women whose ``mother_ref``
falls in it (CRC-32 of the text modulo ``n``: any stable hash keeps a woman in one share,
and this one is C code — Kafka's murmur2 in kafka-python cost more than decoding),
and every watermark — as the live engine partitions each see every watermark. A woman's
requests come only from her own records, so each request is decided by one share, and
its lifecycle (the decision, the responses to it, the clock) lives there too: a share
applies only the responses to requests it decided and lists the others
(``unowned_responses``); a response no share decided is one the lifecycle would reject.
A share finds a record's woman without decoding it (:class:`MotherRefPeek`), and
refuses another share's record before the bulk reader builds it (:class:`ForeignRecords`),
so each share decodes only its own facts, the watermarks and what it cannot place.
:mod:`streams.audit.shares` merges the shares.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from ivex.bulk_reader import read_bulk
from ivex.settings import Settings
from ivex.topic_reader import LogRecord, ReadPlan
from ivex.topics import INTERNAL_PARTITIONS, TopicNames
from streams.audit.peek import MotherRefPeek
from streams.driver.errors import ProcessingError
from streams.driver.ingest import Ingest
from streams.driver.records import SourceMessage
from streams.driver.responses import ResponseIngest
from streams.engine.engine import CaseEngine, EngineParams
from streams.engine.facts import Fact, Watermark
from streams.engine.outputs import NoticeOut, RequestOut
from streams.lifecycle import (
    Decision,
    ExchangeClockTracker,
    LifecycleOutput,
    RequestLifecycle,
    Response,
)

_UNUSED_TOPIC = "rederive"
T = TypeVar("T")
Ends = Mapping[tuple[str, int], int]


@dataclass(frozen=True)
class Share:
    """Share ``index`` of ``count`` of the women (by ``mother_ref``); (0, 1) is everyone."""

    index: int = 0
    count: int = 1

    def owns(self, mother_ref: str) -> bool:
        """True if this share applies the facts of ``mother_ref``."""
        return self.count == 1 or zlib.crc32(mother_ref.encode("utf-8")) % self.count == self.index


@dataclass
class Rederivation:
    """Requests as published (latest state of each) and notices derived from the log."""

    requests: dict[str, RequestOut] = field(default_factory=dict)
    notices: dict[str, NoticeOut] = field(default_factory=dict)
    #: The engine's latest decision on each request (before responses and the clock).
    decisions: dict[str, RequestOut] = field(default_factory=dict)
    events: int = 0
    undecodable: int = 0
    responses: int = 0
    rejected: int = 0
    #: Of ``undecodable``, those whose woman (and so share) was known (see Share).
    owned_undecodable: int = 0
    #: Request ids of the responses left to the share that decided them (see Share).
    unowned_responses: list[str] = field(default_factory=list)


class Rederiver:
    """A fresh engine and lifecycle, fed city records, then responses (see the module doc)."""

    def __init__(
        self, params: EngineParams, cities: Iterable[str], share: Share | None = None
    ) -> None:
        self.share = share if share is not None else Share()
        self.engine = CaseEngine(params)
        self.clock = ExchangeClockTracker(cities)
        self.lifecycle = RequestLifecycle(tz_hours=params.tz)
        self.result = Rederivation()

    def city_item(self, item: Fact | Watermark) -> None:
        """Apply one city record: decisions to the lifecycle, then the clock if it moved.

        A fact of a woman outside this share is skipped.
        """
        if not isinstance(item, Watermark) and not self.share.owns(item.mother_ref):
            return
        out = self.engine.apply(item)
        for request in out.requests:
            self.result.decisions[request.request_id] = request
            self._take(self.lifecycle.apply(Decision(request)))
        for notice in out.notices:
            self.result.notices[notice.notice_id] = notice
        if isinstance(item, Watermark):
            clock = self.clock.observe(item)
            if clock is not None:
                self._take(self.lifecycle.apply(clock))

    def response(self, response: Response) -> None:
        """Apply one response (after every city record); in a share, only to its requests."""
        if self.share.count > 1 and response.request_id not in self.result.decisions:
            self.result.unowned_responses.append(response.request_id)
            return
        self.result.responses += 1
        self._take(self.lifecycle.apply(response))

    def _take(self, out: LifecycleOutput) -> None:
        for request in out.requests:
            self.result.requests[request.request_id] = request
        self.result.rejected += len(out.rejections)


class ForeignRecords:
    """The bulk reader's ``keep`` test for a share: refuses (and counts in ``skipped``) a
    record of another share's woman, so that the share pays only the peek for it; keeps
    its own, the watermarks and whatever :class:`MotherRefPeek` cannot place."""

    def __init__(self, share: Share, peek: MotherRefPeek | None = None) -> None:
        self.share = share
        self.peek = peek if peek is not None else MotherRefPeek()
        self.skipped = 0
        # Share.owns inlined below: a method call per record of the log is measurable.
        self._index, self._count = share.index, share.count

    def __call__(self, value: bytes | None) -> bool:
        """False for a value whose ``mother_ref`` falls in another share."""
        ref = self.peek(value) if value is not None else None
        if ref is None or zlib.crc32(ref.encode("utf-8")) % self._count == self._index:
            return True
        self.skipped += 1
        return False


def rederive(
    settings: Settings,
    *,
    on_plan: Callable[[ReadPlan], None] | None = None,
    on_records: Callable[[int], None] | None = None,
    share: Share | None = None,
    ends: Ends | None = None,
) -> Rederivation:
    """Run a fresh engine and lifecycle over the city and responses topics.

    ``share``: apply only that share of the women (see the module doc). ``ends``:
    (topic, partition) → offset where to stop, so that every share reads the same log.
    ``on_records(n)``: ``n`` more city records were read (another share's included).
    """
    names = TopicNames(settings)
    rederiver = Rederiver(EngineParams.from_settings(settings), settings.city_codes, share)
    ingest = Ingest(settings, _UNUSED_TOPIC, INTERNAL_PARTITIONS)
    foreign = ForeignRecords(rederiver.share) if rederiver.share.count > 1 else None
    records = read_bulk(settings, names.all_city_topics(), ends=ends, on_plan=on_plan, keep=foreign)
    counted = 0  # of foreign.skipped, told to on_records
    for record in records:
        _city_record(record, rederiver, ingest, foreign)
        if on_records is not None:
            skipped = foreign.skipped if foreign is not None else 0
            on_records(1 + skipped - counted)
            counted = skipped
    if foreign is not None:
        rederiver.result.events += foreign.skipped
        if on_records is not None and foreign.skipped > counted:
            on_records(foreign.skipped - counted)
    responses = ResponseIngest(settings, _UNUSED_TOPIC, INTERNAL_PARTITIONS)
    topics = [names.responses(c) for c in settings.city_codes]
    for record in read_bulk(settings, topics, ends=ends):
        response = _convert(responses.convert, record, rederiver.result)
        if response is not None:
            rederiver.response(response)
    return rederiver.result


def _city_record(
    record: LogRecord, rederiver: Rederiver, ingest: Ingest, foreign: ForeignRecords | None
) -> None:
    """Apply one city record (another share's were refused by ``foreign`` unread)."""
    item = _convert(ingest.convert, record, rederiver.result)
    if item is not None:
        rederiver.city_item(item)
    elif foreign is not None and _placed(foreign, record.value):
        rederiver.result.owned_undecodable += 1


def _placed(foreign: ForeignRecords, value: bytes | None) -> bool:
    """Whether the peek tells whose record this is (rare: undecodable ones are peeked again)."""
    return value is not None and foreign.peek(value) is not None


def _convert(
    convert: Callable[[SourceMessage], T], record: LogRecord, result: Rederivation
) -> T | None:
    """``convert`` of one record, or None for what the live workers send to errors."""
    if record.value is None:
        return None
    result.events += 1
    msg = SourceMessage(
        record.topic, record.partition, record.offset, record.key, record.value, record.headers
    )
    try:
        return convert(msg)
    except ProcessingError:
        # The live workers route these to the errors topic; they hold no evidence.
        result.undecodable += 1
        return None

"""Explain one request: its states, the rule and parameters, the deadline, the
watermarks that let it fire and its evidence events, read back from the log.

Everything comes from the topics (nothing from the live workers): the request's states
on ``assist.requests.*`` (compacted, so the states compaction has not yet removed) and
``assist.escalations``, the cities' responses to it, the city topics' watermarks, and
each evidence event at its topic/partition/offset.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ivex.audit.rules import RULES, RuleInfo, description, gate_pairs, parameters
from ivex.codec import Codec, SchemaCatalogue
from ivex.errors import CodecError, IvexError
from ivex.settings import Settings
from ivex.topic_reader import LogRecord, read_at, read_topics
from ivex.topics import TopicNames
from streams.engine.params import EngineParams

WATERMARK_TYPE = "SourceWatermark"


class UnknownRequest(IvexError):  # noqa: N818 - an outcome of the search
    """No requests topic holds a request with this id."""

    code = "unknown_request"

    def __init__(self, request_id: str) -> None:
        super().__init__(
            f"no request {request_id!r} on any assist.requests topic (check the id: "
            "`ivex requests --city C` lists a city's requests, `ivex replay assist.requests` all)"
        )
        self.request_id = request_id


@dataclass(frozen=True)
class Seen:
    """One record about the request, where it was found on the log."""

    topic: str
    offset: int
    timestamp_ms: int
    datum: dict[str, Any]


@dataclass(frozen=True)
class WatermarkPass:
    """A (city, stream) of the rule's gate: the first watermark at or past the instant."""

    city: str
    stream: str
    #: (complete_through, offset, recorded_at) of the first watermark ≥ the instant.
    passed: tuple[int, int, int] | None
    #: The latest complete_through read (the newest one, if none passed).
    latest: int | None


@dataclass(frozen=True)
class EvidenceEvent:
    """An evidence entry and the event found at its position (None if gone)."""

    entry: dict[str, Any]
    record_type: str | None
    datum: dict[str, Any] | None
    problem: str | None = None


@dataclass
class Explanation:
    """Everything ``ivex explain`` prints about one request."""

    request_id: str
    states: list[Seen]
    escalations: list[Seen] = field(default_factory=list)
    responses: list[Seen] = field(default_factory=list)
    rule: RuleInfo | None = None
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    watermarks: list[WatermarkPass] = field(default_factory=list)
    evidence: list[EvidenceEvent] = field(default_factory=list)

    @property
    def latest(self) -> dict[str, Any]:
        """The request's latest state on the log."""
        return self.states[-1].datum


def millis(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    return int(moment.timestamp() * 1000)


def explain(settings: Settings, request_id: str) -> Explanation:
    """Gather the explanation of ``request_id``; :class:`UnknownRequest` if it is unknown."""
    names = TopicNames(settings)
    catalogue = SchemaCatalogue(settings)
    codec = Codec(catalogue)
    try:
        key = request_id.encode()
        states = _keyed(codec, settings, [names.requests(c) for c in settings.city_codes], key)
        if not states:
            raise UnknownRequest(request_id)
        out = Explanation(request_id, states)
        out.escalations = _keyed(codec, settings, [names.escalations], key)
        responses = [names.responses(c) for c in settings.city_codes]
        out.responses = _answers(codec, read_topics(settings, responses), request_id)
        kind = str(out.latest["kind"])
        evidence = list(out.latest["evidence"])
        out.rule = RULES.get(kind)
        if out.rule is not None:
            out.description = description(out.rule)
            out.parameters = parameters(out.rule, settings.rules)
        instant = millis(out.latest["raised_at"])
        pairs = gate_pairs(kind, evidence, EngineParams.from_settings(settings))
        out.watermarks = [_passing(codec, settings, names, c, s, instant) for c, s in pairs]
        out.evidence = [_evidence(codec, settings, e) for e in evidence]
        return out
    finally:
        catalogue.close()


def _seen(codec: Codec, record: LogRecord) -> Seen | None:
    if record.value is None:
        return None
    datum = codec.decode(record.value).datum
    return Seen(record.topic, record.offset, record.timestamp_ms, datum)


def _keyed(codec: Codec, settings: Settings, topics: list[str], key: bytes) -> list[Seen]:
    found = (_seen(codec, r) for r in read_topics(settings, topics) if r.key == key)
    return [s for s in found if s is not None]


def _answers(codec: Codec, records: Iterable[LogRecord], request_id: str) -> list[Seen]:
    out = []
    for record in records:
        try:
            seen = _seen(codec, record)
        except CodecError:
            continue  # a bad response is the lifecycle's business (it went to the DLQ)
        if seen is not None and str(seen.datum.get("request_id")) == request_id:
            out.append(seen)
    return out


def _passing(
    codec: Codec, settings: Settings, names: TopicNames, city: str, stream: str, instant: int
) -> WatermarkPass:
    """Read the city topic's watermarks until one reaches ``instant``."""
    latest: int | None = None
    topic = names.city(city, stream)  # type: ignore[arg-type]
    for record in read_topics(settings, [topic]):
        if record.value is None or record.header("ce_type") != WATERMARK_TYPE:
            continue
        try:
            datum = codec.decode(record.value, WATERMARK_TYPE).datum
        except CodecError:
            continue
        through = millis(datum["complete_through"])
        latest = through if latest is None else max(latest, through)
        if through >= instant:
            passed = (through, record.offset, millis(datum["recorded_at"]))
            return WatermarkPass(city, stream, passed, latest)
    return WatermarkPass(city, stream, None, latest)


def _evidence(codec: Codec, settings: Settings, entry: dict[str, Any]) -> EvidenceEvent:
    topic, partition, offset = str(entry["topic"]), int(entry["partition"]), int(entry["offset"])
    record = read_at(settings, topic, partition, offset)
    if record is None or record.value is None:
        return EvidenceEvent(entry, None, None, "no longer on the log at this position")
    try:
        decoded = codec.decode(record.value)
    except CodecError as exc:
        return EvidenceEvent(entry, None, None, exc.message)
    problem = None
    if str(decoded.datum.get("event_id")) != str(entry["event_id"]):
        problem = "the event at this position has another event_id"
    return EvidenceEvent(entry, decoded.record_name, decoded.datum, problem)

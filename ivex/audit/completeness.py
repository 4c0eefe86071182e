"""Completeness: per city and stream, the latest watermark, its lag, and what it holds back.

The case engine judges a deadline only once every (city, stream) of its gate is complete
through it, so a lagging city delays requests (never causes false ones). This report
runs the pure engine over the city topics — in isolation, like the audit re-derivation —
and asks its deadline index which pending judgements each (city, stream) holds back:
those some other pair of their gate has already passed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ivex.settings import Settings
from ivex.topic_reader import ReadPlan, read_topics
from ivex.topics import INTERNAL_PARTITIONS, STREAMS, TopicNames
from streams.driver.errors import ProcessingError
from streams.driver.ingest import Ingest
from streams.driver.records import SourceMessage
from streams.engine.engine import CaseEngine, EngineParams
from streams.engine.facts import Watermark

Pair = tuple[str, str]
Basis = Literal["now", "leader"]


@dataclass(frozen=True)
class PairStatus:
    """One (city, stream): its watermark, lags (ms; None without a watermark), backlog."""

    city: str
    stream: str
    complete_through: int | None
    behind_leader: int | None
    behind_now: int | None
    records_since: int
    held: int = 0
    oldest_held: int | None = None

    def lag(self, basis: Basis) -> int | None:
        """The lag against ``now`` or against the most advanced city of the stream."""
        return self.behind_now if basis == "now" else self.behind_leader


@dataclass
class Scan:
    """What a pass over the city topics found."""

    marks: dict[Pair, int] = field(default_factory=dict)
    #: recorded_at of every fact, per pair (to count those after the watermark).
    recorded: dict[Pair, list[int]] = field(default_factory=dict)
    held: dict[Pair, tuple[int, int]] = field(default_factory=dict)
    events: int = 0
    undecodable: int = 0


def held_back(index: Mapping[str, Any], marks: Mapping[Pair, int]) -> dict[Pair, tuple[int, int]]:
    """Per pair, (count, oldest instant) of the judgements it alone holds back.

    ``index`` is :meth:`DeadlineIndex.to_dict`; an entry is held by the pairs of its gate
    below its instant when another pair of the gate has already reached it. A pair
    without any watermark is below every instant.
    """
    held: dict[Pair, tuple[int, int]] = {}
    for gate_text, instant, *_ in index["entries"]:
        pairs = [tuple(p.split("/", 1)) for p in str(gate_text).split(",") if p]
        gate_marks = {(c, s): marks.get((c, s)) for c, s in pairs}
        reached = [m for m in gate_marks.values() if m is not None and m >= instant]
        if not reached:
            continue  # nobody has reached it yet: not due anywhere
        for pair, mark in gate_marks.items():
            if mark is None or mark < instant:
                count, oldest = held.get(pair, (0, instant))
                held[pair] = (count + 1, min(oldest, int(instant)))
    return held


def statuses(
    cities: Sequence[str], scan: Scan, now_ms: int, streams: Iterable[str] = STREAMS
) -> list[PairStatus]:
    """One :class:`PairStatus` per city and stream, in config and stream order."""
    out = []
    for stream in streams:
        known = [scan.marks[(c, stream)] for c in cities if (c, stream) in scan.marks]
        leader = max(known, default=None)
        for city in cities:
            mark = scan.marks.get((city, stream))
            recorded = scan.recorded.get((city, stream), [])
            count, oldest = scan.held.get((city, stream), (0, None))
            out.append(
                PairStatus(
                    city=city,
                    stream=stream,
                    complete_through=mark,
                    behind_leader=None if mark is None or leader is None else leader - mark,
                    behind_now=None if mark is None else now_ms - mark,
                    records_since=sum(1 for t in recorded if mark is None or t > mark),
                    held=count,
                    oldest_held=oldest,
                )
            )
    order: list[str] = list(STREAMS)
    return sorted(out, key=lambda s: (cities.index(s.city), order.index(s.stream)))


def exceeding(rows: Iterable[PairStatus], max_lag_ms: int, basis: Basis) -> list[PairStatus]:
    """Rows whose lag exceeds ``max_lag_ms`` (a pair without a watermark always does)."""
    out = []
    for row in rows:
        lag = row.lag(basis)
        if lag is None or lag > max_lag_ms:
            out.append(row)
    return out


def scan(
    settings: Settings,
    *,
    on_plan: Callable[[ReadPlan], None] | None = None,
    on_record: Callable[[], None] | None = None,
) -> Scan:
    """Run the pure engine over every city topic; watermarks, record times, held deadlines."""
    engine = CaseEngine(EngineParams.from_settings(settings))
    ingest = Ingest(settings, "completeness", INTERNAL_PARTITIONS)
    result = Scan()
    topics = TopicNames(settings).all_city_topics()
    for record in read_topics(settings, topics, on_plan=on_plan):
        if on_record is not None:
            on_record()
        if record.value is None:
            continue
        result.events += 1
        msg = SourceMessage(
            record.topic, record.partition, record.offset, record.key, record.value, record.headers
        )
        try:
            item = ingest.convert(msg)
        except ProcessingError:
            result.undecodable += 1  # the workers send it to the errors topic
            continue
        engine.apply(item)
        if not isinstance(item, Watermark):
            result.recorded.setdefault((item.source_city, item.stream), []).append(item.recorded_at)
    result.marks = {(p[0], p[1]): v for p, v in engine.watermarks.marks().items()}
    result.held = held_back(engine.index.to_dict(), result.marks)
    return result

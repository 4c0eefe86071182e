"""Re-derivation: the case engine run over the city topics from the beginning.

The audit driver of SPEC §7. It reads every ``city.<code>.<stream>`` topic with the
bounded topic reader, decodes each value once, and feeds the *same* pure engine the
stream workers run — in isolation from them (no consumer group, no tables), so it
neither disturbs nor trusts the live system. The result is what the requests topics
should hold; :mod:`ivex.verify` diffs the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ivex.codec import Codec
from ivex.errors import CodecError
from ivex.settings import Settings
from ivex.topic_reader import LogRecord, ReadPlan, read_topics
from ivex.topics import TopicNames
from streams.engine.engine import CaseEngine, EngineParams
from streams.engine.facts import Position, fact_from_avro
from streams.engine.outputs import NoticeOut, RequestOut


@dataclass
class Rederivation:
    """Requests and notices the engine derives from the log, latest state of each."""

    requests: dict[str, RequestOut] = field(default_factory=dict)
    notices: dict[str, NoticeOut] = field(default_factory=dict)
    events: int = 0
    undecodable: int = 0


def rederive(
    settings: Settings,
    *,
    on_plan: Callable[[ReadPlan], None] | None = None,
    on_record: Callable[[], None] | None = None,
) -> Rederivation:
    """Run a fresh engine over every city topic; return what it raises."""
    engine = CaseEngine(EngineParams.from_settings(settings))
    codec = Codec()
    result = Rederivation()
    topics = TopicNames(settings).all_city_topics()
    for record in read_topics(settings, topics, on_plan=on_plan):
        _apply(engine, codec, record, result)
        if on_record is not None:
            on_record()
    return result


def _apply(engine: CaseEngine, codec: Codec, record: LogRecord, result: Rederivation) -> None:
    if record.value is None:
        return
    result.events += 1
    try:
        datum = codec.decode(record.value).datum
    except CodecError:
        # The live workers route these to the errors topic; they hold no evidence.
        result.undecodable += 1
        return
    stream = record.topic.rsplit(".", 1)[-1]
    position = Position(record.topic, record.partition, record.offset)
    out = engine.apply(fact_from_avro(stream, datum, position))
    for request in out.requests:
        result.requests[request.request_id] = request
    for notice in out.notices:
        result.notices[notice.notice_id] = notice

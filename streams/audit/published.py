"""What the ``assist.requests.*`` and ``assist.notices.*`` topics hold: latest value per key.

A tombstone (null value) deletes its key, as compaction will. Values are decoded with
the codec and normalised to the engine's Avro dict form (times as epoch ms), the form
:mod:`streams.audit.diff` compares.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ivex.bulk_reader import read_bulk
from ivex.codec import Codec
from ivex.settings import Settings
from ivex.topics import TopicNames
from streams.audit.shares import Output
from streams.engine.facts import epoch_ms
from streams.engine.outputs import NoticeOut, RequestOut


def requests_on_topics(settings: Settings) -> dict[str, Output]:
    """request_id → latest request state on the requests topics."""
    names = TopicNames(settings)
    topics = [names.requests(c) for c in settings.city_codes]
    return _latest(settings, topics, _request)


def notices_on_topics(settings: Settings) -> dict[str, Output]:
    """notice_id → notice on the notices topics."""
    names = TopicNames(settings)
    topics = [names.notices(c) for c in settings.city_codes]
    return _latest(settings, topics, _notice)


def _latest(
    settings: Settings, topics: list[str], normal: Callable[[Mapping[str, Any]], Output]
) -> dict[str, Output]:
    codec = Codec()
    latest: dict[str, Output] = {}
    for record in read_bulk(settings, topics):
        key = (record.key or b"").decode("utf-8", "replace")
        if record.value is None:
            latest.pop(key, None)
            continue
        output = normal(codec.decode(record.value).datum)
        latest[key] = output
    return latest


def _request(datum: Mapping[str, Any]) -> Output:
    times = {n: epoch_ms(datum[n]) for n in ("raised_at", "respond_by")}
    return RequestOut.from_avro({**datum, **times}).to_avro()


def _notice(datum: Mapping[str, Any]) -> Output:
    return NoticeOut.from_avro({**datum, "issued_at": epoch_ms(datum["issued_at"])}).to_avro()

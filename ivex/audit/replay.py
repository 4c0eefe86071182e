"""Replay: read topics (optionally a time range of them) and write every record decoded.

Two formats: JSON Lines (one object a record, see :func:`ivex.audit.jsonable.to_json`)
and an Avro object container file (see :mod:`ivex.audit.avro_file`). The time range
filters on the Kafka record timestamp (when the record was produced), through
``offsets_for_times``; both ends are inclusive.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Literal, Protocol

from ivex.audit.decode import DecodedRecord, RecordDecoder
from ivex.audit.jsonable import to_json
from ivex.codec import Codec, SchemaCatalogue
from ivex.settings import Settings
from ivex.topic_reader import ReadPlan, read_topics

Format = Literal["jsonl", "avro"]


class RecordSink(Protocol):
    """Where replayed records go."""

    def write(self, item: DecodedRecord) -> None:
        """Write one decoded record."""
        ...


class JsonLinesSink:
    """Writes one JSON object a line to a text handle."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle

    def write(self, item: DecodedRecord) -> None:
        """Write one record as a line of JSON."""
        self._handle.write(json.dumps(to_json(item), ensure_ascii=False) + "\n")


@dataclass
class ReplayStats:
    """What a replay wrote: records per topic and per record type, undecodable ones."""

    records: int = 0
    by_topic: Counter[str] = field(default_factory=Counter)
    by_type: Counter[str] = field(default_factory=Counter)
    undecodable: int = 0


def replay(
    settings: Settings,
    topics: Sequence[str],
    sink: RecordSink,
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
    on_plan: Callable[[ReadPlan], None] | None = None,
    on_record: Callable[[], None] | None = None,
) -> ReplayStats:
    """Decode every record of ``topics`` (full names) in ``[start_ms, end_ms]`` into ``sink``."""
    catalogue = SchemaCatalogue(settings)
    decoder = RecordDecoder(Codec(catalogue))
    stats = ReplayStats()
    try:
        for record in read_topics(
            settings, topics, start_ms=start_ms, end_ms=end_ms, on_plan=on_plan
        ):
            item = decoder.decode(record)
            sink.write(item)
            stats.records += 1
            stats.by_topic[record.topic] += 1
            stats.by_type[item.record_type or "(tombstone)"] += 1
            stats.undecodable += item.error is not None
            if on_record is not None:
                on_record()
    finally:
        catalogue.close()
    return stats

"""A city's rejected inputs, from ``dlq.<city>``: where each came from and why.

The connectors (and the request lifecycle, for rejected responses) write one dead letter
per rejected row: the reason, field, stream, source file and line in ``ivex_*`` headers,
the row as masked JSON in the value (:mod:`ivex.dlq`). This reads the headers and only the
row's ``record_id`` (or ``response_id``) from the value — never the row itself — and masks
everything once more, so a resident ID number cannot reach the screen.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ivex.identity import mask_resident_ids
from ivex.settings import Settings
from ivex.topic_reader import LogRecord, ReadPlan, read_topics
from ivex.topics import TopicNames

_ID_FIELDS = ("record_id", "response_id", "request_id")


@dataclass(frozen=True)
class Rejected:
    """One dead letter, as an operator sees it."""

    offset: int
    timestamp_ms: int
    stream: str
    source: str
    line: str
    field: str
    reason: str
    record_id: str


def rejected(record: LogRecord) -> Rejected:
    """The :class:`Rejected` view of one ``dlq.<city>`` record."""

    def header(name: str) -> str:
        return mask_resident_ids(record.header(name) or "")

    return Rejected(
        offset=record.offset,
        timestamp_ms=record.timestamp_ms,
        stream=header("ivex_stream"),
        source=header("ivex_source"),
        line=header("ivex_line"),
        field=header("ivex_field"),
        reason=header("ivex_reason"),
        record_id=_record_id(record.value),
    )


def _record_id(value: bytes | None) -> str:
    """The row's own id, if the value is a JSON object that has one."""
    try:
        row: Any = json.loads(value or b"")
    except (ValueError, UnicodeDecodeError):
        return ""
    if not isinstance(row, dict):
        return ""
    for name in _ID_FIELDS:
        if row.get(name):
            return mask_resident_ids(str(row[name]))
    return ""


def read_dead_letters(
    settings: Settings,
    city: str,
    *,
    since_ms: int | None = None,
    on_plan: Callable[[ReadPlan], None] | None = None,
    on_record: Callable[[], None] | None = None,
) -> list[Rejected]:
    """Every dead letter of ``city`` (produced at or after ``since_ms``), in log order."""
    topic = TopicNames(settings).dlq(city)
    out = []
    for record in read_topics(settings, [topic], start_ms=since_ms, on_plan=on_plan):
        out.append(rejected(record))
        if on_record is not None:
            on_record()
    return out


def counts_by_reason(rows: Iterable[Rejected]) -> list[tuple[str, str, str, int]]:
    """``(stream, field, reason, count)``, most frequent first."""
    counts = Counter((r.stream, r.field, r.reason) for r in rows)
    return [(s, f, r, n) for (s, f, r), n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]

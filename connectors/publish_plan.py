"""What publishing a batch of rows means, decided without Kafka.

The :class:`~connectors.publisher.Publisher` sends; this module decides: which rows become
records, which are duplicates of what the city's log (or the same batch) already holds,
which are rejected and why, and where the stream's watermark goes afterwards. Everything
here is a function of its arguments, so it is unit-tested without a broker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from connectors.formats import InputRow
from connectors.rows import PreparedRecord
from ivex.errors import RecordRejected

CLASH_REASON = "same record_id, action and recorded_at as a published event, different fields"

Verdict = Literal["send", "duplicate", "reject"]


@dataclass(frozen=True)
class PlannedRow:
    """One input row and what to do with it."""

    row: InputRow
    verdict: Verdict
    record: PreparedRecord | None = None
    rejection: RecordRejected | None = None


def plan_batch(
    batch: Iterable[InputRow],
    prepare: Callable[[InputRow], PreparedRecord],
    published_digest: Callable[[str], str | None],
) -> list[PlannedRow]:
    """Decide each row of ``batch``, in order.

    ``prepare`` validates and pseudonymises a row (raising :class:`RecordRejected`);
    ``published_digest`` gives the content digest of an event id already on the city's
    topic ('' when the event predates digests), or None. A row whose event is already
    published, or earlier in the batch, with the same content is a duplicate; with other
    content it is rejected as a clash (same id, different facts: never silently dropped).
    """
    planned: list[PlannedRow] = []
    in_batch: dict[str, str] = {}
    for row in batch:
        try:
            record = prepare(row)
            known = in_batch.get(record.event_id, published_digest(record.event_id))
            if known is not None and known not in ("", record.digest):
                raise RecordRejected("recorded_at", CLASH_REASON)
        except RecordRejected as exc:
            planned.append(PlannedRow(row, "reject", rejection=exc))
            continue
        if known is not None:
            planned.append(PlannedRow(row, "duplicate", record=record))
            continue
        in_batch[record.event_id] = record.digest
        planned.append(PlannedRow(row, "send", record=record))
    return planned


def next_watermark(accepted_ms: Iterable[int], now_ms: int, last_ms: int | None) -> int | None:
    """Where the watermark goes after a batch: its latest accepted ``recorded_at``.

    Never in the future (a record stamped ahead by clock skew must not make the city
    promise the future), never backwards; None when it does not move.
    """
    latest = max(accepted_ms, default=None)
    if latest is None:
        return None
    through = min(latest, now_ms)
    if last_ms is not None and through <= last_ms:
        return None
    return through


def input_rows(rows: Iterable[InputRow | Mapping[str, Any]], source: str) -> Iterator[InputRow]:
    """Rows as :class:`InputRow`; plain mappings are numbered from 1 in ``source``."""
    for number, row in enumerate(rows, start=1):
        yield row if isinstance(row, InputRow) else InputRow(source, str(number), row)


def batches(rows: Iterator[InputRow], size: int) -> Iterator[list[InputRow]]:
    """``rows`` in lists of at most ``size``."""
    batch: list[InputRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch

"""The PostgreSQL outbox source: rows a city system inserts into ``ivex_outbox``.

The city system writes its fact and an outbox row in the same transaction; the relay
(:class:`OutboxRelay`, ``ivex outbox``) publishes unpublished rows in ``id`` order, in
batches, and marks each one only after Kafka acknowledged it (or after it was rejected
and its dead letter acknowledged). A crash between Kafka's acknowledgement and the mark
re-publishes the batch on restart; because event ids are derived from the content and the
publisher reads the city topic first, those rows come back as ``duplicate`` — the log
holds every row exactly once.

One relay per table: a PostgreSQL advisory lock keeps a second one from interleaving
(which would break the per-stream order the watermark protocol relies on).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Final

import psycopg
from psycopg.types.json import Jsonb

from connectors.formats import InputRow, json_value_row
from connectors.publisher import Publisher, RowOutcome
from ivex.errors import IvexError
from ivex.topics import STREAMS, Stream

log = logging.getLogger(__name__)

TABLE: Final = "ivex_outbox"
DDL: Final = """
CREATE TABLE IF NOT EXISTS ivex_outbox (
    id           bigserial PRIMARY KEY,
    stream       text        NOT NULL,
    payload      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz NULL,
    status       text        NULL,
    reason       text        NULL
);
CREATE INDEX IF NOT EXISTS ivex_outbox_unpublished ON ivex_outbox (id) WHERE published_at IS NULL;
"""
#: Key of the advisory lock held by the one running relay of a database.
_LOCK_KEY: Final = 0x1E5E0B0C
SOURCE: Final = "outbox"
UNKNOWN_STREAM: Final = "stream: must be one of " + ", ".join(STREAMS)


class OutboxBusy(IvexError):  # noqa: N818 - a state, not a fault
    """Another relay holds the outbox's advisory lock."""

    code = "outbox_busy"

    def __init__(self) -> None:
        super().__init__("another `ivex outbox` relay is running on this database")


def init_outbox(dsn: str) -> None:
    """Create ``ivex_outbox`` and its index if missing."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(DDL)


def enqueue(conn: psycopg.Connection[Any], stream: str, payload: dict[str, Any]) -> int:
    """Insert one outbox row (what a city system does in its own transaction); its id."""
    row = conn.execute(
        "INSERT INTO ivex_outbox (stream, payload) VALUES (%s, %s) RETURNING id",
        (stream, Jsonb(payload)),
    ).fetchone()
    assert row is not None
    return int(row[0])


@dataclass(frozen=True)
class _Pending:
    id: int
    stream: str
    payload: Any


class OutboxRelay:
    """Publishes the outbox of one city through a :class:`Publisher`."""

    def __init__(self, dsn: str, publisher: Publisher, *, batch_size: int = 200) -> None:
        self._dsn = dsn
        self._publisher = publisher
        self._batch_size = batch_size

    def run(
        self, *, once: bool, poll_interval_s: float = 1.0, stop: threading.Event | None = None
    ) -> int:
        """Publish pending rows until none are left (``once``) or until ``stop`` is set.

        Returns how many rows were marked. Raises :class:`OutboxBusy` if another relay runs.
        """
        stop = stop or threading.Event()
        init_outbox(self._dsn)
        with psycopg.connect(self._dsn, autocommit=True) as lock_conn:
            if not _try_lock(lock_conn):
                raise OutboxBusy()
            marked = 0
            while not stop.is_set():
                handled = self.run_batch()
                marked += handled
                if handled == 0:
                    if once:
                        break
                    stop.wait(poll_interval_s)
            return marked

    def run_batch(self) -> int:
        """Publish and mark the next batch of unpublished rows; how many were marked."""
        with psycopg.connect(self._dsn) as conn:
            pending = [
                _Pending(*row)
                for row in conn.execute(
                    "SELECT id, stream, payload FROM ivex_outbox WHERE published_at IS NULL "
                    "ORDER BY id LIMIT %s",
                    (self._batch_size,),
                )
            ]
            conn.rollback()
            if not pending:
                return 0
            marks = self._publish(pending)
            with conn.transaction():
                conn.cursor().executemany(
                    "UPDATE ivex_outbox SET published_at = now(), status = %s, reason = %s "
                    "WHERE id = %s",
                    marks,
                )
        log.info("outbox: marked %d row(s) up to id %d", len(marks), pending[-1].id)
        return len(marks)

    def _publish(self, pending: list[_Pending]) -> list[tuple[str, str | None, int]]:
        marks: list[tuple[str, str | None, int]] = []
        by_stream: dict[Stream, list[InputRow]] = {}
        for item in pending:
            stream = _stream(item.stream)
            if stream is None:
                marks.append(("rejected", UNKNOWN_STREAM, item.id))
                continue
            row = json_value_row(item.payload, source=SOURCE, line=str(item.id))
            by_stream.setdefault(stream, []).append(row)
        for stream, rows in by_stream.items():
            # Raises PublishUnavailable before any mark: nothing is marked unacknowledged.
            report = self._publisher.publish(stream, rows, source=SOURCE)
            marks += [_mark(o) for o in report.outcomes]
        return marks


def _stream(name: str) -> Stream | None:
    for stream in STREAMS:
        if stream == name:
            return stream
    return None


def _mark(outcome: RowOutcome) -> tuple[str, str | None, int]:
    reason = f"{outcome.field}: {outcome.reason}" if outcome.reason else None
    return outcome.status, reason, int(outcome.line)


def _try_lock(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (_LOCK_KEY,)).fetchone()
    return bool(row and row[0])

"""The case table of a partner city (``ivex_requests``, ``ivex_notices``), backend-neutral.

PostgreSQL (:mod:`connectors.sinks.postgres`) and SQLite (:mod:`connectors.sinks.sqlite`)
share this schema and these statements; a :class:`Dialect` supplies what differs (column
types, placeholders, how JSON and timestamps travel).

Rules:

- **Upsert by id**: a request re-emitted by the processors updates its row, never adds one.
- **Latest state wins, in log order**: every row remembers the offset of the message it
  was last written from (``source_offset``); an update from an older offset is ignored.
  All versions of a request share its key, hence one partition whose order the
  processors preserve, so "newer offset" means "newer state". Re-processing after a
  crash replays older offsets first: they are ignored, and the row never flips back to
  an earlier state, not even for a moment.
- **WITHDRAWN marks, never deletes**: it is just another state, with its reason.
- **The city's answer lives in the same row** (``answered_*``) and the upsert never
  touches it; ``response_published_at`` is the outbox mark of ``ivex respond
  --from-case-table``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from connectors.sinks.base import SinkItem
from ivex.models import AssistanceRequest, CaseNotice

#: Request columns written from the log, in statement order.
REQUEST_FIELDS: Final = (
    "request_id",
    "kind",
    "addressed_city",
    "copy_to",
    "subject_ref",
    "child_ref",
    "evidence",
    "raised_at",
    "respond_by",
    "priority",
    "state",
    "reason",
)
NOTICE_FIELDS: Final = (
    "notice_id",
    "kind",
    "addressed_city",
    "subject_ref",
    "evidence",
    "issued_at",
)
_JSON_FIELDS: Final = frozenset({"copy_to", "evidence"})
_TIME_FIELDS: Final = frozenset({"raised_at", "respond_by", "issued_at"})
_BOOKKEEPING: Final = ("first_seen_at", "updated_at", "source_partition", "source_offset")
OPEN_STATES: Final = ("OPEN", "ACKNOWLEDGED", "OVERDUE")
#: Marks an answer only if the row still holds it: one changed meanwhile stays pending.
_MARK: Final = (
    "UPDATE ivex_requests SET {column} = ? WHERE request_id = ? AND answered_status = ? "
    "AND answered_at = ?"
)


@dataclass(frozen=True)
class Dialect:
    """What differs between the backends; SQL is written with ``?`` placeholders."""

    name: str
    json_type: str
    time_type: str
    placeholder: str
    to_json: Callable[[Any], Any]
    from_json: Callable[[Any], Any]
    to_time: Callable[[datetime], Any]
    from_time: Callable[[Any], datetime]

    def sql(self, statement: str) -> str:
        """``statement`` with this backend's placeholders."""
        return statement.replace("?", self.placeholder)


def ddl(d: Dialect) -> list[str]:
    """CREATE statements of the case table, idempotent."""
    t, j = d.time_type, d.json_type
    return [
        f"""CREATE TABLE IF NOT EXISTS ivex_requests (
    request_id text PRIMARY KEY, kind text NOT NULL, addressed_city text NOT NULL,
    copy_to {j} NOT NULL, subject_ref text NOT NULL, child_ref text NULL,
    evidence {j} NOT NULL, raised_at {t} NOT NULL, respond_by {t} NOT NULL,
    priority text NOT NULL, state text NOT NULL, reason text NOT NULL,
    first_seen_at {t} NOT NULL, updated_at {t} NOT NULL,
    answered_status text NULL, answered_outcome text NULL, answered_note text NULL,
    answered_at {t} NULL, response_published_at {t} NULL, response_error text NULL,
    source_partition integer NOT NULL, source_offset bigint NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS ivex_notices (
    notice_id text PRIMARY KEY, kind text NOT NULL, addressed_city text NOT NULL,
    subject_ref text NOT NULL, evidence {j} NOT NULL, issued_at {t} NOT NULL,
    first_seen_at {t} NOT NULL, updated_at {t} NOT NULL,
    source_partition integer NOT NULL, source_offset bigint NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS ivex_requests_unpublished ON ivex_requests (answered_at) "
        "WHERE answered_status IS NOT NULL AND response_published_at IS NULL",
        "CREATE INDEX IF NOT EXISTS ivex_requests_state ON ivex_requests (state, respond_by)",
    ]


def upsert_sql(table: str, key: str, fields: Sequence[str]) -> str:
    """INSERT … ON CONFLICT DO UPDATE that keeps ``first_seen_at`` and ignores older offsets."""
    columns = (*fields, *_BOOKKEEPING)
    updated = [c for c in columns if c not in (key, "first_seen_at")]
    assignments = ", ".join(f"{c} = excluded.{c}" for c in updated)
    placeholders = ", ".join("?" * len(columns))
    # Identifiers come from this module's constants, never from input.
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    newer = f"WHERE excluded.source_offset > {table}.source_offset"
    return f"{insert} ON CONFLICT ({key}) DO UPDATE SET {assignments} {newer}"


@dataclass(frozen=True)
class CaseRow:
    """A request as the status view needs it."""

    request_id: str
    kind: str
    state: str
    priority: str
    raised_at: datetime
    respond_by: datetime


@dataclass(frozen=True)
class PendingAnswer:
    """An answered request whose response is not yet on Kafka."""

    request_id: str
    addressed_city: str
    status: str
    outcome: str | None
    note: str | None
    answered_at: datetime


class CaseTable:
    """One city's case table on one backend; also a subscriber :class:`Sink`.

    ``connect`` opens a DB-API connection that does not autocommit; the table keeps one
    open for its lifetime and commits once per :meth:`write`.
    """

    def __init__(self, name: str, dialect: Dialect, connect: Callable[[], Any]) -> None:
        self.name = name
        self._d = dialect
        self._connect = connect
        self._conn: Any = None

    # -- lifecycle ---------------------------------------------------------------------

    def open(self) -> None:
        """Connect and create the schema if missing."""
        conn = self._connection()
        for statement in ddl(self._d):
            conn.execute(statement)
        conn.commit()

    def close(self) -> None:
        """Close the connection (a later call reconnects)."""
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def __enter__(self) -> CaseTable:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self) -> Any:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _run(self, *batches: tuple[str, Sequence[Sequence[Any]]]) -> int:
        """Run each (statement, rows) pair in one transaction; rows affected."""
        conn = self._connection()
        affected = 0
        try:
            cursor = conn.cursor()
            for statement, rows in batches:
                if rows:
                    cursor.executemany(self._d.sql(statement), rows)
                    affected += max(0, cursor.rowcount)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        return affected

    def _query(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        conn = self._connection()
        try:
            return list(conn.execute(self._d.sql(statement), tuple(params)).fetchall())
        finally:
            conn.rollback()  # read-only: do not hold a transaction open

    # -- the sink ----------------------------------------------------------------------

    def write(self, items: Sequence[SinkItem]) -> None:
        """Upsert every item in one transaction; committed when this returns."""
        now = self._d.to_time(datetime.now(UTC))
        requests, notices = [], []
        for item in items:
            if isinstance(item.record, AssistanceRequest):
                requests.append(self._row(item, REQUEST_FIELDS, now))
            else:
                notices.append(self._row(item, NOTICE_FIELDS, now))
        self._run(
            (upsert_sql("ivex_requests", "request_id", REQUEST_FIELDS), requests),
            (upsert_sql("ivex_notices", "notice_id", NOTICE_FIELDS), notices),
        )

    def _row(self, item: SinkItem, fields: Sequence[str], now: Any) -> tuple[Any, ...]:
        data = item.record.model_dump(mode="json")
        values = [self._value(name, data[name], item.record) for name in fields]
        return (*values, now, now, item.partition, item.offset)

    def _value(self, name: str, value: Any, record: AssistanceRequest | CaseNotice) -> Any:
        if name in _JSON_FIELDS:
            return self._d.to_json(value)
        if name in _TIME_FIELDS:
            moment: datetime = getattr(record, name)
            return self._d.to_time(moment)
        return value

    # -- the city's side -------------------------------------------------------------

    def answer(
        self,
        request_id: str,
        status: str,
        *,
        outcome: str | None = None,
        note: str | None = None,
        answered_at: datetime | None = None,
    ) -> bool:
        """Record the city's answer to a request (what a case worker's system does).

        A new answer clears ``response_published_at``, so the outbox publishes it.
        Returns False when the request is not in the table.
        """
        at = self._d.to_time(answered_at or datetime.now(UTC))
        return bool(
            self._run(
                (
                    "UPDATE ivex_requests SET answered_status = ?, answered_outcome = ?, "
                    "answered_note = ?, answered_at = ?, response_published_at = NULL, "
                    "response_error = NULL WHERE request_id = ?",
                    [(status, outcome, note, at, request_id)],
                )
            )
        )

    def pending_answers(self, limit: int = 200) -> list[PendingAnswer]:
        """Answered requests whose response is not yet published, oldest answer first.

        A row answered without ``answered_at`` gets it stamped now, so the response (and
        its ``responded_at``) is the same however often it has to be re-sent.
        """
        self._run(
            (
                "UPDATE ivex_requests SET answered_at = ? WHERE answered_at IS NULL "
                "AND answered_status IS NOT NULL AND response_published_at IS NULL",
                [(self._d.to_time(datetime.now(UTC)),)],
            )
        )
        rows = self._query(
            "SELECT request_id, addressed_city, answered_status, answered_outcome, "
            "answered_note, answered_at FROM ivex_requests WHERE answered_status IS NOT NULL "
            "AND response_published_at IS NULL AND response_error IS NULL "
            "ORDER BY answered_at, request_id LIMIT ?",
            (limit,),
        )
        return [PendingAnswer(r[0], r[1], r[2], r[3], r[4], self._d.from_time(r[5])) for r in rows]

    def mark_published(self, answers: Sequence[PendingAnswer], at: datetime) -> None:
        """Set ``response_published_at`` of answers Kafka acknowledged."""
        at_value = self._d.to_time(at)
        self._run(
            (
                _MARK.format(column="response_published_at"),
                [self._mark(a, at_value) for a in answers],
            )
        )

    def mark_failed(self, answers: Sequence[tuple[PendingAnswer, str]]) -> None:
        """Record why answers cannot be published; they leave the outbox until re-answered."""
        self._run((_MARK.format(column="response_error"), [self._mark(a, r) for a, r in answers]))

    def _mark(self, answer: PendingAnswer, value: Any) -> tuple[Any, ...]:
        return (value, answer.request_id, answer.status, self._d.to_time(answer.answered_at))

    # -- reading -----------------------------------------------------------------------

    def requests(self) -> list[CaseRow]:
        """Every request in the table."""
        rows = self._query(
            "SELECT request_id, kind, state, priority, raised_at, respond_by FROM ivex_requests"
        )
        return [
            CaseRow(r[0], r[1], r[2], r[3], self._d.from_time(r[4]), self._d.from_time(r[5]))
            for r in rows
        ]

    def request(self, request_id: str) -> dict[str, Any] | None:
        """One request row as a dict (JSON columns parsed), or None."""
        return self._one("ivex_requests", "request_id", request_id)

    def notice(self, notice_id: str) -> dict[str, Any] | None:
        """One notice row as a dict (JSON columns parsed), or None."""
        return self._one("ivex_notices", "notice_id", notice_id)

    def count(self, table: str = "ivex_requests") -> int:
        """Rows in ``ivex_requests`` or ``ivex_notices``."""
        if table not in ("ivex_requests", "ivex_notices"):
            raise ValueError(table)
        return int(self._query(f"SELECT count(*) FROM {table}")[0][0])  # noqa: S608

    def _one(self, table: str, key: str, value: str) -> dict[str, Any] | None:
        conn = self._connection()
        try:
            cursor = conn.execute(self._d.sql(f"SELECT * FROM {table} WHERE {key} = ?"), (value,))  # noqa: S608
            row = cursor.fetchone()
            names = [c[0] for c in cursor.description]
        finally:
            conn.rollback()
        if row is None:
            return None
        found = dict(zip(names, row, strict=True))
        for name in _JSON_FIELDS & found.keys():
            found[name] = self._d.from_json(found[name])
        return found

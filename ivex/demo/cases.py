"""Partner cities at work in the demo: subscribe into case tables, answer some requests.

Every city subscribes to what is addressed to it into its own SQLite case table (the
demo's zero-setup case table; production uses PostgreSQL with the same schema), then a
case worker answers a share of the open requests in the table, and the table's answer
outbox publishes those answers to ``assist.responses.<city>``.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from connectors.answers import AnswerRelay
from connectors.responder import Responder
from connectors.sinks import open_case_table, open_sink
from connectors.subscriber import Subscriber
from ivex.access.clients import city_client
from ivex.settings import Settings

#: What a case worker would most plausibly find, per kind of request.
OUTCOMES = {
    "BIRTH_NOT_REGISTERED": "REGISTERED_LATE",
    "PREGNANCY_OUTCOME_UNKNOWN": "MOVED_AWAY",
    "REGISTRATION_WITHOUT_BIRTH": "BIRTH_FOUND",
    "LATE_TERMINATION_UNAPPROVED": "RECORD_ERROR",
    "DUPLICATE_REGISTRATION": "RECORD_ERROR",
}


#: States a case worker still answers (an answer in time un-does OVERDUE, not the escalation).
ANSWERABLE = frozenset({"OPEN", "OVERDUE"})


@dataclass
class CaseTotals:
    """Rows stored per city, answers sent, and the states the tables show."""

    stored: Counter[str] = field(default_factory=Counter)
    notices: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)
    states: Counter[tuple[str, str]] = field(default_factory=Counter)


def table_target(cases_dir: Path, city: str) -> str:
    """The SQLite case table of ``city`` in the run directory."""
    return f"sqlite:///{(cases_dir / f'{city}.db').resolve()}"


def subscribe_all(settings: Settings, cases_dir: Path, totals: CaseTotals) -> None:
    """Bring every city's case table up to date with its requests and notices topics."""
    cases_dir.mkdir(parents=True, exist_ok=True)
    for city in settings.city_codes:
        # Closing leaves the group at once; otherwise the next run waits out the session.
        sink = open_sink(table_target(cases_dir, city))
        with Subscriber(city_client(settings, city), city, sink) as sub:
            report = sub.run(once=True)
        totals.stored[city] += report.requests
        totals.notices[city] += report.notices


def answer_share(settings: Settings, cases_dir: Path, share: float, totals: CaseTotals) -> None:
    """Answer ``share`` of each city's open or overdue requests (acknowledge or resolve)
    and publish."""
    for city in settings.city_codes:
        table = open_case_table(table_target(cases_dir, city))
        with table:
            for row in table.requests():
                # Most respond_by dates of the simulated year are past by the time the
                # cities subscribe, so unanswered requests already show OVERDUE.
                if row.state not in ANSWERABLE or not picked(row.request_id, share):
                    continue
                status = "RESOLVED" if picked(row.request_id, share / 2) else "ACKNOWLEDGED"
                outcome = OUTCOMES.get(row.kind) if status == "RESOLVED" else None
                # Answered within the time allowed, in the simulated world's time.
                at = row.raised_at + timedelta(days=3)
                table.answer(row.request_id, status, outcome=outcome, answered_at=at)
                totals.answered[status] += 1
            with Responder(city_client(settings, city), city) as responder:
                AnswerRelay(table, responder).run(once=True)


def count_states(settings: Settings, cases_dir: Path, totals: CaseTotals) -> None:
    """Tally the request states every city's case table now shows."""
    totals.states.clear()
    for city in settings.city_codes:
        with open_case_table(table_target(cases_dir, city)) as table:
            for row in table.requests():
                totals.states[(city, row.state)] += 1


def picked(request_id: str, share: float) -> bool:
    """A deterministic draw: the same request is always picked (or not) for a share."""
    return uuid.UUID(request_id).int % 1000 < share * 1000

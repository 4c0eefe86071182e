"""Builders of decisions, responses and clock ticks for the lifecycle tests (CST times)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Final

from streams.engine.days import MS_PER_DAY, MS_PER_HOUR, end_of_day
from streams.engine.facts import Position
from streams.engine.outputs import OPEN, URGENT, WITHDRAWN, Evidence, RequestOut
from streams.lifecycle import Decision, ExchangeClock, LifecycleOutput, RequestLifecycle, Response

ZY: Final = "620700"
WW: Final = "620600"
JQ: Final = "620900"
JC: Final = "620300"
RID: Final = "7b0c6a52-5b58-5b6c-9a63-2f7d1d3e0a01"
RESPONSE_NS: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ivex:response-id:v1")


def at(day: str, hour: int = 12) -> int:
    """Epoch ms of ``hour`` o'clock CST on ``day``."""
    return end_of_day(dt.date.fromisoformat(day), 8) - (24 - hour) * MS_PER_HOUR


RAISED: Final = at("2024-03-01", 9)
RESPOND_BY: Final = RAISED + 15 * MS_PER_DAY  # 2024-03-16 09:00 CST


def request(
    rid: str = RID,
    *,
    state: str = OPEN,
    reason: str = "no outcome recorded",
    addressed: str = WW,
    respond_by: int = RESPOND_BY,
) -> RequestOut:
    """A PREGNANCY_OUTCOME_UNKNOWN request addressed to Wuwei, copy to Zhangye."""
    evidence = Evidence(str(uuid.UUID(int=1)), ZY, "pregnancies", "p-1", "t", 0, 3)
    return RequestOut(
        request_id=rid,
        kind="PREGNANCY_OUTCOME_UNKNOWN",
        addressed_city=addressed,
        copy_to=(ZY,),
        subject_ref="m-1",
        child_ref=None,
        evidence=(evidence,),
        raised_at=RAISED,
        respond_by=respond_by,
        priority=URGENT,
        state=state,
        reason=reason,
    )


def decision(rid: str = RID, *, respond_by: int = RESPOND_BY, reason: str = "") -> Decision:
    """The engine's OPEN decision on :func:`request`."""
    return Decision(request(rid, respond_by=respond_by, reason=reason or "no outcome recorded"))


def withdrawn(rid: str = RID) -> Decision:
    """The engine withdrawing the request."""
    return Decision(request(rid, state=WITHDRAWN, reason="recorded late on 2024-03-05"))


def response(
    status: str,
    responded_at: int,
    *,
    rid: str = RID,
    city: str = WW,
    topic_city: str | None = None,
    outcome: str | None = None,
    note: str | None = None,
    offset: int = 0,
) -> Response:
    """``city``'s answer; id as the responder SDK makes it; read from its own topic."""
    topic = city if topic_city is None else topic_city
    return Response(
        response_id=str(uuid.uuid5(RESPONSE_NS, f"{rid}|{status}|{city}")),
        request_id=rid,
        responding_city=city,
        topic_city=topic,
        status=status,
        outcome=outcome,
        responded_at=responded_at,
        note=note,
        position=Position(f"assist.responses.{topic}", 0, offset),
    )


def tick(time_ms: int) -> ExchangeClock:
    """An exchange clock tick."""
    return ExchangeClock(time_ms)


def feed(lc: RequestLifecycle, *items: Decision | Response | ExchangeClock) -> LifecycleOutput:
    """Apply ``items`` in order; every output concatenated."""
    out = LifecycleOutput()
    for item in items:
        out.extend(lc.apply(item))
    return out


def states(out: LifecycleOutput) -> list[tuple[str, str]]:
    """(state, reason) of every request published, in order."""
    return [(r.state, r.reason) for r in out.requests]


def with_state(req: RequestOut, state: str, reason: str) -> RequestOut:
    """``req`` with another state and reason."""
    return replace(req, state=state, reason=reason)

"""The published state of a request: a pure function of decision, responses and clock.

1. decision WITHDRAWN → WITHDRAWN (the cause is gone, whatever was answered);
2. a terminal answer → RESOLVED, the latest one (tie: response_id) named in the reason;
3. no answer by respond_by and the clock at or past it → OVERDUE, or ACKNOWLEDGED "late"
   if an acknowledgement came after respond_by;
4. an acknowledgement → ACKNOWLEDGED;
5. else the decision as the engine made it (OPEN).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from streams.engine.outputs import WITHDRAWN, RequestOut
from streams.lifecycle.inputs import Response
from streams.lifecycle.reasons import (
    ACKNOWLEDGED_STATE,
    OVERDUE_STATE,
    RESOLVED_STATE,
    acknowledged_reason,
    overdue_reason,
    resolution_reason,
)


def _order(response: Response) -> tuple[int, str]:
    return (response.responded_at, response.response_id)


def overdue(decision: RequestOut, responses: Collection[Response], clock: int) -> bool:
    """True when nothing answered by ``respond_by`` and the clock has reached it.

    Also the escalation condition: it ignores the decision's state, so that whether a
    request is escalated depends on event times only, never on the order of arrival.
    """
    respond_by = decision.respond_by
    if clock < respond_by:
        return False
    return not any(r.answers and r.responded_at <= respond_by for r in responses)


def view(
    decision: RequestOut, responses: Collection[Response], clock: int, tz_hours: int
) -> RequestOut:
    """The request as it must be published now."""
    if decision.state == WITHDRAWN:
        return decision
    terminals = [r for r in responses if r.terminal]
    if terminals:
        last = max(terminals, key=_order)
        return replace(decision, state=RESOLVED_STATE, reason=resolution_reason(last))
    acks = [r for r in responses if r.answers]
    first_ack = min(acks, key=_order, default=None)
    if first_ack is None:
        if overdue(decision, responses, clock):
            return escalation(decision, tz_hours)
        return decision
    reason = acknowledged_reason(first_ack, decision.respond_by, tz_hours)
    return replace(decision, state=ACKNOWLEDGED_STATE, reason=reason)


def escalation(decision: RequestOut, tz_hours: int) -> RequestOut:
    """The request as escalated to the operator: OVERDUE, "not acknowledged by <date>"."""
    reason = overdue_reason(decision.respond_by, tz_hours)
    return replace(decision, state=OVERDUE_STATE, reason=reason)

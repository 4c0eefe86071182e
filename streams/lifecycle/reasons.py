"""Reason texts of the lifecycle's states, and the parser of a resolution's reason.

The Avro ``RequestState`` enum has no UNABLE_TO_LOCATE or REJECTED symbol (docs/events.md fixes
it), so every terminal answer publishes state RESOLVED and keeps the answer's status,
machine-readable, as the reason's prefix::

    UNABLE_TO_LOCATE by 620600: MOVED_AWAY — left for Xinjiang

``": <outcome>"`` and ``" — <note>"`` appear only when the response has them. Outcomes are
enum symbols (no spaces), so the text parses back unambiguously whatever the note holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from streams.engine.days import local_date
from streams.engine.outputs import RequestOut
from streams.lifecycle.inputs import Response

# Request states the lifecycle adds to the engine's OPEN and WITHDRAWN.
ACKNOWLEDGED_STATE: Final = "ACKNOWLEDGED"
RESOLVED_STATE: Final = "RESOLVED"
OVERDUE_STATE: Final = "OVERDUE"

NOTE_SEPARATOR: Final = " — "

_RESOLUTION: Final = re.compile(
    r"(?P<status>RESOLVED|UNABLE_TO_LOCATE|REJECTED) by (?P<city>[^\s:]+)"
    r"(?:: (?P<outcome>[A-Z_]+))?"
    r"(?: — (?P<note>.*))?",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a RESOLVED request's reason says: who answered what."""

    status: str
    city: str
    outcome: str | None
    note: str | None


def date_text(instant_ms: int, tz_hours: int) -> str:
    """The local date of an instant, as YYYY-MM-DD (the engine's reason dates)."""
    return local_date(instant_ms, tz_hours).isoformat()


def resolution_reason(response: Response) -> str:
    """The reason of a request a terminal ``response`` closed."""
    text = f"{response.status} by {response.responding_city}"
    if response.outcome is not None:
        text += f": {response.outcome}"
    if response.note is not None:
        text += NOTE_SEPARATOR + response.note
    return text


def acknowledged_reason(ack: Response, respond_by: int, tz_hours: int) -> str:
    """The reason of an acknowledged request; says "late" for an ack after respond_by."""
    late = " late" if ack.responded_at > respond_by else ""
    when = date_text(ack.responded_at, tz_hours)
    return f"acknowledged{late} on {when} by {ack.responding_city}"


def overdue_reason(respond_by: int, tz_hours: int) -> str:
    """The reason of a request nobody acknowledged in time."""
    return f"not acknowledged by {date_text(respond_by, tz_hours)}"


def parse_resolution(reason: str) -> Resolution | None:
    """The answer a RESOLVED request's reason names, or None if it is not such a reason."""
    m = _RESOLUTION.fullmatch(reason)
    if m is None:
        return None
    return Resolution(m["status"], m["city"], m["outcome"], m["note"])


def answer_status(request: RequestOut) -> str:
    """The request's state, with a resolution's own status (e.g. REJECTED) put back."""
    if request.state == RESOLVED_STATE:
        resolution = parse_resolution(request.reason)
        if resolution is not None:
            return resolution.status
    return request.state

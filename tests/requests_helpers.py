"""Builders of AssistanceRequest / CaseNotice data and sink items, shared by the tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.sinks.base import SinkItem
from ivex.models import AssistanceRequest, CaseNotice
from ivex.samples import sample_records

_NS = uuid.UUID("4f1ab5f1-0000-5000-8000-000000000000")
RAISED = datetime(2025, 3, 4, 2, 15, tzinfo=UTC)


def request_id(n: int, city: str = "620600") -> str:
    """A deterministic request id per (n, city)."""
    return str(uuid.uuid5(_NS, f"request:{city}:{n}"))


def request_datum(n: int, city: str = "620600", **changes: Any) -> dict[str, Any]:
    """An AssistanceRequest datum addressed to ``city``, raised ``n`` hours after RAISED."""
    datum = dict(sample_records()["AssistanceRequest"])
    raised = RAISED + timedelta(hours=n)
    others = [c for c in ("620700", "620900") if c != city]
    datum |= {
        "request_id": request_id(n, city),
        "addressed_city": city,
        "copy_to": others[:1],
        "raised_at": raised,
        "respond_by": raised + timedelta(days=30),
        "reason": f"request {n}",
    }
    return datum | changes


def notice_datum(n: int, city: str = "620600") -> dict[str, Any]:
    """A CaseNotice datum addressed to ``city``."""
    datum = dict(sample_records()["CaseNotice"])
    return datum | {"notice_id": str(uuid.uuid5(_NS, f"notice:{city}:{n}")), "addressed_city": city}


def request_item(n: int, offset: int, **changes: Any) -> SinkItem:
    """A sink item of request ``n`` as if read at ``offset`` of partition 0."""
    record = AssistanceRequest.model_validate(request_datum(n, **changes))
    return SinkItem(record, "assist.requests.620600", 0, offset)


def notice_item(n: int, offset: int) -> SinkItem:
    """A sink item of notice ``n`` as if read at ``offset``."""
    return SinkItem(CaseNotice.model_validate(notice_datum(n)), "assist.notices.620600", 0, offset)

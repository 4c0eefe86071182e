"""Where the lifecycle keeps per-request state: a tiny protocol, so a Faust table can plug in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from streams.lifecycle.record import RequestRecord


class LifecycleStore(Protocol):
    """Per-request state keyed by ``request_id``."""

    def get(self, request_id: str) -> RequestRecord | None:
        """The record of ``request_id``, or None if the request is unknown."""
        ...

    def put(self, request_id: str, record: RequestRecord) -> None:
        """Store (replace) the record of ``request_id``."""
        ...

    def records(self) -> Iterator[RequestRecord]:
        """Every stored record (recovery and re-publication; not a hot path)."""
        ...


class InMemoryLifecycleStore:
    """A dict of records: for tests and the audit re-derivation."""

    def __init__(self) -> None:
        self._records: dict[str, RequestRecord] = {}

    def get(self, request_id: str) -> RequestRecord | None:
        """The record of ``request_id``, or None if the request is unknown."""
        return self._records.get(request_id)

    def put(self, request_id: str, record: RequestRecord) -> None:
        """Store (replace) the record of ``request_id``."""
        self._records[request_id] = record

    def records(self) -> Iterator[RequestRecord]:
        """Every stored record."""
        return iter(self._records.values())

    def __len__(self) -> int:
        return len(self._records)

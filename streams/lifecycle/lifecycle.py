"""The request lifecycle: decisions, responses and the exchange clock in, request states out.

Between the case engine and ``assist.requests.<city>``: for every request touched, the
published state is recomputed as a pure function of the engine's latest decision, the
accepted responses and the exchange clock (:func:`~streams.lifecycle.rules.view`) and
diffed against what was published before; only changes come out. Re-applying anything is
a no-op (a replayed older decision too, when the driver gives decisions their log
position), so at-least-once delivery is safe; rejections are stateless and simply come
out again. No Kafka, no wall clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from streams.engine.outputs import RequestOut
from streams.engine.watermarks import NO_WATERMARK
from streams.lifecycle.index import RespondByIndex
from streams.lifecycle.inputs import Decision, ExchangeClock, LifecycleInput, Response
from streams.lifecycle.outputs import (
    NOT_THE_PUBLISHER,
    UNKNOWN_REQUEST,
    LifecycleOutput,
    Rejection,
    not_addressed,
)
from streams.lifecycle.record import RequestRecord
from streams.lifecycle.rules import escalation, overdue, view
from streams.lifecycle.store import InMemoryLifecycleStore, LifecycleStore

#: The clock before any :class:`ExchangeClock`: earlier than every respond_by.
NO_CLOCK: Final = NO_WATERMARK
#: The federation's default deadline zone (China Standard Time), as in the rule settings.
DEFAULT_TZ_HOURS: Final = 8


@dataclass(slots=True)
class LifecycleStats:
    """Counters since the lifecycle was created."""

    decisions: int = 0
    responses: int = 0
    duplicates: int = 0
    replayed: int = 0
    rejected: int = 0
    clock_advances: int = 0
    settled: int = 0


class RequestLifecycle:
    """The pure request lifecycle of docs/rules.md "Lifecycle of a request"."""

    def __init__(
        self,
        store: LifecycleStore | None = None,
        *,
        tz_hours: int = DEFAULT_TZ_HOURS,
        clock: int = NO_CLOCK,
        index: RespondByIndex | None = None,
    ) -> None:
        self.store: LifecycleStore = store if store is not None else InMemoryLifecycleStore()
        self.tz_hours = tz_hours
        self.index = index if index is not None else RespondByIndex()
        self.stats = LifecycleStats()
        self._clock = clock

    @property
    def clock(self) -> int:
        """The exchange clock (epoch ms) as last advanced; :data:`NO_CLOCK` before any."""
        return self._clock

    def apply(self, item: LifecycleInput) -> LifecycleOutput:
        """Apply one input; returns the requests, escalations and rejections to publish."""
        out = LifecycleOutput()
        if isinstance(item, Decision):
            self._apply_decision(item, out)
        elif isinstance(item, Response):
            self._apply_response(item, out)
        else:
            self._apply_clock(item, out)
        return out

    def published(self, request_id: str) -> RequestOut | None:
        """The request as last published, or None if it never was."""
        record = self.store.get(request_id)
        return None if record is None else record.published

    def republish_all(self) -> LifecycleOutput:
        """Every published request and issued escalation again (a driver's crash recovery)."""
        out = LifecycleOutput()
        for record in sorted(self.store.records(), key=lambda r: r.request_id):
            if record.published is not None:
                out.requests.append(record.published)
            if record.escalation is not None:
                out.escalations.append(record.escalation)
        return out

    def rebuild_index(self) -> None:
        """Recreate the respond-by index from the store (recovery; walks every record)."""
        self.index = RespondByIndex()
        for record in self.store.records():
            if record.decision is not None:
                self.index.push(record.decision.respond_by, record.request_id)

    def settle_due(self) -> LifecycleOutput:
        """Re-evaluate every indexed request whose respond_by the clock already reached."""
        out = LifecycleOutput()
        self._settle_due(out)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Lifecycle-global state (clock, index); requests live in the store."""
        return {"clock": self._clock, "index": self.index.to_dict()}

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        store: LifecycleStore | None = None,
        *,
        tz_hours: int = DEFAULT_TZ_HOURS,
    ) -> RequestLifecycle:
        """A lifecycle resumed from :meth:`to_dict` and a store of requests."""
        return cls(
            store,
            tz_hours=tz_hours,
            clock=int(data["clock"]),
            index=RespondByIndex.from_dict(data["index"]),
        )

    def _apply_decision(self, decision: Decision, out: LifecycleOutput) -> None:
        self.stats.decisions += 1
        request = decision.request
        rid = request.request_id
        record = self.store.get(rid) or RequestRecord(rid)
        if decision.replays(record.decision_position):
            self.stats.replayed += 1
            return
        if record.decision == request and record.decision_position == decision.position:
            return
        record.decision = request
        record.decision_position = decision.position
        if request.respond_by > self._clock:
            self.index.push(request.respond_by, rid)
        self._settle(record, out)
        self.store.put(rid, record)

    def _apply_response(self, response: Response, out: LifecycleOutput) -> None:
        self.stats.responses += 1
        record = self.store.get(response.request_id)
        if record is None or record.decision is None:
            self._reject(Rejection(response, "request_id", UNKNOWN_REQUEST), out)
            return
        rejection = _check(response, record.decision)
        if rejection is not None:
            self._reject(rejection, out)
            return
        if not record.accept(response):
            self.stats.duplicates += 1
            return
        self._settle(record, out)
        self.store.put(record.request_id, record)

    def _reject(self, rejection: Rejection, out: LifecycleOutput) -> None:
        # Stateless on purpose: a re-applied bad response is rejected again, so a crash
        # between the state commit and the DLQ write loses nothing (docs/bad-input.md).
        self.stats.rejected += 1
        out.rejections.append(rejection)

    def _apply_clock(self, clock: ExchangeClock, out: LifecycleOutput) -> None:
        if clock.time_ms <= self._clock:
            return  # the clock is monotone: an older minimum says nothing new
        self.stats.clock_advances += 1
        self._clock = clock.time_ms
        self._settle_due(out)

    def _settle_due(self, out: LifecycleOutput) -> None:
        for rid in self.index.pop_due(self._clock):
            record = self.store.get(rid)
            if record is not None and self._settle(record, out):
                self.store.put(rid, record)

    def _settle(self, record: RequestRecord, out: LifecycleOutput) -> bool:
        """Recompute, diff against what was published, record it; True if it changed."""
        decision = record.decision
        if decision is None:
            return False
        self.stats.settled += 1
        changed = False
        responses = record.responses.values()
        if record.escalation is None and overdue(decision, responses, self._clock):
            record.escalation = escalation(decision, self.tz_hours)
            out.escalations.append(record.escalation)
            changed = True
        desired = view(decision, responses, self._clock, self.tz_hours)
        if desired != record.published:
            record.published = desired
            out.requests.append(desired)
            changed = True
        return changed


def _check(response: Response, request: RequestOut) -> Rejection | None:
    """Why ``response`` may not answer ``request``, or None if it may."""
    addressed = request.addressed_city
    if response.responding_city != addressed:
        reason = not_addressed(response.request_id, addressed, response.responding_city)
        return Rejection(response, "responding_city", reason)
    if response.responding_city != response.topic_city:
        return Rejection(response, "responding_city", NOT_THE_PUBLISHER)
    return None

"""The case engine: apply facts and watermarks one by one, emit request/notice changes.

For every woman touched, the rules are recomputed as a pure function of her history and
the watermarks (:func:`~streams.engine.judge.judge`) and the result is diffed against
what was emitted for her before; only new or changed requests, and notices not yet
issued, come out. Re-applying anything is a no-op, so at-least-once delivery is safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from streams.engine.deadlines import DeadlineIndex, Due
from streams.engine.facts import Fact, RecordKey, Watermark
from streams.engine.history import WomanState
from streams.engine.judge import Scope, judge
from streams.engine.outputs import DUPLICATE_REGISTRATION, WITHDRAWN, NoticeOut, RequestOut
from streams.engine.params import EngineParams
from streams.engine.rules.common import Pending
from streams.engine.scope import affected
from streams.engine.store import InMemoryWomanStore, WomanStore
from streams.engine.watermarks import Pair, Watermarks

__all__ = [
    "CaseEngine",
    "Diagnostic",
    "EngineOutput",
    "EngineParams",
    "EngineStats",
    "InMemoryWomanStore",
    "WomanStore",
]

#: Reason of a request that no rule raises any more (a safety net: with watermarks kept
#: as promised, event-time judgements only ever add requests).
NO_LONGER_RAISED: Final = "no longer raised by the current records"

DUPLICATE: Final = "duplicate_event"
STALE: Final = "stale_version"
OLD_WATERMARK: Final = "old_watermark"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something worth logging: a duplicate event, a stale correction, an old watermark."""

    kind: str
    event_id: str
    detail: str


@dataclass(slots=True, init=False)
class EngineOutput:
    """What one :meth:`CaseEngine.apply` produced."""

    requests: list[RequestOut]
    notices: list[NoticeOut]
    diagnostics: list[Diagnostic]

    # Written out: mypyc compiles an explicit __init__, not the generated one.
    def __init__(
        self,
        requests: list[RequestOut] | None = None,
        notices: list[NoticeOut] | None = None,
        diagnostics: list[Diagnostic] | None = None,
    ) -> None:
        self.requests = [] if requests is None else requests
        self.notices = [] if notices is None else notices
        self.diagnostics = [] if diagnostics is None else diagnostics

    def __bool__(self) -> bool:
        return bool(self.requests or self.notices or self.diagnostics)


@dataclass(slots=True)
class EngineStats:
    """Counters since the engine was created."""

    facts: int = 0
    watermarks: int = 0
    duplicates: int = 0
    stale: int = 0
    rejudged: int = 0


class CaseEngine:
    """The pure case engine of docs/rules.md (no Kafka, no clock, no I/O)."""

    def __init__(
        self,
        params: EngineParams,
        store: WomanStore | None = None,
        *,
        watermarks: Watermarks | None = None,
        index: DeadlineIndex | None = None,
    ) -> None:
        self.params = params
        self.store: WomanStore = store if store is not None else InMemoryWomanStore()
        self.watermarks = watermarks if watermarks is not None else Watermarks()
        self.index = index if index is not None else DeadlineIndex()
        self.stats = EngineStats()
        for gate in self.index.gates():
            self.watermarks.effective(gate)  # register: advances must report this gate

    def apply(self, item: Fact | Watermark) -> EngineOutput:
        """Apply one decoded event; returns the requests/notices to publish."""
        out = EngineOutput()
        if isinstance(item, Watermark):
            self._apply_watermark(item, out)
        else:
            self._apply_fact(item, out)
        return out

    def holding(self) -> dict[Pair, int]:
        """(city, stream) pairs holding back due judgements, with how many each holds."""
        return self.index.holding(self.watermarks)

    def rejudge_due(self) -> EngineOutput:
        """Re-judge every indexed woman whose gate is already passed (after a recovery)."""
        out = EngineOutput()
        due = _Due()
        for gate in self.index.gates():
            due.add(self.index.pop_due(gate, self.watermarks.effective(gate)))
        self._rejudge(due, out)
        return out

    def rebuild_index(self, states: Iterable[WomanState]) -> None:
        """Recreate the deadline index from the women's states (recovery)."""
        self.index = DeadlineIndex()
        for state in states:
            self._push(state.mother_ref, judge(state, self.watermarks, self.params).pending)

    def to_dict(self) -> dict[str, Any]:
        """Engine-global state (watermarks, deadline index); women live in the store."""
        return {"watermarks": self.watermarks.to_dict(), "index": self.index.to_dict()}

    @classmethod
    def from_dict(
        cls, params: EngineParams, data: Mapping[str, Any], store: WomanStore | None = None
    ) -> CaseEngine:
        """An engine resumed from :meth:`to_dict` and a store of women."""
        return cls(
            params,
            store,
            watermarks=Watermarks.from_dict(data["watermarks"]),
            index=DeadlineIndex.from_dict(data["index"]),
        )

    def _apply_fact(self, fact: Fact, out: EngineOutput) -> None:
        self.stats.facts += 1
        mother_ref = fact.mother_ref
        state = self.store.get(mother_ref)
        if state is None:
            state = WomanState(mother_ref)
        elif fact.event_id in state.seen:
            self.stats.duplicates += 1
            out.diagnostics.append(Diagnostic(DUPLICATE, fact.event_id, "already applied"))
            return
        if state.add(fact):
            self.stats.stale += 1
            detail = f"{fact.action} older than the latest version of {fact.record_id}"
            out.diagnostics.append(Diagnostic(STALE, fact.event_id, detail))
        self._judge(state, affected(state, fact, self.params), out)
        self.store.put(mother_ref, state)

    def _apply_watermark(self, wm: Watermark, out: EngineOutput) -> None:
        self.stats.watermarks += 1
        if wm.complete_through < self.watermarks.get(wm.source_city, wm.stream):
            detail = f"{wm.source_city}/{wm.stream} already complete through a later instant"
            out.diagnostics.append(Diagnostic(OLD_WATERMARK, wm.event_id, detail))
            return
        due = _Due()
        marks = self.watermarks
        for gate, effective in marks.advance_effective(
            wm.source_city, wm.stream, wm.complete_through
        ):
            due.add(self.index.pop_due(gate, effective))
        self._rejudge(due, out)

    def _rejudge(self, due: _Due, out: EngineOutput) -> None:
        for mother_ref, scope in due.women.items():
            state = self.store.get(mother_ref)
            if state is None:
                continue
            self.stats.rejudged += 1
            if self._judge(state, scope, out):
                self.store.put(mother_ref, state)

    def _judge(
        self,
        state: WomanState,
        scope: Scope | None,
        out: EngineOutput,
    ) -> bool:
        """Judge, diff against what was emitted, record it; True if the state changed."""
        result = judge(state, self.watermarks, self.params, scope)
        if result.pending:
            self._push(state.mother_ref, result.pending)
        changed = _diff_requests(state, result.requests, scope, out)
        for nid, notice in result.notices.items():
            if nid not in state.notified:
                state.notified.add(nid)
                out.notices.append(notice)
                changed = True
        return changed

    def _push(self, mother_ref: str, pending: set[Pending]) -> None:
        # No need to register the gates with the watermarks here: a judgement is pending
        # only after ``Context.settled`` asked ``self.watermarks.effective(gate)``, which
        # registers the gate, so its advances are reported.
        self.index.push(mother_ref, pending)


def _diff_requests(
    state: WomanState,
    desired: dict[str, RequestOut],
    scope: Scope | None,
    out: EngineOutput,
) -> bool:
    emitted = state.emitted
    if not emitted and not desired:
        return False  # the common re-judgement: nothing raised before or now
    changed = False
    for rid, req in desired.items():
        if emitted.get(rid) != req:
            emitted[rid] = req
            out.requests.append(req)
            changed = True
    for rid, old in list(emitted.items()):
        if rid in desired or old.state == WITHDRAWN:
            continue
        if scope is not None:
            keys = scope.get(old.kind)
            if keys is None or not any(k in keys for k in _trigger_keys(old)):
                continue
        gone = replace(old, state=WITHDRAWN, reason=NO_LONGER_RAISED)
        emitted[rid] = gone
        out.requests.append(gone)
        changed = True
    return changed


def _trigger_keys(req: RequestOut) -> list[RecordKey]:
    """The triggering records of a request: its first evidence (both, for a pair rule)."""
    n = 2 if req.kind == DUPLICATE_REGISTRATION else 1
    return [(e.stream, e.source_city, e.record_id) for e in req.evidence[:n]]


class _Due:
    """Judgements popped from the index, grouped by woman: kinds and trigger keys."""

    def __init__(self) -> None:
        self.women: dict[str, dict[str, set[RecordKey]]] = {}

    def add(self, entries: list[Due]) -> None:
        women = self.women
        for mother_ref, kind, key in entries:
            kinds = women.get(mother_ref)
            if kinds is None:
                women[mother_ref] = {kind: {key}}
            elif kind in kinds:
                kinds[kind].add(key)
            else:
                kinds[kind] = {key}

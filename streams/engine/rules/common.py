"""What every rule shares: the judgement context and the builders of outputs."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TypeVar

from streams.engine.days import MS_PER_DAY, local_date
from streams.engine.facts import Birth, Fact, RecordKey, Registration
from streams.engine.history import WomanState, as_of, live_as_of, live_now
from streams.engine.ids import request_id, trigger_id
from streams.engine.matching import Matching, match
from streams.engine.outputs import Evidence, NoticeOut, RequestOut
from streams.engine.params import EngineParams
from streams.engine.watermarks import Gate, Watermarks

F = TypeVar("F", bound=Fact)

#: A judgement that cannot be made yet: (gate, instant it waits for, rule kind, trigger).
Pending = tuple[Gate, int, str, RecordKey]


class Context:
    """One woman's history, the watermarks and the parameters, for one judgement."""

    __slots__ = ("_matchings", "params", "pending", "scope", "state", "watermarks")

    def __init__(self, state: WomanState, watermarks: Watermarks, params: EngineParams) -> None:
        self.state = state
        self.watermarks = watermarks
        self.params = params
        #: Trigger keys to judge; None judges every trigger.
        self.scope: Collection[RecordKey] | None = None
        self.pending: set[Pending] = set()
        #: Matchings by (instant, override event id); created on first use (few rules match).
        self._matchings: dict[tuple[int | None, str | None], Matching] | None = None

    def settled(self, gate: Gate, instant: int, kind: str, key: RecordKey) -> bool:
        """True if every record that could matter at ``instant`` is known; else note it."""
        if self.watermarks.effective(gate) >= instant:
            return True
        self.pending.add((gate, instant, kind, key))
        return False

    def triggers(self, table: dict[RecordKey, list[F]]) -> Iterable[tuple[RecordKey, list[F]]]:
        """The records of ``table`` within the judgement's scope."""
        scope = self.scope
        if scope is None:
            return table.items()
        # A list, not a generator: scopes hold one or two keys, and a generator costs more
        # to set up than the list does to build.
        out = []
        for key in scope:
            versions = table.get(key)
            if versions is not None:
                out.append((key, versions))
        return out

    def date_text(self, instant: int) -> str:
        """The local (CST) date of an instant, as YYYY-MM-DD."""
        return local_date(instant, self.params.tz).isoformat()

    def matching(
        self, instant: int | None, override: Birth | Registration | None = None
    ) -> Matching:
        """Births↔registrations matching as of ``instant`` (None: now), cached.

        ``override`` replaces (or adds) the version of its record, so that a trigger can be
        judged in its current version against the other records as of the deadline.
        """
        if override is not None and _current_at(self.state, override, instant):
            override = None  # the override changes nothing: share the cache entry
        token = override.event_id if override is not None else None
        if self._matchings is None:
            self._matchings = {}
        cached = self._matchings.get((instant, token))
        if cached is None:
            b_over = override if isinstance(override, Birth) else None
            r_over = override if isinstance(override, Registration) else None
            births = _live_versions(self.state.births, instant, b_over)
            regs = _live_versions(self.state.registrations, instant, r_over)
            cached = match(births, regs, self.params.values.registration_match_tolerance_days)
            self._matchings[(instant, token)] = cached
        return cached


def _current_at(state: WomanState, fact: Birth | Registration, instant: int | None) -> bool:
    table: dict[RecordKey, list[Birth]] | dict[RecordKey, list[Registration]]
    table = state.births if isinstance(fact, Birth) else state.registrations
    versions = table.get(fact.key)
    if not versions:
        return False
    v = versions[-1] if instant is None else as_of(versions, instant)
    return v is fact


def _live_versions(
    table: dict[RecordKey, list[F]], instant: int | None, override: F | None
) -> list[F]:
    out: list[F] = []
    for key, versions in table.items():
        if override is not None and key == override.key:
            continue
        v = live_now(versions) if instant is None else live_as_of(versions, instant)
        if v is not None:
            out.append(v)
    if override is not None:
        out.append(override)
    return out


def reason_date(ctx: Context, instant: int) -> str:
    """Date text for reasons ("recorded late on …")."""
    return ctx.date_text(instant)


def build_request(
    ctx: Context,
    *,
    kind: str,
    keys: list[RecordKey],
    addressed: str,
    copy_to: tuple[str, ...],
    child_ref: str | None,
    evidence: list[Fact],
    raised_at: int,
    respond_days: int,
    priority: str,
    state: str,
    reason: str,
) -> RequestOut:
    """A request with its deterministic id; ``copy_to`` never contains the addressee."""
    rid = (
        request_id(kind, keys, addressed) if len(keys) > 1 else trigger_id(kind, keys[0], addressed)
    )
    return RequestOut(
        request_id=rid,
        kind=kind,
        addressed_city=addressed,
        copy_to=tuple(sorted({c for c in copy_to if c and c != addressed})),
        subject_ref=ctx.state.mother_ref,
        child_ref=child_ref,
        evidence=_evidence(evidence),
        raised_at=raised_at,
        respond_by=raised_at + respond_days * MS_PER_DAY,
        priority=priority,
        state=state,
        reason=reason,
    )


def build_notice(
    ctx: Context,
    *,
    kind: str,
    key: RecordKey,
    addressed: str,
    evidence: list[Fact],
    issued_at: int,
) -> NoticeOut:
    """A notice with its deterministic id."""
    return NoticeOut(
        notice_id=trigger_id(kind, key, addressed),  # = notice_id(kind, [key], addressed)
        kind=kind,
        addressed_city=addressed,
        subject_ref=ctx.state.mother_ref,
        evidence=_evidence(evidence),
        issued_at=issued_at,
    )


def _evidence(facts: list[Fact]) -> tuple[Evidence, ...]:
    seen: dict[str, Evidence] = {}
    for f in facts:
        seen.setdefault(f.event_id, Evidence.of(f))
    return tuple(seen.values())

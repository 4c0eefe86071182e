"""The shared logic of the deadline rules ("no X recorded anywhere by day D").

A version ``v`` of a trigger record raises its request when, at ``J = end_of_day(D_v)``:
the deadline is due (every stream that could hold X, and the trigger's own stream, has a
watermark ≥ J), ``v`` was the record's version at some instant ≥ J (it was not corrected
or voided before its deadline), and X was missing as of J. This is a function of the
event-time history, so the same log gives the same requests in any arrival order.

The state is then decided on the current records: WITHDRAWN "record voided/corrected on"
when the trigger changed after the deadline, WITHDRAWN "recorded late on" when X is now
recorded, else OPEN. Versions giving the same request id merge; the latest one wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Generic, TypeVar

from streams.engine.days import EPOCH_ORDINAL, MS_PER_DAY, MS_PER_HOUR
from streams.engine.facts import VOID, Fact, RecordKey
from streams.engine.outputs import OPEN, WITHDRAWN, RequestOut
from streams.engine.rules.common import Context, build_request
from streams.engine.watermarks import Gate

T = TypeVar("T", bound=Fact)


@dataclass(frozen=True, slots=True, init=False)
class Shape:
    """Addressing and wording of a request raised on one trigger version."""

    addressed: str
    copy_to: tuple[str, ...]
    child_ref: str | None
    priority: str
    respond_days: int
    reason: str

    # Written out: mypyc compiles an explicit __init__, not the generated one.
    def __init__(
        self,
        addressed: str,
        copy_to: tuple[str, ...],
        child_ref: str | None,
        priority: str,
        respond_days: int,
        reason: str,
    ) -> None:
        object.__setattr__(self, "addressed", addressed)
        object.__setattr__(self, "copy_to", copy_to)
        object.__setattr__(self, "child_ref", child_ref)
        object.__setattr__(self, "priority", priority)
        object.__setattr__(self, "respond_days", respond_days)
        object.__setattr__(self, "reason", reason)


class DeadlineRule(Generic[T]):
    """What a deadline rule supplies to :func:`judge_deadline`; each rule subclasses it.

    A base class rather than a ``Protocol``: compiled by mypyc, calls on it are direct
    (vtable) calls, where a protocol's are attribute lookups by name, five per version.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def applies(self, ctx: Context, v: T) -> bool:
        """Whether this trigger version is subject to the rule."""
        raise NotImplementedError

    def deadline(self, ctx: Context, v: T) -> int:
        """The deadline day D (inclusive), as a proleptic Gregorian ordinal.

        An ordinal rather than a date: it is computed for every version at every
        judgement, while the date itself is only needed in the wording of a request.
        """
        raise NotImplementedError

    def addressed(self, ctx: Context, v: T) -> str:
        """The city a request raised on this version is addressed to (as in its shape)."""
        raise NotImplementedError

    def gate(self, ctx: Context, v: T) -> Gate:
        """The (city, stream) pairs whose watermarks must pass end_of_day(D)."""
        raise NotImplementedError

    def satisfied_at(self, ctx: Context, v: T, instant: int) -> bool:
        """Whether X was recorded as of ``instant``, the trigger taken in version ``v``."""
        raise NotImplementedError

    def late_evidence(self, ctx: Context, v: T) -> Fact | None:
        """The record satisfying the rule now (``v`` being current), or None."""
        raise NotImplementedError

    def shape(self, ctx: Context, v: T, deadline: dt.date) -> Shape:
        """Addressing, priority and wording of the request."""
        raise NotImplementedError


class _Fired:
    """A version that came due unsatisfied."""

    __slots__ = ("day", "due", "index")

    def __init__(self, index: int, due: int, day: int) -> None:
        #: The fired version is ``versions[index]`` (the index alone keeps ``T`` precise
        #: for the rule calls).
        self.index = index
        self.due = due
        #: The deadline day's ordinal; the shape (with its worded reason) is built from it
        #: only for the versions that end up as requests.
        self.day = day


def judge_deadline(
    ctx: Context, rule: DeadlineRule[T], table: dict[RecordKey, list[T]]
) -> dict[str, RequestOut]:
    """Desired requests of ``rule`` for every trigger record in ``table``."""
    out: dict[str, RequestOut] = {}
    for key, versions in ctx.triggers(table):
        for f in _fired_versions(ctx, rule, key, versions).values():
            req = _request(ctx, rule, key, versions, f)
            out[req.request_id] = req
    return out


def _fired_versions(
    ctx: Context, rule: DeadlineRule[T], key: RecordKey, versions: list[T]
) -> dict[str, _Fired]:
    """The versions that came due unsatisfied, by addressed city (the latest one wins).

    Keyed by addressed city rather than by request id: within one rule and trigger the
    id is ``request_id(kind, [key], addressed)``, a one-to-one function of the city, so
    the merge is the same and the uuid5 is computed only for the requests built.
    """
    fired: dict[str, _Fired] = {}
    last = len(versions) - 1
    tz_ms = ctx.params.tz * MS_PER_HOUR
    watermarks = ctx.watermarks
    for i, v in enumerate(versions):
        if v.action == VOID or not rule.applies(ctx, v):
            continue
        day = rule.deadline(ctx, v)
        due = (day - EPOCH_ORDINAL + 1) * MS_PER_DAY - tz_ms  # end_of_day(D), inlined
        if i < last and versions[i + 1].recorded_at <= due:
            continue  # replaced before its deadline: this version never came due
        gate = rule.gate(ctx, v)
        if watermarks.effective(gate) < due:  # ctx.settled, inlined: not due yet, note it
            ctx.pending.add((gate, due, rule.kind, key))
            continue
        if rule.satisfied_at(ctx, v, due):
            continue
        fired[rule.addressed(ctx, v)] = _Fired(i, due, day)
    return fired


def _request(
    ctx: Context, rule: DeadlineRule[T], key: RecordKey, versions: list[T], f: _Fired
) -> RequestOut:
    current = versions[-1]
    version = versions[f.index]
    shape = rule.shape(ctx, version, dt.date.fromordinal(f.day))
    evidence: list[Fact] = [current]
    if f.index < len(versions) - 1:
        change = versions[f.index + 1]
        verb = "voided" if change.action == VOID else "corrected"
        state, reason = WITHDRAWN, f"record {verb} on {ctx.date_text(change.recorded_at)}"
    else:
        late = rule.late_evidence(ctx, version)
        if late is None:
            state, reason = OPEN, shape.reason
        else:
            evidence.append(late)
            state, reason = WITHDRAWN, f"recorded late on {ctx.date_text(late.recorded_at)}"
    return build_request(
        ctx,
        kind=rule.kind,
        keys=[key],
        addressed=shape.addressed,
        copy_to=shape.copy_to,
        child_ref=shape.child_ref,
        evidence=evidence,
        raised_at=f.due,
        respond_days=shape.respond_days,
        priority=shape.priority,
        state=state,
        reason=reason,
    )


def earliest(facts: list[T]) -> T | None:
    """The earliest-recorded fact (ties by event_id), or None."""
    return min(facts, key=lambda f: (f.recorded_at, f.event_id), default=None)

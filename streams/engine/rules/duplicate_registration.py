"""DUPLICATE_REGISTRATION: two registrations of one child under different record keys.

Fires if at some instant of event time both were live with the same child_ref or the same
certificate_no. That instant counts once the registrations streams of both cities are
complete through it (a void still in flight must not raise a false request). One request
per registering city, the other in copy; a duplicate within one city is one request.
OPEN while the pair is still a duplicate now; WITHDRAWN with the date it stopped.
"""

from __future__ import annotations

from itertools import combinations

from streams.engine.facts import VOID, RecordKey, Registration, record_key_text
from streams.engine.history import as_of, last_live, live_as_of
from streams.engine.outputs import DUPLICATE_REGISTRATION, NORMAL, OPEN, WITHDRAWN, RequestOut
from streams.engine.rules.common import Context, build_request

KIND = DUPLICATE_REGISTRATION


def same_child(x: Registration, y: Registration) -> bool:
    """Same child_ref, or the same non-null certificate_no."""
    return x.child_ref == y.child_ref or bool(
        x.certificate_no and x.certificate_no == y.certificate_no
    )


def desired(ctx: Context) -> dict[str, RequestOut]:
    """Desired DUPLICATE_REGISTRATION requests of this woman."""
    regs = ctx.state.registrations
    if len(regs) < 2:
        return {}
    out: dict[str, RequestOut] = {}
    scope = ctx.scope
    for a, b in combinations(sorted(regs), 2):
        if scope is not None and a not in scope and b not in scope:
            continue
        if _could_be_same(regs[a], regs[b]):
            for req in _pair_requests(ctx, a, b):
                out[req.request_id] = req
    return out


def _could_be_same(va: list[Registration], vb: list[Registration]) -> bool:
    """Cheap pre-check: some version of each names the same child."""
    return any(same_child(x, y) for x in va if x.action != VOID for y in vb if y.action != VOID)


def _pair_requests(ctx: Context, a: RecordKey, b: RecordKey) -> list[RequestOut]:
    va, vb = ctx.state.registrations[a], ctx.state.registrations[b]
    instants = sorted({v.recorded_at for v in va} | {v.recorded_at for v in vb})
    holds = [_holds(va, vb, t) for t in instants]
    if True not in holds:
        return []
    first = instants[holds.index(True)]
    if not ctx.settled(ctx.params.registrations_gate(a[1], b[1]), first, KIND, a):
        return []
    state, reason = _state(ctx, a, b, instants, holds)
    cities = sorted({a[1], b[1]})
    return [
        build_request(
            ctx,
            kind=KIND,
            keys=[a, b],
            addressed=city,
            copy_to=tuple(cities),
            child_ref=_child_ref(ctx, a if a[1] == city else b),
            evidence=[va[-1], vb[-1]],
            raised_at=first,
            respond_days=ctx.params.values.duplicate_registration_respond_days,
            priority=NORMAL,
            state=state,
            reason=reason,
        )
        for city in cities
    ]


def _holds(va: list[Registration], vb: list[Registration], instant: int) -> bool:
    x, y = live_as_of(va, instant), live_as_of(vb, instant)
    return x is not None and y is not None and same_child(x, y)


def _state(
    ctx: Context, a: RecordKey, b: RecordKey, instants: list[int], holds: list[bool]
) -> tuple[str, str]:
    if holds[-1]:
        return OPEN, (
            f"registrations {record_key_text(a)} and {record_key_text(b)} are of the same child"
        )
    last_true = len(holds) - 1 - holds[::-1].index(True)
    stop = instants[last_true + 1]
    regs = ctx.state.registrations
    voided = any(
        (v := as_of(regs[k], stop)) is not None and v.action == VOID and v.recorded_at == stop
        for k in (a, b)
    )
    verb = "voided" if voided else "corrected"
    return WITHDRAWN, f"record {verb} on {ctx.date_text(stop)}"


def _child_ref(ctx: Context, key: RecordKey) -> str | None:
    v = last_live(ctx.state.registrations[key])
    return v.child_ref if v is not None else None

"""Properties of the lifecycle over generated decisions, responses and clock ticks.

Interleavings respect what the live system guarantees:
- a request's decisions keep the engine's order, and clock ticks are monotone;
- a response follows its request's first decision (a city answers what it received,
  and the lifecycle published it on that decision);
- a response with ``responded_at`` ≤ T is read before a clock tick ≥ T (the
  watermark promise, extended to answers; a backdated answer is the documented
  exception, see ``test_a_backdated_ack_cannot_recall_an_escalation``).
Then every interleaving gives the same final published requests, the same escalations
and the same rejections; they agree with a direct oracle of the rules; and applying
everything a second time publishes nothing new (decisions carry their log position, so
a replayed older decision is recognised).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.engine.days import MS_PER_HOUR
from streams.engine.facts import Position
from streams.engine.outputs import OPEN, WITHDRAWN, RequestOut
from streams.lifecycle import (
    NO_CLOCK,
    Decision,
    ExchangeClock,
    LifecycleOutput,
    RequestLifecycle,
    Response,
)
from tests.unit.streams.lifecycle.builders import JQ, RESPOND_BY, WW, ZY, request, response, tick

Item = Decision | Response | ExchangeClock
RIDS = ("r0", "r1", "r2")
UNKNOWN = "r-unknown"
DECISIONS_TOPIC = "ivex.lifecycle.decisions"
STATUSES = ("ACKNOWLEDGED", "RESOLVED", "UNABLE_TO_LOCATE", "REJECTED")
OUTCOMES = (None, "BIRTH_FOUND", "MOVED_AWAY")


def hours(n: int) -> int:
    """``n`` hours after the default respond_by."""
    return RESPOND_BY + n * MS_PER_HOUR


@dataclass(frozen=True)
class Scenario:
    """Per-request decision sequences, responses and clock ticks (ticks sorted)."""

    decisions: dict[str, list[Decision]]
    responses: list[Response]
    ticks: list[ExchangeClock]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Up to three requests, answers (some invalid, some to no request) and clock ticks."""
    decisions: dict[str, list[Decision]] = {}
    offsets = iter(range(1_000))  # where the engine's outputs sit on the driver's topic
    for rid in draw(st.lists(st.sampled_from(RIDS), min_size=1, max_size=3, unique=True)):
        respond_by = hours(draw(st.integers(-3, 3)))
        seq = draw(st.lists(st.sampled_from([OPEN, WITHDRAWN]), min_size=1, max_size=3))
        decisions[rid] = [
            Decision(
                request(rid, state=s, reason=f"v{i}", respond_by=respond_by),
                Position(DECISIONS_TOPIC, 0, next(offsets)),
            )
            for i, s in enumerate(seq)
        ]
    targets = [*decisions, UNKNOWN]
    responses = []
    for _ in range(draw(st.integers(0, 8))):
        city = draw(st.sampled_from([WW, WW, WW, ZY]))
        topic = draw(st.sampled_from([city, city, city, JQ]))
        responses.append(
            response(
                draw(st.sampled_from(STATUSES)),
                hours(draw(st.integers(-6, 6))),
                rid=draw(st.sampled_from(targets)),
                city=city,
                topic_city=topic,
                outcome=draw(st.sampled_from(OUTCOMES)),
                note=draw(st.sampled_from([None, "n"])),
            )
        )
    times = draw(st.lists(st.integers(-8, 8), max_size=5, unique=True))
    return Scenario(decisions, responses, [tick(hours(t)) for t in sorted(times)])


def _ready(s: Scenario, done_decisions: dict[str, int], pending: list[Response]) -> list[Item]:
    ready: list[Item] = []
    for rid, seq in s.decisions.items():
        if done_decisions[rid] < len(seq):
            ready.append(seq[done_decisions[rid]])
    for r in pending:
        if r.request_id not in s.decisions or done_decisions[r.request_id] > 0:
            ready.append(r)
    return ready


@st.composite
def interleavings(draw: st.DrawFn, s: Scenario) -> list[Item]:
    """An order of ``s``'s items that keeps the guarantees of the module docstring."""
    done = dict.fromkeys(s.decisions, 0)
    pending = list(s.responses)
    ticks = list(s.ticks)
    order: list[Item] = []
    while True:
        ready = _ready(s, done, pending)
        if ticks and all(r.responded_at > ticks[0].time_ms for r in pending):
            ready.append(ticks[0])
        if not ready:
            return order
        item = ready[draw(st.integers(0, len(ready) - 1))]
        order.append(item)
        if isinstance(item, Decision):
            done[item.request.request_id] += 1
        elif isinstance(item, Response):
            pending.remove(item)
        else:
            ticks.pop(0)


def canonical(s: Scenario) -> list[Item]:
    """Every decision, then answers and ticks in event-time order (answers first on ties)."""
    items: list[Item] = [d for seq in s.decisions.values() for d in seq]
    timed: list[tuple[int, int, int, Item]] = [
        (r.responded_at, 0, i, r) for i, r in enumerate(s.responses)
    ]
    timed += [(t.time_ms, 1, i, t) for i, t in enumerate(s.ticks)]
    return items + [item for *_, item in sorted(timed, key=lambda x: x[:3])]


@dataclass
class Run:
    """A lifecycle after a run, and everything it output."""

    lifecycle: RequestLifecycle
    out: LifecycleOutput


def run(items: list[Item]) -> Run:
    """Apply ``items`` in order to a fresh lifecycle."""
    lc = RequestLifecycle()
    out = LifecycleOutput()
    for item in items:
        out.extend(lc.apply(item))
    return Run(lc, out)


def final_published(r: Run) -> dict[str, RequestOut]:
    """The last version output per request (checked against :meth:`republish_all`)."""
    latest = {req.request_id: req for req in r.out.requests}
    assert latest == {req.request_id: req for req in r.lifecycle.republish_all().requests}
    return latest


def rejections(r: Run) -> Counter[tuple[str, int, str, str]]:
    """The rejections output, as a multiset (their order follows the interleaving)."""
    return Counter(
        (x.response.response_id, x.response.responded_at, x.field, x.reason)
        for x in r.out.rejections
    )


def oracle(s: Scenario) -> tuple[dict[str, str], set[str]]:
    """Final state per request and the escalated requests, straight from the rules."""
    clock = max((t.time_ms for t in s.ticks), default=NO_CLOCK)
    states: dict[str, str] = {}
    escalated: set[str] = set()
    for rid, seq in s.decisions.items():
        last = seq[-1].request
        valid = [
            r
            for r in s.responses
            if r.request_id == rid and r.responding_city == WW and r.topic_city == WW
        ]
        in_time = any(r.responded_at <= last.respond_by for r in valid)
        overdue = clock >= last.respond_by and not in_time
        if overdue:
            escalated.add(rid)
        if last.state == WITHDRAWN:
            states[rid] = WITHDRAWN
        elif any(r.status != "ACKNOWLEDGED" for r in valid):
            states[rid] = "RESOLVED"
        elif valid:
            states[rid] = "ACKNOWLEDGED"
        else:
            states[rid] = "OVERDUE" if overdue else OPEN
    return states, escalated


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_every_interleaving_gives_the_same_result(data: st.DataObject) -> None:
    s = data.draw(scenarios())
    order = data.draw(interleavings(s))
    assert sorted(map(repr, order)) == sorted(map(repr, canonical(s)))
    base, other = run(canonical(s)), run(order)

    assert final_published(other) == final_published(base)
    escalations = [e.request_id for e in other.out.escalations]
    assert len(escalations) == len(set(escalations))  # once per request
    assert set(escalations) == {e.request_id for e in base.out.escalations}
    assert rejections(other) == rejections(base)

    states, escalated = oracle(s)
    assert {rid: req.state for rid, req in final_published(other).items()} == states
    assert set(escalations) == escalated


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_applying_everything_twice_changes_nothing(data: st.DataObject) -> None:
    s = data.draw(scenarios())
    order = data.draw(interleavings(s))
    first = run(order)
    before = first.lifecycle.republish_all()
    again = LifecycleOutput()
    for item in order:
        again.extend(first.lifecycle.apply(item))
    assert again.requests == []
    assert again.escalations == []
    assert first.lifecycle.republish_all() == before
    # Rejections are stateless (at least once to the DLQ): the same ones again.
    assert Counter(again.rejections) == Counter(first.out.rejections)


def test_a_backdated_ack_cannot_recall_an_escalation() -> None:
    """The documented exception: an answer read after the clock passed its responded_at."""
    lc = RequestLifecycle()
    rid = str(uuid.uuid4())
    out = LifecycleOutput()
    for item in (
        Decision(request(rid)),
        tick(RESPOND_BY),
        response("ACKNOWLEDGED", RESPOND_BY - 1, rid=rid),
    ):
        out.extend(lc.apply(item))
    assert [e.request_id for e in out.escalations] == [rid]
    published = lc.published(rid)
    assert published is not None
    assert published.state == "ACKNOWLEDGED"  # the state is still the pure function

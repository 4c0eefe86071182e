"""Properties of the engine over generated multi-city histories (hypothesis).

Each city publishes its records (several women, all four streams, corrections and voids,
sometimes out of recorded_at order) and watermarks placed after the records they cover,
in its own order. Then:
- every interleaving of the cities that keeps each city's order gives the same final
  requests (id → latest content, state included) and the same notices;
- replaying the same log on a fresh engine gives identical output, event by event;
- feeding every event twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.engine.days import MS_PER_DAY, MS_PER_HOUR, end_of_day
from streams.engine.engine import CaseEngine, EngineOutput
from streams.engine.facts import (
    CORRECT,
    RECORD,
    VOID,
    Birth,
    Fact,
    Position,
    Pregnancy,
    Registration,
    Termination,
    Watermark,
)
from streams.engine.outputs import NoticeOut, RequestOut
from streams.engine.params import EngineParams

CITIES = ("620200", "620600", "620700")
PARAMS = EngineParams(cities=CITIES)
STREAMS = ("births", "registrations", "terminations", "pregnancies")
BASE = dt.date(2024, 1, 1)
T0 = end_of_day(BASE, 8)
FOREVER = end_of_day(dt.date(2026, 1, 1), 8)

Event = Fact | Watermark


def _day(offset: int) -> dt.date:
    return BASE + dt.timedelta(days=offset)


def _fields(draw: st.DrawFn, stream: str) -> dict[str, Any]:
    """Fields beyond the common ones, from small domains so that records collide."""
    city = st.sampled_from(CITIES)
    sex = st.sampled_from(("MALE", "FEMALE"))
    if stream == "births":
        return {
            "mother_hukou_city": draw(city), "birth_date": _day(draw(st.integers(-2, 2))),
            "child_sex": draw(sex), "birth_order": 1, "plurality": 1, "gestational_weeks": 39,
            "delivery_place": "HOSPITAL", "facility_code": "H",
            "certificate_no": draw(st.sampled_from(("C1", "C2", "C3"))),
        }  # fmt: skip
    if stream == "registrations":
        return {
            "child_ref": draw(st.sampled_from(("c1", "c2"))),
            "birth_date": _day(draw(st.integers(-2, 2))), "child_sex": draw(sex),
            "certificate_no": draw(st.sampled_from((None, "C1", "C2"))),
            "birth_place_city": draw(st.sampled_from((None, *CITIES))),
            "registered_on": _day(draw(st.integers(0, 40))),
        }  # fmt: skip
    if stream == "terminations":
        return {
            "mother_hukou_city": draw(city), "procedure_date": _day(draw(st.integers(-200, 0))),
            "gestational_weeks": draw(st.sampled_from((12, 14, 16))),
            "method": "SURGICAL", "medical_indication": draw(st.booleans()),
            "approval_ref": draw(st.sampled_from((None, "A1"))), "facility_code": "F",
        }  # fmt: skip
    edd = _day(draw(st.integers(-30, 30)))
    return {
        "mother_hukou_city": draw(city), "residence_city": draw(city),
        "reported_on": edd - dt.timedelta(days=150), "expected_delivery_date": edd,
        "gestational_weeks_at_report": 12, "existing_children": 0,
    }  # fmt: skip


_CLASSES: dict[str, type[Fact]] = {
    "births": Birth,
    "registrations": Registration,
    "terminations": Termination,
    "pregnancies": Pregnancy,
}


@st.composite
def record_versions(draw: st.DrawFn, mother: str, index: int) -> list[Fact]:
    """One record and its later corrections or voids."""
    stream = draw(st.sampled_from(STREAMS))
    city = draw(st.sampled_from(CITIES))
    at = T0 + draw(st.integers(0, 100)) * MS_PER_DAY + draw(st.integers(0, 23)) * MS_PER_HOUR
    versions: list[Fact] = []
    for n in range(draw(st.integers(1, 3))):
        action = RECORD if n == 0 else draw(st.sampled_from((CORRECT, CORRECT, VOID)))
        common: dict[str, Any] = {
            "event_id": "", "record_id": f"{stream[0]}-{mother}-{index}", "action": action,
            "source_city": city, "recorded_at": at, "mother_ref": mother,
            "position": Position("", 0, 0),
        }  # fmt: skip
        versions.append(_CLASSES[stream](**common, **_fields(draw, stream)))
        at += draw(st.integers(1, 50)) * MS_PER_DAY
    return versions


@st.composite
def city_logs(draw: st.DrawFn) -> dict[str, list[Event]]:
    """Each city's own publication order: records (maybe out of order) and watermarks."""
    facts: list[Fact] = []
    for w in range(draw(st.integers(1, 3))):
        for i in range(draw(st.integers(1, 5))):
            facts.extend(draw(record_versions(f"m{w}", i)))
    ids = iter(range(1, 10_000))
    facts = [replace(f, event_id=str(uuid.UUID(int=next(ids)))) for f in facts]
    logs: dict[str, list[Event]] = {}
    for city in CITIES:
        own = sorted((f for f in facts if f.source_city == city), key=lambda f: f.recorded_at)
        if len(own) > 1 and draw(st.booleans()):
            i = draw(st.integers(0, len(own) - 2))
            own[i], own[i + 1] = own[i + 1], own[i]  # a source publishing out of order
        logs[city] = _with_watermarks(draw, city, own, ids)
    return logs


def _with_watermarks(draw: st.DrawFn, city: str, own: list[Fact], ids: Any) -> list[Event]:
    offsets = dict.fromkeys(STREAMS, 0)
    log: list[Event] = []
    for i, fact in enumerate(own):
        log.append(
            replace(fact, position=Position(f"city.{city}.{fact.stream}", 0, offsets[fact.stream]))
        )
        offsets[fact.stream] += 1
        if draw(st.integers(0, 3)) == 0:
            stream = draw(st.sampled_from(STREAMS))
            rest = [f.recorded_at for f in own[i + 1 :] if f.stream == stream]
            through = min(rest) - 1 if rest else FOREVER
            log.append(Watermark(str(uuid.UUID(int=next(ids))), city, stream, through, through))
    for stream in STREAMS:
        log.append(Watermark(str(uuid.UUID(int=next(ids))), city, stream, FOREVER, FOREVER))
    return log


def interleave(logs: dict[str, list[Event]], rng: random.Random) -> list[Event]:
    """A random merge that keeps each city's own order."""
    queues = {c: list(reversed(log)) for c, log in logs.items()}
    merged: list[Event] = []
    while queues:
        city = rng.choice(sorted(queues))
        merged.append(queues[city].pop())
        if not queues[city]:
            del queues[city]
    return merged


def run(events: Sequence[Event], twice: bool = False) -> tuple[list[EngineOutput], Published]:
    """Apply events to a fresh engine; the outputs and the final published state."""
    engine = CaseEngine(PARAMS)
    outputs = []
    for e in events:
        outputs.append(engine.apply(e))
        if twice:
            again = engine.apply(e)
            assert not again.requests
            assert not again.notices
    return outputs, final(outputs)


Published = tuple[dict[str, RequestOut], dict[str, NoticeOut]]


def final(outputs: Sequence[EngineOutput]) -> Published:
    """Latest content of every request; every notice (each must be emitted once)."""
    requests: dict[str, RequestOut] = {}
    notices: dict[str, NoticeOut] = {}
    for out in outputs:
        for r in out.requests:
            requests[r.request_id] = r
        for n in out.notices:
            assert n.notice_id not in notices
            notices[n.notice_id] = n
    return requests, notices


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(logs=city_logs(), seeds=st.lists(st.integers(0, 2**32), min_size=2, max_size=4))
def test_every_interleaving_gives_the_same_requests_and_notices(
    logs: dict[str, list[Event]], seeds: list[int]
) -> None:
    results = [run(interleave(logs, random.Random(s)))[1] for s in seeds]
    for other in results[1:]:
        assert other[0] == results[0][0]
        assert other[1] == results[0][1]


@SETTINGS
@given(logs=city_logs(), seed=st.integers(0, 2**32))
def test_replay_is_identical_and_double_feeding_changes_nothing(
    logs: dict[str, list[Event]], seed: int
) -> None:
    events = interleave(logs, random.Random(seed))
    first, end = run(events)
    again, _ = run(events)
    assert first == again
    _, doubled = run(events, twice=True)
    assert doubled == end
    for r in end[0].values():
        assert r.addressed_city not in r.copy_to

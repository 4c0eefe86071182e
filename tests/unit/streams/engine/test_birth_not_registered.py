"""BIRTH_NOT_REGISTERED: migrant births without a matching registration by birth+60 d."""

from __future__ import annotations

import pytest

from streams.engine.facts import CORRECT, VOID
from streams.engine.ids import request_id
from streams.engine.outputs import BIRTH_NOT_REGISTERED, NORMAL, OPEN, WITHDRAWN
from tests.unit.streams.engine.builders import (
    JQ,
    WW,
    ZY,
    Item,
    Run,
    all_watermarks,
    at,
    birth,
    d,
    eod,
    registration,
    watermark,
)

DEADLINE = "2024-03-01"  # 2024-01-01 + 60 days


def test_fires_addressed_to_hukou_city_copy_birth_city() -> None:
    run = Run()
    b = birth(ZY, recorded_at=at("2024-01-02"))
    run.feed(b, all_watermarks(eod(DEADLINE)))
    [req] = run.of_kind(BIRTH_NOT_REGISTERED)
    assert (req.addressed_city, req.copy_to, req.child_ref) == (WW, (ZY,), None)
    assert (req.priority, req.state) == (NORMAL, OPEN)
    assert req.raised_at == eod(DEADLINE)
    assert req.request_id == request_id(BIRTH_NOT_REGISTERED, [b.key], WW)
    assert str(req.request_id) == request_id(BIRTH_NOT_REGISTERED, ["births/620700/b-1"], WW)


def test_local_birth_is_not_a_trigger() -> None:
    run = Run()
    run.feed(birth(ZY, mother_hukou_city=ZY), all_watermarks(eod(DEADLINE)))
    assert run.of_kind(BIRTH_NOT_REGISTERED) == []


def test_watermark_at_the_deadline_fires_one_ms_less_does_not() -> None:
    run = Run()
    run.feed(birth(ZY), all_watermarks(eod(DEADLINE) - 1))
    assert run.of_kind(BIRTH_NOT_REGISTERED) == []
    run.feed(all_watermarks(eod(DEADLINE)))
    assert len(run.of_kind(BIRTH_NOT_REGISTERED)) == 1


@pytest.mark.parametrize("registration_first", [True, False])
def test_matching_registration_in_either_order(registration_first: bool) -> None:
    run = Run()
    b, r = birth(ZY), registration(WW, recorded_at=at("2024-01-20"))
    items: list[Item] = [r, b] if registration_first else [b, r]
    run.feed(*items, all_watermarks(eod(DEADLINE)))
    assert run.of_kind(BIRTH_NOT_REGISTERED) == []


@pytest.mark.parametrize(("offset", "matches"), [(1, True), (-1, True), (2, False), (-2, False)])
def test_date_tolerance_without_certificate(offset: int, matches: bool) -> None:
    run = Run()
    day = d("2024-01-01").toordinal() + offset
    r = registration(WW, certificate_no=None, birth_date=d("2024-01-01").fromordinal(day))
    run.feed(birth(ZY), r, all_watermarks(eod(DEADLINE)))
    assert len(run.of_kind(BIRTH_NOT_REGISTERED)) == int(not matches)


def test_registration_on_deadline_day_vs_day_after() -> None:
    on_time = Run()
    on_time.feed(
        birth(ZY), registration(WW, recorded_at=eod(DEADLINE)), all_watermarks(eod(DEADLINE))
    )
    assert on_time.of_kind(BIRTH_NOT_REGISTERED) == []
    late = Run()
    late.feed(
        birth(ZY), registration(WW, recorded_at=eod(DEADLINE) + 1), all_watermarks(eod(DEADLINE))
    )
    [req] = late.of_kind(BIRTH_NOT_REGISTERED)
    assert (req.state, req.reason) == (WITHDRAWN, "recorded late on 2024-03-02")


def test_lagging_registration_city_holds_then_late_record_withdraws() -> None:
    run = Run()
    run.feed(birth(ZY), all_watermarks(eod(DEADLINE), except_=((WW, "registrations"),)))
    assert run.of_kind(BIRTH_NOT_REGISTERED) == []
    assert run.engine.holding() == {(WW, "registrations"): 1}
    run.feed(watermark(WW, "registrations", eod("2024-03-03")))
    [req] = run.of_kind(BIRTH_NOT_REGISTERED)
    assert req.state == OPEN
    run.feed(registration(WW, recorded_at=at("2024-03-04")))
    [req] = run.of_kind(BIRTH_NOT_REGISTERED)
    assert (req.state, req.reason) == (WITHDRAWN, "recorded late on 2024-03-04")
    assert len(req.evidence) == 2


def test_same_sex_twins_one_registration_without_certificate() -> None:
    """Exactly one request, always for the twin that sorts last (by city, record_id)."""
    t1 = birth(ZY, record_id="b-1", certificate_no="C-1")
    t2 = birth(ZY, record_id="b-2", certificate_no="C-2")
    r = registration(WW, certificate_no=None)
    orders: list[list[Item]] = [[t1, t2, r], [r, t2, t1], [t2, r, t1]]
    for order in orders:
        run = Run()
        run.feed(*order, all_watermarks(eod(DEADLINE)))
        [req] = run.of_kind(BIRTH_NOT_REGISTERED)
        assert req.request_id == request_id(BIRTH_NOT_REGISTERED, [t2.key], WW)


def test_twins_with_two_registrations_need_both() -> None:
    run = Run()
    t1 = birth(ZY, record_id="b-1", certificate_no="C-1", child_sex="MALE")
    t2 = birth(ZY, record_id="b-2", certificate_no="C-2", child_sex="FEMALE")
    r1 = registration(WW, record_id="r-1", certificate_no="C-1", child_sex="MALE")
    r2 = registration(WW, record_id="r-2", certificate_no=None, child_sex="FEMALE", child_ref="c-2")
    run.feed(t1, t2, r1, r2, all_watermarks(eod(DEADLINE)))
    assert run.of_kind(BIRTH_NOT_REGISTERED) == []


def test_void_of_registration_before_deadline_fires() -> None:
    run = Run()
    r = registration(WW, recorded_at=at("2024-01-20"))
    void = registration(WW, action=VOID, recorded_at=at("2024-02-01"))
    run.feed(birth(ZY), r, void, all_watermarks(eod(DEADLINE)))
    assert len(run.of_kind(BIRTH_NOT_REGISTERED)) == 1


def test_correction_making_birth_local_after_fire_withdraws() -> None:
    run = Run()
    b = birth(ZY)
    run.feed(b, all_watermarks(eod(DEADLINE)))
    fix = birth(ZY, action=CORRECT, mother_hukou_city=ZY, recorded_at=at("2024-03-10"))
    run.feed(fix)
    [req] = run.of_kind(BIRTH_NOT_REGISTERED)
    assert (req.state, req.reason) == (WITHDRAWN, "record corrected on 2024-03-10")
    assert req.evidence[0].event_id == fix.event_id


def test_copy_never_contains_addressee() -> None:
    run = Run()
    run.feed(birth(JQ, mother_hukou_city=WW), all_watermarks(eod(DEADLINE)))
    for req in run.requests.values():
        assert req.addressed_city not in req.copy_to

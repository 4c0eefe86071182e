"""REGISTRATION_WITHOUT_BIRTH: registrations of children born elsewhere with no birth."""

from __future__ import annotations

import pytest

from streams.engine.facts import VOID
from streams.engine.ids import request_id
from streams.engine.outputs import OPEN, REGISTRATION_WITHOUT_BIRTH, WITHDRAWN
from tests.unit.streams.engine.builders import (
    JQ,
    WW,
    ZY,
    Item,
    Run,
    all_watermarks,
    at,
    birth,
    eod,
    registration,
    watermark,
)

DEADLINE = "2024-02-19"  # registered_on 2024-01-20 + 30 days


def test_fires_addressed_to_birth_place_copy_registering_city() -> None:
    run = Run()
    r = registration(WW, recorded_at=at("2024-01-20"))
    run.feed(r, all_watermarks(eod(DEADLINE)))
    [req] = run.of_kind(REGISTRATION_WITHOUT_BIRTH)
    assert (req.addressed_city, req.copy_to, req.child_ref) == (ZY, (WW,), "c-1")
    assert req.state == OPEN
    assert req.request_id == request_id(REGISTRATION_WITHOUT_BIRTH, [r.key], ZY)


def test_unknown_birth_place_addressed_to_registering_city_without_copy() -> None:
    run = Run()
    run.feed(registration(WW, birth_place_city=None), all_watermarks(eod(DEADLINE)))
    [req] = run.of_kind(REGISTRATION_WITHOUT_BIRTH)
    assert (req.addressed_city, req.copy_to) == (WW, ())


def test_local_birth_place_is_not_a_trigger() -> None:
    run = Run()
    run.feed(registration(WW, birth_place_city=WW), all_watermarks(eod(DEADLINE)))
    assert run.of_kind(REGISTRATION_WITHOUT_BIRTH) == []


@pytest.mark.parametrize("birth_first", [True, False])
def test_matching_birth_in_either_order(birth_first: bool) -> None:
    run = Run()
    b, r = birth(ZY), registration(WW)
    items: list[Item] = [b, r] if birth_first else [r, b]
    run.feed(*items, all_watermarks(eod(DEADLINE)))
    assert run.of_kind(REGISTRATION_WITHOUT_BIRTH) == []


def test_watermark_at_the_deadline_fires_one_ms_less_does_not() -> None:
    run = Run()
    run.feed(registration(WW), all_watermarks(eod(DEADLINE) - 1))
    assert run.of_kind(REGISTRATION_WITHOUT_BIRTH) == []
    run.feed(all_watermarks(eod(DEADLINE)))
    assert len(run.of_kind(REGISTRATION_WITHOUT_BIRTH)) == 1


def test_lagging_birth_city_holds_then_late_birth_withdraws() -> None:
    run = Run()
    run.feed(registration(WW), all_watermarks(eod(DEADLINE), except_=((JQ, "births"),)))
    assert run.of_kind(REGISTRATION_WITHOUT_BIRTH) == []
    assert run.engine.holding() == {(JQ, "births"): 1}
    run.feed(watermark(JQ, "births", eod(DEADLINE)))
    run.feed(birth(JQ, recorded_at=at("2024-02-25")))
    [req] = run.of_kind(REGISTRATION_WITHOUT_BIRTH)
    assert (req.state, req.reason) == (WITHDRAWN, "recorded late on 2024-02-25")


def test_birth_on_deadline_day_vs_day_after() -> None:
    on_time = Run()
    on_time.feed(
        registration(WW), birth(ZY, recorded_at=eod(DEADLINE)), all_watermarks(eod(DEADLINE))
    )
    assert on_time.of_kind(REGISTRATION_WITHOUT_BIRTH) == []
    late = Run()
    late.feed(
        registration(WW), birth(ZY, recorded_at=eod(DEADLINE) + 1), all_watermarks(eod(DEADLINE))
    )
    [req] = late.of_kind(REGISTRATION_WITHOUT_BIRTH)
    assert (req.state, req.reason) == (WITHDRAWN, "recorded late on 2024-02-20")


def test_void_after_the_deadline_withdraws() -> None:
    run = Run()
    run.feed(registration(WW), all_watermarks(eod(DEADLINE)))
    run.feed(registration(WW, action=VOID, recorded_at=at("2024-03-01")))
    [req] = run.of_kind(REGISTRATION_WITHOUT_BIRTH)
    assert (req.state, req.reason) == (WITHDRAWN, "record voided on 2024-03-01")


def test_one_registration_never_satisfies_two_births_nor_two_registrations_one_birth() -> None:
    run = Run()
    r1 = registration(WW, record_id="r-1", certificate_no=None)
    r2 = registration(WW, record_id="r-2", certificate_no=None, child_ref="c-2")
    run.feed(birth(ZY, certificate_no="C-9"), r1, r2, all_watermarks(eod(DEADLINE)))
    [req] = run.of_kind(REGISTRATION_WITHOUT_BIRTH)
    assert req.request_id == request_id(REGISTRATION_WITHOUT_BIRTH, [r2.key], ZY)

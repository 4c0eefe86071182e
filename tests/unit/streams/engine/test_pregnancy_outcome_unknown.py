"""PREGNANCY_OUTCOME_UNKNOWN: deadline EDD+42 d, window [EDD−280, EDD+42], watermarks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from streams.engine.facts import CORRECT, VOID, Pregnancy
from streams.engine.ids import request_id
from streams.engine.outputs import OPEN, PREGNANCY_OUTCOME_UNKNOWN, URGENT, WITHDRAWN
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
    pregnancy,
    termination,
    watermark,
)

EDD = "2024-01-01"
DEADLINE = "2024-02-12"  # EDD + 42 days
WINDOW_START = "2023-03-27"  # EDD − 280 days


def _report(**kw: Any) -> Pregnancy:
    return pregnancy(ZY, expected_delivery_date=d(EDD), recorded_at=at("2023-06-01"), **kw)


def test_fires_when_no_outcome_and_every_watermark_passes() -> None:
    run = Run()
    p = _report()
    run.feed(p, all_watermarks(eod(DEADLINE)))
    [req] = run.of_kind(PREGNANCY_OUTCOME_UNKNOWN)
    assert req.state == OPEN
    assert req.addressed_city == ZY
    assert req.copy_to == (WW,)
    assert req.priority == URGENT
    assert req.raised_at == eod(DEADLINE)
    assert req.respond_by == eod(DEADLINE) + 15 * 86_400_000
    assert req.request_id == request_id(PREGNANCY_OUTCOME_UNKNOWN, [p.key], ZY)
    assert req.evidence[0].event_id == p.event_id


def test_watermark_exactly_at_end_of_deadline_day_fires_one_ms_less_does_not() -> None:
    run = Run()
    run.feed(_report(), all_watermarks(eod(DEADLINE) - 1))
    assert run.of_kind(PREGNANCY_OUTCOME_UNKNOWN) == []
    run.feed(all_watermarks(eod(DEADLINE)))
    assert len(run.of_kind(PREGNANCY_OUTCOME_UNKNOWN)) == 1


@pytest.mark.parametrize(
    ("outcome_day", "fires"),
    [
        (WINDOW_START, False),
        ("2023-03-26", True),  # one day before the window
        (DEADLINE, False),
        ("2024-02-13", True),  # one day after the window
    ],
)
def test_window_edges(outcome_day: str, fires: bool) -> None:
    run = Run()
    b = birth(JQ, birth_date=d(outcome_day), recorded_at=at(outcome_day))
    run.feed(_report(), b, all_watermarks(eod("2024-02-20")))
    assert len(run.of_kind(PREGNANCY_OUTCOME_UNKNOWN)) == int(fires)


@pytest.mark.parametrize("outcome_first", [True, False])
def test_termination_in_window_satisfies_in_both_arrival_orders(outcome_first: bool) -> None:
    run = Run()
    t = termination(JQ, procedure_date=d("2023-07-01"), recorded_at=at("2023-07-01"))
    p = _report()
    items: list[Item] = [t, p] if outcome_first else [p, t]
    run.feed(*items, all_watermarks(eod(DEADLINE)))
    assert run.of_kind(PREGNANCY_OUTCOME_UNKNOWN) == []


def test_lagging_city_holds_the_deadline_then_its_late_record_withdraws() -> None:
    run = Run()
    run.feed(_report(), all_watermarks(eod(DEADLINE), except_=((JQ, "births"),)))
    assert run.of_kind(PREGNANCY_OUTCOME_UNKNOWN) == []
    assert run.engine.holding() == {(JQ, "births"): 1}
    # Jiuquan catches up: nothing was recorded by the deadline there either.
    run.feed(watermark(JQ, "births", eod("2024-02-20")))
    [req] = run.of_kind(PREGNANCY_OUTCOME_UNKNOWN)
    assert req.state == OPEN
    late = birth(JQ, birth_date=d("2024-01-02"), recorded_at=at("2024-02-25"))
    run.feed(late)
    [req] = run.of_kind(PREGNANCY_OUTCOME_UNKNOWN)
    assert req.state == WITHDRAWN
    assert req.reason == "recorded late on 2024-02-25"
    assert late.event_id in {e.event_id for e in req.evidence}


def test_outcome_recorded_on_the_deadline_day_prevents_the_request() -> None:
    run = Run()
    on_day = birth(JQ, birth_date=d("2024-01-02"), recorded_at=eod(DEADLINE) - 1)
    run.feed(_report(), on_day, all_watermarks(eod(DEADLINE)))
    assert run.of_kind(PREGNANCY_OUTCOME_UNKNOWN) == []


def test_outcome_recorded_the_day_after_gives_a_withdrawn_request_in_either_order() -> None:
    for late_first in (True, False):
        run = Run()
        late = birth(JQ, birth_date=d("2024-01-02"), recorded_at=eod(DEADLINE) + 1)
        items: list[Item] = [late, all_watermarks(eod(DEADLINE))]
        run.feed(_report(), *(items if late_first else items[::-1]))
        [req] = run.of_kind(PREGNANCY_OUTCOME_UNKNOWN)
        assert req.state == WITHDRAWN
        assert req.reason == "recorded late on 2024-02-13"


def test_void_before_the_deadline_means_no_request() -> None:
    run = Run()
    p = _report()
    void = pregnancy(
        ZY, record_id=p.record_id, action=VOID, expected_delivery_date=d(EDD),
        recorded_at=at("2023-12-01"),
    )  # fmt: skip
    run.feed(p, void, all_watermarks(eod(DEADLINE)))
    assert run.of_kind(PREGNANCY_OUTCOME_UNKNOWN) == []


def test_void_after_the_deadline_withdraws() -> None:
    run = Run()
    p = _report()
    run.feed(p, all_watermarks(eod(DEADLINE)))
    void = pregnancy(
        ZY, record_id=p.record_id, action=VOID, expected_delivery_date=d(EDD),
        recorded_at=at("2024-03-01"),
    )  # fmt: skip
    run.feed(void)
    [req] = run.of_kind(PREGNANCY_OUTCOME_UNKNOWN)
    assert req.state == WITHDRAWN
    assert req.reason == "record voided on 2024-03-01"


def test_correction_before_deadline_moves_the_deadline() -> None:
    run = Run()
    p = _report()
    later_edd = d(EDD) + dt.timedelta(days=30)
    fix = pregnancy(
        ZY, record_id=p.record_id, action=CORRECT, expected_delivery_date=later_edd,
        recorded_at=at("2023-09-01"),
    )  # fmt: skip
    run.feed(p, fix, all_watermarks(eod(DEADLINE)))
    assert run.of_kind(PREGNANCY_OUTCOME_UNKNOWN) == []
    run.feed(all_watermarks(eod("2024-03-13")))
    [req] = run.of_kind(PREGNANCY_OUTCOME_UNKNOWN)
    assert req.raised_at == eod("2024-03-13")


def test_correction_of_residence_after_deadline_withdraws_old_and_raises_new() -> None:
    run = Run()
    p = _report()
    run.feed(p, all_watermarks(eod(DEADLINE)))
    fix = pregnancy(
        ZY, record_id=p.record_id, action=CORRECT, expected_delivery_date=d(EDD),
        residence_city=JQ, recorded_at=at("2024-03-01"),
    )  # fmt: skip
    run.feed(fix)
    states = {r.addressed_city: (r.state, r.reason) for r in run.of_kind(PREGNANCY_OUTCOME_UNKNOWN)}
    assert states[ZY] == (WITHDRAWN, "record corrected on 2024-03-01")
    assert states[JQ][0] == OPEN
    for r in run.of_kind(PREGNANCY_OUTCOME_UNKNOWN):
        assert r.addressed_city not in r.copy_to


def test_report_stream_of_its_own_city_gates_the_deadline() -> None:
    run = Run()
    run.feed(_report(), all_watermarks(eod(DEADLINE), except_=((ZY, "pregnancies"),)))
    assert run.of_kind(PREGNANCY_OUTCOME_UNKNOWN) == []
    assert run.engine.holding() == {(ZY, "pregnancies"): 1}


def test_local_woman_has_no_copy() -> None:
    run = Run()
    run.feed(_report(mother_hukou_city=ZY), all_watermarks(eod(DEADLINE)))
    [req] = run.of_kind(PREGNANCY_OUTCOME_UNKNOWN)
    assert req.copy_to == ()

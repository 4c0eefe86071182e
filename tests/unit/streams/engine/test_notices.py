"""Notices: outcome recorded elsewhere, approved late termination; once, never withdrawn."""

from __future__ import annotations

from streams.engine.facts import VOID
from streams.engine.ids import notice_id
from streams.engine.outputs import APPROVED_LATE_TERMINATION, OUTCOME_RECORDED_ELSEWHERE
from tests.unit.streams.engine.builders import (
    JC,
    JQ,
    WW,
    ZY,
    Run,
    all_watermarks,
    at,
    birth,
    d,
    eod,
    pregnancy,
    termination,
)


def _addressed(run: Run, kind: str) -> set[str]:
    return {n.addressed_city for n in run.notices.values() if n.kind == kind}


def test_birth_elsewhere_notifies_report_city_and_hukou_city() -> None:
    run = Run()
    p = pregnancy(JC, recorded_at=at("2023-06-01"), expected_delivery_date=d("2024-01-01"))
    b = birth(ZY, mother_hukou_city=WW, recorded_at=at("2024-01-02"))
    run.feed(p, b, all_watermarks(eod("2024-01-02")))
    assert _addressed(run, OUTCOME_RECORDED_ELSEWHERE) == {JC, WW}
    n = run.notices[notice_id(OUTCOME_RECORDED_ELSEWHERE, [b.key], JC)]
    assert n.issued_at == b.recorded_at
    assert {e.event_id for e in n.evidence} == {b.event_id, p.event_id}


def test_notice_waits_for_watermarks_then_is_emitted_once() -> None:
    run = Run()
    run.feed(pregnancy(JC, recorded_at=at("2023-06-01")), birth(ZY, recorded_at=at("2024-01-02")))
    assert run.notices == {}
    run.feed(all_watermarks(eod("2024-01-02")))
    assert len(run.notices) == 2
    run.feed(
        all_watermarks(eod("2024-01-03")), birth(ZY, action=VOID, recorded_at=at("2024-01-04"))
    )
    assert len(run.notices) == 2  # never withdrawn, never re-emitted


def test_outcome_outside_the_report_window_notifies_only_hukou() -> None:
    run = Run()
    p = pregnancy(JC, recorded_at=at("2023-06-01"), expected_delivery_date=d("2025-06-01"))
    run.feed(p, birth(ZY, recorded_at=at("2024-01-02")), all_watermarks(eod("2024-01-02")))
    assert _addressed(run, OUTCOME_RECORDED_ELSEWHERE) == {WW}


def test_local_everything_notifies_nobody() -> None:
    run = Run()
    p = pregnancy(ZY, mother_hukou_city=ZY, recorded_at=at("2023-06-01"))
    run.feed(p, birth(ZY, mother_hukou_city=ZY), all_watermarks(eod("2024-01-02")))
    assert run.notices == {}


def test_report_voided_before_the_outcome_does_not_notify_its_city() -> None:
    run = Run()
    p = pregnancy(JC, recorded_at=at("2023-06-01"))
    void = pregnancy(JC, action=VOID, recorded_at=at("2023-07-01"))
    run.feed(p, birth(ZY, recorded_at=at("2024-01-02")), void, all_watermarks(eod("2024-01-02")))
    assert _addressed(run, OUTCOME_RECORDED_ELSEWHERE) == {WW}


def test_approved_late_termination_notifies_hukou_city() -> None:
    run = Run()
    t = termination(ZY, approval_ref="A-7", gestational_weeks=14, recorded_at=at("2024-01-05"))
    run.feed(t, all_watermarks(eod("2024-01-05")))
    assert _addressed(run, APPROVED_LATE_TERMINATION) == {WW}
    assert _addressed(run, OUTCOME_RECORDED_ELSEWHERE) == {WW}
    assert run.requests == {}


def test_approved_early_termination_no_approval_notice() -> None:
    run = Run()
    t = termination(JQ, approval_ref="A-7", gestational_weeks=13)
    run.feed(t, all_watermarks(eod("2024-01-05")))
    assert _addressed(run, APPROVED_LATE_TERMINATION) == set()

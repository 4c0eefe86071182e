"""LATE_TERMINATION_UNAPPROVED: fires at once; 14 weeks counts; withdrawn by fix/void."""

from __future__ import annotations

import pytest

from streams.engine.facts import CORRECT, VOID
from streams.engine.ids import request_id
from streams.engine.outputs import LATE_TERMINATION_UNAPPROVED, OPEN, URGENT, WITHDRAWN
from tests.unit.streams.engine.builders import WW, ZY, Run, at, termination


@pytest.mark.parametrize(("weeks", "fires"), [(13, False), (14, True), (20, True)])
def test_weeks_threshold(weeks: int, fires: bool) -> None:
    run = Run()
    run.feed(termination(ZY, gestational_weeks=weeks))
    assert len(run.of_kind(LATE_TERMINATION_UNAPPROVED)) == int(fires)


def test_fires_at_once_addressed_to_facility_city() -> None:
    run = Run()
    t = termination(ZY, recorded_at=at("2024-01-05"))
    out = run.feed(t)
    [req] = out.requests
    assert (req.addressed_city, req.copy_to, req.priority, req.state) == (ZY, (WW,), URGENT, OPEN)
    assert req.raised_at == t.recorded_at
    assert req.request_id == request_id(LATE_TERMINATION_UNAPPROVED, [t.key], ZY)


@pytest.mark.parametrize(
    "kw", [{"approval_ref": "A-1"}, {"medical_indication": True}, {"mother_hukou_city": ZY}]
)
def test_no_request_when_exempt(kw: dict[str, object]) -> None:
    run = Run()
    run.feed(termination(ZY, **kw))
    assert run.of_kind(LATE_TERMINATION_UNAPPROVED) == []


def test_correction_adding_approval_withdraws() -> None:
    run = Run()
    run.feed(termination(ZY, recorded_at=at("2024-01-05")))
    run.feed(termination(ZY, action=CORRECT, approval_ref="A-1", recorded_at=at("2024-01-09")))
    [req] = run.of_kind(LATE_TERMINATION_UNAPPROVED)
    assert (req.state, req.reason) == (WITHDRAWN, "record corrected on 2024-01-09")


def test_void_known_at_first_emission_is_emitted_withdrawn_directly() -> None:
    run = Run()
    void = termination(ZY, action=VOID, recorded_at=at("2024-01-09"))
    out = run.feed(void, termination(ZY, recorded_at=at("2024-01-05")))
    assert [r.state for r in out.requests] == [WITHDRAWN]
    [req] = run.of_kind(LATE_TERMINATION_UNAPPROVED)
    assert req.reason == "record voided on 2024-01-09"


def test_stale_correction_is_ignored_and_reported() -> None:
    run = Run()
    run.feed(termination(ZY, recorded_at=at("2024-01-05")))
    run.feed(termination(ZY, action=CORRECT, approval_ref="A-1", recorded_at=at("2024-01-09")))
    out = run.feed(termination(ZY, action=CORRECT, recorded_at=at("2024-01-07")))
    assert [d.kind for d in out.diagnostics] == ["stale_version"]
    [req] = run.of_kind(LATE_TERMINATION_UNAPPROVED)
    assert req.state == WITHDRAWN
    assert run.engine.stats.stale == 1

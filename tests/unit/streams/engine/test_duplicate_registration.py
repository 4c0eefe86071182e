"""DUPLICATE_REGISTRATION: two live registrations of one child at one instant."""

from __future__ import annotations

from streams.engine.facts import VOID, Watermark
from streams.engine.ids import request_id
from streams.engine.outputs import DUPLICATE_REGISTRATION, OPEN, WITHDRAWN
from tests.unit.streams.engine.builders import JQ, WW, Run, at, eod, registration, watermark


def _wms(*cities: str, through: str = "2024-03-01") -> list[Watermark]:
    return [watermark(c, "registrations", eod(through)) for c in cities]


def test_cross_city_duplicate_one_request_per_registering_city() -> None:
    run = Run()
    a = registration(WW, record_id="r-1", recorded_at=at("2024-01-20"))
    b = registration(JQ, record_id="r-9", certificate_no=None, recorded_at=at("2024-02-01"))
    run.feed(a, b, *_wms(WW, JQ))
    reqs = {r.addressed_city: r for r in run.of_kind(DUPLICATE_REGISTRATION)}
    assert set(reqs) == {WW, JQ}
    assert reqs[WW].copy_to == (JQ,)
    assert reqs[JQ].copy_to == (WW,)
    assert reqs[WW].request_id == request_id(DUPLICATE_REGISTRATION, [a.key, b.key], WW)
    assert reqs[WW].raised_at == b.recorded_at
    assert all(r.state == OPEN and r.child_ref == "c-1" for r in reqs.values())
    assert {e.event_id for e in reqs[WW].evidence} == {a.event_id, b.event_id}


def test_duplicate_within_one_city_is_one_request() -> None:
    run = Run()
    a = registration(WW, record_id="r-1", child_ref="c-1", certificate_no="C-1")
    b = registration(WW, record_id="r-2", child_ref="c-2", certificate_no="C-1")
    run.feed(a, b, *_wms(WW))
    [req] = run.of_kind(DUPLICATE_REGISTRATION)
    assert (req.addressed_city, req.copy_to) == (WW, ())


def test_waits_for_both_cities_registration_watermarks() -> None:
    run = Run()
    run.feed(registration(WW, record_id="r-1"), registration(JQ, record_id="r-9"), *_wms(WW))
    assert run.of_kind(DUPLICATE_REGISTRATION) == []
    run.feed(*_wms(JQ))
    assert len(run.of_kind(DUPLICATE_REGISTRATION)) == 2


def test_void_after_the_fact_ends_withdrawn() -> None:
    run = Run()
    run.feed(
        registration(WW, record_id="r-1", recorded_at=at("2024-01-20")),
        registration(JQ, record_id="r-9", recorded_at=at("2024-02-01")),
        *_wms(WW, JQ),
    )
    run.feed(registration(JQ, record_id="r-9", action=VOID, recorded_at=at("2024-02-05")))
    reqs = run.of_kind(DUPLICATE_REGISTRATION)
    assert len(reqs) == 2
    assert {(r.state, r.reason) for r in reqs} == {(WITHDRAWN, "record voided on 2024-02-05")}


def test_void_before_the_second_registration_means_never_a_duplicate() -> None:
    for order in (0, 1):
        run = Run()
        first = registration(WW, record_id="r-1", recorded_at=at("2024-01-20"))
        void = registration(WW, record_id="r-1", action=VOID, recorded_at=at("2024-01-25"))
        second = registration(JQ, record_id="r-9", recorded_at=at("2024-02-01"))
        items = [first, second, void] if order else [first, void, second]
        run.feed(*items, *_wms(WW, JQ))
        assert run.of_kind(DUPLICATE_REGISTRATION) == []


def test_different_children_are_not_duplicates() -> None:
    run = Run()
    run.feed(
        registration(WW, record_id="r-1", child_ref="c-1", certificate_no="C-1"),
        registration(WW, record_id="r-2", child_ref="c-2", certificate_no=None),
        *_wms(WW),
    )
    assert run.of_kind(DUPLICATE_REGISTRATION) == []

"""The truth's rules on hand-built histories (docs/rules.md semantics)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest

from ivex.settings import RuleSettings
from ivex.simulation.model import Fact, cst
from ivex.simulation.truth import (
    BNR,
    DUP,
    LTU,
    OPEN,
    POU,
    RWB,
    WITHDRAWN,
    AmbiguousTruthError,
    ExpectedRequest,
    compute_truth,
)

MOTHER = "62060219900101002X"
END = datetime(2026, 1, 1, tzinfo=cst())


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), tzinfo=cst())


def fact(stream: str, city: str, rid: str, *versions: tuple[str, datetime, dict[str, Any]]) -> Fact:
    f = Fact(stream, city, rid)
    for action, when, fields in versions:
        f.add(action, when, {"mother_id_number": MOTHER, **fields})
    return f


def birth(
    city: str = "620700",
    born: str = "2025-03-01",
    cert: str = "Q1",
    sex: str = "MALE",
    hukou: str = "620600",
) -> dict[str, Any]:
    return {
        "mother_hukou_city": hukou,
        "birth_date": date.fromisoformat(born),
        "child_sex": sex,
        "certificate_no": cert,
    }


def reg(
    on: str,
    cert: str | None = "Q1",
    born: str = "2025-03-01",
    sex: str = "MALE",
    place: str | None = "620700",
    child: str = "C1",
) -> dict[str, Any]:
    return {
        "child_id_number": child,
        "birth_date": date.fromisoformat(born),
        "child_sex": sex,
        "certificate_no": cert,
        "birth_place_city": place,
        "registered_on": date.fromisoformat(on),
    }


def truth(*facts: Fact) -> list[ExpectedRequest]:
    return compute_truth(facts, RuleSettings(), END)


def only(requests: list[ExpectedRequest], kind: str) -> list[ExpectedRequest]:
    return [r for r in requests if r.kind == kind]


def test_unregistered_migrant_birth_is_open_addressed_to_hukou_city() -> None:
    b = fact("births", "620700", "B1", ("RECORD", at("2025-03-02"), birth()))
    [r] = only(truth(b), BNR)
    assert (r.state, r.addressed_city, r.copy_to, r.due) == (
        OPEN,
        "620600",
        ("620700",),
        date(2025, 4, 30),
    )


def test_registration_on_the_deadline_day_counts_and_the_next_day_is_late() -> None:
    b = fact("births", "620700", "B1", ("RECORD", at("2025-03-02"), birth()))
    on_time = fact(
        "registrations", "620600", "R1", ("RECORD", at("2025-04-30", 23), reg("2025-04-30"))
    )
    assert only(truth(b, on_time), BNR) == []
    late = fact("registrations", "620600", "R1", ("RECORD", at("2025-05-01", 9), reg("2025-05-01")))
    [r] = only(truth(b, late), BNR)
    assert (r.state, r.reason) == (WITHDRAWN, "recorded late on 2025-05-01")


def test_local_birth_and_undue_deadline_raise_nothing() -> None:
    local = fact("births", "620600", "B1", ("RECORD", at("2025-03-02"), birth(city="620600")))
    recent = fact(
        "births", "620700", "B2", ("RECORD", at("2025-11-20"), birth(born="2025-11-19", cert="Q2"))
    )
    assert only(truth(local, recent), BNR) == []


def test_trigger_voided_before_its_deadline_is_nothing_after_it_is_withdrawn() -> None:
    early = fact(
        "births",
        "620700",
        "B1",
        ("RECORD", at("2025-03-02"), birth()),
        ("VOID", at("2025-04-01"), birth()),
    )
    assert only(truth(early), BNR) == []
    late = fact(
        "births",
        "620700",
        "B1",
        ("RECORD", at("2025-03-02"), birth()),
        ("VOID", at("2025-06-01"), birth()),
    )
    [r] = only(truth(late), BNR)
    assert (r.state, r.reason) == (WITHDRAWN, "record voided on 2025-06-01")


def test_one_registration_never_satisfies_two_twins() -> None:
    twin1 = fact("births", "620700", "B1", ("RECORD", at("2025-03-02"), birth(cert="Q1")))
    twin2 = fact(
        "births", "620700", "B2", ("RECORD", at("2025-03-02", 11), birth(cert="Q2", sex="FEMALE"))
    )
    r1 = fact(
        "registrations", "620600", "R1", ("RECORD", at("2025-03-20"), reg("2025-03-20", cert=None))
    )
    [r] = only(truth(twin1, twin2, r1), BNR)
    assert r.trigger == ("births/620700/B2",)


def test_same_sex_twins_with_one_certless_registration_are_refused_as_ambiguous() -> None:
    twin1 = fact("births", "620700", "B1", ("RECORD", at("2025-03-02"), birth(cert="Q1")))
    twin2 = fact("births", "620700", "B2", ("RECORD", at("2025-03-02", 11), birth(cert="Q2")))
    r1 = fact(
        "registrations", "620600", "R1", ("RECORD", at("2025-03-20"), reg("2025-03-20", cert=None))
    )
    with pytest.raises(AmbiguousTruthError):
        truth(twin1, twin2, r1)


def test_registration_without_birth_place_is_addressed_to_the_registering_city() -> None:
    g = fact(
        "registrations",
        "620600",
        "R1",
        ("RECORD", at("2025-03-20"), reg("2025-03-20", cert=None, place=None)),
    )
    [r] = only(truth(g), RWB)
    assert (r.addressed_city, r.copy_to, r.due, r.state) == ("620600", (), date(2025, 4, 19), OPEN)
    elsewhere = fact(
        "registrations", "620600", "R2", ("RECORD", at("2025-03-20"), reg("2025-03-20", child="C2"))
    )
    [r] = only(truth(elsewhere), RWB)
    assert (r.addressed_city, r.copy_to) == ("620700", ("620600",))


def test_pregnancy_outcome_window_and_late_outcome() -> None:
    report = {
        "mother_hukou_city": "620600",
        "residence_city": "620700",
        "expected_delivery_date": date(2025, 5, 1),
    }
    p = fact("pregnancies", "620700", "P1", ("RECORD", at("2025-01-10"), report))
    [r] = only(truth(p), POU)
    assert (r.state, r.addressed_city, r.copy_to, r.due) == (
        OPEN,
        "620700",
        ("620600",),
        date(2025, 6, 12),
    )
    late_birth = fact(
        "births",
        "620900",
        "B1",
        ("RECORD", at("2025-06-13"), birth(born="2025-04-28", city="620900")),
    )
    [r] = only(truth(p, late_birth), POU)
    assert (r.state, r.reason) == (WITHDRAWN, "recorded late on 2025-06-13")
    termination = fact(
        "terminations",
        "620200",
        "T1",
        (
            "RECORD",
            at("2025-02-01"),
            {
                "procedure_date": date(2025, 2, 1),
                "gestational_weeks": 10,
                "approval_ref": None,
                "medical_indication": False,
                "mother_hukou_city": "620600",
            },
        ),
    )
    assert only(truth(p, termination), POU) == []


def test_late_termination_opened_at_once_and_withdrawn_by_an_approval() -> None:
    fields = {
        "procedure_date": date(2025, 2, 1),
        "gestational_weeks": 14,
        "approval_ref": None,
        "medical_indication": False,
        "mother_hukou_city": "620600",
    }
    t = fact("terminations", "620700", "T1", ("RECORD", at("2025-02-01"), fields))
    [r] = only(truth(t), LTU)
    assert (r.state, r.addressed_city, r.copy_to) == (OPEN, "620700", ("620600",))
    t = fact(
        "terminations",
        "620700",
        "T1",
        ("RECORD", at("2025-02-01"), fields),
        ("CORRECT", at("2025-02-10"), {**fields, "approval_ref": "SP-1"}),
    )
    [r] = only(truth(t), LTU)
    assert (r.state, r.reason) == (WITHDRAWN, "record corrected on 2025-02-10")
    local = fact("terminations", "620600", "T2", ("RECORD", at("2025-02-01"), fields))
    assert only(truth(local), LTU) == []
    thirteen = fact(
        "terminations",
        "620700",
        "T3",
        ("RECORD", at("2025-02-01"), {**fields, "gestational_weeks": 13}),
    )
    assert only(truth(thirteen), LTU) == []


def test_duplicate_in_two_cities_is_one_request_each_and_a_void_withdraws_both() -> None:
    a = fact("registrations", "620600", "R1", ("RECORD", at("2025-03-20"), reg("2025-03-20")))
    b = fact(
        "registrations",
        "620700",
        "R9",
        ("RECORD", at("2025-05-20"), reg("2025-05-20", place="620700", child="C9")),
        ("VOID", at("2025-06-02"), reg("2025-05-20", place="620700", child="C9")),
    )
    requests = only(truth(a, b), DUP)
    assert sorted((r.addressed_city, r.copy_to) for r in requests) == [
        ("620600", ("620700",)),
        ("620700", ("620600",)),
    ]
    assert {(r.state, r.reason) for r in requests} == {(WITHDRAWN, "record voided on 2025-06-02")}
    assert {r.trigger for r in requests} == {("registrations/620600/R1", "registrations/620700/R9")}


def test_void_then_rerecord_is_never_a_duplicate() -> None:
    a = fact(
        "registrations",
        "620600",
        "R1",
        ("RECORD", at("2025-03-20"), reg("2025-03-20")),
        ("VOID", at("2025-03-25"), reg("2025-03-20")),
    )
    b = fact(
        "registrations",
        "620600",
        "R2",
        ("RECORD", at("2025-03-25").replace(second=1), reg("2025-03-20")),
    )
    assert only(truth(a, b), DUP) == []

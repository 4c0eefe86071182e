"""Matching is a function of the set; ids follow the published formula."""

from __future__ import annotations

import itertools
import uuid

from streams.engine.ids import NAMESPACE, request_id
from streams.engine.matching import match
from tests.unit.streams.engine.builders import WW, ZY, birth, d, registration


def test_namespace_and_formula() -> None:
    assert uuid.uuid5(uuid.NAMESPACE_URL, "urn:ivex:case") == NAMESPACE
    keys = [("registrations", WW, "r-2"), ("registrations", "620900", "r-1")]
    expected = uuid.uuid5(
        NAMESPACE,
        "DUPLICATE_REGISTRATION|registrations/620600/r-2;registrations/620900/r-1|620600",
    )
    assert request_id("DUPLICATE_REGISTRATION", keys, WW) == str(expected)
    assert request_id("DUPLICATE_REGISTRATION", keys[::-1], WW) == str(expected)


def test_certificate_first_then_sex_and_date() -> None:
    b1 = birth(ZY, record_id="b-1", certificate_no="C-1", child_sex="MALE")
    b2 = birth(ZY, record_id="b-2", certificate_no="C-2", child_sex="MALE")
    r_cert = registration(WW, record_id="r-1", certificate_no="C-2", child_sex="MALE")
    r_free = registration(WW, record_id="r-2", certificate_no=None, child_sex="MALE")
    for births in itertools.permutations([b1, b2]):
        for regs in itertools.permutations([r_cert, r_free]):
            m = match(births, regs, 1)
            assert m.birth_to_reg[b2.key] == r_cert
            assert m.birth_to_reg[b1.key] == r_free


def test_augmenting_path_finds_the_maximum() -> None:
    # r-early fits both births, r-late only the later one: both must be matched.
    early = birth(ZY, record_id="b-1", birth_date=d("2024-01-01"), certificate_no="X")
    late = birth(ZY, record_id="b-2", birth_date=d("2024-01-02"), certificate_no="Y")
    r_any = registration(WW, record_id="r-1", certificate_no=None, birth_date=d("2024-01-01"))
    r_late = registration(WW, record_id="r-2", certificate_no=None, birth_date=d("2024-01-03"))
    m = match([early, late], [r_any, r_late], 1)
    assert len(m.birth_to_reg) == 2


def test_registration_with_wrong_certificate_does_not_match_by_date() -> None:
    b = birth(ZY, certificate_no="C-1")
    r = registration(WW, certificate_no="C-9")
    assert match([b], [r], 1).birth_to_reg == {}

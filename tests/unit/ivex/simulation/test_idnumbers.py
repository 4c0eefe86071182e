"""Resident ID numbers: check characters, sex digit, corruption."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ivex.simulation.idnumbers import (
    check_char,
    counties_of,
    is_female,
    is_valid,
    make_id,
    random_sequence,
    with_sex,
    with_wrong_check,
)


def test_known_good_numbers() -> None:
    assert is_valid("11010519491231002X")
    assert is_valid("11010519491231002x")
    assert is_valid("440524188001010014")
    assert check_char("11010519491231002") == "X"


def test_bad_date_part_fails() -> None:
    first17 = "62070220250230002"
    assert not is_valid(first17 + check_char(first17))


@given(
    st.dates(date(1950, 1, 1), date(2030, 12, 31)),
    st.integers(0, 2**32),
    st.booleans(),
)
def test_made_numbers_are_valid_and_carry_the_sex(born: date, seed: int, female: bool) -> None:
    rng = random.Random(seed)
    number = make_id("620702", born, random_sequence(rng, female=female))
    assert is_valid(number)
    assert (int(number[16]) % 2 == 0) == female
    assert not is_valid(with_wrong_check(number, rng))


def test_counties_sit_under_their_city() -> None:
    for city in ("620200", "620300", "620600", "620700", "620900", "621100"):
        assert all(c.startswith(city[:4]) and len(c) == 6 for c in counties_of(city))


@given(st.dates(date(1950, 1, 1), date(2030, 12, 31)), st.integers(0, 2**32), st.booleans())
def test_with_sex_changes_only_the_sequence_and_avoids_used_numbers(
    born: date, seed: int, female: bool
) -> None:
    rng = random.Random(seed)
    number = make_id("620702", born, random_sequence(rng, female=not female))
    taken = make_id("620702", born, (int(number[14:17]) + 1) % 1000)
    used = {number, taken}
    changed = with_sex(number, female=female, used=used)
    assert is_valid(changed)
    assert is_female(changed) == female
    assert changed[:14] == number[:14]
    assert changed not in (number, taken)
    assert changed in used
    assert with_sex(changed, female=female, used=used) == changed

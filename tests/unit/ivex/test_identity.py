"""Resident ID validation, subject references and the leak-scan helpers."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivex.errors import RecordRejected
from ivex.identity import (
    MASK,
    canonical_resident_id,
    check_character,
    looks_like_resident_id,
    mask_resident_ids,
    subject_ref,
)

GOOD = ("11010519491231002X", "440524188001010014")
KEY = b"test-key"


@pytest.mark.parametrize("number", GOOD)
def test_known_good_numbers_validate(number: str) -> None:
    assert canonical_resident_id(number) == number


def test_lowercase_x_is_canonicalised_before_the_hmac() -> None:
    assert canonical_resident_id("11010519491231002x") == "11010519491231002X"
    assert subject_ref("11010519491231002x", KEY) == subject_ref("11010519491231002X", KEY)


def test_subject_ref_is_keyed_hmac_sha256_hex() -> None:
    expected = hmac.new(KEY, b"440524188001010014", hashlib.sha256).hexdigest()
    assert subject_ref("440524188001010014", KEY) == expected
    assert subject_ref("440524188001010014", b"other") != expected


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("11010519491231002", "must be 18 characters (GB 11643-1999)"),
        ("11010519491231002XX", "must be 18 characters (GB 11643-1999)"),
        ("1101051949123100AX", "must be 17 digits followed by a digit or X"),
        ("110105194913310023", "birth date part is not a real calendar date"),
        ("110105194902300020", "birth date part is not a real calendar date"),
        ("110105209901010025", "birth date part is in the future"),
        ("110105194912310021", "check character does not match (ISO 7064 MOD 11-2)"),
    ],
)
def test_rejections_name_the_field_and_never_echo_the_number(number: str, reason: str) -> None:
    with pytest.raises(RecordRejected) as info:
        canonical_resident_id(number, field="mother_id_number")
    assert info.value.field == "mother_id_number"
    assert info.value.reason == reason
    assert number not in str(info.value)
    assert number[:10] not in str(info.value)


def test_future_date_is_judged_against_today() -> None:
    number = "110105202401010000"
    fixed = number[:17] + check_character(number[:17])
    with pytest.raises(RecordRejected, match="future"):
        canonical_resident_id(fixed, today=dt.date(2023, 12, 31))
    assert canonical_resident_id(fixed, today=dt.date(2024, 1, 1)) == fixed


def test_leak_scan_finds_numbers_inside_text_and_masks_them() -> None:
    text = f'{{"a": "{GOOD[0].lower()}", "b": "x{GOOD[1]}y"}}'
    assert looks_like_resident_id(text)
    masked = mask_resident_ids(text)
    assert not looks_like_resident_id(masked)
    assert masked.count(MASK) == 2


def test_leak_scan_ignores_references_and_bad_check_characters() -> None:
    assert not looks_like_resident_id(subject_ref(GOOD[0], KEY))
    assert not looks_like_resident_id("110105194912310021")


@given(
    st.from_regex(r"\d{6}(19[5-9]\d|200\d)(0[1-9]|1[0-2])(0[1-9]|1\d|2[0-8])\d{3}", fullmatch=True)
)
def test_every_generated_number_with_its_check_character_validates(first17: str) -> None:
    number = first17 + check_character(first17)
    assert canonical_resident_id(number) == number
    assert looks_like_resident_id(f"prefix {number} suffix")
    wrong = next(c for c in "0123456789X" if c != number[17])
    with pytest.raises(RecordRejected):
        canonical_resident_id(first17 + wrong)

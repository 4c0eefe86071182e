"""Resident ID numbers (GB 11643-1999): building, checking and breaking them."""

from __future__ import annotations

import random
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

#: Real county-level codes (GB/T 2260) of the Hexi cities; other cities get generic ones.
KNOWN_COUNTIES: dict[str, tuple[str, ...]] = {
    "620200": ("620201",),
    "620300": ("620302", "620321"),
    "620600": ("620602", "620621", "620622", "620623"),
    "620700": ("620702", "620721", "620722", "620723", "620724", "620725"),
    "620900": ("620902", "620921", "620922", "620923", "620924", "620981", "620982"),
}


def counties_of(city: str) -> tuple[str, ...]:
    """County-level area codes under a prefecture-level city code."""
    known = KNOWN_COUNTIES.get(city)
    if known:
        return known
    return tuple(f"{city[:4]}{suffix}" for suffix in ("02", "21", "22", "23"))


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def is_valid(number: str) -> bool:
    """Whether ``number`` has 18 characters, a real date part and the right check character.

    A lowercase ``x`` is accepted, as the connectors accept it.
    """
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return number[17].upper() == check_char(number[:17])


def make_id(area: str, born: date, sequence: int) -> str:
    """A valid number from its parts; the last sequence digit's parity encodes the sex."""
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def random_sequence(rng: random.Random, *, female: bool) -> int:
    """A 3-digit sequence code whose last digit is even for women, odd for men."""
    base = rng.randrange(100) * 10
    return base + rng.choice((0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9))


def is_female(number: str) -> bool:
    """Whether the number's sex digit (the 17th) is even: a woman's."""
    return int(number[16]) % 2 == 0


def with_sex(number: str, *, female: bool, used: set[str]) -> str:
    """``number`` itself if its sex digit says ``female``; else the nearest unused number
    of the same area and date whose sequence code says so (added to ``used``)."""
    if is_female(number) == female:
        return number
    sequence = int(number[14:17])
    for step in range(1, 1000, 2):  # odd steps flip the parity; 500 candidates in all
        candidate = make_id(number[:6], _born(number), (sequence + step) % 1000)
        if candidate not in used:
            used.add(candidate)
            return candidate
    raise ValueError("every sequence code of this area and date is taken")


def _born(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def with_wrong_check(number: str, rng: random.Random) -> str:
    """The same number with a check character that fails (a typo in the last position)."""
    right = number[17].upper()
    wrong = rng.choice([c for c in _CHECK if c != right])
    return number[:17] + wrong

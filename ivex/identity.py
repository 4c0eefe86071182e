"""Resident ID numbers (GB 11643-1999) and the subject references that replace them.

A raw ID number never leaves a connector: it is validated here, canonicalised (a lowercase
``x`` check character becomes ``X``) and replaced by :func:`subject_ref`, a keyed
HMAC-SHA256 under the federation's pseudonymisation key (docs/privacy.md). A plain hash would not
do: the ID space is about 2**37 numbers, small enough to enumerate.

No message raised here contains the number, not even part of it: errors end up in DLQ
headers, logs and HTTP answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from operator import mul
from typing import Final

from ivex.errors import RecordRejected

#: ISO 7064 MOD 11-2 weights of the 17 leading digits.
_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: Check character for each value of the weighted sum mod 11.
_CHECK_CHARS: Final = "10X98765432"
_SHAPE: Final = re.compile(r"\d{17}[\dXx]")
#: What :func:`mask_resident_ids` puts where a number was.
MASK: Final = "<resident-id>"
#: Birth dates before this year are not plausible for a living person or a test fixture.
_MIN_YEAR: Final = 1800


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the 17 leading digits."""
    if len(first17) != len(_WEIGHTS):
        raise ValueError(f"check_character takes 17 digits, got {len(first17)} characters")
    # map() rather than a generator: this runs for every ID number published.
    return _CHECK_CHARS[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


def canonical_resident_id(
    id_number: str, *, field: str = "id_number", today: dt.date | None = None
) -> str:
    """Validate a resident ID number and return it canonical (uppercase ``X``).

    Raises :class:`RecordRejected` naming ``field``; the reason never contains the number.
    """
    if not isinstance(id_number, str):
        raise RecordRejected(field, "must be a text value")
    if len(id_number) != 18:
        raise RecordRejected(field, "must be 18 characters (GB 11643-1999)")
    if not _SHAPE.fullmatch(id_number):
        raise RecordRejected(field, "must be 17 digits followed by a digit or X")
    canonical = id_number.upper()
    _check_birth_date(canonical[6:14], field, today or dt.date.today())
    if check_character(canonical[:17]) != canonical[17]:
        raise RecordRejected(field, "check character does not match (ISO 7064 MOD 11-2)")
    return canonical


def _check_birth_date(part: str, field: str, today: dt.date) -> None:
    birth = _parse_yyyymmdd(part)
    if birth is None or birth.year < _MIN_YEAR:
        raise RecordRejected(field, "birth date part is not a real calendar date")
    if birth > today:
        raise RecordRejected(field, "birth date part is in the future")


def _parse_yyyymmdd(part: str) -> dt.date | None:
    try:
        return dt.date(int(part[:4]), int(part[4:6]), int(part[6:8]))
    except ValueError:
        return None


def subject_ref(id_number: str, key: bytes, *, field: str = "id_number") -> str:
    """The subject reference of a resident ID: hex HMAC-SHA256 of its canonical form.

    Validates the number first (see :func:`canonical_resident_id`), so a lowercase ``x``
    and an uppercase ``X`` give the same reference.
    """
    if not key:
        raise ValueError("the pseudonymisation key must not be empty")
    canonical = canonical_resident_id(id_number, field=field)
    return hmac.new(key, canonical.encode("ascii"), hashlib.sha256).hexdigest()


def _candidates(text: str) -> list[tuple[int, str]]:
    found = []
    for start in range(len(text) - 17):
        chunk = text[start : start + 18]
        if _is_plausible(chunk):
            found.append((start, chunk))
    return found


def _is_plausible(chunk: str) -> bool:
    # A real date part as well as the check character: a random 18-digit run passes the
    # check alone one time in eleven, which would make the leak scan cry wolf.
    if not _SHAPE.fullmatch(chunk):
        return False
    birth = _parse_yyyymmdd(chunk[6:14])
    if birth is None or birth.year < _MIN_YEAR:
        return False
    return check_character(chunk[:17]) == chunk[17].upper()


def looks_like_resident_id(text: str) -> bool:
    """Whether any 18-character substring of ``text`` is a plausible resident ID number.

    Plausible: 17 digits and a check character that matches, with a real date part. Used
    to scan logs, headers and topic values for leaks.
    """
    return bool(_candidates(text))


def mask_resident_ids(text: str) -> str:
    """``text`` with every plausible resident ID number replaced by :data:`MASK`."""
    candidates = _candidates(text)
    if not candidates:
        return text
    out: list[str] = []
    pos = 0
    for start, _chunk in candidates:
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(MASK)
        pos = start + 18
    out.append(text[pos:])
    return "".join(out)

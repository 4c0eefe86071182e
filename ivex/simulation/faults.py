"""Faults applied to facts that already exist, and to the rows that carry them.

* :func:`correct_and_void` — later CORRECTs (in fields no rule reads) and
  void-and-re-record of births and registrations. Only untouched facts (no fault tag)
  are eligible, so no record that is itself late evidence, a duplicate or a trigger of
  a fault ever changes afterwards: the truth's reasons stay unambiguous.
* :func:`corrupt` — malformed copies of rows. They are **extra** rows: each one is a
  corrupted copy of a valid row that is also written, so a connector that rejects every
  malformed row publishes exactly the facts the truth was computed from.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from ivex.simulation.dice import Dice, days, rng_for, work_time
from ivex.simulation.idnumbers import with_wrong_check
from ivex.simulation.model import CORRECT, RECORD, VOID, Fact, cst
from ivex.simulation.params import SimParams

#: The kinds of malformed row, each a reason the connectors must reject a row (docs/bad-input.md).
MALFORMED_KINDS = ("bad_date", "bad_enum", "bad_check_char", "unknown_city", "missing_value")

_DATE_FIELDS = {
    "births": ("birth_date",),
    "registrations": ("birth_date", "registered_on"),
    "terminations": ("procedure_date",),
    "pregnancies": ("reported_on", "expected_delivery_date"),
}
_ENUM_FIELDS = {
    "births": ("child_sex", "delivery_place", "action"),
    "registrations": ("child_sex", "action"),
    "terminations": ("method", "action"),
    "pregnancies": ("action",),
}
_CITY_FIELDS = {
    "births": ("mother_hukou_city",),
    "registrations": ("birth_place_city",),
    "terminations": ("mother_hukou_city",),
    "pregnancies": ("mother_hukou_city", "residence_city"),
}
_REQUIRED_FIELDS = {
    "births": ("mother_id_number", "birth_date", "child_sex", "certificate_no"),
    "registrations": ("child_id_number", "mother_id_number", "registered_on"),
    "terminations": ("mother_id_number", "procedure_date", "gestational_weeks"),
    "pregnancies": ("mother_id_number", "expected_delivery_date", "residence_city"),
}
#: Real prefecture codes of Gansu outside the demo federation, used as "unknown" cities.
_FOREIGN_CITIES = ("620100", "620400", "620500", "620800", "621000", "621100", "621200")

Row = dict[str, str | int | bool | None]


def fact_subject(fact: Fact) -> str:
    """A stable name for a fact that does not depend on the order facts were created."""
    f = fact.first.fields
    tail = f.get("certificate_no") or f.get("child_id_number") or ""
    when = fact.first.recorded_at.isoformat()
    return f"{fact.stream}|{fact.source_city}|{when}|{f['mother_id_number']}|{tail}"


def correct_and_void(facts: list[Fact], params: SimParams) -> Counter[str]:
    """Add corrections and void-and-re-records to untagged facts; return what was done."""
    done: Counter[str] = Counter()
    for fact in list(facts):
        if fact.tags or len(fact.versions) != 1:
            continue
        subject = fact_subject(fact)
        dice = Dice(params.seed, subject)
        rerecordable = fact.stream in ("births", "registrations")
        void = rerecordable and dice.hit("void_rerecord", params.faults.void_rerecord)
        if not void and not dice.hit("correction", params.faults.correction):
            continue
        rng = rng_for(params.seed, "post", subject)
        tz = cst(params.rules.timezone_offset_hours)
        when = work_time(rng, fact.first.recorded_at.date() + days(rng.randint(1, 20)), tz)
        if void:
            fact.add(VOID, when, fact.first.fields)
            again = Fact(
                fact.stream, fact.source_city, tags={"rerecorded"}, sex_group=fact.sex_group
            )
            again.add(RECORD, when + timedelta(seconds=1), fact.first.fields)
            facts.append(again)
            fact.tags.add("void_rerecord")
            done["void_rerecord"] += 1
        else:
            before, after = _CORRECTIONS[fact.stream](fact.first.fields, rng)
            fact.first.fields.update(before)
            fact.add(CORRECT, when, fact.first.fields | after)
            fact.tags.add("correction")
            done["correction"] += 1
    return done


#: A correction: what the first version got wrong, and the corrected values.
Fix = tuple[dict[str, Any], dict[str, Any]]


def _fix_birth(fields: dict[str, Any], rng: random.Random) -> Fix:
    weeks = fields["gestational_weeks"]
    return {}, {"gestational_weeks": 39 if weeks is None else weeks + rng.choice((-1, 1))}


def _fix_registration(fields: dict[str, Any], rng: random.Random) -> Fix:
    # The clerk mistyped the birth date; the certificate (what matching uses) was right.
    true_date: date = fields["birth_date"]
    return {"birth_date": true_date + days(rng.choice((-3, -2, 2, 3)))}, {"birth_date": true_date}


def _fix_termination(fields: dict[str, Any], rng: random.Random) -> Fix:
    others = [m for m in ("SURGICAL", "MEDICATION", "OTHER") if m != fields["method"]]
    return {}, {"method": rng.choice(others)}


def _fix_pregnancy(fields: dict[str, Any], rng: random.Random) -> Fix:
    return {}, {"existing_children": fields["existing_children"] + 1}


_CORRECTIONS: dict[str, Callable[[dict[str, Any], random.Random], Fix]] = {
    "births": _fix_birth,
    "registrations": _fix_registration,
    "terminations": _fix_termination,
    "pregnancies": _fix_pregnancy,
}


def corrupt(stream: str, row: Row, rng: random.Random, members: tuple[str, ...]) -> tuple[str, Row]:
    """A corrupted copy of ``row`` (one field broken) and the kind of corruption."""
    kind = rng.choice(MALFORMED_KINDS)
    bad = dict(row)
    if kind == "bad_date":
        name = rng.choice(_DATE_FIELDS[stream])
        year = str(row[name])[:4]
        bad[name] = rng.choice((f"{year}-02-30", f"{year}-04-31", str(row[name]).replace("-", "/")))
    elif kind == "bad_enum":
        name = rng.choice(_ENUM_FIELDS[stream])
        bad[name] = str(row[name]).lower()
    elif kind == "bad_check_char":
        name = (
            "child_id_number"
            if stream == "registrations" and rng.random() < 0.5
            else "mother_id_number"
        )
        bad[name] = with_wrong_check(str(row[name]), rng)
    elif kind == "unknown_city":
        name = rng.choice(_CITY_FIELDS[stream])
        bad[name] = next(c for c in _FOREIGN_CITIES if c not in members)
    else:
        name = rng.choice(_REQUIRED_FIELDS[stream])
        bad[name] = None
    return kind, bad

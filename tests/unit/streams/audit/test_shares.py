"""The partitioned re-derivation: any number of shares, merged in any order, derives
exactly what one share (the whole federation in one engine and lifecycle) does."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from streams.audit.shares import Derived, ShareOutcome, merge
from streams.engine.days import MS_PER_DAY
from streams.lifecycle import Response
from streams.rederive import Rederiver, Share
from tests.unit.streams.engine.test_properties import (
    CITIES,
    PARAMS,
    SETTINGS,
    Event,
    city_logs,
    interleave,
)
from tests.unit.streams.lifecycle.builders import response


def derive(events: Sequence[Event], responses: Sequence[Response], shares: int) -> Derived:
    outcomes = []
    for k in range(shares):
        r = Rederiver(PARAMS, CITIES, Share(k, shares))
        for event in events:
            r.city_item(event)
        for answer in responses:
            r.response(answer)
        outcomes.append(ShareOutcome.of(k, r.result))
    random.Random(shares).shuffle(outcomes)  # the order shares finish in is irrelevant
    return merge(outcomes)


def answers(derived: Derived) -> list[Response]:
    """An answer to each request from its addressee, one from a stranger, one to nobody."""
    out = []
    for rid, req in sorted(derived.requests.items()):
        day = int(req["raised_at"]) + MS_PER_DAY
        out.append(response("ACKNOWLEDGED", day, rid=rid, city=req["addressed_city"]))
        out.append(response("RESOLVED", day, rid=rid, city="620999"))
    out.append(response("RESOLVED", 0, rid="00000000-0000-0000-0000-000000000000"))
    return out


@SETTINGS
@given(city_logs(), st.integers(0, 2**32), st.integers(2, 4))
def test_any_number_of_shares_derives_what_one_does(
    logs: dict[str, list[Event]], seed: int, shares: int
) -> None:
    events = interleave(logs, random.Random(seed))
    first = derive(events, [], 1)
    responses = answers(first)
    one = derive(events, responses, 1)
    many = derive(events, responses, shares)
    assert many.shares == shares
    assert many.conflicts == ()
    assert dataclasses.replace(many, shares=1) == one


def test_a_share_owns_the_women_of_its_hash_and_every_watermark() -> None:
    owners = {m: [k for k in range(3) if Share(k, 3).owns(m)] for m in ("a", "b", "c", "d")}
    assert all(len(k) == 1 for k in owners.values())
    assert Share().owns("anyone")


def test_merge_takes_a_conflicting_output_from_the_lowest_share_and_says_so() -> None:
    a = ShareOutcome(0, requests={"r": {"state": "OPEN"}}, events=5)
    b = ShareOutcome(1, requests={"r": {"state": "WITHDRAWN"}, "s": {"state": "OPEN"}}, events=5)
    merged = merge([b, a])
    assert merged.requests == {"r": {"state": "OPEN"}, "s": {"state": "OPEN"}}
    assert merged.conflicts == ("r",)
    assert merged.events == 5

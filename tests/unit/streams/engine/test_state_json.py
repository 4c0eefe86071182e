"""A woman's state as the batch runtime stores it (:meth:`WomanState.to_json`).

Each fact's row is encoded once and kept with the state; the state is written after
every change and read back whenever a worker's cache misses. Over generated histories,
an engine whose store keeps only that JSON, and decodes it again at random, gives the
same outputs as one that keeps its states in memory.
"""

from __future__ import annotations

import json
import random

import orjson
from hypothesis import given
from hypothesis import strategies as st

from streams.engine.engine import CaseEngine
from streams.engine.history import WomanState
from tests.unit.streams.engine.builders import MOTHER, ZY, Run, birth, registration
from tests.unit.streams.engine.test_properties import (
    PARAMS,
    SETTINGS,
    Event,
    city_logs,
    interleave,
    run,
)


class JsonStore:
    """Keeps each woman's ``to_json``; a read returns the live state or, at random, the
    state decoded from that JSON (a cache miss)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.live: dict[str, WomanState] = {}
        self.data: dict[str, bytes] = {}

    def get(self, mother_ref: str) -> WomanState | None:
        data = self.data.get(mother_ref)
        if data is None or self.rng.random() < 0.5:
            return self.live.get(mother_ref)
        state = WomanState.from_dict(orjson.loads(data), mother_ref)
        assert state == self.live[mother_ref]
        self.live[mother_ref] = state
        return state

    def put(self, mother_ref: str, state: WomanState) -> None:
        self.live[mother_ref] = state
        self.data[mother_ref] = state.to_json()


@SETTINGS
@given(logs=city_logs(), seed=st.integers(0, 2**32))
def test_an_engine_over_its_stored_json_gives_the_same_outputs(
    logs: dict[str, list[Event]], seed: int
) -> None:
    events: list[Event] = interleave(logs, random.Random(seed))
    expected, _ = run(events)
    store = JsonStore(random.Random(seed))
    engine = CaseEngine(PARAMS, store)
    assert [engine.apply(e) for e in events] == expected
    for ref, data in store.data.items():
        assert WomanState.from_dict(orjson.loads(data), ref) == store.live[ref]


def test_to_json_holds_what_to_dict_holds() -> None:
    run_ = Run()
    run_.feed(birth(ZY), registration(ZY))
    state = run_.engine.store.get(MOTHER)
    assert state is not None
    stored = json.loads(state.to_json())
    plain = state.to_dict()
    assert sorted(map(json.dumps, stored.pop("facts"))) == sorted(
        map(json.dumps, plain.pop("facts"))
    )
    assert stored == plain

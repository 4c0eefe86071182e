"""Engine plumbing: idempotency, stale versions, watermarks, serialisation, recovery."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid

import pytest

from streams.engine.engine import CaseEngine
from streams.engine.facts import (
    Birth,
    Position,
    Registration,
    Watermark,
    fact_from_avro,
    fact_from_dict,
    fact_from_row,
    fact_to_dict,
    fact_to_row,
)
from streams.engine.history import WomanState
from streams.engine.outputs import BIRTH_NOT_REGISTERED, RequestOut
from streams.engine.store import InMemoryWomanStore
from tests.unit.streams.engine.builders import (
    MOTHER,
    PARAMS,
    WW,
    ZY,
    Item,
    Run,
    all_watermarks,
    at,
    birth,
    eod,
    load_schema,
    registration,
    watermark,
)


def test_duplicate_event_is_absorbed_and_counted() -> None:
    run = Run()
    b = birth(ZY)
    run.feed(b, all_watermarks(eod("2024-03-01")))
    out = run.feed(b)
    assert out.requests == []
    assert out.notices == []
    assert [d.kind for d in out.diagnostics] == ["duplicate_event"]
    assert run.engine.stats.duplicates == 1


def test_reapplying_watermarks_is_a_no_op() -> None:
    run = Run()
    wms = all_watermarks(eod("2024-03-01"))
    run.feed(birth(ZY), wms)
    assert not run.feed(wms).requests
    lower = run.feed(watermark(ZY, "births", eod("2024-02-01")))
    assert [d.kind for d in lower.diagnostics] == ["old_watermark"]


def test_request_output_matches_avro_field_names() -> None:
    schema = load_schema("AssistanceRequest")
    run = Run()
    run.feed(birth(ZY), all_watermarks(eod("2024-03-01")))
    [req] = run.requests.values()
    assert list(req.to_avro()) == [f["name"] for f in schema["fields"]]
    assert RequestOut.from_avro(req.to_avro()) == req
    notice_schema = load_schema("CaseNotice")
    [n] = run.notices.values()
    assert list(n.to_avro()) == [f["name"] for f in notice_schema["fields"]]


def test_fact_from_avro_decodes_logical_types() -> None:
    event = uuid.uuid4()
    datum = {
        "event_id": event, "record_id": "r-1", "action": "RECORD", "source_city": WW,
        "recorded_at": dt.datetime(2024, 1, 20, 4, 0, tzinfo=dt.UTC), "child_ref": "c-1",
        "mother_ref": MOTHER, "birth_date": dt.date(2024, 1, 1), "child_sex": "FEMALE",
        "certificate_no": None, "registered_on": dt.date(2024, 1, 20),
    }  # fmt: skip
    fact = fact_from_avro("registrations", datum, Position("city.620600.registrations", 0, 5))
    assert isinstance(fact, Registration)
    assert fact.event_id == str(event)
    assert fact.recorded_at == at("2024-01-20")
    assert fact.birth_place_city is None
    assert fact_from_dict(json.loads(json.dumps(fact_to_dict(fact)))) == fact
    assert fact_from_row(json.loads(json.dumps(fact_to_row(fact))), fact.mother_ref) == fact
    wm = fact_from_avro(
        "births",
        {"event_id": str(event), "source_city": ZY, "stream": "births",
         "recorded_at": 5, "complete_through": 3},
        Position("t", 0, 1),
    )  # fmt: skip
    assert isinstance(wm, Watermark)
    assert wm.complete_through == 3


def test_woman_state_round_trips_through_json() -> None:
    run = Run()
    run.feed(birth(ZY), registration(WW, recorded_at=at("2024-03-05")))
    run.feed(all_watermarks(eod("2024-03-01")))
    state = run.engine.store.get(MOTHER)
    assert state is not None
    again = WomanState.from_dict(json.loads(json.dumps(state.to_dict())), MOTHER)
    assert again == state


def test_woman_state_reads_its_first_format() -> None:
    run = Run()
    run.feed(birth(ZY), registration(WW, recorded_at=at("2024-03-05")))
    state = run.engine.store.get(MOTHER)
    assert state is not None
    first_format = {
        "mother_ref": MOTHER,
        "facts": [fact_to_dict(f) for f in state.facts()],
        "emitted": [r.to_avro() for r in state.emitted.values()],
        "notified": sorted(state.notified),
    }
    assert WomanState.from_dict(json.loads(json.dumps(first_format))) == state


def test_woman_state_leaves_out_field_names_and_her_ref() -> None:
    run = Run()
    run.feed(birth(ZY))
    state = run.engine.store.get(MOTHER)
    assert state is not None
    text = json.dumps(state.to_dict())
    assert json.dumps(MOTHER) not in text
    assert "certificate_no" not in text
    with pytest.raises(ValueError, match="mother_ref"):
        WomanState.from_dict(state.to_dict())


def test_resume_from_serialised_state_continues_identically() -> None:
    items: list[Item] = [
        birth(ZY),
        all_watermarks(eod("2024-02-01")),
        registration(WW, recorded_at=at("2024-03-05")),
    ]
    tail = [all_watermarks(eod("2024-03-01"))]
    straight = Run()
    straight.feed(*items, *tail)

    first = Run()
    first.feed(*items)
    store = InMemoryWomanStore()
    for s in first.engine.store.states():  # type: ignore[attr-defined]
        store.put(
            s.mother_ref, WomanState.from_dict(json.loads(json.dumps(s.to_dict())), s.mother_ref)
        )
    data = json.loads(json.dumps(first.engine.to_dict()))
    resumed = CaseEngine.from_dict(PARAMS, data, store)
    outs = [resumed.apply(w) for w in tail[0]]
    got = {r.request_id: r for o in outs for r in o.requests}
    assert got == straight.requests


def test_rebuilt_index_recovers_pending_deadlines() -> None:
    run = Run()
    run.feed(birth(ZY))
    store = run.engine.store
    fresh = CaseEngine(PARAMS, store)
    fresh.rebuild_index(store.states())  # type: ignore[attr-defined]
    outs = [fresh.apply(w) for w in all_watermarks(eod("2024-03-01"))]
    kinds = [r.kind for o in outs for r in o.requests]
    assert kinds == [BIRTH_NOT_REGISTERED]


def test_holding_names_the_lagging_pairs() -> None:
    run = Run()
    run.feed(birth(ZY), all_watermarks(eod("2024-03-01"), except_=((WW, "registrations"),)))
    assert run.engine.holding() == {(WW, "registrations"): 1}


def test_birth_fact_fields_mirror_the_avro_schema() -> None:
    schema = load_schema("BirthRecorded")
    names = [f["name"] for f in schema["fields"]]
    mirrored = [f.name for f in dataclasses.fields(Birth) if f.init and f.name != "position"]
    assert mirrored == names

"""The per-partition engine driver over plain dicts: routing of outputs (decisions to the
lifecycle topic, clock ticks behind them), absorbed re-deliveries, persisted watermarks,
and the re-send of what was emitted on recovery."""

from __future__ import annotations

from typing import Any

import pytest

from ivex.codec import Codec
from ivex.settings import Settings
from ivex.topics import INTERNAL_PARTITIONS, TopicNames
from streams.driver.engines import EngineDriver, partition_key
from streams.driver.errors import CODE_HEADER
from streams.driver.lifecycle_wire import EngineTick, decode_lifecycle_item
from streams.driver.records import Outgoing, SourceMessage
from streams.driver.wire import encode_item, partition_for
from streams.engine.facts import Fact, Watermark
from streams.engine.outputs import (
    BIRTH_NOT_REGISTERED,
    LATE_TERMINATION_UNAPPROVED,
    RequestOut,
)
from tests.unit.streams.engine.builders import (
    JC,
    JQ,
    WW,
    ZY,
    all_watermarks,
    birth,
    eod,
    termination,
)

INTERNAL = "u.app-engine-in"
LIFECYCLE = "u.app-lifecycle-in"


class Tables:
    """The two tables of a worker, surviving a 'restart' of the driver."""

    def __init__(self) -> None:
        self.women: dict[str, Any] = {}
        self.partitions: dict[str, Any] = {}

    def driver(self, settings: Settings) -> EngineDriver:
        return EngineDriver(
            settings,
            self.women,
            self.partitions,
            partitions=INTERNAL_PARTITIONS,
            lifecycle_topic=LIFECYCLE,
        )


def _feed(driver: EngineDriver, *items: Fact | Watermark) -> list[Outgoing]:
    """Deliver items as the ingest would: facts to their partition, watermarks to all."""
    out: list[Outgoing] = []
    for n, item in enumerate(items):
        if isinstance(item, Watermark):
            parts = range(INTERNAL_PARTITIONS)
        else:
            parts = range(
                partition_for(item.mother_ref, INTERNAL_PARTITIONS),
                partition_for(item.mother_ref, INTERNAL_PARTITIONS) + 1,
            )
        for p in parts:
            out += driver.process(SourceMessage(INTERNAL, p, n, None, encode_item(item)))
    return out


def _kinds(out: list[Outgoing]) -> list[tuple[str, str]]:
    """(addressed city of a decision, kind) and (topic, kind) of a notice."""
    codec = Codec()
    kinds = []
    for o in out:
        if o.topic == LIFECYCLE:
            item = decode_lifecycle_item(o.value)
            if isinstance(item, RequestOut):
                assert o.partition == partition_for(item.request_id, INTERNAL_PARTITIONS)
                kinds.append((item.addressed_city, item.kind))
        elif not o.topic.endswith("errors"):
            kinds.append((o.topic, codec.decode(o.value).datum["kind"]))
    return sorted(kinds)


def _ticks(out: list[Outgoing]) -> list[tuple[int | None, EngineTick]]:
    return [
        (o.partition, item)
        for o in out
        if o.topic == LIFECYCLE and isinstance(item := decode_lifecycle_item(o.value), EngineTick)
    ]


@pytest.fixture
def tables() -> Tables:
    return Tables()


def test_outputs_go_to_the_addressed_city(settings: Settings, tables: Tables) -> None:
    driver = tables.driver(settings)
    late = termination(JQ, mother_ref="m-2", mother_hukou_city=JC, gestational_weeks=16)
    out = _feed(driver, late)
    assert (JQ, LATE_TERMINATION_UNAPPROVED) in _kinds(out)
    out = _feed(driver, birth(ZY, mother_ref="m-1"), *all_watermarks(eod("2024-12-31")))
    assert (WW, BIRTH_NOT_REGISTERED) in _kinds(out)
    assert driver.stats.requests == 2
    assert not any(o.topic.startswith("u.assist.requests.") for o in out)


def test_a_clock_tick_follows_the_decisions_to_every_lifecycle_partition(
    settings: Settings, tables: Tables
) -> None:
    driver = tables.driver(settings)
    marks = all_watermarks(eod("2024-12-31"))
    p = partition_for("m-1", INTERNAL_PARTITIONS)
    _feed(driver, birth(ZY, mother_ref="m-1"))
    out: list[Outgoing] = []
    for n, mark in enumerate(marks):
        out += driver.process(SourceMessage(INTERNAL, p, 10 + n, None, encode_item(mark)))
    # Only the last watermark moves the minimum over every city and stream.
    ticks = _ticks(out)
    assert ticks == [(q, EngineTick(p, eod("2024-12-31"))) for q in range(INTERNAL_PARTITIONS)]
    first_tick = next(i for i, o in enumerate(out) if o.key is None and o.topic == LIFECYCLE)
    assert (WW, BIRTH_NOT_REGISTERED) in _kinds(out[:first_tick])
    again = driver.process(SourceMessage(INTERNAL, p, 99, None, encode_item(marks[-1])))
    assert _ticks(again) == []


def test_a_redelivered_event_changes_nothing(settings: Settings, tables: Tables) -> None:
    driver = tables.driver(settings)
    fact = termination(JQ, mother_ref="m-2", mother_hukou_city=JC)
    assert _feed(driver, fact)
    before = dict(tables.women)
    assert _feed(driver, fact) == []
    assert tables.women == before


def test_watermarks_are_saved_per_partition_when_they_move(
    settings: Settings, tables: Tables
) -> None:
    driver = tables.driver(settings)
    marks = all_watermarks(eod("2024-12-31"))
    _feed(driver, *marks)
    assert set(tables.partitions) == {partition_key(p) for p in range(INTERNAL_PARTITIONS)}
    saved = dict(tables.partitions)
    _feed(driver, *marks)  # old watermarks again: nothing to write
    assert tables.partitions == saved


def test_recovery_resends_what_the_state_says_was_emitted(
    settings: Settings, tables: Tables
) -> None:
    first = tables.driver(settings)
    emitted = _feed(
        first,
        termination(JQ, mother_ref="m-2", mother_hukou_city=JC),
        birth(ZY, mother_ref="m-1"),
        *all_watermarks(eod("2024-12-31")),
    )
    assert emitted
    # Killed here: the tables hold the state, the outputs may never have reached Kafka.
    second = tables.driver(settings)
    resent: list[Outgoing] = []
    for p in range(INTERNAL_PARTITIONS):
        resent += second.process(
            SourceMessage(INTERNAL, p, 99, None, encode_item(all_watermarks(0)[0]))
        )
    assert sorted((o.topic, o.key or b"", o.value, o.partition or 0) for o in resent) == sorted(
        (o.topic, o.key or b"", o.value, o.partition or 0) for o in emitted
    )
    assert len(_ticks(resent)) == INTERNAL_PARTITIONS**2
    assert second.stats.recoveries == INTERNAL_PARTITIONS


def test_recovery_rejudges_deadlines_from_saved_watermarks(
    settings: Settings, tables: Tables
) -> None:
    first = tables.driver(settings)
    _feed(first, birth(ZY, mother_ref="m-1"))
    # The watermarks were applied (and saved) but nothing was judged before the kill:
    for p in range(INTERNAL_PARTITIONS):
        tables.partitions[partition_key(p)] = {
            "watermarks": {
                "marks": [
                    [w.source_city, w.stream, w.complete_through]
                    for w in all_watermarks(eod("2024-12-31"))
                ]
            }
        }
    second = tables.driver(settings)
    p = partition_for("m-1", INTERNAL_PARTITIONS)
    out = second.process(SourceMessage(INTERNAL, p, 99, None, encode_item(all_watermarks(0)[0])))
    assert (WW, BIRTH_NOT_REGISTERED) in _kinds(out)


def test_revoked_partitions_are_reloaded_from_the_tables(
    settings: Settings, tables: Tables
) -> None:
    driver = tables.driver(settings)
    _feed(driver, *all_watermarks(eod("2024-12-31")))
    assert driver.owned() == list(range(INTERNAL_PARTITIONS))
    driver.release([0, 1])
    assert driver.owned() == [2, 3]
    driver.release_all()
    assert driver.owned() == []


def test_foreign_bytes_on_the_internal_topic_go_to_errors(
    settings: Settings, tables: Tables
) -> None:
    driver = tables.driver(settings)
    [out] = driver.process(SourceMessage(INTERNAL, 0, 1, None, b"nope"))
    assert out.topic == TopicNames(settings).processing_errors
    assert out.header(CODE_HEADER) == "malformed_internal"


def test_an_engine_failure_is_reported_and_the_partition_reloaded(
    settings: Settings, tables: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = tables.driver(settings)
    fact = birth(ZY, mother_ref="m-1")
    p = partition_for("m-1", INTERNAL_PARTITIONS)
    _feed(driver, *all_watermarks(0))

    def boom(*_: Any) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr("streams.engine.engine.CaseEngine.apply", boom)
    [out] = driver.process(SourceMessage(INTERNAL, p, 5, None, encode_item(fact)))
    assert out.header(CODE_HEADER) == "engine_error"
    assert p not in driver.owned()
    assert tables.women == {}

"""Batches through the partitioned drivers (the engine's, over plain dicts): the same
outputs and tables as event by event, each changed state written once per batch and
partition inside that partition's context, a failure mid-batch that loses none of the
inputs before it, and envelopes (several items to a record) that change none of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import orjson
import pytest

from ivex.settings import Settings
from ivex.topics import INTERNAL_PARTITIONS
from streams.driver.engines import EngineDriver
from streams.driver.errors import CODE_HEADER
from streams.driver.records import SourceMessage
from streams.driver.wire import decode_item, encode_item, encode_items, partition_for
from streams.engine.engine import CaseEngine
from streams.engine.facts import Fact, Watermark
from streams.engine.history import WomanState
from streams.pause_guard import FencedError
from tests.unit.streams.engine.builders import JC, JQ, ZY, all_watermarks, birth, eod, termination

INTERNAL = "u.app-engine-in"
LIFECYCLE = "u.app-lifecycle-in"


class CountingTable(dict[str, Any]):
    """A dict that counts writes per key and remembers the context each was made in."""

    def __init__(self, context: list[int | None]) -> None:
        super().__init__()
        self.writes: dict[str, int] = {}
        self.contexts: list[tuple[str, int | None]] = []
        self._context = context

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes[key] = self.writes.get(key, 0) + 1
        self.contexts.append((key, self._context[-1] if self._context else None))
        super().__setitem__(key, value)


def _driver(settings: Settings, women: dict[str, Any], parts: dict[str, Any]) -> EngineDriver:
    return EngineDriver(
        settings, women, parts, partitions=INTERNAL_PARTITIONS, lifecycle_topic=LIFECYCLE
    )


def _messages(*items: Fact | Watermark) -> list[SourceMessage]:
    """Items as the ingest routes them: facts to their partition, watermarks to all."""
    out: list[SourceMessage] = []
    for n, item in enumerate(items):
        if isinstance(item, Watermark):
            parts: list[int] = list(range(INTERNAL_PARTITIONS))
        else:
            parts = [partition_for(item.mother_ref, INTERNAL_PARTITIONS)]
        out += [SourceMessage(INTERNAL, p, n, None, encode_item(item)) for p in parts]
    return out


def _workload() -> list[SourceMessage]:
    return _messages(
        termination(JQ, mother_ref="m-2", mother_hukou_city=JC, gestational_weeks=16),
        birth(ZY, mother_ref="m-1"),
        termination(JQ, mother_ref="m-1", mother_hukou_city=JC),
        *all_watermarks(eod("2024-12-31")),
    )


def _key(o: Any) -> tuple[str, bytes, bytes, int]:
    return (o.topic, o.key or b"", o.value, o.partition or 0)


def test_a_batch_gives_the_outputs_and_tables_of_event_by_event(settings: Settings) -> None:
    one_women: dict[str, Any] = {}
    one_parts: dict[str, Any] = {}
    one = _driver(settings, one_women, one_parts)
    workload = _workload()
    singly = [o for msg in workload for o in one.process(msg)]
    women: dict[str, Any] = {}
    parts: dict[str, Any] = {}
    batched = _driver(settings, women, parts).process_batch(workload)
    assert singly
    assert sorted(map(_key, batched)) == sorted(map(_key, singly))
    assert women == one_women
    assert parts == one_parts


def test_each_changed_state_is_written_once_per_batch_in_its_partitions_context(
    settings: Settings,
) -> None:
    context: list[int | None] = []
    women, parts = CountingTable(context), CountingTable(context)
    batch = _workload()

    @contextmanager
    def within(i: int) -> Iterator[None]:
        context.append(batch[i].partition)
        try:
            yield
        finally:
            context.pop()

    def enter(i: int) -> AbstractContextManager[None]:
        return within(i)

    _driver(settings, women, parts).process_batch(batch, enter)
    assert women.writes == {"m-1": 1, "m-2": 1}
    assert set(parts.writes.values()) == {1}
    assert len(parts.writes) == INTERNAL_PARTITIONS
    for key, partition in women.contexts:
        assert partition == partition_for(key, INTERNAL_PARTITIONS)
    for key, partition in parts.contexts:
        assert key == f"p{partition}"


def _good_bad_after(monkeypatch: pytest.MonkeyPatch) -> tuple[Fact, Fact, Fact]:
    """Three facts of woman m-1; the engine raises (a bug) on the second."""
    good = termination(JQ, mother_ref="m-1", mother_hukou_city=JC)
    bad = birth(ZY, mother_ref="m-1")
    after = termination(JQ, mother_ref="m-1", mother_hukou_city=JC, gestational_weeks=12)
    real_apply = CaseEngine.apply

    def apply(self: CaseEngine, item: Any) -> Any:
        if getattr(item, "event_id", None) == bad.event_id:
            raise RuntimeError("bug")
        return real_apply(self, item)

    monkeypatch.setattr(CaseEngine, "apply", apply)
    return good, bad, after


def test_a_failure_mid_batch_keeps_the_inputs_before_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    women: dict[str, Any] = {}
    driver = _driver(settings, women, {})
    p = partition_for("m-1", INTERNAL_PARTITIONS)
    good, bad, after = _good_bad_after(monkeypatch)
    batch = [
        SourceMessage(INTERNAL, p, n, None, encode_item(item))
        for n, item in enumerate([good, bad, after])
    ]
    out = driver.process_batch(batch)
    errors = [o for o in out if o.header(CODE_HEADER) == "engine_error"]
    assert [o.value for o in errors] == [batch[1].value]
    seen = WomanState.from_dict(women["m-1"], "m-1").seen
    assert {good.event_id, after.event_id} <= seen
    assert bad.event_id not in seen
    assert driver.owned() == [p]


def test_a_fenced_driver_writes_nothing_and_forgets_its_buffers(settings: Settings) -> None:
    # The worker stood still past its session timeout while the batch was applied: its
    # partitions belong to another worker now, so nothing reaches the tables.
    women: dict[str, Any] = {}
    parts: dict[str, Any] = {}
    driver = _driver(settings, women, parts)
    driver.fence = lambda: True
    with pytest.raises(FencedError):
        driver.process_batch(_workload())
    assert women == {}
    assert parts == {}
    assert driver.owned() == []
    driver.fence = lambda: False  # assigned again: the same batch applies in full
    assert driver.process_batch(_workload())
    assert set(women) == {"m-1", "m-2"}


def _enveloped(messages: list[SourceMessage], size: int) -> list[SourceMessage]:
    """The items of ``messages`` as the batch runtime's ingest sends them: per partition,
    in order, ``size`` to an envelope."""
    per: dict[int, list[Fact | Watermark]] = {}
    for msg in messages:
        per.setdefault(msg.partition, []).append(decode_item(msg.value or b""))
    return [
        SourceMessage(INTERNAL, p, n, None, encode_items(items[i : i + size]))
        for p, items in per.items()
        for n, i in enumerate(range(0, len(items), size))
    ]


@pytest.mark.parametrize("size", [1, 2, 500])
def test_envelopes_give_the_outputs_and_tables_of_single_records(
    settings: Settings, size: int
) -> None:
    workload = _workload()
    single_women: dict[str, Any] = {}
    single_parts: dict[str, Any] = {}
    single = _driver(settings, single_women, single_parts).process_batch(workload)
    women: dict[str, Any] = {}
    parts: dict[str, Any] = {}
    batch = _enveloped(workload, size)
    enveloped = _driver(settings, women, parts).process_batch(batch)
    assert single
    assert sorted(map(_key, enveloped)) == sorted(map(_key, single))
    assert (women, parts) == (single_women, single_parts)


def test_a_failure_inside_an_envelope_keeps_the_items_before_and_after_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    women: dict[str, Any] = {}
    driver = _driver(settings, women, {})
    p = partition_for("m-1", INTERNAL_PARTITIONS)
    good, bad, after = _good_bad_after(monkeypatch)
    envelope = SourceMessage(INTERNAL, p, 7, None, encode_items([good, bad, after]))
    out = driver.process_batch([envelope])
    errors = [o for o in out if o.header(CODE_HEADER) == "engine_error"]
    assert len(errors) == 1
    seen = WomanState.from_dict(women["m-1"], "m-1").seen
    assert {good.event_id, after.event_id} <= seen
    assert bad.event_id not in seen


def test_an_envelope_that_does_not_decode_in_full_is_refused_whole(settings: Settings) -> None:
    women: dict[str, Any] = {}
    good = termination(JQ, mother_ref="m-1", mother_hukou_city=JC)
    body = orjson.loads(encode_items([good]))
    body["items"].append(["m-1", "no-such-stream", 1])
    p = partition_for("m-1", INTERNAL_PARTITIONS)
    out = _driver(settings, women, {}).process_batch(
        [SourceMessage(INTERNAL, p, 3, None, orjson.dumps(body))]
    )
    assert [o.header(CODE_HEADER) for o in out] == ["malformed_internal"]
    assert "m-1" not in women

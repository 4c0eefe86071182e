"""The table-backed WomanStore: reads through a cache, writes each changed woman once."""

from __future__ import annotations

from typing import Any

from streams.driver.table_store import TableWomanStore
from streams.engine.history import WomanState
from tests.unit.streams.engine.builders import birth, registration


class CountingTable(dict[str, Any]):
    """A dict that counts reads and writes, like a Faust table would cost them."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.writes = 0

    def get(self, key: str, default: Any = None) -> Any:
        self.reads += 1
        return super().get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes += 1
        super().__setitem__(key, value)


def _state(ref: str) -> WomanState:
    state = WomanState(ref)
    state.add(birth(mother_ref=ref))
    return state


def test_unknown_woman_is_none() -> None:
    assert TableWomanStore(CountingTable()).get("nobody") is None


def test_puts_are_written_once_at_flush() -> None:
    table = CountingTable()
    store = TableWomanStore(table)
    state = _state("m-1")
    store.put("m-1", state)
    state.add(registration(mother_ref="m-1"))
    store.put("m-1", state)
    assert table.writes == 0
    assert store.get("m-1") is state  # unflushed puts are visible
    assert store.flush() == 1
    assert table.writes == 1
    assert WomanState.from_dict(table["m-1"], "m-1").to_dict() == state.to_dict()
    assert store.flush() == 0


def test_reads_decode_once_and_are_cached() -> None:
    table = CountingTable()
    table["m-1"] = _state("m-1").to_dict()
    store = TableWomanStore(table)
    first = store.get("m-1")
    assert first is not None
    assert store.get("m-1") is first
    assert table.reads == 1


def test_cache_is_bounded_and_never_loses_a_put() -> None:
    table = CountingTable()
    store = TableWomanStore(table, cache_size=2)
    for n in range(5):
        store.put(f"m-{n}", _state(f"m-{n}"))
    assert store.flush() == 5
    assert set(table) == {f"m-{n}" for n in range(5)}
    assert store.get("m-0") is not None  # evicted from the cache, read back from the table


def test_discard_forgets_unflushed_puts() -> None:
    table = CountingTable()
    table["m-1"] = _state("m-1").to_dict()
    store = TableWomanStore(table)
    state = store.get("m-1")
    assert state is not None
    state.add(registration(mother_ref="m-1"))  # mutated in place, then the event failed
    store.put("m-1", state)
    store.discard()
    assert store.flush() == 0
    reread = store.get("m-1")
    assert reread is not None
    assert not reread.registrations


def test_states_iterates_the_table() -> None:
    table = CountingTable()
    for ref in ("a", "b"):
        table[ref] = _state(ref).to_dict()
    store = TableWomanStore(table)
    assert sorted(s.mother_ref for s in store.states()) == ["a", "b"]
    assert [s.mother_ref for s in store.states(iter(["b", "zz"]))] == ["b"]

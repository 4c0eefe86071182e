"""The in-memory changelog table: JSON values, one changelog record per write in the
partition of the input applied, restored from those records, dropped per partition."""

from __future__ import annotations

import tracemalloc

import orjson
from hypothesis import given
from hypothesis import strategies as st

from ivex.topic_reader import LogRecord
from streams.runtime.table import ChangelogTable, Cursor

_INTS = st.integers(-(2**63), 2**63 - 1)
_VALUES = st.dictionaries(st.text(max_size=5), _INTS | st.text(max_size=5), max_size=3)
#: A key always lives in one partition (the topic is partitioned by it).
_WRITES = st.lists(st.tuples(st.sampled_from("abcdef"), _VALUES), max_size=30)


def _table() -> tuple[ChangelogTable, Cursor]:
    cursor = Cursor()
    return ChangelogTable("app-women-changelog", cursor), cursor


def _as_log(table: ChangelogTable) -> list[LogRecord]:
    return [
        LogRecord(c.topic, c.partition or 0, n, 0, c.key, c.value, ())
        for n, c in enumerate(table.changes())
    ]


def test_a_write_is_a_json_changelog_record_in_the_cursors_partition() -> None:
    table, cursor = _table()
    cursor.partition = 2
    table["w1"] = {"seen": ["e1"], "n": 1}
    assert table["w1"] == {"seen": ["e1"], "n": 1}
    [change] = table.changes()
    # Key and value as Faust's tables write them: both JSON.
    assert (change.topic, change.partition) == ("app-women-changelog", 2)
    assert change.key == b'"w1"'
    assert orjson.loads(change.value) == {"seen": ["e1"], "n": 1}
    assert table.changes() == []


def test_a_delete_is_a_tombstone() -> None:
    table, _ = _table()
    table["w1"] = {}
    del table["w1"]
    assert "w1" not in table
    assert [c.value for c in table.changes()] == [b"{}", None]


@given(_WRITES)
def test_a_table_loaded_from_its_changelog_equals_the_one_that_wrote_it(
    writes: list[tuple[str, dict[str, object]]],
) -> None:
    table, cursor = _table()
    for key, value in writes:
        cursor.partition = ord(key) % 4
        table[key] = value
    log = _as_log(table)
    restored, _ = _table()
    for partition in range(4):
        restored.load(partition, (r for r in log if r.partition == partition))
    assert dict(restored) == dict(table)


def test_dropping_a_partition_forgets_its_keys_only() -> None:
    table, cursor = _table()
    cursor.partition = 0
    table["a"] = 1
    cursor.partition = 1
    table["b"] = 2
    table.drop([0])
    assert dict(table) == {"b": 2}
    assert table.partitions() == [1]
    assert table.get("a") is None


def test_discarded_changes_are_not_sent() -> None:
    table, _ = _table()
    table["a"] = 1
    table.discard_changes()
    assert table.changes() == []


def test_a_stored_value_takes_about_its_own_size() -> None:
    # orjson's result carries its ~8 KB working buffer; the table keeps a compact copy.
    table, _ = _table()
    value = {"facts": ["x" * 900]}
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(200):
            table[f"w{n}"] = value
        table.discard_changes()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown / 200 < 2 * len(orjson.dumps(value)) + 400

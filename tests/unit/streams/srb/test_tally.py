"""The tally: corrections move counts, voids remove them, duplicates change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from streams.engine.facts import Birth
from streams.srb.tally import BirthVersion, RecordEntry, Tally, order_bucket, record_key
from tests.unit.streams.engine.builders import birth

ZY = "620700"


def _v(record: str = "r1", at: int = 1, **kw: Any) -> tuple[str, BirthVersion]:
    fact: Birth = birth(ZY, record_id=record, recorded_at=at, event_id=f"e-{record}-{at}", **kw)
    version = BirthVersion.of(fact)
    return record_key(version, record), version


def _tally(*versions: tuple[str, BirthVersion]) -> Tally:
    tally = Tally()
    for key, version in versions:
        tally.apply(key, version)
    return tally


def test_buckets() -> None:
    assert [order_bucket(n) for n in (1, 2, 3, 7)] == ["1", "2", "3+", "3+"]


def test_a_record_counts_once_in_its_cell() -> None:
    tally = _tally(_v("r1", child_sex="MALE"), _v("r2"), _v("r3", birth_order=3))
    assert tally.snapshot() == {(ZY, "2024-01", "1"): (1, 1), (ZY, "2024-01", "3+"): (0, 1)}


def test_undetermined_sex_is_not_counted_but_names_its_month() -> None:
    tally = _tally(_v(child_sex="UNDETERMINED", birth_date=dt.date(2024, 5, 2)))
    assert tally.snapshot() == {}
    assert tally.months(ZY) == {"2024-05"}


def test_a_correction_moves_the_count() -> None:
    tally = _tally(_v(at=1, child_sex="MALE"))
    applied = tally.apply(*_v(at=2, child_sex="FEMALE", birth_order=2))
    assert tally.snapshot() == {(ZY, "2024-01", "2"): (0, 1)}
    assert applied.entry is not None
    assert applied.months == {(ZY, "2024-01")}
    tally.apply(*_v(at=3, child_sex="FEMALE", birth_order=2, birth_date=dt.date(2024, 2, 1)))
    assert tally.snapshot() == {(ZY, "2024-02", "2"): (0, 1)}
    assert tally.months(ZY) == {"2024-01", "2024-02"}  # January stays, at zero


def test_an_older_correction_is_ignored() -> None:
    tally = _tally(_v(at=5, child_sex="MALE"))
    applied = tally.apply(*_v(at=3, child_sex="FEMALE"))
    assert applied.entry is None
    assert tally.snapshot() == {(ZY, "2024-01", "1"): (1, 0)}


def test_a_void_removes_the_count_and_a_late_record_does_not_revive_it() -> None:
    tally = _tally(_v(at=1, child_sex="MALE"), _v(at=2, child_sex="MALE", action="VOID"))
    assert tally.snapshot() == {}
    assert tally.apply(*_v(at=1, child_sex="MALE")).entry is None
    assert tally.snapshot() == {}


def test_a_duplicate_changes_nothing() -> None:
    tally = _tally(_v(child_sex="MALE"))
    assert tally.apply(*_v(child_sex="MALE")).entry is None
    assert tally.snapshot() == {(ZY, "2024-01", "1"): (1, 0)}


def test_entries_round_trip_and_rebuild_the_tally() -> None:
    tally = _tally(_v("r1", child_sex="MALE"), _v("r2", at=4, birth_order=4), _v("r2", at=2))
    stored = [(k, RecordEntry.from_dict(e.to_dict())) for k, e in tally.entries()]
    rebuilt = Tally.from_entries(stored)
    assert rebuilt.snapshot() == tally.snapshot()
    assert rebuilt.months(ZY) == tally.months(ZY)


_versions = st.lists(
    st.builds(
        lambda rec, at, sex, order, month, void: _v(
            f"r{rec}",
            at,
            child_sex=sex,
            birth_order=order,
            birth_date=dt.date(2024, month, 1),
            action="VOID" if void else "CORRECT",
        ),
        st.integers(0, 4),
        st.integers(1, 6),
        st.sampled_from(["MALE", "FEMALE", "UNDETERMINED"]),
        st.integers(1, 4),
        st.integers(1, 3),
        st.booleans(),
    ),
    max_size=25,
    # One content per (record, recorded_at): an event id names one message.
    unique_by=lambda kv: kv[1].event_id,
)


@given(_versions, st.randoms(use_true_random=False), st.data())
def test_any_order_and_duplication_gives_the_same_tally(
    versions: list[tuple[str, BirthVersion]], random: Any, data: st.DataObject
) -> None:
    reference = _tally(*versions)
    replayed = versions + data.draw(st.lists(st.sampled_from(versions))) if versions else []
    random.shuffle(replayed)
    other = _tally(*replayed)
    assert other.snapshot() == reference.snapshot()
    assert dict(other.entries()) == dict(reference.entries())
    assert other.months(ZY) == reference.months(ZY)

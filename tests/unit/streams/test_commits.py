"""Where a partition's offset may be committed (the rebalance-safe consumer's rule)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streams.commits import LostRecords, commit_point, resume_bases


def test_the_commit_stops_at_the_first_record_not_acknowledged() -> None:
    assert commit_point(31, [32, 33]) == 31
    assert commit_point(31, [31, 32, 34]) == 33


def test_offsets_absent_from_the_log_are_passed_over() -> None:
    assert commit_point(0, [0, 1, 5], [(2, 5)]) == 6
    assert commit_point(0, [], [(0, 3)]) == 3
    assert commit_point(4, [4], [(0, 3), (5, 7)]) == 7


@given(
    base=st.integers(0, 50),
    done=st.sets(st.integers(0, 120)),
    absent=st.lists(st.tuples(st.integers(0, 120), st.integers(1, 20))),
)
def test_everything_before_the_commit_is_done_or_absent_and_the_commit_is_not(
    base: int, done: set[int], absent: list[tuple[int, int]]
) -> None:
    spans = [(begin, begin + length) for begin, length in absent]
    point = commit_point(base, done, spans)

    def settled(offset: int) -> bool:
        return offset in done or any(b <= offset < e for b, e in spans)

    assert point >= base
    assert all(settled(offset) for offset in range(base, point))
    assert not settled(point)


def test_processing_resumes_at_the_commit_or_the_log_start() -> None:
    committed = {"a": 7, "b": None, "c": 2}
    assert resume_bases(committed, {"a": 0, "b": 3, "c": 5}) == {"a": 7, "b": 3, "c": 5}


def test_a_hole_counts_as_lost_only_after_it_lasted() -> None:
    lost: LostRecords[str] = LostRecords()
    assert not lost.observe("p", 3, 100.0, 5.0)
    assert not lost.observe("p", 3, 104.9, 5.0)
    assert lost.observe("p", 3, 105.0, 5.0)
    assert not lost.observe("p", 3, 105.1, 5.0)  # forgotten once reported: timed afresh


def test_a_hole_that_moves_or_closes_is_timed_afresh() -> None:
    lost: LostRecords[str] = LostRecords()
    lost.observe("p", 3, 0.0, 5.0)
    assert not lost.observe("p", 4, 6.0, 5.0)  # 3 was processed meanwhile
    assert not lost.observe("p", None, 7.0, 5.0)
    assert not lost.observe("p", 4, 12.0, 5.0)
    lost.observe("q", 1, 0.0, 5.0)
    lost.forget(["q"])
    assert not lost.observe("q", 1, 9.0, 5.0)

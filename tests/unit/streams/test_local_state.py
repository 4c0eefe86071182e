"""A worker's local table stores are kept only after a clean stop."""

from __future__ import annotations

from pathlib import Path

from streams.local_state import LocalState


def _state(tmp_path: Path) -> LocalState:
    state = LocalState(tmp_path / "v1", tmp_path / "v1" / "tables")
    (state.tables / "women-0.db").mkdir(parents=True)
    return state


def test_stores_left_by_a_crash_are_deleted(tmp_path: Path) -> None:
    state = _state(tmp_path)
    assert state.open() is True
    assert not state.tables.exists()


def test_stores_after_a_clean_stop_are_kept_and_the_marker_removed(tmp_path: Path) -> None:
    state = _state(tmp_path)
    state.closed_cleanly()
    assert state.open() is False
    assert (state.tables / "women-0.db").is_dir()
    assert not state.marker.exists()  # a crash from now on leaves none
    assert state.open() is True  # … so the next start after it deletes them


def test_a_first_start_has_nothing_to_delete(tmp_path: Path) -> None:
    state = LocalState(tmp_path / "v1", tmp_path / "v1" / "tables")
    assert state.open() is False
    state.closed_cleanly()
    assert state.marker.exists()

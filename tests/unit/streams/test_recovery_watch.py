"""A worker whose table recovery stopped making progress ends, for its supervisor."""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.recovery_watch import STALLED_EXIT, RecoveryWatch


@dataclass
class FakeRecovery:
    in_recovery: bool = True
    active_highwaters: dict[str, int] = field(default_factory=lambda: {"women-0": 100})
    active_offsets: dict[str, int] = field(default_factory=lambda: {"women-0": 10})


def _watch(recovery: FakeRecovery) -> tuple[RecoveryWatch, list[float], list[int]]:
    clock: list[float] = [0.0]
    ended: list[int] = []
    watch = RecoveryWatch(lambda: recovery, stall_s=60, clock=lambda: clock[0], end=ended.append)
    return watch, clock, ended


def test_a_recovery_without_progress_ends_the_worker() -> None:
    watch, clock, ended = _watch(FakeRecovery())
    assert not watch.check()
    clock[0] = 59
    assert not watch.check()
    clock[0] = 61
    assert watch.check()
    assert ended == [STALLED_EXIT]


def test_progress_restarts_the_clock() -> None:
    recovery = FakeRecovery()
    watch, clock, ended = _watch(recovery)
    watch.check()
    for t in range(30, 300, 30):
        clock[0] = t
        recovery.active_offsets["women-0"] += 1
        assert not watch.check()
    assert ended == []


def test_no_recovery_or_nothing_left_is_no_stall() -> None:
    idle = FakeRecovery(in_recovery=False)
    done = FakeRecovery(active_offsets={"women-0": 100})  # read up to the last record
    for recovery in (idle, done):
        watch, clock, ended = _watch(recovery)
        for t in (0, 100, 200):
            clock[0] = t
            assert not watch.check()
        assert ended == []

"""The pause guard: a standstill longer than the session timeout fences the worker until
its partitions are assigned again."""

from __future__ import annotations

from streams.pause_guard import PauseGuard


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_running_worker_is_never_fenced() -> None:
    clock = Clock()
    guard = PauseGuard(6.0, clock=clock)
    guard.start(thread=False)
    for _ in range(100):
        clock.now += 0.25
        guard.tick()
        assert not guard.fenced()


def test_a_standstill_past_the_session_timeout_fences_until_reassigned() -> None:
    clock = Clock()
    guard = PauseGuard(6.0, clock=clock)
    guard.start(thread=False)
    clock.now += 9.0  # SIGSTOP … SIGCONT: no tick in between
    assert guard.fenced()  # seen by the agent itself, before the guard's thread ran
    clock.now += 1.0
    guard.tick()
    assert guard.fenced()
    guard.reassigned()
    assert not guard.fenced()


def test_a_standstill_shorter_than_the_session_timeout_does_not_fence() -> None:
    clock = Clock()
    guard = PauseGuard(6.0, clock=clock)
    guard.start(thread=False)
    clock.now += 5.9
    assert not guard.fenced()


def test_the_fence_lifts_by_itself_when_no_rebalance_comes() -> None:
    clock = Clock()
    guard = PauseGuard(6.0, clock=clock)
    guard.start(thread=False)
    clock.now += 7.0
    assert guard.fenced()
    for _ in range(int(3 * 6.0 / 0.25) + 1):
        clock.now += 0.25
        guard.tick()
    assert not guard.fenced()


def test_a_guard_not_started_never_fences() -> None:
    clock = Clock()
    guard = PauseGuard(6.0, clock=clock)
    clock.now += 60.0  # a long start-up is no standstill
    assert not guard.fenced()
    guard.start(thread=False)
    assert not guard.fenced()

"""Fencing a worker that stood still longer than its consumer group's session timeout.

A worker stopped (SIGSTOP, a frozen VM, a swapped-out process) for longer than the
session timeout has lost its partitions: the group gave them to another worker, which
restored their state and went on. When the stopped worker runs again, its agents go on
with the batches they had already fetched until its consumer thread hears of the
rebalance — a zombie, writing stale table states to changelogs another worker now owns
and sending outputs from them. Those states outlive it: the next owner of the partition
restores them and raises requests for facts it no longer knows of.

:class:`PauseGuard` notices the standstill from a thread of its own that ticks a few
times a second: a gap between two ticks longer than the session timeout means the whole
process stood still (a busy event loop does not stop the thread). Until the worker has
its partitions again (the next assignment), the agents process nothing and send
nothing; the batches they hold back are read again by whoever owns them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class PauseGuard:
    """Whether this process stood still longer than ``limit_s`` since its last assignment."""

    def __init__(
        self,
        limit_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval_s: float = 0.25,
    ) -> None:
        self.limit_s = limit_s
        self._clock = clock
        self._interval_s = interval_s
        self._last = clock()
        self._fenced_at: float | None = None
        self._started = False
        self._lock = threading.Lock()

    def start(self, *, thread: bool = True) -> None:
        """Tick from a daemon thread until the process ends (before that, a gap between
        two ticks says nothing). ``thread=False``: only :meth:`tick` calls tick."""
        self._last = self._clock()
        self._started = True
        if thread:
            threading.Thread(target=self._run, name="pause-guard", daemon=True).start()

    def tick(self) -> None:
        """Note that the process runs now; fence it if it stood still too long before."""
        with self._lock:  # the guard's thread and the agents both tick
            self._tick()

    def _tick(self) -> None:
        now = self._clock()
        if now - self._last > self.limit_s and self._fenced_at is None:
            log.warning(
                "this worker stood still %.1f s (longer than the %.1f s session timeout): "
                "holding every batch until its partitions are assigned again",
                now - self._last,
                self.limit_s,
            )
            self._fenced_at = now
        self._last = now

    def fenced(self) -> bool:
        """True while the agents must neither process nor send (checked before each step)."""
        if not self._started:
            return False
        self.tick()  # the guard's thread may not have run since the process went on
        if self._fenced_at is None:
            return False
        if self._clock() - self._fenced_at > 3 * self.limit_s:
            # No rebalance came: the group kept this worker (it did not stand still as
            # long as the broker saw it). Holding longer would only stall it.
            log.warning("no rebalance after the standstill: processing again")
            self._fenced_at = None
        return self._fenced_at is not None

    def reassigned(self) -> None:
        """The worker has its partitions again (a new assignment): lift the fence."""
        if self._fenced_at is not None:
            log.info("partitions assigned again after the standstill: processing again")
        self._fenced_at = None
        self._last = self._clock()

    def _run(self) -> None:
        while True:
            self.tick()
            time.sleep(self._interval_s)


class FencedError(Exception):
    """Raised inside a batch when the guard fenced the worker meanwhile: nothing of the
    batch may be written or sent."""

"""Ending a worker whose table recovery stopped making progress.

After a worker restarts, Faust restores its tables from their changelogs before the
agents run. When a rebalance interrupts that recovery, Faust restarts it — and in the
kill storm it once never got going again: the worker logged `No event received for
active tp … since recovery start` every 5 s, fetched nothing, and its partitions stood
still (the cause lies in Faust's recovery and fetcher; it was not found). A worker in that
state is alive but useless, and a supervisor restarts only a process that exits.

:class:`RecoveryWatch` looks at the recovery from a thread of its own: when the recovery
still has changelog records to read and its offsets have not moved for ``stall_s``
seconds (:data:`STALL_S`), it logs why and ends the process with :data:`STALLED_EXIT`.
Started again by its supervisor, the worker rejoins its group and recovers afresh;
nothing is lost — the worker had processed nothing since its last commit.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any, Final

log = logging.getLogger(__name__)

#: The worker's exit status when its recovery stalled.
STALLED_EXIT: Final = 3
#: No progress this long while records remain is a stall (a recovery reads thousands of
#: records a second; Faust itself warns after 5 s without an event). Under the fault
#: tests' stall limit (90 s without the lag moving), restart and recovery included.
STALL_S: Final = 45.0


class RecoveryWatch:
    """Whether the recovery of ``recovery()`` (Faust's ``Recovery`` service) is stalled."""

    def __init__(
        self,
        recovery: Callable[[], Any],
        *,
        stall_s: float = STALL_S,
        clock: Callable[[], float] = time.monotonic,
        end: Callable[[int], object] = os._exit,
    ) -> None:
        self._recovery = recovery
        self.stall_s = stall_s
        self._clock = clock
        self._end = end
        self._progress: tuple[int, float] | None = None

    def start(self, interval_s: float = 5.0) -> None:
        """Check every ``interval_s`` from a daemon thread until the process ends."""
        threading.Thread(
            target=self._run, args=(interval_s,), name="recovery-watch", daemon=True
        ).start()

    def check(self) -> bool:
        """Note the recovery's progress; end the process (and return True) if it stalled."""
        books = _books(self._recovery())
        if books is None:  # not recovering, or nothing left to read
            self._progress = None
            return False
        remaining, read = books
        now = self._clock()
        if self._progress is None or self._progress[0] != read:
            self._progress = (read, now)
            return False
        if now - self._progress[1] < self.stall_s:
            return False
        log.error(
            "table recovery made no progress for %.0f s with %d changelog records left to "
            "read: ending the worker (status %d) so that its supervisor starts it afresh",
            now - self._progress[1],
            remaining,
            STALLED_EXIT,
        )
        logging.shutdown()
        self._end(STALLED_EXIT)
        return True

    def _run(self, interval_s: float) -> None:
        while True:
            time.sleep(interval_s)
            try:
                self.check()
            except Exception:  # the event loop's thread may change the books meanwhile
                log.debug("recovery check skipped", exc_info=True)


def _books(recovery: Any) -> tuple[int, int] | None:
    """(records left to read, offsets read so far) of a recovery that has records left."""
    # Faust's Recovery: ``in_recovery`` while actives are restored; per changelog
    # partition the offset of its last record and of the last one read (as Faust's own
    # ``active_remaining``).
    if not getattr(recovery, "in_recovery", False):
        return None
    highwaters = dict(recovery.active_highwaters)
    offsets = dict(recovery.active_offsets)
    left = sum(
        max(0, high - offsets.get(tp, 0)) for tp, high in highwaters.items() if high is not None
    )
    return (left, sum(offsets.values())) if left else None

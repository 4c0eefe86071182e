"""Cyclic-GC settings for a process that holds a large, long-lived engine state.

The engine allocates many short-lived containers per judgement (scopes, pending sets,
outputs) while its state (women, versions, emitted requests) only grows. With CPython's
default thresholds the young generations are collected every 700 allocations and every
surviving state object is rescanned by the older-generation passes: about 10–30 % of the
engine's time. Nothing here changes what the engine computes.

Call :func:`tune_gc` from an entry point (the benchmark; a driver once its recovery has
loaded the partition's women), never at import time: it changes process-wide settings.
A run that only builds state and then ends (a share of the audit re-derivation, a bulk
load) can go further and pause the collector for its length (:func:`cyclic_gc_paused`).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from types import TracebackType
from typing import Final

#: Young-generation threshold: collect after this many net container allocations.
YOUNG_THRESHOLD: Final = 100_000
#: Young collections per middle-generation collection; middle per full collection.
MIDDLE_THRESHOLD: Final = 50
OLD_THRESHOLD: Final = 100


def tune_gc(
    young: int = YOUNG_THRESHOLD, middle: int = MIDDLE_THRESHOLD, old: int = OLD_THRESHOLD
) -> None:
    """Freeze what is alive now out of the GC and collect less often.

    - ``gc.collect()`` then ``gc.freeze()``: every object alive now (decoded input,
      recovered states) moves to the permanent generation and is never scanned again
      (call it again after a large recovery to freeze the new state too);
    - ``gc.set_threshold(young, middle, old)``: fewer, larger collections. Reference
      cycles are still collected, only later; the engine's own data has none.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(young, middle, old)


class BatchCollector:
    """Cyclic GC for a long-running batch loop whose state only grows (a batch worker).

    With :func:`tune_gc` alone the older-generation collections rescan every state object
    a worker decoded since start, and its CPU per event grew by half from 35k to 104k
    events (``bench/pipeline_bench.py``). So the automatic collections are off
    (:meth:`start`) and after each batch :meth:`after_batch` freezes what the batch left
    (``gc.freeze``, a constant-time list splice): no collection ever scans it again.
    Collecting each batch's survivors first found no reference cycle in the stages'
    work and cost a tenth of a worker's CPU, so a full collection runs only once every
    ``sweep_every_s`` seconds (unfreeze, collect, freeze): a cycle the loop makes now and
    then (an exception kept with its traceback) lives that long at most. The sweep
    scans what is alive, which the workers' bounded caches keep bounded (their tables
    hold bytes, which the collector does not track).
    """

    def __init__(
        self, sweep_every_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.sweep_every_s = sweep_every_s
        self._clock = clock
        self._last = clock()
        #: Full collections so far.
        self.sweeps = 0

    def start(self) -> None:
        """Collect and freeze what is alive, and turn the automatic collections off."""
        gc.collect()
        gc.freeze()
        gc.disable()
        self._last = self._clock()

    def after_batch(self) -> int:
        """Freeze what the batch left, or sweep when due; unreachable objects found."""
        now = self._clock()
        if now - self._last < self.sweep_every_s:
            gc.freeze()
            return 0
        self._last = now
        self.sweeps += 1
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        return found


class _GcPaused:
    """The context manager of :func:`cyclic_gc_paused` (a class: this module is compiled)."""

    def __init__(self) -> None:
        self._was_enabled = False

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._was_enabled:
            gc.enable()


def cyclic_gc_paused() -> _GcPaused:
    """Turn CPython's cyclic garbage collector off for a ``with`` block, then back as it was.

    An audit share's engine state (women, versions, requests) only grows, and every
    older-generation collection rescans all of it: with the default thresholds the
    collector took ≈ 28 % of a share's CPU over 347k events, and more the more women a
    share holds. The derive makes next to no reference cycles (≈ 850 objects collected in
    such a run, imports included), so memory is freed by reference counting as before;
    nothing computed changes.
    """
    return _GcPaused()

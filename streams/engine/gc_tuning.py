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


def freeze_survivors() -> None:
    """Collect the cyclic garbage made since the last call, then freeze what is alive.

    For a long-running process whose state only grows (a batch worker): with
    :func:`tune_gc` alone the older-generation collections still rescan every state
    object it decoded since start, and a worker's CPU per event grew by half from 35k to
    104k events (``bench/pipeline_bench.py``). Called after each batch, a collection only
    ever scans what that batch allocated (``gc.freeze`` is a constant-time list splice),
    whatever the state's size; with the automatic collections off
    (:func:`collect_per_batch`) it is the only one. Frozen objects are still freed by
    reference counting; only a reference cycle among them would stay, and the engine's
    data has none.
    """
    gc.collect()
    gc.freeze()


def collect_per_batch() -> None:
    """Automatic collections off: the process collects once per batch
    (:func:`freeze_survivors`), which scans what the batch left, once."""
    gc.collect()
    gc.freeze()
    gc.disable()


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

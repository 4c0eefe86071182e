"""Cyclic-GC settings for a process that holds a large, long-lived engine state.

The engine allocates many short-lived containers per judgement (scopes, pending sets,
outputs) while its state (women, versions, emitted requests) only grows. With CPython's
default thresholds the young generations are collected every 700 allocations and every
surviving state object is rescanned by the older-generation passes: about 10–30 % of the
engine's time. Nothing here changes what the engine computes.

Call :func:`tune_gc` from an entry point (the benchmark; a driver once its recovery has
loaded the partition's women), never at import time: it changes process-wide settings.
"""

from __future__ import annotations

import gc
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

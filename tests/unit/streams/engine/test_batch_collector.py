"""The batch loop's collector: what a batch leaves is frozen; cycles go at the next sweep."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from streams.engine.gc_tuning import BatchCollector


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_a_batch_is_frozen_and_a_cycle_waits_for_the_sweep() -> None:
    now = [0.0]
    collector = BatchCollector(sweep_every_s=60.0, clock=lambda: now[0])
    collector.start()
    assert not gc.isenabled()
    ref = _cycle()
    assert collector.after_batch() == 0
    assert ref() is not None  # frozen, not collected: no scan after a batch
    assert gc.get_freeze_count() > 0
    now[0] = 61.0
    assert collector.after_batch() >= 2
    assert ref() is None
    assert collector.sweeps == 1


def test_plain_garbage_goes_at_once() -> None:
    collector = BatchCollector(clock=lambda: 0.0)
    collector.start()
    node = _Node()
    ref = weakref.ref(node)
    del node  # reference counting frees it, frozen or not
    collector.after_batch()
    assert ref() is None

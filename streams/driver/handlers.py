"""Batch handlers: what a stage does with a batch of its inputs, for either runtime.

A handler takes the consumed messages and a way into the context of the i-th one (table
writes belong to its partition) and returns the records to send. Both the Faust app's
agents (:mod:`streams.app`) and the batch runtime's stages (:mod:`streams.runtime`) are
built from these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from streams.driver.partitioned import InputContext
from streams.driver.records import Outgoing, SourceMessage
from streams.driver.srb import SrbDriver
from streams.pause_guard import FencedError

#: A batch handler: the consumed messages (and a way into the context of the i-th one's
#: event) → the records to send.
Handler = Callable[[Sequence[SourceMessage], InputContext], list[Outgoing]]


def routed(route: Callable[[SourceMessage], Iterable[Outgoing]]) -> Handler:
    """A handler of a stateless per-message ``route`` (the ingest stages)."""

    def handle(batch: Sequence[SourceMessage], _within: InputContext) -> list[Outgoing]:
        return [record for msg in batch for record in route(msg)]

    return handle


def tally(driver: SrbDriver, fenced: Callable[[], bool] | None = None) -> Handler:
    """The SRB monitor's handler: each record tallied in its context, then the reports
    of the cells the batch changed. ``fenced``: checked first, as the tally writes its
    table record by record (:class:`~streams.pause_guard.FencedError` if it says so)."""

    def handle(batch: Sequence[SourceMessage], within: InputContext) -> list[Outgoing]:
        if fenced is not None and fenced():
            raise FencedError
        for i, msg in enumerate(batch):
            with within(i):  # a table write belongs to its event's partition
                driver.apply(msg)
        return driver.flush()

    return handle

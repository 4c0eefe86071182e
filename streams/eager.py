"""Run a coroutine's first step at once; a task only if it has to wait.

Faust's consumer hands every fetched record to the streams through
``Service.wait_first(deliver(record), suspend_flow.wait())``: four tasks and an
``asyncio.wait`` per record, though delivering almost never waits (only when a stream's
buffer is full). :func:`start` runs the coroutine up to its first suspension; the caller
falls back to the general path only when it did suspend.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Started(Generic[T]):
    """A coroutine run up to its first suspension: awaiting this finishes it."""

    def __init__(self, coro: Coroutine[Any, Any, T], waiting_on: Any) -> None:
        self._coro = coro
        self._waiting_on = waiting_on

    def __await__(self) -> Generator[Any, Any, T]:
        # The coroutine protocol by hand: hand what the coroutine waits on to the
        # running task, pass back what the task sends (or throws) in.
        waiting_on = self._waiting_on
        while True:
            try:
                sent = yield waiting_on
            except BaseException as exc:  # cancellation included: passed on
                try:
                    waiting_on = self._coro.throw(exc)
                except StopIteration as stop:
                    return stop.value  # type: ignore[no-any-return]
            else:
                try:
                    waiting_on = self._coro.send(sent)
                except StopIteration as stop:
                    return stop.value  # type: ignore[no-any-return]


def start(coro: Coroutine[Any, Any, T]) -> tuple[bool, T | None, Started[T] | None]:
    """Run ``coro`` to its first suspension: ``(True, result, None)`` if it finished,
    else ``(False, None, rest)`` where awaiting ``rest`` (in any task) finishes it.

    An exception the first step raises propagates.
    """
    try:
        waiting_on = coro.send(None)
    except StopIteration as stop:
        return True, stop.value, None
    return False, None, Started(coro, waiting_on)

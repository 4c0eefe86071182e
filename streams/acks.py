"""Batches acknowledged in order once Kafka has acknowledged their outputs, while the
agent already works on the next ones (pipelined acknowledgements).

An agent hands a batch's outputs to the producer and goes on with its next batch; the
batch's events stay unacknowledged (one extra reference on each message, so
``take_events``' own ack does not release it) until every output of the batch *and of
every batch before it* is acknowledged by Kafka. A batch whose delivery failed is never
acknowledged, nor is any batch after it (they are held, so the commit stops before
them and they are read again), and the agent raises on its next batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

log = logging.getLogger(__name__)

#: Never ack ``messages`` (the consumer's :meth:`~streams.transport.RebalanceSafeConsumer.hold`).
Hold = Callable[[Iterable[Any]], None]


class InOrderAcks:
    """The batches of one agent whose outputs are still in flight, oldest first."""

    def __init__(self, hold: Hold, depth: int) -> None:
        self._hold = hold
        self._depth = depth
        self._pending: deque[tuple[Sequence[Any], asyncio.Future[Any]]] = deque()
        self.failed: BaseException | None = None

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, events: Sequence[Any], deliveries: Sequence[asyncio.Future[Any]]) -> None:
        """Acknowledge ``events`` once ``deliveries`` (and every earlier batch's) are done.

        Called before ``take_events`` acks the batch itself: the extra reference keeps
        each message unacknowledged until then.
        """
        self.raise_failure()
        for event in events:
            event.message.incref()
        done = _all_of(deliveries)
        self._pending.append((events, done))
        done.add_done_callback(self._settle)

    async def room(self) -> None:
        """Wait until fewer than ``depth`` batches are in flight (the pipeline's bound)."""
        while len(self._pending) >= self._depth and self.failed is None:
            await asyncio.wait([self._pending[0][1]])
        self.raise_failure()

    async def drain(self) -> None:
        """Wait until every batch in flight is settled."""
        while self._pending and self.failed is None:
            await asyncio.wait([self._pending[-1][1]])
        self.raise_failure()

    def raise_failure(self) -> None:
        """Raise the delivery failure that stopped the acknowledgements, if any."""
        if self.failed is not None:
            raise self.failed

    def abandon(self) -> None:
        """Hold every batch in flight (the agent stops): none will be acknowledged."""
        while self._pending:
            events, _ = self._pending.popleft()
            self._hold(event.message for event in events)

    def _settle(self, _: Any = None) -> None:
        while self._pending and self._pending[0][1].done():
            events, done = self._pending[0]
            error = None if done.cancelled() else done.exception()
            if done.cancelled() or error is not None:
                self.failed = error or asyncio.CancelledError()
                log.error("delivery of a batch's outputs failed: %r; holding it", self.failed)
                self.abandon()
                return
            self._pending.popleft()
            for event in events:
                event.ack()


def _all_of(futures: Sequence[asyncio.Future[Any]]) -> asyncio.Future[Any]:
    if not futures:
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done
    return asyncio.gather(*futures)

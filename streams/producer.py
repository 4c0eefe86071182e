"""The stream workers' producer: idempotent, and a flush that waits for every table write.

1. **Idempotent, ``acks=all``.** aiokafka's producer has idempotence off by default and
   Faust turns it on only for exactly-once. Idempotence keeps retries from duplicating
   or reordering records within a partition — the ingest relies on that order.
2. **A flush that drains.** Faust commits offsets after flushing the producer, and its
   table writes (changelog records) wait in Faust's own buffer before they reach
   aiokafka. That buffer's flush gives up as soon as no record left it for 0.1 s — under
   load it does — so offsets were committed while the changelog records of the states
   they stand for were still in memory. A worker killed then lost those states for good:
   its partitions' next owner restored the older ones and never read the records again.
   The flush now waits until every table write handed to the buffer is acknowledged by
   Kafka, and fails (the commit with it) if one was refused or takes longer than
   :data:`FLUSH_TIMEOUT_S`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from faust.exceptions import ProducerSendError
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import FutureMessage

#: How long a flush waits for the table writes in flight before the commit fails (the
#: worker then stops: what it did not commit is read again by the next owner).
FLUSH_TIMEOUT_S = 120.0


class IdempotentProducer(faust_aiokafka.Producer):
    """Faust's aiokafka producer with ``acks=all``, idempotence on, and a draining flush."""

    _in_flight: set[FutureMessage]

    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "acks": "all", "enable_idempotence": True}

    def send_soon(self, fut: FutureMessage) -> None:
        """Faust's buffered send (table writes), remembered until Kafka acknowledged it."""
        in_flight = self._writes()
        in_flight.add(fut)
        fut.add_done_callback(in_flight.discard)
        super().send_soon(fut)

    async def flush(self) -> None:
        """Faust's flush, then wait until every buffered send is acknowledged."""
        await super().flush()
        await self.wait_for_writes(FLUSH_TIMEOUT_S)

    async def wait_for_writes(self, timeout_s: float) -> None:
        """Wait until every buffered send is acknowledged; :class:`ProducerSendError`
        if one failed or they take longer than ``timeout_s``."""
        pending = list(self._writes())
        if not pending:
            return
        done, late = await asyncio.wait(pending, timeout=timeout_s)
        if late:
            raise ProducerSendError(f"{len(late)} table writes not acknowledged in {timeout_s}s")
        for fut in done:
            if not fut.cancelled() and fut.exception() is not None:
                raise ProducerSendError(f"a table write failed: {fut.exception()!r}")

    def _writes(self) -> set[FutureMessage]:
        if not hasattr(self, "_in_flight"):
            self._in_flight = set()
        return self._in_flight

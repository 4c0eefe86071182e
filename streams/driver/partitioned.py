"""What the engine and lifecycle drivers share: one pure processor per owned partition.

Both drivers keep, per partition of their internal topic, an in-memory processor over
buffered table stores, created on the partition's first event by a recovery that re-sends
what it published. The skeleton of :meth:`PartitionedDriver.process` is the same for
both, and so is its failure handling: an input that does not decode goes to the errors
topic; a processor that raises (a bug) must not wedge the partition, so its buffered
writes are discarded, the partition is reloaded on its next event, and the input goes to
the errors topic with the cause.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from streams.driver.errors import ProcessingError, error_record
from streams.driver.records import Outgoing, SourceMessage

log = logging.getLogger(__name__)


class BufferedStore(Protocol):
    """A table store whose writes are held until :meth:`flush`."""

    def flush(self) -> int: ...
    def discard(self) -> None: ...


class PartitionState(Protocol):
    """The in-memory state of one owned partition."""

    @property
    def store(self) -> BufferedStore: ...


class OwnsPartitions(Protocol):
    """A driver holding in-memory state per owned partition (the rebalance callbacks')."""

    def release(self, partitions: Iterable[int]) -> None: ...
    def owned(self) -> list[int]: ...


P = TypeVar("P", bound=PartitionState)
I = TypeVar("I")  # noqa: E741 - the decoded input item


@dataclass(slots=True)
class PartitionedStats:
    """Counters every partitioned driver keeps (since start)."""

    events: int = 0
    errors: int = 0
    recoveries: int = 0
    resent: int = 0


class PartitionedDriver(Generic[P, I]):
    """Routes each internal-topic record to the processor of its partition.

    Subclasses say what a partition is (:meth:`_recover`), how a value decodes
    (:meth:`_decode`) and what applying it yields (:meth:`_apply`).
    """

    #: Stage named in errors-topic records and in the error code ``<stage>_error``.
    stage: str
    #: What a value of the internal topic should be, for the ``malformed_internal`` error.
    item_name: str

    def __init__(self, errors_topic: str, stats: PartitionedStats) -> None:
        self.errors_topic = errors_topic
        self._stats = stats
        self._live: dict[int, P] = {}

    def process(self, msg: SourceMessage) -> list[Outgoing]:
        """Apply one internal record; the records to send (after the state is written)."""
        self._stats.events += 1
        out: list[Outgoing] = []
        part = self._live.get(msg.partition)
        if part is None:
            part, resent = self._recover(msg.partition)
            self._live[msg.partition] = part
            self._stats.recoveries += 1
            out += resent
        try:
            item = self._decode(msg.value or b"")
        except (ValueError, KeyError, TypeError) as exc:
            err = ProcessingError(
                "malformed_internal", f"not {self.item_name} ({type(exc).__name__})"
            )
            return out + self._error(msg, err)
        try:
            return out + self._apply(part, msg, item)
        except Exception as exc:  # a bug must not wedge the partition; the state is reloaded
            log.exception("%s failed on %s/%d@%d", self.stage, msg.topic, msg.partition, msg.offset)
            part.store.discard()
            self._live.pop(msg.partition, None)
            err = ProcessingError(f"{self.stage}_error", f"{type(exc).__name__}: {exc}")
            return out + self._error(msg, err)

    def release(self, partitions: Iterable[int]) -> None:
        """Forget the processors of revoked partitions (reloaded if they return)."""
        for p in partitions:
            part = self._live.pop(p, None)
            if part is not None:
                part.store.discard()

    def release_all(self) -> None:
        """Forget every processor."""
        self.release(list(self._live))

    def owned(self) -> list[int]:
        """Partitions with a processor in memory."""
        return sorted(self._live)

    def _recover(self, partition: int) -> tuple[P, list[Outgoing]]:
        """Load ``partition`` from the tables; what it published, to send again."""
        raise NotImplementedError

    def _decode(self, value: bytes) -> I:
        """The item an internal-topic value carries (ValueError/KeyError/TypeError if not)."""
        raise NotImplementedError

    def _apply(self, part: P, msg: SourceMessage, item: I) -> list[Outgoing]:
        """Apply ``item`` to ``part``, flush its store, and return what to send."""
        raise NotImplementedError

    def _error(self, msg: SourceMessage, err: ProcessingError) -> list[Outgoing]:
        self._stats.errors += 1
        return [error_record(self.errors_topic, msg, err, stage=self.stage)]

"""What the engine and lifecycle drivers share: one pure processor per owned partition.

Both drivers keep, per partition of their internal topic, an in-memory processor over
buffered table stores, created on the partition's first event by a recovery that re-sends
what it published. The skeleton of :meth:`PartitionedDriver.process_batch` is the same
for both, and so is its failure handling: an input that does not decode goes to the
errors topic; a processor that raises (a bug) must not wedge the partition, so its
buffered writes are discarded, the partition is reloaded, the inputs of the batch that
preceded the failure are applied again to the reloaded state (they never reached the
tables; their outputs are idempotent) and the failing input goes to the errors topic
with the cause.

Batches: the worker hands over what it consumed in one go (``take_events``). A record
may carry several inputs (an envelope of the batch runtime's ingest,
:mod:`streams.driver.wire`); they are applied in order, as if they had come one to a
record, and a failing one alone goes to the errors topic. Inputs are
applied in their partition's log order, and each partition's buffered writes are flushed
*once* at the end of the batch — a woman changed by ten events of the batch is written
once — before any output of the batch is handed to the producer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from streams.driver.errors import ProcessingError, error_record
from streams.driver.records import Outgoing, SourceMessage
from streams.pause_guard import FencedError

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


#: Enters the context of the batch's ``i``-th input (Faust: table writes belong to the
#: partition of the current event).
InputContext = Callable[[int], AbstractContextManager[None]]

P = TypeVar("P", bound=PartitionState)
I = TypeVar("I")  # noqa: E741 - the decoded input item
#: One input of a partition's batch: the index of its record, and its item (or the error
#: of a record that did not decode).
_Input = tuple[int, I | ProcessingError]


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
        #: True when nothing may be written any more (:mod:`streams.pause_guard`).
        self.fence: Callable[[], bool] = _never

    def process(self, msg: SourceMessage) -> list[Outgoing]:
        """Apply one internal record; the records to send (after the state is written)."""
        return self.process_batch([msg])

    def process_batch(
        self, batch: Sequence[SourceMessage], within: InputContext | None = None
    ) -> list[Outgoing]:
        """Apply ``batch`` (in log order per partition); the records to send, once every
        changed state of the batch is written.

        ``within(i)`` is entered around everything done for ``batch[i]``, and around each
        partition's flush (with its last input).
        """
        enter = within if within is not None else _no_context
        by_partition: dict[int, list[int]] = {}
        for i, msg in enumerate(batch):
            by_partition.setdefault(msg.partition, []).append(i)
        out: list[Outgoing] = []
        for indices in by_partition.values():
            out += self._partition_batch(batch, self._inputs(batch, indices), enter)
        return out

    def _inputs(self, batch: Sequence[SourceMessage], indices: list[int]) -> list[_Input[I]]:
        """Each record's items, in order, with the index of the record they came in (a
        record may carry several: an envelope); a record that does not decode is one
        input, its error."""
        inputs: list[_Input[I]] = []
        for i in indices:
            try:
                items = self._decode(batch[i].value or b"")
            except (ValueError, KeyError, TypeError) as exc:
                err = ProcessingError(
                    "malformed_internal", f"not {self.item_name} ({type(exc).__name__})"
                )
                inputs.append((i, err))
                continue
            inputs += [(i, item) for item in items]
        return inputs

    def _partition_batch(
        self, batch: Sequence[SourceMessage], inputs: list[_Input[I]], enter: InputContext
    ) -> list[Outgoing]:
        out: list[Outgoing] = []
        start = 0  # first input applied since the partition was last (re)loaded
        for n, (i, item) in enumerate(inputs):
            with enter(i):
                try:
                    out += self._one(batch[i], item)
                except _ApplyFailedError as failed:
                    # Earlier inputs' writes are mixed with the failed one's in the
                    # buffers: drop them all, reload, and apply the earlier ones again.
                    self._drop(batch[i].partition)
                    out += failed.resent
                    out += self._partition_batch(batch, inputs[start:n], enter)
                    out += self._error(batch[i], failed.error)
                    start = n + 1
        last = inputs[-1][0] if inputs else -1
        part = self._live.get(batch[last].partition) if inputs else None
        if part is not None and start < len(inputs) and self.fence():
            self.release_all()  # its buffers hold this batch's unwritten states
            raise FencedError
        if part is not None and start < len(inputs):
            with enter(last):
                self._flush(part, batch[last].partition)
        return out

    def _one(self, msg: SourceMessage, item: I | ProcessingError) -> list[Outgoing]:
        """Apply one input without flushing; :class:`_ApplyFailedError` if the processor raised."""
        self._stats.events += 1
        out: list[Outgoing] = []
        part = self._live.get(msg.partition)
        if part is None:
            part, resent = self._recover(msg.partition)
            self._live[msg.partition] = part
            self._stats.recoveries += 1
            out += resent
        if isinstance(item, ProcessingError):
            return out + self._error(msg, item)
        try:
            return out + self._apply(part, msg, item)
        except Exception as exc:  # a bug must not wedge the partition; the state is reloaded
            log.exception("%s failed on %s/%d@%d", self.stage, msg.topic, msg.partition, msg.offset)
            err = ProcessingError(f"{self.stage}_error", f"{type(exc).__name__}: {exc}")
            # What a recovery just re-sent stays valid: it came from the tables.
            raise _ApplyFailedError(err, out) from exc

    def _drop(self, partition: int) -> None:
        part = self._live.pop(partition, None)
        if part is not None:
            part.store.discard()

    def release(self, partitions: Iterable[int]) -> None:
        """Forget the processors of revoked partitions (reloaded if they return)."""
        for p in partitions:
            self._drop(p)

    def release_all(self) -> None:
        """Forget every processor."""
        self.release(list(self._live))

    def owned(self) -> list[int]:
        """Partitions with a processor in memory."""
        return sorted(self._live)

    def _recover(self, partition: int) -> tuple[P, list[Outgoing]]:
        """Load ``partition`` from the tables; what it published, to send again."""
        raise NotImplementedError

    def _decode(self, value: bytes) -> Sequence[I]:
        """The items an internal-topic value carries, in order (ValueError/KeyError/
        TypeError if not)."""
        raise NotImplementedError

    def _apply(self, part: P, msg: SourceMessage, item: I) -> list[Outgoing]:
        """Apply ``item`` to ``part`` (writes stay buffered) and return what to send."""
        raise NotImplementedError

    def _flush(self, part: P, partition: int) -> None:
        """Write what the batch changed in ``part`` to the tables."""
        part.store.flush()

    def _error(self, msg: SourceMessage, err: ProcessingError) -> list[Outgoing]:
        self._stats.errors += 1
        return [error_record(self.errors_topic, msg, err, stage=self.stage)]


class _ApplyFailedError(Exception):
    """A processor raised on one input (the partition's buffers are then unusable)."""

    def __init__(self, error: ProcessingError, resent: list[Outgoing]) -> None:
        super().__init__(str(error))
        self.error = error
        self.resent = resent


def _no_context(_: int) -> AbstractContextManager[None]:
    return nullcontext()


def _never() -> bool:
    return False

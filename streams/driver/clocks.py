"""The exchange clock of one lifecycle partition, derived from the engine partitions' ticks.

Why the engine partitions, and not the city watermarks directly
---------------------------------------------------------------
Each engine partition follows every member's watermarks (the ingest broadcasts them) and,
after applying one that advances its minimum, sends an :class:`EngineTick` to every
lifecycle partition — after the decisions it made up to then, on the same producer. A
lifecycle partition's clock is the minimum over *all* engine partitions of their latest
tick, so when it reaches T:

- every city and stream is complete through T (each engine partition saw it), and
- every decision any engine partition made up to its watermarks ≥ T is already on this
  lifecycle partition, ahead of the tick.

A clock fed by the raw watermarks could run ahead of a lagging engine partition and
escalate a request the engine was about to withdraw or re-time; this one cannot. The
clock is a minimum of monotone values, so duplicate or re-sent ticks (crash recovery,
at-least-once) change nothing, and it depends only on what the engine partitions
applied, not on which worker ran them or how the city topics interleaved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from streams.driver.lifecycle_wire import EngineTick
from streams.lifecycle.inputs import ExchangeClock
from streams.lifecycle.lifecycle import NO_CLOCK


class EngineClocks:
    """The latest tick of each engine partition, as one lifecycle partition saw them."""

    def __init__(self, engine_partitions: int, ticks: Mapping[int, int] | None = None) -> None:
        self.engine_partitions = engine_partitions
        self._ticks: dict[int, int] = dict(ticks or {})

    @property
    def time_ms(self) -> int:
        """The minimum over every engine partition (:data:`NO_CLOCK` until each ticked)."""
        return min(
            (self._ticks.get(p, NO_CLOCK) for p in range(self.engine_partitions)),
            default=NO_CLOCK,
        )

    def observe(self, tick: EngineTick) -> ExchangeClock | None:
        """Take one tick; the new exchange clock if the minimum advanced, else None.

        Ticks of unknown partitions and older ticks are ignored.
        """
        if not 0 <= tick.source < self.engine_partitions:
            return None
        if tick.time_ms <= self._ticks.get(tick.source, NO_CLOCK):
            return None
        before = self.time_ms
        self._ticks[tick.source] = tick.time_ms
        after = self.time_ms
        return ExchangeClock(after) if after > before else None

    def changed_by(self, tick: EngineTick) -> bool:
        """True if ``tick`` would move this partition's record of its source."""
        return 0 <= tick.source < self.engine_partitions and tick.time_ms > self._ticks.get(
            tick.source, NO_CLOCK
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (JSON object keys are text)."""
        return {"ticks": {str(p): t for p, t in sorted(self._ticks.items())}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], engine_partitions: int) -> EngineClocks:
        """Inverse of :meth:`to_dict`."""
        ticks = {int(p): int(t) for p, t in data.get("ticks", {}).items()}
        return cls(engine_partitions, ticks)

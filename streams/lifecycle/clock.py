"""The exchange clock: the minimum watermark over every member city and stream.

A city or stream that never declared a watermark holds the clock back (it counts as minus
infinity), as a lagging city holds back the engine's deadlines (docs/rules.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from streams.engine.facts import STREAMS, Watermark
from streams.engine.watermarks import NO_WATERMARK, Watermarks, make_gate
from streams.lifecycle.inputs import ExchangeClock


class ExchangeClockTracker:
    """Follows ``SourceWatermark``s and says when their minimum advanced."""

    def __init__(
        self,
        cities: Iterable[str],
        streams: Iterable[str] = STREAMS,
        *,
        watermarks: Watermarks | None = None,
    ) -> None:
        self._gate = make_gate((c, s) for c in cities for s in streams)
        self._members = frozenset(self._gate.pairs)
        self._marks = watermarks if watermarks is not None else Watermarks()
        self._marks.effective(self._gate)  # register the gate so advances report it

    @property
    def time_ms(self) -> int:
        """The current minimum, :data:`~streams.engine.watermarks.NO_WATERMARK` if none yet."""
        return self._marks.effective(self._gate)

    def clock(self) -> ExchangeClock | None:
        """The current exchange clock, or None until every city and stream has a watermark."""
        time_ms = self.time_ms
        return None if time_ms == NO_WATERMARK else ExchangeClock(time_ms)

    def observe(self, watermark: Watermark) -> ExchangeClock | None:
        """Take one watermark; the new clock if the minimum advanced, else None.

        Watermarks of non-members or unknown streams are ignored; older ones too.
        """
        pair = (watermark.source_city, watermark.stream)
        if pair not in self._members:
            return None
        if not self._marks.advance(*pair, watermark.complete_through):
            return None
        return self.clock()

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (the watermarks; members come from the constructor)."""
        return self._marks.to_dict()

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], cities: Iterable[str], streams: Iterable[str] = STREAMS
    ) -> ExchangeClockTracker:
        """Inverse of :meth:`to_dict`."""
        return cls(cities, streams, watermarks=Watermarks.from_dict(data))

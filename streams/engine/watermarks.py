"""Engine-global source watermarks and the gates built from them.

A *gate* is the set of ``(city, stream)`` pairs whose records could change a judgement;
its effective watermark is the minimum over those pairs, a pair without any watermark
counting as minus infinity (a silent city holds everything: SPEC §5, "a lagging city
delays the request; it never causes a false one").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeAlias

#: Effective watermark of a pair that never declared one.
NO_WATERMARK: Final = -(2**63)

Pair: TypeAlias = tuple[str, str]
Gate: TypeAlias = tuple[Pair, ...]


def make_gate(pairs: Iterable[Pair]) -> Gate:
    """The canonical (sorted, duplicate-free) gate of ``pairs``."""
    return tuple(sorted(set(pairs)))


def gate_text(gate: Gate) -> str:
    """``city/stream,city/stream``: the serialised form of a gate."""
    return ",".join(f"{c}/{s}" for c, s in gate)


def gate_from_text(text: str) -> Gate:
    """Inverse of :func:`gate_text`."""
    pairs = (p.split("/", 1) for p in text.split(",") if p)
    return make_gate((c, s) for c, s in pairs)


class Watermarks:
    """``complete_through`` per (city, stream), monotone; effective values per gate, cached."""

    def __init__(self, marks: Mapping[Pair, int] | None = None) -> None:
        self._marks: dict[Pair, int] = dict(marks or {})
        self._effective: dict[Gate, int] = {}
        #: How many pairs of each gate sit at its minimum: only the last to leave raises it.
        self._at_min: dict[Gate, int] = {}
        self._gates_of: dict[Pair, list[Gate]] = {}

    def get(self, city: str, stream: str) -> int:
        """The watermark of one pair, :data:`NO_WATERMARK` if none yet."""
        return self._marks.get((city, stream), NO_WATERMARK)

    def effective(self, gate: Gate) -> int:
        """Minimum watermark over the gate's pairs."""
        value = self._effective.get(gate)
        if value is None:
            value = self._compute(gate)
            for pair in gate:
                self._gates_of.setdefault(pair, []).append(gate)
        return value

    def advance(self, city: str, stream: str, complete_through: int) -> list[Gate]:
        """Raise one pair's watermark; returns the known gates whose effective value rose.

        A watermark not above the current one is ignored (watermarks are monotone).
        """
        pair = (city, stream)
        old = self._marks.get(pair, NO_WATERMARK)
        if complete_through <= old:
            return []
        self._marks[pair] = complete_through
        risen = []
        for gate in self._gates_of.get(pair, ()):
            if self._effective[gate] != old:
                continue  # this pair was not (one of) the gate's minimum
            self._at_min[gate] -= 1
            if self._at_min[gate] == 0:
                self._compute(gate)
                risen.append(gate)
        return risen

    def marks(self) -> dict[Pair, int]:
        """A copy of every pair's watermark."""
        return dict(self._marks)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {"marks": [[c, s, v] for (c, s), v in sorted(self._marks.items())]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Watermarks:
        """Inverse of :meth:`to_dict`."""
        return cls({(c, s): int(v) for c, s, v in data["marks"]})

    def _compute(self, gate: Gate) -> int:
        get = self._marks.get
        values = [get(p, NO_WATERMARK) for p in gate]
        value = min(values, default=NO_WATERMARK)
        self._effective[gate] = value
        self._at_min[gate] = values.count(value)
        return value

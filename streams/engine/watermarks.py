"""Engine-global source watermarks and the gates built from them.

A *gate* is the set of ``(city, stream)`` pairs whose records could change a judgement;
its effective watermark is the minimum over those pairs, a pair without any watermark
counting as minus infinity (a silent city holds everything: docs/rules.md, "a lagging city
delays the request; it never causes a false one").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeAlias

#: Effective watermark of a pair that never declared one: below any instant, and inside
#: the range mypyc keeps unboxed (±2**62), so that comparisons with it stay native.
NO_WATERMARK: Final = -(2**62)

#: ``(city, stream)``; variable-length for mypyc, like ``facts.RecordKey``.
Pair: TypeAlias = tuple[str, ...]


class Gate:
    """A canonical (sorted, duplicate-free) tuple of pairs, hashed once.

    A gate keys a dict or a set several times per judgement (the effective-value cache,
    the pending judgements, the deadline index); as a bare tuple of up to a dozen pairs it
    was re-hashed every time, a tenth of the engine's work.
    """

    __slots__ = ("_hash", "pairs")

    def __init__(self, pairs: tuple[Pair, ...]) -> None:
        self.pairs = pairs
        self._hash = hash(pairs)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return isinstance(other, Gate) and self._hash == other._hash and self.pairs == other.pairs

    def __repr__(self) -> str:
        return f"Gate({self.pairs!r})"


def make_gate(pairs: Iterable[Pair]) -> Gate:
    """The canonical (sorted, duplicate-free) gate of ``pairs``."""
    return Gate(tuple(sorted(set(pairs))))


def gate_text(gate: Gate) -> str:
    """``city/stream,city/stream``: the serialised form of a gate."""
    return ",".join(f"{c}/{s}" for c, s in gate.pairs)


def gate_from_text(text: str) -> Gate:
    """Inverse of :func:`gate_text`."""
    pairs = (p.split("/", 1) for p in text.split(",") if p)
    return make_gate((c, s) for c, s in pairs)


class _GateMin:
    """A known gate's effective value and how many of its pairs sit at that minimum.

    Mutable and reached straight from each pair (see ``Watermarks._gates_of``), so that an
    advance never hashes a gate: a gate is a tuple of up to a dozen pairs, and hashing it
    on every advance of every one of its pairs was a measurable share of watermark work.
    """

    __slots__ = ("at_min", "gate", "value")

    def __init__(self, gate: Gate, value: int, at_min: int) -> None:
        self.gate = gate
        self.value = value
        self.at_min = at_min


class Watermarks:
    """``complete_through`` per (city, stream), monotone; effective values per gate, cached."""

    def __init__(self, marks: Mapping[Pair, int] | None = None) -> None:
        self._marks: dict[Pair, int] = dict(marks or {})
        #: Known gates; an unknown gate is registered by its first :meth:`effective`.
        self._gates: dict[Gate, _GateMin] = {}
        self._gates_of: dict[Pair, list[_GateMin]] = {}

    def get(self, city: str, stream: str) -> int:
        """The watermark of one pair, :data:`NO_WATERMARK` if none yet."""
        return self._marks.get((city, stream), NO_WATERMARK)

    def effective(self, gate: Gate) -> int:
        """Minimum watermark over the gate's pairs."""
        known = self._gates.get(gate)
        if known is None:
            known = _GateMin(gate, NO_WATERMARK, 0)
            self._compute(known)
            self._gates[gate] = known
            for pair in gate.pairs:
                self._gates_of.setdefault(pair, []).append(known)
        return known.value

    def advance(self, city: str, stream: str, complete_through: int) -> list[Gate]:
        """Raise one pair's watermark; returns the known gates whose effective value rose.

        A watermark not above the current one is ignored (watermarks are monotone).
        """
        return [gate for gate, _ in self.advance_effective(city, stream, complete_through)]

    def advance_effective(
        self, city: str, stream: str, complete_through: int
    ) -> list[tuple[Gate, int]]:
        """:meth:`advance`, with each risen gate's new effective value."""
        pair = (city, stream)
        old = self._marks.get(pair, NO_WATERMARK)
        if complete_through <= old:
            return []
        self._marks[pair] = complete_through
        risen: list[tuple[Gate, int]] = []
        gates = self._gates_of.get(pair)
        if gates is None:
            return risen
        for known in gates:
            if known.value != old:
                continue  # this pair was not (one of) the gate's minimum
            known.at_min -= 1
            if known.at_min == 0:  # the last pair at the minimum left it: recompute
                self._compute(known)
                risen.append((known.gate, known.value))
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

    def _compute(self, known: _GateMin) -> None:
        # One pass, no list of boxed values: this runs for every gate a day's last
        # watermark completes.
        marks = self._marks
        low = NO_WATERMARK
        count = 0
        for pair in known.gate.pairs:
            value = marks.get(pair, NO_WATERMARK)
            if count == 0 or value < low:
                low, count = value, 1
            elif value == low:
                count += 1
        known.value = low
        known.at_min = count

"""Controlled rounding of a table: entries and all their sums to adjacent integers.

Rounding each entry of a table to the nearest integer can leave a row's sum several
units off its exact total. Controlled rounding (Cox, 1987) rounds every entry up or
down so that every row sum, every column sum and the grand total are rounded up or
down too. It always exists for a two-way table: border the table with its negated row
and column sums (then every line sums to zero); non-integral entries then form a
bipartite graph in which no line has exactly one, so it has a cycle; shifting the
entries of a cycle by +d, -d, +d, ... keeps every line's sum and makes one more entry
integral. Exact arithmetic (:class:`~fractions.Fraction`) keeps it exact and
deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from fractions import Fraction
from typing import Final, TypeVar

R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)

#: The border line standing for the sums (never a real row or column name).
_SUM: Final = object()

Vertex = tuple[str, object]
Edge = tuple[object, object]


def controlled_round(table: Mapping[tuple[R, C], Fraction]) -> dict[tuple[R, C], int]:
    """Each entry rounded down or up so that every row sum, every column sum and the
    total of the result are their exact counterparts rounded down or up."""
    cells: dict[Edge, Fraction] = {key: value for key, value in table.items()}
    for (r, c), value in table.items():
        cells[(r, _SUM)] = cells.get((r, _SUM), Fraction(0)) - value
        cells[(_SUM, c)] = cells.get((_SUM, c), Fraction(0)) - value
        cells[(_SUM, _SUM)] = cells.get((_SUM, _SUM), Fraction(0)) + value
    order = {edge: i for i, edge in enumerate(cells)}  # a stable order: deterministic cycles
    while True:
        cycle = _cycle([e for e in cells if cells[e].denominator != 1], order)
        if cycle is None:
            break
        plus, minus = cycle[0::2], cycle[1::2]
        step = min(
            *(math.ceil(cells[e]) - cells[e] for e in plus),
            *(cells[e] - math.floor(cells[e]) for e in minus),
        )
        for e in plus:
            cells[e] += step
        for e in minus:
            cells[e] -= step
    return {key: int(cells[key]) for key in table}


def _cycle(edges: list[Edge], order: Mapping[Edge, int]) -> list[Edge] | None:
    """A cycle of the bipartite graph rows–columns with ``edges``, as its edges in order."""
    if not edges:
        return None
    around: dict[Vertex, list[Edge]] = {}
    for r, c in edges:
        around.setdefault(("row", r), []).append((r, c))
        around.setdefault(("col", c), []).append((r, c))
    start = ("row", edges[0][0])
    path: list[Vertex] = [start]
    used: list[Edge] = []
    while True:
        here = path[-1]
        # Every vertex has two edges or more (a line summing to an integer cannot
        # hold exactly one non-integer), so there is always another way out.
        edge = min((e for e in around[here] if not used or e != used[-1]), key=order.__getitem__)
        there: Vertex = ("col", edge[1]) if here[0] == "row" else ("row", edge[0])
        used.append(edge)
        if there in path:
            return used[path.index(there) :]
        path.append(there)

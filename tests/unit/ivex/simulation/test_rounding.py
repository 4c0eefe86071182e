"""Controlled rounding: entries, row sums, column sums and the total all to adjacent integers."""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from ivex.simulation.rounding import controlled_round

_VALUES = st.fractions(min_value=0, max_value=50, max_denominator=1000)
_TABLES = st.dictionaries(st.tuples(st.integers(0, 5), st.integers(0, 3)), _VALUES, max_size=24)


def _adjacent(rounded: int, exact: Fraction) -> bool:
    return math.floor(exact) <= rounded <= math.ceil(exact)


@given(_TABLES)
def test_every_entry_and_every_sum_is_rounded_down_or_up(
    table: dict[tuple[int, int], Fraction],
) -> None:
    rounded = controlled_round(table)
    assert rounded.keys() == table.keys()
    assert all(_adjacent(rounded[k], v) for k, v in table.items())
    for line in (0, 1):
        for name in {k[line] for k in table}:
            keys = [k for k in table if k[line] == name]
            assert _adjacent(
                sum(rounded[k] for k in keys), sum((table[k] for k in keys), Fraction(0))
            )
    assert _adjacent(sum(rounded.values()), sum(table.values(), Fraction(0)))


def test_integers_stay_and_halves_pair_up() -> None:
    half = Fraction(1, 2)
    table = {("a", 1): Fraction(3), ("a", 2): half, ("b", 1): half, ("b", 2): half}
    rounded = controlled_round(table)
    assert rounded[("a", 1)] == 3
    assert sum(rounded.values()) in (4, 5)
    assert rounded == controlled_round(table)  # deterministic

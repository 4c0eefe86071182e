"""The children's sexes, balanced over the births that reach the log (docs/srb.md).

Drawing each sex at random gives a city's few hundred births per cell a sex ratio that
wanders several points from the configured one, so the SRB monitor would show WATCH
everywhere by chance. Instead, once every fact of a run is known and cut to the log
window, the births the monitor counts (each birth record's latest version, unless a
VOID) get their sexes month by month, so that boys track the configured share:

- how many boys: for each month, the table city × birth-order bucket of "boys still
  owed" (the configured share of every birth so far, minus the boys given so far) is
  rounded by :func:`~ivex.simulation.rounding.controlled_round`. So at every month's
  end the boys so far of each cell, each city (all orders), each bucket (the
  federation) and of the federation differ from their expected number by less than
  one — the exact figure the monitor's rolling 12 months see in a 12-month run (a
  cell whose month has 0 to 2 births may not fit its owed boys: the cell stays within
  one, its city, bucket and the federation may be off by one more per such cell);
- which births: identical twins (one sex for two births) first, then each cell's
  other births spread evenly in birth-date order.

Everything that carries the sex follows: every version of the child's birth and
registration records (re-records and duplicates included) and the sex digit of each
registration's child ID number. Children whose birth never reaches the log keep
their independent draw: no monitor counts them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from ivex.simulation.idnumbers import with_sex
from ivex.simulation.model import VOID, Fact
from ivex.simulation.params import SimParams
from ivex.simulation.rounding import controlled_round
from streams.srb.tally import order_bucket

MALE = "MALE"
FEMALE = "FEMALE"

#: ``(city, bucket)``: where the monitor counts a birth, besides its month.
Cell = tuple[str, str]


@dataclass(frozen=True)
class Unit:
    """Births that get one sex: a child's counted birth, or both identical twins'."""

    born: date
    group: str
    cells: tuple[Cell, ...]

    @property
    def month(self) -> str:
        """The birth month ``YYYY-MM``."""
        return f"{self.born:%Y-%m}"


def balance_sexes(facts: list[Fact], params: SimParams, used_ids: set[str]) -> dict[str, str]:
    """Give the children of ``facts`` balanced sexes; returns sex group → sex.

    ``used_ids`` are the run's ID numbers: a changed child ID number avoids them.
    """
    units = _units(facts)
    counts = Counter((u.month, cell) for u in units for cell in u.cells)
    shares = {cell: share_of_boys(params, *cell) for _, cell in counts}
    boys = plan_boys(counts, shares)
    # Grouped once, in the units' order: filtering all units per month cost ≈ 15 % of a run.
    by_month: dict[str, list[Unit]] = {}
    for unit in units:
        by_month.setdefault(unit.month, []).append(unit)
    sexes: dict[str, str] = {}
    for month, of_month in sorted(by_month.items()):
        left = {cell: boys[(m, cell)] for m, cell in boys if m == month}
        slots = {cell: n for (m, cell), n in counts.items() if m == month}
        sexes.update(pick_sexes(of_month, left, slots))
    _apply(facts, sexes, used_ids)
    return sexes


def share_of_boys(params: SimParams, city: str, bucket: str) -> Fraction:
    """The configured share of boys, SRB / (100 + SRB), of a city's births of a bucket."""
    table = params.srb if bucket == "1" else params.srb_higher_order
    srb = Fraction(table[city])
    return srb / (100 + srb)


def plan_boys(
    counts: Mapping[tuple[str, Cell], int], shares: Mapping[Cell, Fraction]
) -> dict[tuple[str, Cell], int]:
    """Boys per ``(month, cell)`` out of ``counts`` births, month by month in order.

    Each month's owed boys (never below 0 nor above the month's births) are rounded
    under control, so boys so far stay within one of the expected share for every
    cell, every row (city) and column (bucket) of the table, and the whole of it —
    unless a cell's month has so few births (0 to 2) that its owed boys do not fit:
    the cell still stays within one, its row, column and the whole may then be off by
    one more per such cell.
    """
    expected: dict[Cell, Fraction] = dict.fromkeys(shares, Fraction(0))
    given: Counter[Cell] = Counter()
    plan: dict[tuple[str, Cell], int] = {}
    for month in sorted({m for m, _ in counts}):
        owed: dict[Cell, Fraction] = {}
        for cell in sorted(shares):
            n = counts.get((month, cell), 0)
            expected[cell] += shares[cell] * n
            owed[cell] = min(max(expected[cell] - given[cell], Fraction(0)), Fraction(n))
        for cell, boys in controlled_round(owed).items():
            given[cell] += boys
            if counts.get((month, cell), 0):
                plan[(month, cell)] = boys
    return plan


def pick_sexes(
    units: Iterable[Unit], boys: Mapping[Cell, int], slots: Mapping[Cell, int]
) -> dict[str, str]:
    """Which of one month's ``units`` are boys, given each cell's ``boys`` out of ``slots``."""
    boys_left, girls_left = dict(boys), {c: n - boys.get(c, 0) for c, n in slots.items()}
    ordered = sorted(units, key=lambda u: (u.born, u.group))
    sexes: dict[str, str] = {}
    for unit in (u for u in ordered if len(u.cells) > 1):  # identical twins
        need = Counter(unit.cells)
        as_boys = all(boys_left.get(c, 0) >= k for c, k in need.items())
        as_girls = all(girls_left.get(c, 0) >= k for c, k in need.items())
        male = as_boys and (not as_girls or _boy_share(boys_left, girls_left, need) >= 0.5)
        for cell, k in need.items():
            (boys_left if male else girls_left)[cell] -= k
        sexes[unit.group] = MALE if male else FEMALE
    singles: dict[Cell, list[Unit]] = {}
    for unit in (u for u in ordered if len(u.cells) == 1):
        singles.setdefault(unit.cells[0], []).append(unit)
    for cell, row in singles.items():
        k, n = min(max(boys_left.get(cell, 0), 0), len(row)), len(row)
        for i, unit in enumerate(row):
            # Boys so far after i + 1 births: k·(i + 1)/n rounded — spread evenly, k in all.
            boy = (2 * k * (i + 1) + n) // (2 * n) > (2 * k * i + n) // (2 * n)
            sexes[unit.group] = MALE if boy else FEMALE
    return sexes


def _boy_share(boys: Mapping[Cell, int], girls: Mapping[Cell, int], need: Counter[Cell]) -> float:
    b = sum(boys.get(c, 0) for c in need)
    g = sum(girls.get(c, 0) for c in need)
    return b / (b + g) if b + g else 0.5


def _units(facts: Iterable[Fact]) -> list[Unit]:
    """The counted births, one unit per sex group."""
    found: dict[str, Unit] = {}
    for fact in facts:
        if fact.stream != "births" or not fact.sex_group or fact.last.action == VOID:
            continue
        fields = fact.last.fields
        cell = (fact.source_city, order_bucket(int(fields["birth_order"])))
        born: date = fields["birth_date"]
        old = found.get(fact.sex_group)
        cells = (*old.cells, cell) if old is not None else (cell,)
        found[fact.sex_group] = Unit(born, fact.sex_group, cells)
    return list(found.values())


def _apply(facts: Iterable[Fact], sexes: Mapping[str, str], used_ids: set[str]) -> None:
    """Every version of every fact of a decided sex group gets its sex (and ID digit)."""
    renumbered: dict[str, str] = {}
    for fact in facts:
        sex = sexes.get(fact.sex_group)
        if sex is None:
            continue
        for version in fact.versions:
            version.fields["child_sex"] = sex
            if fact.stream == "registrations":
                old = str(version.fields["child_id_number"])
                if old not in renumbered:
                    renumbered[old] = with_sex(old, female=sex == FEMALE, used=used_ids)
                version.fields["child_id_number"] = renumbered[old]

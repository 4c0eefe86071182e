"""Women of the federation: where they live, where their hukou is, their ID numbers."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ivex.simulation.idnumbers import counties_of, make_id, random_sequence
from ivex.simulation.params import SimParams

_BORN_FROM = date(1980, 1, 1)
_BORN_TO = date(2004, 12, 31)


@dataclass(frozen=True)
class Woman:
    """A woman with one pregnancy in the simulated period."""

    id_number: str
    hukou_city: str
    hukou_county: str
    residence_city: str
    born: date
    #: Live-born children before this pregnancy.
    existing_children: int

    @property
    def migrant(self) -> bool:
        """Whether she lives outside her hukou city."""
        return self.hukou_city != self.residence_city


def pick_city(rng: random.Random, params: SimParams, exclude: str = "") -> str:
    """A member city drawn by size, optionally not ``exclude``."""
    codes = [c for c in params.cities if c != exclude] or list(params.cities)
    return rng.choices(codes, weights=[params.city_weights[c] for c in codes])[0]


def random_date(rng: random.Random, first: date, last: date) -> date:
    """A uniformly drawn date in [first, last]."""
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _existing_children(rng: random.Random, age: int) -> int:
    weights: Sequence[float]
    if age < 25:
        weights = (0.8, 0.18, 0.02)
    elif age < 33:
        weights = (0.5, 0.4, 0.1)
    else:
        weights = (0.3, 0.5, 0.2)
    return rng.choices((0, 1, 2), weights=weights)[0]


def new_woman(rng: random.Random, params: SimParams, used_ids: set[str], on: date) -> Woman:
    """A woman (pregnant on ``on``) with a fresh, valid, female resident ID number."""
    residence = pick_city(rng, params)
    migrant = len(params.cities) > 1 and rng.random() < params.demography.migrant_share
    hukou = pick_city(rng, params, exclude=residence) if migrant else residence
    county = rng.choice(counties_of(hukou))
    while True:
        born = random_date(rng, _BORN_FROM, _BORN_TO)
        number = make_id(county, born, random_sequence(rng, female=True))
        if number not in used_ids:
            used_ids.add(number)
            break
    age = (on - born).days // 365
    return Woman(number, hukou, county, residence, born, _existing_children(rng, age))

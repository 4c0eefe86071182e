"""Sex of the children: near the configured sex ratio at birth, by city and order."""

from __future__ import annotations

from collections import Counter

from ivex.settings import Settings
from ivex.simulation.lives import World
from ivex.simulation.params import DEFAULT_SKEWED_SRB, FaultRates, build_params
from ivex.simulation.run import simulate


def _srb(male: int, female: int) -> float:
    return 100.0 * male / female


def test_sex_draws_follow_the_configured_srb(settings: Settings) -> None:
    params = build_params(settings, seed=1, srb={"620700": 110.0})
    world = World(params)
    rng = __import__("random").Random(0)
    cases = (("620700", 1, 110.0), ("620600", 2, DEFAULT_SKEWED_SRB), ("620200", 3, 105.0))
    for city, order, expected in cases:
        counts = Counter(world._sex(rng, city, order) for _ in range(200_000))
        # 200,000 draws: the 95% interval is about +-1.0 around the SRB.
        assert abs(_srb(counts["MALE"], counts["FEMALE"]) - expected) < 1.5


def test_a_large_run_is_near_the_configured_srb(settings: Settings) -> None:
    params = build_params(settings, seed=8, scale=1.5, faults=FaultRates.none())
    counts: Counter[tuple[bool, str]] = Counter()
    for fact in simulate(params).facts:
        if fact.stream == "births":
            f = fact.first.fields
            skewed = fact.source_city == "620600" and f["birth_order"] >= 2
            counts[(skewed, f["child_sex"])] += 1
    normal = _srb(counts[(False, "MALE")], counts[(False, "FEMALE")])
    skewed = _srb(counts[(True, "MALE")], counts[(True, "FEMALE")])
    # ~9,000 births at 105: the 95% interval is about 100.7-109.5.
    assert 100.0 < normal < 110.0
    # ~1,300 births at 150: well above the normal range.
    assert skewed > 107.0

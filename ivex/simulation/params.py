"""Every knob of the simulator, with its default, in one frozen object.

Per-city defaults are keyed by city code for the demo federation; any other member
city gets a generic profile, so the simulator follows the federation config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from typing import Any

from ivex.errors import ConfigError
from ivex.settings import RuleSettings, Settings

#: Relative sizes (births) of the Hexi cities: Wuwei, Zhangye, Jiuquan large; Jinchang medium;
#: Jiayuguan small. A city not listed gets :data:`DEFAULT_WEIGHT`.
DEFAULT_CITY_WEIGHTS: dict[str, float] = {
    "620600": 1.0,
    "620700": 0.9,
    "620900": 0.85,
    "620300": 0.35,
    "620200": 0.2,
}
DEFAULT_WEIGHT = 0.5
DEFAULT_SRB = 105.0
#: The city whose births of order 2+ are skewed by default, and how far.
DEFAULT_SKEWED_CITY = "620600"
DEFAULT_SKEWED_SRB = 150.0
#: The city that uploads weekly by default (the last member if it is not in the federation).
DEFAULT_LAGGING_CITY = "620300"
#: Births of the whole federation per year at scale 1.
BIRTHS_PER_YEAR = 7000.0


@dataclass(frozen=True)
class FaultRates:
    """Rates of the faults the exchange exists to catch; each 0 disables its fault."""

    #: Births never registered anywhere.
    unregistered: float = 0.03
    #: Births registered 61-200 days after birth (past the 60-day deadline).
    late_registration: float = 0.04
    #: Births that leave no birth record (home births, hospitals that never upload).
    unrecorded_birth: float = 0.01
    #: Pregnancies that end without any recorded outcome (losses nobody records).
    pregnancy_loss: float = 0.04
    #: Outcomes recorded long after the fact (after the deadlines that wait for them).
    late_outcome_record: float = 0.01
    #: Share of terminations at >= 14 weeks with neither approval nor medical indication.
    unapproved_late_termination: float = 0.3
    #: Share of those later corrected with an approval_ref.
    approval_correction: float = 0.25
    #: Registrations recorded a second time (same city, or the birth city).
    duplicate_registration: float = 0.01
    #: Share of duplicate registrations later voided.
    duplicate_void: float = 0.5
    #: Records later corrected (CORRECT with full fields) in fields no rule reads.
    correction: float = 0.02
    #: Births/registrations voided and re-recorded under a new record_id.
    void_rerecord: float = 0.01
    #: Extra corrupted copies of rows, which the connectors must reject.
    malformed: float = 0.01
    #: Rows written twice, identically, in the same file.
    duplicate_row: float = 0.005

    def override(self, values: Mapping[str, float]) -> FaultRates:
        """A copy with some rates replaced; unknown names or rates outside [0, 1] fail."""
        known = {f.name for f in fields(self)}
        for name, rate in values.items():
            if name not in known:
                raise ConfigError(f"unknown fault {name!r}; known: {', '.join(sorted(known))}")
            if not 0.0 <= rate <= 1.0:
                raise ConfigError(f"fault rate {name}={rate} is not in [0, 1]")
        return replace(self, **dict(values))

    @classmethod
    def none(cls) -> FaultRates:
        """Every fault off: the federation as it should be."""
        return cls(**{f.name: 0.0 for f in fields(cls)})


@dataclass(frozen=True)
class Demography:
    """Rates of ordinary life (not faults)."""

    #: Women living in one city with hukou in another.
    migrant_share: float = 0.25
    #: Migrant women who go back to their hukou city to give birth.
    deliver_in_hukou_city: float = 0.2
    #: Pregnancy reports by the residence city's office, for migrants and for locals.
    report_rate_migrant: float = 0.85
    report_rate_local: float = 0.3
    #: Pregnancies ending in a termination, and the share of those at >= 14 weeks.
    termination_rate: float = 0.1
    late_termination_share: float = 0.15
    #: Share of late terminations that have a medical indication.
    medical_indication_share: float = 0.5
    #: Terminations performed in a city other than the residence city: early ones, and
    #: late ones (more often sought away from home).
    termination_elsewhere: float = 0.1
    late_termination_elsewhere: float = 0.4
    twin_rate: float = 0.012
    #: Share of twin pairs that are monozygotic (always same-sex).
    monozygotic_share: float = 0.3
    #: Registrations without certificate_no (matched by mother, sex and date).
    certless_registration: float = 0.03
    #: Share of those whose birth_date is recorded one day off.
    certless_date_off_by_one: float = 0.2
    #: Registrations with an empty birth_place_city.
    blank_birth_place: float = 0.02
    #: Share of ID numbers ending in X that a city writes with a lowercase x.
    lowercase_x: float = 0.3


@dataclass(frozen=True)
class SimParams:
    """All inputs of one simulation run; equal params give byte-identical output."""

    seed: int
    start: date
    months: int
    scale: float
    cities: tuple[str, ...]
    city_weights: Mapping[str, float]
    srb: Mapping[str, float]
    srb_higher_order: Mapping[str, float]
    lagging_city: str
    faults: FaultRates = FaultRates()
    demography: Demography = Demography()
    rules: RuleSettings = field(default_factory=RuleSettings)

    def to_json(self) -> dict[str, Any]:
        """The params as plain JSON values, for the manifest."""
        data = asdict(self)
        data["rules"] = self.rules.model_dump()
        data["start"] = self.start.isoformat()
        data["cities"] = list(self.cities)
        for key in ("city_weights", "srb", "srb_higher_order"):
            data[key] = dict(getattr(self, key))
        return data


def build_params(
    settings: Settings,
    *,
    seed: int = 1,
    start: date = date(2025, 1, 1),
    months: int = 12,
    scale: float = 1.0,
    city_weights: Mapping[str, float] | None = None,
    srb: Mapping[str, float] | None = None,
    srb_higher_order: Mapping[str, float] | None = None,
    lagging_city: str | None = None,
    faults: FaultRates | None = None,
    demography: Demography | None = None,
) -> SimParams:
    """Resolve per-city defaults for the federation's members and validate overrides."""
    cities = settings.city_codes
    for mapping in (city_weights, srb, srb_higher_order):
        for code in mapping or {}:
            settings.city(code)  # raises ConfigError for a non-member
    if months < 1:
        raise ConfigError("months must be at least 1")
    if scale <= 0:
        raise ConfigError("scale must be positive")
    weights = {c: DEFAULT_CITY_WEIGHTS.get(c, DEFAULT_WEIGHT) for c in cities}
    weights.update(city_weights or {})
    base = {c: DEFAULT_SRB for c in cities}
    base.update(srb or {})
    higher = dict(base)
    if DEFAULT_SKEWED_CITY in higher:
        higher[DEFAULT_SKEWED_CITY] = DEFAULT_SKEWED_SRB
    higher.update(srb_higher_order or {})
    lagging = lagging_city or (
        DEFAULT_LAGGING_CITY if DEFAULT_LAGGING_CITY in cities else cities[-1]
    )
    settings.city(lagging)
    return SimParams(
        seed=seed,
        start=start,
        months=months,
        scale=scale,
        cities=cities,
        city_weights=weights,
        srb=base,
        srb_higher_order=higher,
        lagging_city=lagging,
        faults=faults or FaultRates(),
        demography=demography or Demography(),
        rules=settings.rules,
    )

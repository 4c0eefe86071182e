"""Parameters of the engine: member cities and the rule settings of the federation."""

from __future__ import annotations

from dataclasses import dataclass, field

from ivex.settings import RuleSettings, Settings
from streams.engine.facts import BIRTHS, PREGNANCIES, REGISTRATIONS, TERMINATIONS
from streams.engine.watermarks import Gate, make_gate


class RuleValues:
    """The rule settings copied into plain attributes, read at every judgement.

    On the pydantic :class:`RuleSettings` each read is a generic attribute lookup (pydantic
    defines ``__getattr__``); compiled, a read here is a field access.
    """

    outcome_window_before_edd_days: int
    outcome_window_after_edd_days: int
    outcome_respond_days: int
    registration_deadline_days: int
    registration_match_tolerance_days: int
    birth_not_registered_respond_days: int
    birth_grace_after_registration_days: int
    registration_without_birth_respond_days: int
    late_termination_min_weeks: int
    late_termination_respond_days: int
    duplicate_registration_respond_days: int
    timezone_offset_hours: int

    def __init__(self, rules: RuleSettings) -> None:
        # Every field of RuleSettings; compiled, a field not declared above fails here.
        for name in RuleSettings.model_fields:
            setattr(self, name, getattr(rules, name))


@dataclass(frozen=True)
class EngineParams:
    """Member cities (config order) and :class:`RuleSettings`; gates derived from them."""

    cities: tuple[str, ...]
    rules: RuleSettings = field(default_factory=RuleSettings)
    #: ``rules``, as plain attributes: what the rules read.
    values: RuleValues = field(init=False, compare=False, repr=False)
    #: births and registrations of every member: matching depends on both sides.
    match_gate: Gate = field(init=False, compare=False)
    #: Offset of the deadline zone from UTC, in hours (``rules.timezone_offset_hours``).
    tz: int = field(init=False, compare=False)
    _pou_gates: dict[str, Gate] = field(init=False, compare=False, repr=False)
    #: Gates built per judgement otherwise (make_gate sorts): by method name and arguments.
    _gates: dict[tuple[str, ...], Gate] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        gate = make_gate((c, s) for c in self.cities for s in (BIRTHS, REGISTRATIONS))
        object.__setattr__(self, "match_gate", gate)
        object.__setattr__(self, "values", RuleValues(self.rules))
        object.__setattr__(self, "tz", self.rules.timezone_offset_hours)
        object.__setattr__(self, "_pou_gates", {})
        object.__setattr__(self, "_gates", {})

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineParams:
        """Parameters of the federation described by ``settings``."""
        return cls(cities=settings.city_codes, rules=settings.rules)

    def outcome_gate(self, report_city: str) -> Gate:
        """Births and terminations of every member, plus the report's own pregnancies stream.

        The report's stream is in the gate so that every version of the trigger recorded by
        the deadline is known when it is judged (a correction arriving late must not turn a
        published request into a phantom).
        """
        gate = self._pou_gates.get(report_city)
        if gate is None:
            pairs = [(c, s) for c in self.cities for s in (BIRTHS, TERMINATIONS)]
            gate = make_gate([*pairs, (report_city, PREGNANCIES)])
            self._pou_gates[report_city] = gate
        return gate

    def registrations_gate(self, *cities: str) -> Gate:
        """The registrations streams of ``cities``."""
        args = ("registrations_gate", *cities)
        gate = self._gates.get(args)
        if gate is None:
            gate = self._gates[args] = make_gate((c, REGISTRATIONS) for c in cities)
        return gate

    def notice_gate(self, outcome_city: str, outcome_stream: str, addressed: str) -> Gate:
        """The outcome's own stream plus the addressed city's pregnancy reports."""
        args = ("notice_gate", outcome_city, outcome_stream, addressed)
        gate = self._gates.get(args)
        if gate is None:
            pairs = ((outcome_city, outcome_stream), (addressed, PREGNANCIES))
            gate = self._gates[args] = make_gate(pairs)
        return gate

    def own_gate(self, city: str, stream: str) -> Gate:
        """The gate of one (city, stream) pair."""
        args = ("own_gate", city, stream)
        gate = self._gates.get(args)
        if gate is None:
            gate = self._gates[args] = make_gate([(city, stream)])
        return gate

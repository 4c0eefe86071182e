"""The rule catalogue explain uses: every kind, its parameters, description and gate."""

from __future__ import annotations

from ivex.audit.rules import RULES, description, gate_pairs, parameters
from ivex.settings import DEFAULT_CONFIG, RuleSettings, load_settings
from streams.engine.outputs import REQUEST_KINDS
from streams.engine.params import EngineParams

PARAMS = EngineParams.from_settings(load_settings(DEFAULT_CONFIG))
CITIES = PARAMS.cities


def test_every_kind_has_a_rule_with_real_parameters_and_a_description() -> None:
    assert set(RULES) == set(REQUEST_KINDS)
    for rule in RULES.values():
        assert set(rule.parameters) <= set(RuleSettings.model_fields)
        assert description(rule).startswith(rule.kind)
        assert "\n\n" in description(rule) or len(description(rule)) > 40


def test_parameters_come_from_the_settings() -> None:
    rule = RULES["BIRTH_NOT_REGISTERED"]
    values = parameters(rule, RuleSettings(registration_deadline_days=75))
    assert values["registration_deadline_days"] == 75


def test_gates() -> None:
    ev = [{"source_city": CITIES[1]}, {"source_city": CITIES[2]}]
    match = gate_pairs("BIRTH_NOT_REGISTERED", ev, PARAMS)
    assert len(match) == 2 * len(CITIES)
    assert {s for _, s in match} == {"births", "registrations"}
    outcome = gate_pairs("PREGNANCY_OUTCOME_UNKNOWN", ev, PARAMS)
    assert (CITIES[1], "pregnancies") in outcome
    assert len(outcome) == 2 * len(CITIES) + 1
    assert gate_pairs("DUPLICATE_REGISTRATION", ev, PARAMS) == sorted(
        [(CITIES[1], "registrations"), (CITIES[2], "registrations")]
    )
    assert gate_pairs("LATE_TERMINATION_UNAPPROVED", ev, PARAMS) == []

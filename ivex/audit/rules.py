"""What an operator needs to know of each request kind: its rule, parameters and gate.

The rule's description is the docstring of its module in ``streams/engine/rules/`` (the
one source of truth, read from the source file so that it is there whether the engine
runs compiled or not); the parameters are the ``[rules]`` settings the rule reads; the
gate is the set of (city, stream) watermarks that must pass the deadline before the
engine may judge it (:class:`~streams.engine.params.EngineParams` builds the same ones).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import streams.engine
from streams.engine.outputs import (
    BIRTH_NOT_REGISTERED,
    DUPLICATE_REGISTRATION,
    LATE_TERMINATION_UNAPPROVED,
    PREGNANCY_OUTCOME_UNKNOWN,
    REGISTRATION_WITHOUT_BIRTH,
)
from streams.engine.params import EngineParams

_TZ: Final = "timezone_offset_hours"


@dataclass(frozen=True)
class RuleInfo:
    """One request kind: the module describing it and the settings it reads."""

    kind: str
    module: str
    parameters: tuple[str, ...]
    #: Deadline rules are judged at the end of a deadline day; the others "at once".
    deadline: bool


#: kind → rule. The parameters are fields of ``[rules]`` in the federation config.
RULES: Final[dict[str, RuleInfo]] = {
    r.kind: r
    for r in (
        RuleInfo(
            PREGNANCY_OUTCOME_UNKNOWN,
            "pregnancy_outcome_unknown",
            ("outcome_window_before_edd_days", "outcome_window_after_edd_days",
             "outcome_respond_days", _TZ),
            deadline=True,
        ),
        RuleInfo(
            BIRTH_NOT_REGISTERED,
            "birth_not_registered",
            ("registration_deadline_days", "registration_match_tolerance_days",
             "birth_not_registered_respond_days", _TZ),
            deadline=True,
        ),
        RuleInfo(
            REGISTRATION_WITHOUT_BIRTH,
            "registration_without_birth",
            ("birth_grace_after_registration_days", "registration_match_tolerance_days",
             "registration_without_birth_respond_days", _TZ),
            deadline=True,
        ),
        RuleInfo(
            LATE_TERMINATION_UNAPPROVED,
            "late_termination_unapproved",
            ("late_termination_min_weeks", "late_termination_respond_days"),
            deadline=False,
        ),
        RuleInfo(
            DUPLICATE_REGISTRATION,
            "duplicate_registration",
            ("duplicate_registration_respond_days",),
            deadline=False,
        ),
    )
}  # fmt: skip


def description(rule: RuleInfo) -> str:
    """The rule module's docstring as plain paragraphs (empty if the source is not shipped)."""
    path = Path(streams.engine.__file__).parent / "rules" / f"{rule.module}.py"
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except OSError:
        return ""
    paragraphs = (" ".join(p.split()) for p in doc.replace("``", "").split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def parameters(rule: RuleInfo, rules_settings: Any) -> dict[str, Any]:
    """The rule's parameters with their values in this federation."""
    return {name: getattr(rules_settings, name) for name in rule.parameters}


def gate_pairs(
    kind: str, evidence: list[dict[str, Any]], params: EngineParams
) -> list[tuple[str, str]]:
    """The (city, stream) pairs whose watermarks had to pass the request's instant.

    ``evidence`` is the request's evidence (the trigger first). LATE_TERMINATION_UNAPPROVED
    fires on its record alone: no watermark is involved.
    """
    if kind in (BIRTH_NOT_REGISTERED, REGISTRATION_WITHOUT_BIRTH):
        gate = params.match_gate
    elif kind == PREGNANCY_OUTCOME_UNKNOWN and evidence:
        gate = params.outcome_gate(str(evidence[0]["source_city"]))
    elif kind == DUPLICATE_REGISTRATION and evidence:
        gate = params.registrations_gate(*(str(e["source_city"]) for e in evidence[:2]))
    else:
        return []
    return [(p[0], p[1]) for p in gate.pairs]

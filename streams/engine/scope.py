"""Which triggers a new version can affect, per rule, so that only they are re-judged.

Exact, not heuristic: a judgement of a trigger reads only the records named here.
- PREGNANCY_OUTCOME_UNKNOWN of a report reads the outcomes dated inside its windows;
- the outcome notices of an outcome read its own versions and the reports whose windows
  contain its dates; the approval notice reads the termination alone;
- BIRTH_NOT_REGISTERED / REGISTRATION_WITHOUT_BIRTH read the matching, which decomposes
  into components of births and registrations linked by a shared certificate_no or birth
  dates within the tolerance (any versions): a record outside the component cannot
  change which partner a trigger gets;
- DUPLICATE_REGISTRATION and LATE_TERMINATION_UNAPPROVED read the records themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from streams.engine.facts import (
    VOID,
    Birth,
    Fact,
    Outcome,
    Pregnancy,
    RecordKey,
    Registration,
    Termination,
)
from streams.engine.history import WomanState
from streams.engine.judge import NOTICES, Scope
from streams.engine.outputs import (
    BIRTH_NOT_REGISTERED,
    DUPLICATE_REGISTRATION,
    LATE_TERMINATION_UNAPPROVED,
    PREGNANCY_OUTCOME_UNKNOWN,
    REGISTRATION_WITHOUT_BIRTH,
)
from streams.engine.params import EngineParams
from streams.engine.rules.pregnancy_outcome_unknown import outcome_date


def affected(state: WomanState, fact: Fact, params: EngineParams) -> Scope:
    """Rule kind → trigger keys whose judgement may change with ``fact``'s new version."""
    key = fact.key
    if isinstance(fact, Pregnancy):
        windows = _windows(state.pregnancies[key], params)
        return {PREGNANCY_OUTCOME_UNKNOWN: (key,), NOTICES: _outcomes_in(state, windows)}
    if isinstance(fact, Termination):
        days = {v.procedure_date for v in state.terminations[key] if v.action != VOID}
        return {
            PREGNANCY_OUTCOME_UNKNOWN: _reports_covering(state, days, params),
            LATE_TERMINATION_UNAPPROVED: (key,),
            NOTICES: (key,),
        }
    births, regs = _match_component(state, key, params.rules.registration_match_tolerance_days)
    scope: dict[str, Sequence[RecordKey]] = {
        BIRTH_NOT_REGISTERED: births,
        REGISTRATION_WITHOUT_BIRTH: regs,
    }
    if isinstance(fact, Birth):
        days = {v.birth_date for v in state.births[key] if v.action != VOID}
        scope[PREGNANCY_OUTCOME_UNKNOWN] = _reports_covering(state, days, params)
        scope[NOTICES] = (key,)
    else:
        scope[DUPLICATE_REGISTRATION] = (key,)
    return scope


def _windows(versions: Iterable[Pregnancy], params: EngineParams) -> list[tuple[int, int]]:
    rules = params.rules
    return [
        (
            v.expected_delivery_date.toordinal() - rules.outcome_window_before_edd_days,
            v.expected_delivery_date.toordinal() + rules.outcome_window_after_edd_days,
        )
        for v in versions
        if v.action != VOID
    ]


def _outcomes_in(state: WomanState, windows: list[tuple[int, int]]) -> list[RecordKey]:
    tables: tuple[Iterable[tuple[RecordKey, Sequence[Outcome]]], ...] = (
        state.births.items(),
        state.terminations.items(),
    )
    out = []
    for table in tables:
        for key, versions in table:
            days = {outcome_date(v).toordinal() for v in versions if v.action != VOID}
            if any(lo <= day <= hi for day in days for lo, hi in windows):
                out.append(key)
    return out


def _reports_covering(
    state: WomanState, days: set[dt.date], params: EngineParams
) -> list[RecordKey]:
    if not state.pregnancies:
        return []
    ordinals = [d.toordinal() for d in days]
    out = []
    for key, versions in state.pregnancies.items():
        windows = _windows(versions, params)
        if any(lo <= day <= hi for day in ordinals for lo, hi in windows):
            out.append(key)
    return out


def _match_component(
    state: WomanState, start: RecordKey, tolerance: int
) -> tuple[list[RecordKey], list[RecordKey]]:
    """Births and registrations linked to ``start`` by certificates or close birth dates."""
    if len(state.births) + len(state.registrations) == 1:
        return ([start], []) if start in state.births else ([], [start])
    nodes: dict[RecordKey, tuple[set[int], set[str]]] = {}
    tables: tuple[Iterable[tuple[RecordKey, Sequence[Birth | Registration]]], ...] = (
        state.births.items(),
        state.registrations.items(),
    )
    for table in tables:
        for key, versions in table:
            nodes[key] = _node(versions)
    component = {start}
    frontier = [start]
    while frontier:
        days, certs = nodes[frontier.pop()]
        for other, (o_days, o_certs) in nodes.items():
            if other in component:
                continue
            if not certs.isdisjoint(o_certs) or _close(days, o_days, tolerance):
                component.add(other)
                frontier.append(other)
    births = [k for k in component if k[0] == "births"]
    return births, [k for k in component if k[0] != "births"]


def _node(versions: Sequence[Birth | Registration]) -> tuple[set[int], set[str]]:
    """Birth-date ordinals and certificate numbers of the live versions.

    A missing certificate (None) links nothing, so it is left out of the set.
    """
    days: set[int] = set()
    certs: set[str] = set()
    for v in versions:
        if v.action != VOID:
            days.add(v.birth_date.toordinal())
            if v.certificate_no is not None:
                certs.add(v.certificate_no)
    return days, certs


def _close(days: set[int], o_days: set[int], tolerance: int) -> bool:
    """Whether some birth dates of the two sets are within ``tolerance`` days."""
    return any(abs(a - b) <= tolerance for a in days for b in o_days)

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

from collections.abc import Sequence

from streams.engine.facts import (
    BIRTHS,
    VOID,
    Birth,
    Fact,
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


def affected(state: WomanState, fact: Fact, params: EngineParams) -> Scope:
    """Rule kind → trigger keys whose judgement may change with ``fact``'s new version."""
    key = fact.key
    rules = params.values
    window = (rules.outcome_window_before_edd_days, rules.outcome_window_after_edd_days)
    if isinstance(fact, Pregnancy):
        edds = _edds(state, key)
        return {PREGNANCY_OUTCOME_UNKNOWN: (key,), NOTICES: _outcomes_in(state, edds, window)}
    if isinstance(fact, Termination):
        days = _outcome_days(state, key)
        return {
            PREGNANCY_OUTCOME_UNKNOWN: _reports_covering(state, days, window),
            LATE_TERMINATION_UNAPPROVED: (key,),
            NOTICES: (key,),
        }
    births, regs = _match_component(state, key, rules.registration_match_tolerance_days)
    scope: dict[str, Sequence[RecordKey]] = {
        BIRTH_NOT_REGISTERED: births,
        REGISTRATION_WITHOUT_BIRTH: regs,
    }
    if isinstance(fact, Birth):
        days = _outcome_days(state, key)
        scope[PREGNANCY_OUTCOME_UNKNOWN] = _reports_covering(state, days, window)
        scope[NOTICES] = (key,)
    else:
        scope[DUPLICATE_REGISTRATION] = (key,)
    return scope


def _edds(state: WomanState, key: RecordKey) -> set[int]:
    """Expected-delivery ordinals of a report's live versions (its windows' centres)."""
    versions = state.pregnancies[key]
    return {v.edd_day for v in versions if v.action != VOID}


def _outcome_days(state: WomanState, key: RecordKey) -> set[int]:
    """Outcome-date ordinals of a birth's or termination's live versions."""
    if key[0] == BIRTHS:
        return {v.birth_day for v in state.births[key] if v.action != VOID}
    return {v.procedure_day for v in state.terminations[key] if v.action != VOID}


def _in_windows(days: set[int], edds: set[int], window: tuple[int, int]) -> bool:
    """Whether some day lies in [edd − before, edd + after] for some edd."""
    before, after = window
    for edd in edds:
        lo, hi = edd - before, edd + after
        for day in days:
            if lo <= day <= hi:
                return True
    return False


def _outcomes_in(state: WomanState, edds: set[int], window: tuple[int, int]) -> list[RecordKey]:
    if not edds:
        return []
    out = []
    for table in (state.births, state.terminations):
        for key in table:
            if _in_windows(_outcome_days(state, key), edds, window):
                out.append(key)
    return out


def _reports_covering(
    state: WomanState, days: set[int], window: tuple[int, int]
) -> list[RecordKey]:
    if not days:
        return []
    return [key for key in state.pregnancies if _in_windows(days, _edds(state, key), window)]


def _match_component(
    state: WomanState, start: RecordKey, tolerance: int
) -> tuple[list[RecordKey], list[RecordKey]]:
    """Births and registrations linked to ``start`` by certificates or close birth dates."""
    births, regs = state.births, state.registrations
    if len(births) + len(regs) == 1:
        return ([start], []) if start in births else ([], [start])
    # Nodes as parallel lists of keys, birth-date ordinals and certificates: a woman has a
    # handful of these records, and small tuples are cheaper to build and scan than sets.
    keys: list[RecordKey] = []
    days: list[tuple[int, ...]] = []
    certs: list[tuple[str, ...]] = []
    for table in (births, regs):
        for key, versions in table.items():
            d, c = _node(versions)
            keys.append(key)
            days.append(d)
            certs.append(c)
    reached = [key == start for key in keys]
    frontier = [reached.index(True)]
    out_births: list[RecordKey] = []
    out_regs: list[RecordKey] = []
    while frontier:
        i = frontier.pop()
        key = keys[i]
        (out_births if key[0] == BIRTHS else out_regs).append(key)
        i_days, i_certs = days[i], certs[i]
        for j, done in enumerate(reached):
            if not done and _linked(i_days, i_certs, days[j], certs[j], tolerance):
                reached[j] = True
                frontier.append(j)
    return out_births, out_regs


def _node(versions: Sequence[Birth | Registration]) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Birth-date ordinals and certificate numbers of a record's live versions.

    A missing certificate (None) links nothing, so it is left out.
    """
    if len(versions) == 1:  # the common case, without the loop
        v = versions[0]
        if v.action == VOID:
            return (), ()
        cert = v.certificate_no
        return (v.birth_day,), (() if cert is None else (cert,))
    live = [v for v in versions if v.action != VOID]
    days = tuple({v.birth_day for v in live})
    return days, tuple({v.certificate_no for v in live if v.certificate_no is not None})


def _linked(
    days: tuple[int, ...],
    certs: tuple[str, ...],
    o_days: tuple[int, ...],
    o_certs: tuple[str, ...],
    tolerance: int,
) -> bool:
    """A shared certificate, or birth dates within ``tolerance`` days."""
    for a in days:
        for b in o_days:
            if -tolerance <= a - b <= tolerance:
                return True
    return any(c in o_certs for c in certs)

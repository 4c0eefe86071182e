"""Notices (双向通报): information owed to another city, no answer, never withdrawn.

OUTCOME_RECORDED_ELSEWHERE — a birth or termination recorded in city X is notified to
the city of a pregnancy report of hers from another city whose window [EDD−280, EDD+42]
contains the outcome date (both live at one instant), and to her hukou city when that is
not X; one notice per addressed city per outcome record.
APPROVED_LATE_TERMINATION — a termination at ≥14 weeks with an approval_ref, for a woman
whose hukou city is another, is notified to the hukou city.

A notice is published once, so it is decided only on settled instants (the streams that
could change it are complete through the instant): its content never needs revising.
issued_at is the instant the condition first held (the triggering version's recorded_at).
"""

from __future__ import annotations

from collections.abc import Sequence

from streams.engine.facts import VOID, Fact, Outcome, Pregnancy, RecordKey, Termination
from streams.engine.history import live_as_of
from streams.engine.outputs import APPROVED_LATE_TERMINATION, OUTCOME_RECORDED_ELSEWHERE, NoticeOut
from streams.engine.rules.common import Context, build_notice
from streams.engine.rules.pregnancy_outcome_unknown import outcome_day

#: Pseudo-kind under which pending notice judgements are indexed.
NOTICES = "NOTICES"


def desired(ctx: Context) -> dict[str, NoticeOut]:
    """Every notice this woman's history calls for (settled instants only)."""
    out: dict[str, NoticeOut] = {}
    for key, b_versions in ctx.triggers(ctx.state.births):
        for n in _outcome_notices(ctx, key, b_versions):
            out[n.notice_id] = n
    for key, t_versions in ctx.triggers(ctx.state.terminations):
        for n in _outcome_notices(ctx, key, t_versions):
            out[n.notice_id] = n
        for n in _approval_notices(ctx, key, t_versions):
            out[n.notice_id] = n
    return out


def _outcome_notices(ctx: Context, key: RecordKey, versions: Sequence[Outcome]) -> list[NoticeOut]:
    city = key[1]
    addressees = {v.mother_hukou_city for v in versions if v.action != VOID}
    pregnancies = ctx.state.pregnancies
    addressees.update(k[1] for k in pregnancies)
    addressees.discard(city)
    if not addressees:
        return []
    # Sorted by key so that the evidence named never depends on arrival order (once here,
    # not once per addressed city).
    by_key = sorted(pregnancies.items()) if pregnancies else []
    out = []
    for addressed in sorted(addressees):
        reports = [v for k, v in by_key if k[1] == addressed]
        n = _outcome_notice(ctx, key, versions, addressed, reports)
        if n is not None:
            out.append(n)
    return out


def _outcome_notice(
    ctx: Context,
    key: RecordKey,
    versions: Sequence[Outcome],
    addressed: str,
    reports: list[list[Pregnancy]],
) -> NoticeOut | None:
    """The notice to ``addressed`` about an outcome, given that city's reports (by key)."""
    instants = {v.recorded_at for v in versions}
    for r in reports:
        instants.update(p.recorded_at for p in r)
    for t in sorted(instants):
        o = live_as_of(versions, t)
        if o is None:
            continue
        report = _report_covering(ctx, reports, o, t)
        if report is None and o.mother_hukou_city != addressed:
            continue
        gate = ctx.params.notice_gate(key[1], key[0], addressed)
        if not ctx.settled(gate, t, NOTICES, key):
            return None
        evidence: list[Fact] = [o] if report is None else [o, report]
        return build_notice(
            ctx,
            kind=OUTCOME_RECORDED_ELSEWHERE,
            key=key,
            addressed=addressed,
            evidence=evidence,
            issued_at=t,
        )
    return None


def _report_covering(
    ctx: Context, reports: list[list[Pregnancy]], o: Outcome, instant: int
) -> Pregnancy | None:
    # outcome_window, in ordinals: no date objects built per report and instant
    rules = ctx.params.values
    before, after = rules.outcome_window_before_edd_days, rules.outcome_window_after_edd_days
    day = outcome_day(o)
    for versions in reports:
        p = live_as_of(versions, instant)
        if p is not None:
            edd = p.edd_day
            if edd - before <= day <= edd + after:
                return p
    return None


def _approval_notices(ctx: Context, key: RecordKey, versions: list[Termination]) -> list[NoticeOut]:
    min_weeks = ctx.params.values.late_termination_min_weeks
    first: dict[str, Termination] = {}
    for v in versions:
        if (
            v.action != VOID
            and v.approval_ref
            and v.gestational_weeks >= min_weeks
            and v.mother_hukou_city != v.source_city
        ):
            first.setdefault(v.mother_hukou_city, v)
    out = []
    gate = ctx.params.own_gate(key[1], key[0])
    for hukou, v in sorted(first.items()):
        if ctx.settled(gate, v.recorded_at, NOTICES, key):
            out.append(
                build_notice(
                    ctx,
                    kind=APPROVED_LATE_TERMINATION,
                    key=key,
                    addressed=hukou,
                    evidence=[v],
                    issued_at=v.recorded_at,
                )
            )
    return out

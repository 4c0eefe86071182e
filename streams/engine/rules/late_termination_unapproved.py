"""LATE_TERMINATION_UNAPPROVED: a ≥14-week termination of a woman from another city
with neither approval nor medical indication.

Fires at once if any version of the record met the condition (its recorded_at is the
instant it first held). OPEN while the current version meets it; WITHDRAWN with the date
of the correction or void that ended it otherwise. Addressed to the facility city
(``source_city``), copy to the hukou city; URGENT, 15 days.
"""

from __future__ import annotations

from streams.engine.facts import VOID, RecordKey, Termination
from streams.engine.outputs import LATE_TERMINATION_UNAPPROVED, OPEN, URGENT, WITHDRAWN, RequestOut
from streams.engine.rules.common import Context, build_request

KIND = LATE_TERMINATION_UNAPPROVED


def meets(ctx: Context, t: Termination) -> bool:
    """The condition on one version (14 weeks counts)."""
    return (
        t.action != VOID
        and t.gestational_weeks >= ctx.params.values.late_termination_min_weeks
        and not t.approval_ref
        and not t.medical_indication
        and t.mother_hukou_city != t.source_city
    )


def desired(ctx: Context) -> dict[str, RequestOut]:
    """Desired LATE_TERMINATION_UNAPPROVED requests of this woman."""
    out: dict[str, RequestOut] = {}
    for key, versions in ctx.triggers(ctx.state.terminations):
        hits = [i for i, v in enumerate(versions) if meets(ctx, v)]
        if hits:
            req = _request(ctx, key, versions, hits)
            out[req.request_id] = req
    return out


def _request(
    ctx: Context, key: RecordKey, versions: list[Termination], hits: list[int]
) -> RequestOut:
    first, last_i = versions[hits[0]], hits[-1]
    last = versions[last_i]
    if last_i == len(versions) - 1:
        state = OPEN
        reason = (
            f"termination at {last.gestational_weeks} weeks on {last.procedure_date} without "
            f"approval or medical indication, hukou {last.mother_hukou_city}"
        )
    else:
        change = versions[last_i + 1]
        verb = "voided" if change.action == VOID else "corrected"
        state, reason = WITHDRAWN, f"record {verb} on {ctx.date_text(change.recorded_at)}"
    return build_request(
        ctx,
        kind=KIND,
        keys=[key],
        addressed=last.source_city,
        copy_to=(last.mother_hukou_city,),
        child_ref=None,
        evidence=[versions[-1]],
        raised_at=first.recorded_at,
        respond_days=ctx.params.values.late_termination_respond_days,
        priority=URGENT,
        state=state,
        reason=reason,
    )

"""PREGNANCY_OUTCOME_UNKNOWN: a reported pregnancy with no outcome recorded anywhere.

Trigger: every live ``PregnancyReported`` (local or migrant). Satisfied by a birth
(birth_date) or termination (procedure_date) of hers in [EDD−280 d, EDD+42 d]. Deadline
D = EDD+42 d, judged once the births and terminations of every member city (and the
report's own stream) are complete through the end of D. Addressed to the residence city,
copy to the hukou city; URGENT, 15 days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from streams.engine.facts import Birth, Fact, Outcome, Pregnancy
from streams.engine.history import live_as_of, live_now
from streams.engine.outputs import PREGNANCY_OUTCOME_UNKNOWN, URGENT, RequestOut
from streams.engine.rules.common import Context
from streams.engine.rules.deadline import DeadlineRule, Shape, earliest, judge_deadline
from streams.engine.watermarks import Gate

KIND = PREGNANCY_OUTCOME_UNKNOWN


def outcome_window(ctx: Context, p: Pregnancy) -> tuple[int, int]:
    """[EDD − before, EDD + after]: ordinals of the outcome dates that answer this report."""
    rules = ctx.params.values
    edd = p.edd_day
    return edd - rules.outcome_window_before_edd_days, edd + rules.outcome_window_after_edd_days


def outcome_day(o: Outcome) -> int:
    """Ordinal of the birth_date of a birth, of the procedure_date of a termination."""
    return o.birth_day if isinstance(o, Birth) else o.procedure_day


def _outcomes(ctx: Context, instant: int | None) -> list[Outcome]:
    tables: tuple[Iterable[Sequence[Outcome]], ...] = (
        ctx.state.births.values(),
        ctx.state.terminations.values(),
    )
    out: list[Outcome] = []
    for table in tables:
        for versions in table:
            v = live_now(versions) if instant is None else live_as_of(versions, instant)
            if v is not None:
                out.append(v)
    return out


def _in_window(ctx: Context, p: Pregnancy, instant: int | None) -> list[Outcome]:
    start, end = outcome_window(ctx, p)
    return [o for o in _outcomes(ctx, instant) if start <= outcome_day(o) <= end]


def _any_in_window(ctx: Context, p: Pregnancy, instant: int) -> bool:
    """Whether an outcome live at ``instant`` is dated in the window (``_in_window``, short-cut)."""
    start, end = outcome_window(ctx, p)
    for b_versions in ctx.state.births.values():
        b = live_as_of(b_versions, instant)
        if b is not None and start <= b.birth_day <= end:
            return True
    for t_versions in ctx.state.terminations.values():
        t = live_as_of(t_versions, instant)
        if t is not None and start <= t.procedure_day <= end:
            return True
    return False


class PregnancyOutcomeUnknown(DeadlineRule[Pregnancy]):
    """The rule, as a :class:`~streams.engine.rules.deadline.DeadlineRule`."""

    def applies(self, ctx: Context, v: Pregnancy) -> bool:
        """Every reported pregnancy, local or migrant."""
        return True

    def deadline(self, ctx: Context, v: Pregnancy) -> int:
        """EDD + 42 days (ordinal): the end of the outcome window."""
        after = ctx.params.values.outcome_window_after_edd_days
        return v.edd_day + after

    def addressed(self, ctx: Context, v: Pregnancy) -> str:
        """The residence city."""
        return v.residence_city

    def gate(self, ctx: Context, v: Pregnancy) -> Gate:
        """Births and terminations of every member, plus the report's stream."""
        return ctx.params.outcome_gate(v.source_city)

    def satisfied_at(self, ctx: Context, v: Pregnancy, instant: int) -> bool:
        """An outcome in the window was live at ``instant``."""
        return _any_in_window(ctx, v, instant)

    def late_evidence(self, ctx: Context, v: Pregnancy) -> Fact | None:
        """The earliest-recorded outcome in the window, now."""
        return earliest(_in_window(ctx, v, None))

    def shape(self, ctx: Context, v: Pregnancy, deadline: dt.date) -> Shape:
        """Residence city, copy hukou city; URGENT."""
        start, end = (dt.date.fromordinal(day) for day in outcome_window(ctx, v))
        return Shape(
            addressed=v.residence_city,
            copy_to=(v.mother_hukou_city,),
            child_ref=None,
            priority=URGENT,
            respond_days=ctx.params.values.outcome_respond_days,
            reason=(
                f"no birth or termination dated {start}..{end} recorded in any member city "
                f"by the end of {deadline}"
            ),
        )


RULE = PregnancyOutcomeUnknown(KIND)


def desired(ctx: Context) -> dict[str, RequestOut]:
    """Desired PREGNANCY_OUTCOME_UNKNOWN requests of this woman."""
    if not ctx.state.pregnancies:
        return {}
    return judge_deadline(ctx, RULE, ctx.state.pregnancies)

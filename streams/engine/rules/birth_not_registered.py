"""BIRTH_NOT_REGISTERED: a migrant's birth with no matching registration anywhere.

Trigger: a ``BirthRecorded`` whose mother's hukou city differs from the birth city
(``source_city``). Satisfied when the one-to-one matching pairs it with a registration.
Deadline D = birth_date + 60 d, judged once births and registrations of every member are
complete through the end of D. Addressed to the hukou city, copy to the birth city;
NORMAL, 30 days; no child_ref (the child is not registered).
"""

from __future__ import annotations

import datetime as dt

from streams.engine.facts import Birth, Fact
from streams.engine.outputs import BIRTH_NOT_REGISTERED, NORMAL, RequestOut
from streams.engine.rules.common import Context
from streams.engine.rules.deadline import DeadlineRule, Shape, judge_deadline
from streams.engine.watermarks import Gate

KIND = BIRTH_NOT_REGISTERED


class BirthNotRegistered(DeadlineRule[Birth]):
    """The rule, as a :class:`~streams.engine.rules.deadline.DeadlineRule`."""

    def applies(self, ctx: Context, v: Birth) -> bool:
        """Only births to a woman whose hukou is in another city."""
        return v.mother_hukou_city != v.source_city

    def deadline(self, ctx: Context, v: Birth) -> int:
        """birth_date + registration_deadline_days (ordinal)."""
        return v.birth_day + ctx.params.values.registration_deadline_days

    def addressed(self, ctx: Context, v: Birth) -> str:
        """The hukou city."""
        return v.mother_hukou_city

    def gate(self, ctx: Context, v: Birth) -> Gate:
        """Births and registrations of every member (matching depends on both)."""
        return ctx.params.match_gate

    def satisfied_at(self, ctx: Context, v: Birth, instant: int) -> bool:
        """Matched to a registration live at ``instant``."""
        return v.key in ctx.matching(instant, v).birth_to_reg

    def late_evidence(self, ctx: Context, v: Birth) -> Fact | None:
        """The registration matched to it now."""
        return ctx.matching(None, v).birth_to_reg.get(v.key)

    def shape(self, ctx: Context, v: Birth, deadline: dt.date) -> Shape:
        """Hukou city, copy birth city; NORMAL."""
        return Shape(
            addressed=v.mother_hukou_city,
            copy_to=(v.source_city,),
            child_ref=None,
            priority=NORMAL,
            respond_days=ctx.params.values.birth_not_registered_respond_days,
            reason=(
                f"birth of {v.birth_date} in {v.source_city} has no matching registration "
                f"in any member city by the end of {deadline}"
            ),
        )


RULE = BirthNotRegistered(KIND)


def desired(ctx: Context) -> dict[str, RequestOut]:
    """Desired BIRTH_NOT_REGISTERED requests of this woman."""
    if not ctx.state.births:
        return {}
    return judge_deadline(ctx, RULE, ctx.state.births)

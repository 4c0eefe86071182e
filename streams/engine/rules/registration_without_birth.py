"""REGISTRATION_WITHOUT_BIRTH: a registration with no matching birth anywhere.

Trigger: a ``RegistrationRecorded`` whose birth place is another city or unknown.
Satisfied when the one-to-one matching pairs it with a birth. Deadline
D = registered_on + 30 d (``birth_grace_after_registration_days``), judged once births
and registrations of every member are complete through the end of D. Addressed to the
birth-place city, else the registering city; copy to the registering city; NORMAL, 30 d.
"""

from __future__ import annotations

import datetime as dt

from streams.engine.facts import Fact, Registration
from streams.engine.outputs import NORMAL, REGISTRATION_WITHOUT_BIRTH, RequestOut
from streams.engine.rules.common import Context
from streams.engine.rules.deadline import DeadlineRule, Shape, judge_deadline
from streams.engine.watermarks import Gate

KIND = REGISTRATION_WITHOUT_BIRTH


class RegistrationWithoutBirth(DeadlineRule[Registration]):
    """The rule, as a :class:`~streams.engine.rules.deadline.DeadlineRule`."""

    def applies(self, ctx: Context, v: Registration) -> bool:
        """Birth place unknown or another city than the registering one."""
        return v.birth_place_city is None or v.birth_place_city != v.source_city

    def deadline(self, ctx: Context, v: Registration) -> int:
        """registered_on + birth_grace_after_registration_days (ordinal)."""
        return v.registered_day + ctx.params.values.birth_grace_after_registration_days

    def addressed(self, ctx: Context, v: Registration) -> str:
        """The birth-place city, else the registering city."""
        return v.birth_place_city or v.source_city

    def gate(self, ctx: Context, v: Registration) -> Gate:
        """Births and registrations of every member (matching depends on both)."""
        return ctx.params.match_gate

    def satisfied_at(self, ctx: Context, v: Registration, instant: int) -> bool:
        """Matched to a birth live at ``instant``."""
        return v.key in ctx.matching(instant, v).reg_to_birth

    def late_evidence(self, ctx: Context, v: Registration) -> Fact | None:
        """The birth matched to it now."""
        return ctx.matching(None, v).reg_to_birth.get(v.key)

    def shape(self, ctx: Context, v: Registration, deadline: dt.date) -> Shape:
        """Birth-place city (else registering city), copy registering city; NORMAL."""
        return Shape(
            addressed=v.birth_place_city or v.source_city,
            copy_to=(v.source_city,),
            child_ref=v.child_ref,
            priority=NORMAL,
            respond_days=ctx.params.values.registration_without_birth_respond_days,
            reason=(
                f"registration of {v.registered_on} in {v.source_city} has no matching birth "
                f"in any member city by the end of {deadline}"
            ),
        )


RULE = RegistrationWithoutBirth(KIND)


def desired(ctx: Context) -> dict[str, RequestOut]:
    """Desired REGISTRATION_WITHOUT_BIRTH requests of this woman."""
    if not ctx.state.registrations:
        return {}
    return judge_deadline(ctx, RULE, ctx.state.registrations)

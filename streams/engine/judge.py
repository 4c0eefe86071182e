"""The pure judgement: desired requests and notices of one woman, given the watermarks.

``judge`` is a function of the woman's history, the watermarks and the parameters only;
the engine diffs its result against what it published before.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Final

from streams.engine.facts import BIRTHS, PREGNANCIES, REGISTRATIONS, TERMINATIONS
from streams.engine.history import WomanState
from streams.engine.outputs import (
    BIRTH_NOT_REGISTERED,
    DUPLICATE_REGISTRATION,
    LATE_TERMINATION_UNAPPROVED,
    PREGNANCY_OUTCOME_UNKNOWN,
    REGISTRATION_WITHOUT_BIRTH,
    REQUEST_KINDS,
    NoticeOut,
    RequestOut,
)
from streams.engine.params import EngineParams
from streams.engine.rules import (
    birth_not_registered,
    duplicate_registration,
    late_termination_unapproved,
    notices,
    pregnancy_outcome_unknown,
    registration_without_birth,
)
from streams.engine.rules.common import Context, Pending, WatermarkView

NOTICES: Final = notices.NOTICES

#: Every request rule by kind, in a fixed order.
REQUEST_RULES: Final[dict[str, Callable[[Context], dict[str, RequestOut]]]] = {
    PREGNANCY_OUTCOME_UNKNOWN: pregnancy_outcome_unknown.desired,
    BIRTH_NOT_REGISTERED: birth_not_registered.desired,
    REGISTRATION_WITHOUT_BIRTH: registration_without_birth.desired,
    LATE_TERMINATION_UNAPPROVED: late_termination_unapproved.desired,
    DUPLICATE_REGISTRATION: duplicate_registration.desired,
}

ALL_KINDS: Final = frozenset((*REQUEST_KINDS, NOTICES))

#: Which judgements a new version of a record of each stream can change.
KINDS_BY_STREAM: Final[dict[str, frozenset[str]]] = {
    BIRTHS: frozenset(
        {PREGNANCY_OUTCOME_UNKNOWN, BIRTH_NOT_REGISTERED, REGISTRATION_WITHOUT_BIRTH, NOTICES}
    ),
    REGISTRATIONS: frozenset(
        {BIRTH_NOT_REGISTERED, REGISTRATION_WITHOUT_BIRTH, DUPLICATE_REGISTRATION}
    ),
    TERMINATIONS: frozenset({PREGNANCY_OUTCOME_UNKNOWN, LATE_TERMINATION_UNAPPROVED, NOTICES}),
    PREGNANCIES: frozenset({PREGNANCY_OUTCOME_UNKNOWN, NOTICES}),
}


@dataclass(slots=True)
class Judgement:
    """Desired requests and notices, and the judgements still waiting for watermarks."""

    requests: dict[str, RequestOut] = field(default_factory=dict)
    notices: dict[str, NoticeOut] = field(default_factory=dict)
    pending: set[Pending] = field(default_factory=set)


def judge(
    state: WomanState,
    watermarks: WatermarkView,
    params: EngineParams,
    kinds: Collection[str] = ALL_KINDS,
) -> Judgement:
    """Desired outputs of the rules in ``kinds`` (request kinds and/or ``NOTICES``)."""
    ctx = Context(state, watermarks, params)
    result = Judgement(pending=ctx.pending)
    for kind, rule in REQUEST_RULES.items():
        if kind in kinds:
            result.requests.update(rule(ctx))
    if NOTICES in kinds:
        result.notices = notices.desired(ctx)
    return result

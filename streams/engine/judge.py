"""The pure judgement: desired requests and notices of one woman, given the watermarks.

``judge`` is a function of the woman's history, the watermarks and the parameters only;
the engine diffs its result against what it published before.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Final

from streams.engine.facts import RecordKey
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
from streams.engine.rules.common import Context, Pending
from streams.engine.watermarks import Watermarks

NOTICES: Final = notices.NOTICES

#: Rule kind → trigger keys to judge.
Scope = Mapping[str, Collection[RecordKey]]

#: Every request rule by kind, in a fixed order.
REQUEST_RULES: Final[dict[str, Callable[[Context], dict[str, RequestOut]]]] = {
    PREGNANCY_OUTCOME_UNKNOWN: pregnancy_outcome_unknown.desired,
    BIRTH_NOT_REGISTERED: birth_not_registered.desired,
    REGISTRATION_WITHOUT_BIRTH: registration_without_birth.desired,
    LATE_TERMINATION_UNAPPROVED: late_termination_unapproved.desired,
    DUPLICATE_REGISTRATION: duplicate_registration.desired,
}

ALL_KINDS: Final = frozenset((*REQUEST_KINDS, NOTICES))


@dataclass(slots=True, init=False)
class Judgement:
    """Desired requests and notices, and the judgements still waiting for watermarks."""

    requests: dict[str, RequestOut]
    notices: dict[str, NoticeOut]
    pending: set[Pending]

    # Written out: mypyc compiles an explicit __init__, not the generated one.
    def __init__(self, pending: set[Pending] | None = None) -> None:
        self.requests = {}
        self.notices = {}
        self.pending = set() if pending is None else pending


def judge(
    state: WomanState,
    watermarks: Watermarks,
    params: EngineParams,
    scope: Scope | None = None,
) -> Judgement:
    """Desired outputs of every rule, or only of the triggers in ``scope``.

    ``scope`` maps a rule kind (a request kind or ``NOTICES``) to the trigger keys to
    judge; a pair rule judges the pairs with one of them. Kinds not in it are skipped.
    """
    ctx = Context(state, watermarks, params)
    result = Judgement(pending=ctx.pending)
    if scope is None:
        for rule in REQUEST_RULES.values():
            result.requests.update(rule(ctx))
        result.notices = notices.desired(ctx)
        return result
    for kind, keys in scope.items():
        if not keys:
            continue
        ctx.scope = keys
        if kind == NOTICES:
            result.notices = notices.desired(ctx)
        else:
            result.requests.update(REQUEST_RULES[kind](ctx))
    return result
